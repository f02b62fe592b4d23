"""Max and average pooling on image data (m, C, H, W): square windows of side ``size`` moved by
``stride``, no padding. Output side: (H - size) // stride + 1, so rows and columns that no window
reaches are left out (and get zero gradient).

Both passes loop over the size*size offsets inside a window, never over pixels: each offset is
one strided view of the whole input, so every step is one vectorised numpy operation, writing
into arrays from the workspace (no window is ever copied out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase
from bpcli.core.workspace import WORKSPACE

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

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> _Pool:
        """A pooling layer from its entry in the network file; ``stride`` defaults to ``size``."""
        size = spec.integer("size", "the side of the square pooling window")
        stride = spec.integer("stride", "how far the window moves", default=size)
        H, W = spec.input_shape[2], spec.input_shape[3]
        if size > H or size > W:
            spec.error("size", f"the pooling window {size} × {size} is larger than its input {H} × {W} "
                       f"({spec.source} outputs {spec.shape_text(spec.input_shape)})", "window_too_large")
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
        return [Buffer("the pooling window masks", self.output_shape(input_shape), kept=False)]

    def _offsets(self):
        return [(i, j) for i in range(self.size) for j in range(self.size)]  # row-major order

    def _fold_windows(self, A_prev: np.ndarray, combine) -> np.ndarray:
        """Every window's elements combined with the ufunc ``combine`` (np.maximum, np.add),
        one offset at a time: (m, C, H, W) -> (m, C, Ho, Wo)."""
        _, _, Ho, Wo = shape = self.output_shape(A_prev.shape)
        offsets = self._offsets()
        out = WORKSPACE.empty(shape)
        np.copyto(out, _offset_view(A_prev, *offsets[0], self.stride, Ho, Wo))
        for i, j in offsets[1:]:
            combine(out, _offset_view(A_prev, i, j, self.stride, Ho, Wo), out=out)
        return out

    def _input_gradient(self, input_shape: tuple[int, ...], Ho: int, Wo: int) -> tuple[np.ndarray, bool]:
        """(dA_prev to fill offset by offset, whether each offset adds to it). Windows that tile
        the input (stride = size) never share an element, so each offset's values are written
        straight in and only the rows and columns no window reaches are zeroed; otherwise
        dA_prev starts at zero and overlapping windows add."""
        dA_prev = WORKSPACE.empty(input_shape)
        if self.stride != self.size:
            dA_prev.fill(0)
            return dA_prev, True
        dA_prev[:, :, Ho * self.size:] = 0
        dA_prev[:, :, :, Wo * self.size:] = 0
        return dA_prev, False


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
        out = self._fold_windows(A_prev, np.maximum)
        return out, PoolCache(A_prev, out)

    def backward(self, dA: np.ndarray, cache: PoolCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dA: (m, C, Ho, Wo) -> (dA_prev: (m, C, H, W), {} as a pool has no parameters). Also
        counts tied windows in the cache."""
        A_prev, out = cache.A_prev, cache.out
        Ho, Wo = out.shape[2], out.shape[3]
        dA_prev, adds = self._input_gradient(A_prev.shape, Ho, Wo)
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
        cache.tied_windows = int(np.count_nonzero(maxima_seen > 1))
        return dA_prev, {}


@dataclass
class AvgPool(_Pool):
    """Each output is the mean of its window; backward spreads a window's gradient evenly over
    its size*size elements; overlapping windows add."""

    kind = "avgpool"

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, PoolCache]:
        """A_prev: (m, C, H, W) -> A: (m, C, Ho, Wo)."""
        out = self._fold_windows(A_prev, np.add)
        out /= self.size * self.size
        return out, PoolCache(A_prev, out)

    def backward(self, dA: np.ndarray, cache: PoolCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dA: (m, C, Ho, Wo) -> (dA_prev: (m, C, H, W), {} as a pool has no parameters)."""
        Ho, Wo = dA.shape[2], dA.shape[3]
        dA_prev, adds = self._input_gradient(cache.A_prev.shape, Ho, Wo)
        share = np.divide(dA, self.size * self.size, out=WORKSPACE.empty(dA.shape))
        for i, j in self._offsets():
            target = _offset_view(dA_prev, i, j, self.stride, Ho, Wo)
            if adds:
                target += share
            else:
                np.copyto(target, share)
        return dA_prev, {}
