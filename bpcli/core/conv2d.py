"""2-D convolution layer (cross-correlation, as deep-learning libraries define it) on image data.

Z[n, f, y, x] = b[f] + sum_{c, i, j} W[f, c, i, j] * P[n, c, s*y + i, s*x + j],
where P is A_prev zero-padded by p on every side and s is the stride.
Output size: Ho = (H + 2p - kh) // s + 1, Wo = (W + 2p - kw) // s + 1.

The forward pass gathers the receptive fields into a matrix (im2col) and does a matrix product;
the backward pass uses that matrix for dW and scatters the columns of W^T dZ back (col2im) with one
strided add per kernel offset, which is much faster than np.add.at. Both work through the output
positions a tile at a time (whole samples, or rows of one sample, or part of one row), each
tile's im2col matrix small enough to stay in the processor's cache: a whole batch's matrix (28 MB
for 128 × 3 × 32 × 32) would not, and would cost memory out of proportion to the network's own
tensors. A network whose whole matrix is at most KEPT_IM2COL_BYTES keeps its tiles from the
forward pass for the backward pass, however the threads cut it; otherwise each tile's is built
again there, from the padded input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Iterator

import numpy as np

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase
from bpcli.core.parallel import allowed_threads, run_tasks
from bpcli.core.threads import product
from bpcli.core.workspace import WORKSPACE
from bpcli.texts import Msg

#: the most bytes of im2col matrix built at once (a tile): CPU time of a forward and backward
#: pass of the benchmark convolution, 1 / 2 / 4 MiB tiles: 1.02 / 0.89 / 0.88 ms at m = 8 × 32²,
#: 4.4 / 4.2 / 4.8 ms at 32 × 32², 19.8 / 18.4 / 18.3 ms at 128 × 32² (fewer tiles make fewer
#: numpy calls; larger ones no longer gain)
IM2COL_TILE_BYTES = 2 * 1024 * 1024
#: a pass whose three products (Z, dW, the columns of dA_prev) reach this many multiply-adds
#: shares its sample groups among threads. Measured on an idle 2-core machine, the benchmark
#: convolution's forward + backward pass on one thread and shared: 1.33 / 1.55 ms at 8 × 32²
#: (10.6 M multiply-adds; im2col and col2im gain little from a second core, and each hand-over
#: between threads costs tens of µs: see ``parallel``), 2.9 / 2.3 ms at 16 × 32² (21 M), 6.3 / 4.5
#: ms at 32 × 32²
MIN_WORK_TO_SHARE = 2 ** 24
#: the largest whole im2col matrix kept from the forward pass for the backward pass, which then
#: need not build it again (16 × 32² on one thread: backward 2.39 -> 2.15 ms)
KEPT_IM2COL_BYTES = 4 * 1024 * 1024

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


@dataclass(frozen=True)
class Tile:
    """Output positions done together: samples × rows × columns of the output, which are always
    one contiguous range ``positions`` of the im2col matrix's columns (ordered n, y, x)."""

    samples: slice
    rows: slice
    columns: slice
    positions: slice


def tiles(m: int, Ho: int, Wo: int, positions_per_tile: int) -> Iterator[Tile]:
    """The output positions (m, Ho, Wo) in order, at most ``positions_per_tile`` (at least 1) at a
    time: as many whole samples as fit, else as many whole rows of one sample, else part of a row."""
    per_sample = Ho * Wo
    if positions_per_tile >= per_sample:
        samples = positions_per_tile // per_sample
        for n in range(0, m, samples):
            stop = min(n + samples, m)
            yield Tile(slice(n, stop), slice(0, Ho), slice(0, Wo), slice(n * per_sample, stop * per_sample))
        return
    for n in range(m):
        if positions_per_tile >= Wo:
            rows = positions_per_tile // Wo
            for y in range(0, Ho, rows):
                stop = min(y + rows, Ho)
                first = n * per_sample + y * Wo
                yield Tile(slice(n, n + 1), slice(y, stop), slice(0, Wo), slice(first, first + (stop - y) * Wo))
            continue
        for y in range(Ho):
            for x in range(0, Wo, positions_per_tile):
                stop = min(x + positions_per_tile, Wo)
                first = n * per_sample + y * Wo + x
                yield Tile(slice(n, n + 1), slice(y, y + 1), slice(x, stop), slice(first, first + stop - x))


