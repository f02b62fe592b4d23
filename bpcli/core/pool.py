"""Max and average pooling on image data (m, C, H, W): square windows of side ``size`` moved by
``stride``, no padding. Output side: (H - size) // stride + 1, so rows and columns that no window
reaches are left out (and get zero gradient).

Both passes loop over the size*size offsets inside a window, never over pixels: each offset is
one strided view of the input, so every step is one vectorised numpy operation, writing into
arrays from the workspace (no window is ever copied out). They work through the batch a chunk of
samples at a time, small enough to stay in cache through the offset loop, and share the chunks
among threads on large batches (``parallel.over_samples``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase
from bpcli.core.parallel import over_samples
from bpcli.core.workspace import WORKSPACE
from bpcli.texts import Msg

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec


def output_size(size: int, window: int, stride: int) -> int:
    return (size - window) // stride + 1


def _offset_view(A: np.ndarray, i: int, j: int, stride: int, Ho: int, Wo: int) -> np.ndarray:
    """The (m, C, Ho, Wo) view of A holding, for every window, its element at offset (i, j)."""
    return A[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]


@dataclass
class PoolCache:
    A_prev: np.ndarray  # (m, C, H, W)
    out: np.ndarray  # (m, C, Ho, Wo)
    tied_windows: int = field(default=0)  # max pool: windows whose maximum occurs twice or more


@dataclass
class _Pool(LayerBase):
    index: int
    size: int
    stride: int
    activation = None
    KEYS: ClassVar[tuple[str, ...]] = ("type", "size", "stride")
    LAYOUT: ClassVar[str] = "images"

    def passes_unit_shifts_on(self) -> bool:
        """max(x + c) = max(x) + c, mean(x + c) = mean(x) + c."""
        return True

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> _Pool:
        """A pooling layer from its entry in the network file; ``stride`` defaults to ``size``."""
        size = spec.integer("size", Msg("spec.what.pool_size"))
        stride = spec.integer("stride", Msg("spec.what.pool_stride"), default=size)
        H, W = spec.input_shape[2], spec.input_shape[3]
        if size > H or size > W:
            spec.error("size", Msg("spec.window_too_large", size=size, height=H, width=W, source=spec.source_words(),
                                   shape=spec.shape_words(spec.input_shape)), "window_too_large")
        pool = cls(index=spec.number, size=size, stride=stride)
        spec.count_buffers(pool)
        return pool

    def describe(self) -> Description:
        return Description(self.kind, f"{self.size}×{self.size}/{self.stride}")

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(m, C, H, W) -> (m, C, Ho, Wo)."""
        m, C, H, W = input_shape
        return (m, C, output_size(H, self.size, self.stride), output_size(W, self.size, self.stride))

    def buffers(self, input_shape: tuple[int, ...]) -> list[Buffer]:
        """The arrays a pass allocates besides its output and gradients: the max pool's window
        masks (which element got the gradient, which windows tie), each of the output's shape."""
        return [Buffer(Msg("spec.buffer.masks"), self.output_shape(input_shape), kept=False)]

    def _offsets(self):
        return [(i, j) for i in range(self.size) for j in range(self.size)]  # row-major order

    def _over_chunks(self, work, A_prev: np.ndarray) -> list:
        """``work(samples)`` for chunks of samples small enough to stay in cache through the
        window loop, shared among threads on large batches (``parallel.over_samples``)."""
        return over_samples(work, A_prev.shape[0], A_prev[:1].nbytes)

    def _fold_windows(self, A_prev: np.ndarray, out: np.ndarray, combine) -> None:
        """Every window's elements combined with the ufunc ``combine`` (np.maximum, np.add),
        one offset at a time, into ``out``: (m, C, H, W) -> (m, C, Ho, Wo)."""
        Ho, Wo = out.shape[2], out.shape[3]
        offsets = self._offsets()
        np.copyto(out, _offset_view(A_prev, *offsets[0], self.stride, Ho, Wo))
        for i, j in offsets[1:]:
            combine(out, _offset_view(A_prev, i, j, self.stride, Ho, Wo), out=out)

    def _clear_input_gradient(self, dA_prev: np.ndarray, Ho: int, Wo: int) -> bool:
        """Make ``dA_prev`` ready to be filled offset by offset; returns whether each offset adds
        to it. Windows that tile the input (stride = size) never share an element, so each
        offset's values are written straight in and only the rows and columns no window reaches
        are zeroed; otherwise dA_prev starts at zero and overlapping windows add."""
        if self.stride != self.size:
            dA_prev.fill(0)
            return True
        dA_prev[:, :, Ho * self.size:] = 0
        dA_prev[:, :, :, Wo * self.size:] = 0
        return False


