"""Max and average pooling on image data (m, C, H, W): square windows of side ``size`` moved by
``stride``, no padding. Output side: (H - size) // stride + 1, so rows and columns that no window
reaches are left out (and get zero gradient).

Both passes loop over the size*size offsets inside a window, never over pixels: each offset is
one strided view of the whole input, so every step is one vectorised numpy operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase

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
        _, _, Ho, Wo = self.output_shape(A_prev.shape)
        offsets = self._offsets()
        out = _offset_view(A_prev, *offsets[0], self.stride, Ho, Wo).copy()
        for i, j in offsets[1:]:
            combine(out, _offset_view(A_prev, i, j, self.stride, Ho, Wo), out=out)
        return out


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
        dA_prev = np.zeros(A_prev.shape)
        routed = np.zeros(out.shape, dtype=bool)
        tied = np.zeros(out.shape, dtype=bool)
        for i, j in self._offsets():
            is_max = _offset_view(A_prev, i, j, self.stride, Ho, Wo) == out
            tied |= is_max & routed
            first = is_max & ~routed
            routed |= is_max
            _offset_view(dA_prev, i, j, self.stride, Ho, Wo)[...] += dA * first
        cache.tied_windows = int(tied.sum())
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
        dA_prev = np.zeros(cache.A_prev.shape)
        share = dA / (self.size * self.size)
        for i, j in self._offsets():
            _offset_view(dA_prev, i, j, self.stride, Ho, Wo)[...] += share
        return dA_prev, {}
