"""Fully connected layer on column data: Z = W A_prev + b, one column per sample."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.layer import Description, LayerBase
from bpcli.core.threads import product
from bpcli.core.workspace import WORKSPACE
from bpcli.texts import Msg

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec


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
    KEYS: ClassVar[tuple[str, ...]] = ("type", "units", "activation", "W", "b")
    LAYOUT: ClassVar[str] = "columns"
    UNIT_BIAS: ClassVar[str | None] = "b"

    def passes_unit_shifts_on(self) -> bool:
        """W (A + c) = W A + W c, the same W c for every sample: unchanged by a linear activation."""
        return self.activation == "linear"

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> Dense:
        """A dense layer from its entry in the network file; W drawn when not given, b 0."""
        units = spec.integer("units", Msg("spec.what.units"))
        n_prev = spec.input_shape[0]
        shape = (units, n_prev)
        number = spec.number
        W_name = Msg("spec.parameter", name="W", layer=number)
        spec.count(shape, W_name, key="W")
        unit_count = Msg("spec.count.units", count=units)
        outputs = (Msg("spec.outputs.X_rows", count=n_prev) if spec.position == 0
                   else Msg("spec.outputs.layer_values", layer=spec.position, count=n_prev))
        W = spec.tensor("W", shape, Msg("spec.reason.dense_W", layer=number, units=unit_count, outputs=outputs), (2,),
                        W_name)
        b = spec.tensor("b", (units, 1), Msg("spec.reason.dense_b", layer=number, units=unit_count), (1, 2),
                        Msg("spec.parameter", name="b", layer=number))
        if W is None:
            W = spec.weights(shape, n_prev)
        if b is None:
            b = np.zeros((units, 1))
        return cls(index=number, units=units, activation=spec.activation(), W=W, b=b)

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
        if A_prev.T.flags.c_contiguous and not A_prev.flags.c_contiguous:
            # A_prev is flatten's transposed view of image data: dA_prev laid out the same way,
            # as (dZ^T W)^T, lets flatten's backward hand it on as images without a copy
            dA_prev = product(dZ.T, self.W, out=WORKSPACE.empty(A_prev.T.shape)).T
        else:
            dA_prev = product(self.W.T, dZ, out=WORKSPACE.empty(A_prev.shape))
        return dA_prev, {"W": dW, "b": db}