@dataclass
class MaxPool(_Pool):
    """Each output is the largest element of its window. Backward routes a window's gradient to
    its largest element, the first in row-major order when several tie; overlapping windows add."""

    kind = "maxpool"

    def winners(self, cache: PoolCache) -> np.ndarray:
        """For every window, (m, C, Ho, Wo), the row-major offset of the element its gradient goes
        to: the first largest. The loss is smooth in A_prev as long as no winner changes."""
        Ho, Wo = cache.out.shape[2], cache.out.shape[3]
        winner = np.full(cache.out.shape, -1)
        for offset, (i, j) in enumerate(self._offsets()):
            winner[(winner < 0) & (_offset_view(cache.A_prev, i, j, self.stride, Ho, Wo) == cache.out)] = offset
        return winner

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, PoolCache]:
        """A_prev: (m, C, H, W) -> A: (m, C, Ho, Wo)."""
        out = WORKSPACE.empty(self.output_shape(A_prev.shape))
        self._over_chunks(lambda n: self._fold_windows(A_prev[n], out[n], np.maximum), A_prev)
        return out, PoolCache(A_prev, out)

    def backward(self, dA: np.ndarray, cache: PoolCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dA: (m, C, Ho, Wo) -> (dA_prev: (m, C, H, W), {} as a pool has no parameters). Also
        counts tied windows in the cache. dA_prev is laid out in memory as A_prev is (a
        convolution's output is filter-major), so the activation's backward step streams."""
        A_prev = cache.A_prev
        dA_prev = WORKSPACE.empty_like(A_prev)
        tied = self._over_chunks(lambda n: self._route(dA[n], A_prev[n], cache.out[n], dA_prev[n]), A_prev)
        cache.tied_windows = sum(tied)
        return dA_prev, {}

    def _route(self, dA: np.ndarray, A_prev: np.ndarray, out: np.ndarray, dA_prev: np.ndarray) -> int:
        """Each window's gradient into ``dA_prev`` at its first largest element; returns the
        number of windows whose maximum occurs twice or more."""
        Ho, Wo = out.shape[2], out.shape[3]
        adds = self._clear_input_gradient(dA_prev, Ho, Wo)
        # per window, how many of the offsets so far hold its maximum (a count that cannot wrap)
        maxima_seen = WORKSPACE.zeros(out.shape, np.uint8 if self.size * self.size < 255 else np.int32)
        is_max = WORKSPACE.empty(out.shape, bool)
        first = WORKSPACE.empty(out.shape, bool)
        share = WORKSPACE.empty(out.shape) if adds else None
        for i, j in self._offsets():
            np.equal(_offset_view(A_prev, i, j, self.stride, Ho, Wo), out, out=is_max)
            np.greater(is_max, maxima_seen, out=first)  # a maximum, and none before it: the first
            np.add(maxima_seen, is_max, out=maxima_seen)
            target = _offset_view(dA_prev, i, j, self.stride, Ho, Wo)
            if adds:
                target += np.multiply(dA, first, out=share)
            else:
                np.multiply(dA, first, out=target)
        return int(np.count_nonzero(maxima_seen > 1))


@dataclass
class AvgPool(_Pool):
    """Each output is the mean of its window; backward spreads a window's gradient evenly over
    its size*size elements; overlapping windows add."""

    kind = "avgpool"

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, PoolCache]:
        """A_prev: (m, C, H, W) -> A: (m, C, Ho, Wo)."""
        out = WORKSPACE.empty(self.output_shape(A_prev.shape))
        window = self.size * self.size

        def average(n: slice) -> None:
            self._fold_windows(A_prev[n], out[n], np.add)
            out[n] /= window

        self._over_chunks(average, A_prev)
        return out, PoolCache(A_prev, out)

    def backward(self, dA: np.ndarray, cache: PoolCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dA: (m, C, Ho, Wo) -> (dA_prev: (m, C, H, W), {} as a pool has no parameters), laid
        out in memory as A_prev is."""
        dA_prev = WORKSPACE.empty_like(cache.A_prev)
        self._over_chunks(lambda n: self._spread(dA[n], dA_prev[n]), cache.A_prev)
        return dA_prev, {}

    def _spread(self, dA: np.ndarray, dA_prev: np.ndarray) -> None:
        """Each window's gradient over its elements in ``dA_prev``, a size*size-th each."""
        Ho, Wo = dA.shape[2], dA.shape[3]
        adds = self._clear_input_gradient(dA_prev, Ho, Wo)
        share = np.divide(dA, self.size * self.size, out=WORKSPACE.empty(dA.shape))
        for i, j in self._offsets():
            target = _offset_view(dA_prev, i, j, self.stride, Ho, Wo)
            if adds:
                target += share
            else:
                np.copyto(target, share)
