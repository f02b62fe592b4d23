"""Flatten: image data (m, C, H, W) to column data (C*H*W, m), each sample's C, H, W values in
row-major order becoming one column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.layer import Description, LayerBase
from bpcli.core.workspace import WORKSPACE

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec


@dataclass
class Flatten(LayerBase):
    index: int
    kind = "flatten"
    activation = None
    KEYS: ClassVar[tuple[str, ...]] = ("type",)
    LAYOUT: ClassVar[str] = "images"

    def passes_unit_shifts_on(self) -> bool:
        """A channel's constant becomes the same constant in each of its H·W rows."""
        return True

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> Flatten:
        return cls(index=spec.number)

    def describe(self) -> Description:
        return Description(self.kind)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(m, C, H, W) -> (C*H*W, m)."""
        m, C, H, W = input_shape
        return (C * H * W, m)

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
        """A_prev: (m, C, H, W) -> A: (C*H*W, m); the cache is A_prev's shape."""
        m = A_prev.shape[0]
        return A_prev.reshape(m, -1).T, A_prev.shape

    def backward(self, dA: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dA: (C*H*W, m) -> (dA_prev: (m, C, H, W), the same numbers put back in place; {} as
        flatten has no parameters)."""
        if dA.T.flags.c_contiguous:  # dense laid it out sample by sample: the same memory
            return dA.T.reshape(input_shape), {}
        dA_prev = WORKSPACE.empty(input_shape)
        np.copyto(dA_prev.reshape(dA.shape[1], -1), dA.T)
        return dA_prev, {}
