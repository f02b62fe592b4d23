"""Fully connected layer on column data: Z = W A_prev + b, one column per sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.core.layer import Description, LayerBase
from bpcli.core.threads import product
from bpcli.core.workspace import WORKSPACE


@dataclass
class Dense(LayerBase):
    """A dense layer.

    W: (n_l, n_{l-1}), b: (n_l, 1). Input A_prev: (n_{l-1}, m); output Z: (n_l, m).
    The activation is applied by the network run, not here.
    """

    index: int
    units: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    kind = "dense"

    def parameters(self) -> dict[str, np.ndarray]:
        return {"W": self.W, "b": self.b}

    def describe(self) -> Description:
        return Description(self.kind, str(self.units), self.activation)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(n_{l-1}, m) -> (n_l, m)."""
        return (self.units, input_shape[1])

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z = W A_prev + b (b broadcast across the m columns).

        A_prev: (n_{l-1}, m). Returns Z: (n_l, m) and the cache A_prev for backward.
        """
        Z = product(self.W, A_prev, out=WORKSPACE.empty((self.units, A_prev.shape[1])))
        Z += self.b
        return Z, A_prev

    def backward(self, dZ: np.ndarray, A_prev: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gradients from dZ = dJ/dZ, (n_l, m).

        Returns dA_prev = W^T dZ (n_{l-1}, m) and the gradients {"W": dW = dZ A_prev^T
        (n_l, n_{l-1}), "b": db = dZ summed over samples (n_l, 1)}. No 1/m here: dZ already is
        dJ/dZ exactly.
        """
        dW = product(dZ, A_prev.T, out=WORKSPACE.empty(self.W.shape))
        db = dZ.sum(axis=1, keepdims=True)
        dA_prev = product(self.W.T, dZ, out=WORKSPACE.empty(A_prev.shape))
        return dA_prev, {"W": dW, "b": db}