@dataclass(frozen=True)
class Plan:
    """How a pass goes through the output positions: tiles grouped so that no two groups share a
    sample, and whether the groups are shared among threads. Groups can run at the same time
    because each pads, and adds col2im's overlapping windows into, only its own samples' part of
    the padded arrays."""

    groups: list[list[Tile]]
    shared: bool
    keeps_cols: bool  # the whole im2col matrix is at most KEPT_IM2COL_BYTES: kept for the backward pass


@dataclass
class ConvCache:
    padded: np.ndarray  # (m, C, H + 2p, W + 2p) the input, zero-padded (A_prev itself when p = 0)
    #: each group's tiles' im2col matrices (C*kh*kw, the tile's positions), when the whole matrix
    #: is small enough to keep (KEPT_IM2COL_BYTES), else None
    cols: list[list[np.ndarray]] | None
    input_shape: tuple[int, int, int, int]  # (m, C, H, W)
    plan: Plan  # the forward pass's, which the backward pass follows (and its tiles' cols)


@dataclass
class Conv2D(LayerBase):
    """A conv2d layer.

    W: (F, C, kh, kw), b: (F,). Input A_prev: (m, C, H, W); output Z: (m, F, Ho, Wo).
    The activation is applied by the network run, not here.
    """

    index: int
    filters: int
    kernel_h: int
    kernel_w: int
    stride: int
    padding: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    kind = "conv2d"
    KEYS: ClassVar[tuple[str, ...]] = ("type", "filters", "kernel", "stride", "padding", "activation", "W", "b")
    LAYOUT: ClassVar[str] = "images"
    UNIT_BIAS: ClassVar[str | None] = "b"

    def passes_unit_shifts_on(self) -> bool:
        """A channel's constant reaches every output position with the same weights, c Σ W, unless
        zero padding lets the border positions see less of it."""
        return self.activation == "linear" and self.padding == 0

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> Conv2D:
        """A conv2d layer from its entry in the network file; W drawn when not given, b 0."""
        filters = spec.integer("filters", Msg("spec.what.filters"))
        kernel = spec.mapping.get("kernel")
        if kernel is None:
            spec.error("kernel", Msg("spec.missing_key", field="'kernel'", what=Msg("spec.what.kernel")), "missing_key")
        if isinstance(kernel, list):
            if len(kernel) != 2:
                spec.error("kernel", Msg("spec.kernel_list", count=len(kernel)), "wrong_type")
            kh = spec.integer("kernel", Msg("spec.what.kernel_height"), value=kernel[0])
            kw = spec.integer("kernel", Msg("spec.what.kernel_width"), value=kernel[1])
        else:
            kh = kw = spec.integer("kernel", Msg("spec.what.kernel"))
        stride = spec.integer("stride", Msg("spec.what.conv_stride"), default=1)
        padding = spec.integer("padding", Msg("spec.what.padding"), default=0, minimum=0)
        _, C, H, W_in = spec.input_shape
        if kh > H + 2 * padding or kw > W_in + 2 * padding:
            spec.error("kernel", Msg("spec.kernel_too_large", kh=kh, kw=kw, height=H + 2 * padding,
                                     width=W_in + 2 * padding, source=spec.source_words(),
                                     shape=spec.shape_words(spec.input_shape), padding=padding), "kernel_too_large")
        shape = (filters, C, kh, kw)
        number = spec.number
        W_name = Msg("spec.parameter", name="W", layer=number)
        spec.count(shape, W_name, key="W")
        filter_count = Msg("spec.count.filters", count=filters)
        W = spec.tensor("W", shape, Msg("spec.reason.conv_W", layer=number, filters=filter_count, kh=kh, kw=kw,
                                        channels=Msg("spec.count.channels", count=C)), (4,),
                        W_name)
        b = spec.tensor("b", (filters,), Msg("spec.reason.conv_b", layer=number, filters=filter_count), (1,),
                        Msg("spec.parameter", name="b", layer=number))
        if W is None:
            W = spec.weights(shape, C * kh * kw)
        if b is None:
            b = np.zeros(filters)
        layer = cls(index=number, filters=filters, kernel_h=kh, kernel_w=kw, stride=stride, padding=padding,
                    activation=spec.activation(), W=W, b=b)
        spec.count_buffers(layer)
        return layer

    def parameters(self) -> dict[str, np.ndarray]:
        return {"W": self.W, "b": self.b}

    def describe(self) -> Description:
        """'2@3×3', with the stride and padding where they are not the defaults: '1@3×3/2 p1'
        (stride after a slash, as a pool's window/stride)."""
        size = f"{self.filters}@{self.kernel_h}×{self.kernel_w}"
        if self.stride != 1:
            size += f"/{self.stride}"
        if self.padding:
            size += f" p{self.padding}"
        return Description(self.kind, size, self.activation)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(m, C, H, W) -> (m, F, Ho, Wo)."""
        m, _, H, W = input_shape
        return (m, self.filters, output_size(H, self.kernel_h, self.stride, self.padding),
                output_size(W, self.kernel_w, self.stride, self.padding))

    def buffers(self, input_shape: tuple[int, ...]) -> list[Buffer]:
        """The arrays a pass on ``input_shape`` allocates whole: the zero-padded input (also the
        shape of the backward pass's col2im accumulator). The im2col matrix is built a tile at
        a time (``tiles``), so it is never whole and never counted."""
        m, C, H, W = input_shape
        p = self.padding
        return [Buffer(Msg("spec.buffer.padded"), (m, C, H + 2 * p, W + 2 * p), kept=False)]

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, ConvCache]:
        """Z = A_prev ⋆ W + b. A_prev: (m, C, H, W) -> Z: (m, F, Ho, Wo)."""
        m, C, H, W = A_prev.shape
        _, F, Ho, Wo = self.output_shape(A_prev.shape)
        p = self.padding
        padded = np.ascontiguousarray(A_prev) if p == 0 else WORKSPACE.empty((m, C, H + 2 * p, W + 2 * p))
        weights = self.W.reshape(F, -1)
        bias = self.b[:, None]
        Z_filter_major = WORKSPACE.empty((F, m * Ho * Wo))
        plan = self._plan(m, C, Ho, Wo)

        def convolve(group: list[Tile]) -> list[np.ndarray]:
            """The group's part of Z; its tiles' im2col matrices if they are kept."""
            if p:
                self._pad(A_prev, padded, group[0].samples.start, group[-1].samples.stop)
            kept = []
            for tile in group:
                cols = self._im2col(padded, tile)
                Z_tile = product(weights, cols, out=Z_filter_major[:, tile.positions])
                Z_tile += bias
                if plan.keeps_cols:
                    kept.append(cols)
            return kept

        kept_cols = run_tasks([partial(convolve, group) for group in plan.groups], share=plan.shared)
        # a transposed view: later element-wise steps keep this layout, so no copy is made
        Z = Z_filter_major.reshape(F, m, Ho, Wo).transpose(1, 0, 2, 3)
        return Z, ConvCache(padded, kept_cols if plan.keeps_cols else None, (m, C, H, W), plan)

    def backward(self, dZ: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gradients from dZ: (m, F, Ho, Wo).

        dA_prev (m, C, H, W) = the full correlation of the stride-dilated dZ with ROT180(W),
        computed here as col2im of W^T dZ; the gradients {"W": dW = A_prev ⋆ dZ (F, C, kh, kw),
        "b": db = dZ summed over samples and positions (F,)}.
        """
        m, C, H, W = cache.input_shape
        F, kh, kw, p = self.filters, self.kernel_h, self.kernel_w, self.padding
        Ho, Wo = dZ.shape[2], dZ.shape[3]
        dZ_filter_major = dZ.transpose(1, 0, 2, 3).reshape(F, m * Ho * Wo)
        weights_T = self.W.reshape(F, -1).T
        d_padded = WORKSPACE.empty(cache.padded.shape)

        def gradients(group: list[Tile], kept_cols: list[np.ndarray] | None) -> np.ndarray:
            """dW^T (C*kh*kw, F) of the group's samples; their dA_prev (padded) written into d_padded."""
            d_padded[group[0].samples.start:group[-1].samples.stop] = 0
            dW_T = np.zeros((C * kh * kw, F))
            for position, tile in enumerate(group):
                cols = kept_cols[position] if kept_cols is not None else self._im2col(cache.padded, tile)
                dZ_tile = dZ_filter_major[:, tile.positions]
                # as cols (dZ)^T, not dZ cols^T: OpenBLAS does this shape, long inner dimension and
                # few outputs, in 0.65 of the time (27 × 8192 × 16 here: 0.33 against 0.50 ms)
                dW_T += product(cols, dZ_tile.T)
                dcols = product(weights_T, dZ_tile, out=WORKSPACE.empty(cols.shape))
                self._col2im(dcols, d_padded, tile)
            return dW_T

        plan = cache.plan
        # summed in sample order whichever thread computed each part, so dW is the same every run
        kept = cache.cols or [None] * len(plan.groups)
        dW_T = sum(run_tasks([partial(gradients, group, cols) for group, cols in zip(plan.groups, kept)],
                           share=plan.shared))
        db = dZ_filter_major.sum(axis=1)
        dA_prev = d_padded[:, :, p:p + H, p:p + W] if p else d_padded
        return dA_prev, {"W": np.ascontiguousarray(dW_T.T).reshape(F, C, kh, kw), "b": db}

    def _pad(self, A_prev: np.ndarray, padded: np.ndarray, first: int, stop: int) -> None:
        """Samples first..stop-1 of A_prev into ``padded``, zeros around them: a buffer and a slice
        assignment, as np.pad costs ~30x more on small tensors."""
        p = self.padding
        H, W = A_prev.shape[2], A_prev.shape[3]
        samples = padded[first:stop]
        for border in (np.s_[:, :, :p], np.s_[:, :, H + p:], np.s_[:, :, p:H + p, :p], np.s_[:, :, p:H + p, W + p:]):
            samples[border] = 0
        samples[:, :, p:p + H, p:p + W] = A_prev[first:stop]

    def _plan(self, m: int, C: int, Ho: int, Wo: int) -> Plan:
        """Tiles of at most IM2COL_TILE_BYTES of im2col matrix, grouped by samples; shared among
        threads when the products are large enough to gain from it, and then cut into at least
        as many groups as threads are allowed (whole samples each, as far as the batch allows),
        whether or not cores are idle to run them (run_tasks looks at that)."""
        column_bytes = C * self.kernel_h * self.kernel_w * np.dtype(np.float64).itemsize
        positions = max(1, IM2COL_TILE_BYTES // column_bytes)
        product_work = self.filters * C * self.kernel_h * self.kernel_w * m * Ho * Wo  # each of the three
        shared = m > 1 and 3 * product_work >= MIN_WORK_TO_SHARE
        if shared:
            # cut for the threads allowed, not for those idle now: dW is summed group by group, and
            # a busy machine (where run_tasks runs every group on the caller) gives the same bits
            threads = allowed_threads()
            shared = threads > 1
            if shared:
                positions = min(positions, -(-m // threads) * Ho * Wo)
        groups: list[list[Tile]] = []
        for tile in tiles(m, Ho, Wo, positions):
            if groups and groups[-1][-1].samples == tile.samples:
                groups[-1].append(tile)
            else:
                groups.append([tile])
        return Plan(groups, shared, keeps_cols=column_bytes * m * Ho * Wo <= KEPT_IM2COL_BYTES)

    def _windows(self, padded: np.ndarray, tile: Tile) -> np.ndarray:
        """The (C, kh, kw, samples, rows, columns) view of ``padded`` holding, for each output
        position of the tile, its receptive field."""
        s = self.stride
        n, y, x = tile.samples, tile.rows, tile.columns
        sm, sc, sh, sw = padded.strides
        shape = (padded.shape[1], self.kernel_h, self.kernel_w, n.stop - n.start, y.stop - y.start, x.stop - x.start)
        # padded is C-contiguous (a workspace array, or the contiguous input when p = 0), so the
        # view can be made over its memory directly: np.ndarray checks that it stays inside, and
        # costs ~1 µs where as_strided costs ~8 (a tiny network's whole convolution is ~50 µs)
        windows = np.ndarray(shape, padded.dtype, padded, n.start * sm + y.start * s * sh + x.start * s * sw,
                             (sc, sh, sw, sm, sh * s, sw * s))
        windows.flags.writeable = False
        return windows

    def _im2col(self, padded: np.ndarray, tile: Tile) -> np.ndarray:
        """The tile's im2col matrix (C*kh*kw, its positions), from the workspace."""
        windows = self._windows(padded, tile)
        cols = WORKSPACE.empty((windows.shape[0] * windows.shape[1] * windows.shape[2],
                                tile.positions.stop - tile.positions.start))
        np.copyto(cols.reshape(windows.shape), windows)
        return cols

    def _col2im(self, dcols: np.ndarray, d_padded: np.ndarray, tile: Tile) -> None:
        """Add each column of ``dcols`` (C*kh*kw, the tile's positions) back onto the receptive
        field it came from in ``d_padded`` (m, C, H + 2p, W + 2p)."""
        s, kh, kw = self.stride, self.kernel_h, self.kernel_w
        n, y, x = tile.samples, tile.rows, tile.columns
        rows, columns = y.stop - y.start, x.stop - x.start
        per_offset = dcols.reshape(-1, kh, kw, n.stop - n.start, rows, columns)
        corner = d_padded[n, :, y.start * s:, x.start * s:]
        for i in range(kh):
            for j in range(kw):
                corner[:, :, i:i + s * (rows - 1) + 1:s, j:j + s * (columns - 1) + 1:s] += \
                    per_offset[:, i, j].transpose(1, 0, 2, 3)
