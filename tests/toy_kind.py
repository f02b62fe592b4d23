"""A layer kind that exists only for the tests: proof that a kind is its own modules plus one
entry in ``bpcli.kinds.KINDS`` (``test_layer_protocol`` registers it with monkeypatch).

``scale``: Z = s ⊙ A_prev, one scale per unit (row) of column data; s (n, 1), A_prev and Z (n, m).
ds = Σ over samples of dZ ⊙ A_prev, dA_prev = s ⊙ dZ. Its core, narrator and grading are here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.core.layer import Description, LayerBase
from bpcli.grading.kind import KindGrading
from bpcli.grading.targets import input_name


@dataclass
class Scale(LayerBase):
    index: int
    activation: str
    s: np.ndarray
    kind = "scale"

    def parameters(self) -> dict[str, np.ndarray]:
        return {"s": self.s}

    def describe(self) -> Description:
        return Description(self.kind, str(self.s.shape[0]), self.activation)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.s * A_prev, A_prev

    def backward(self, dZ: np.ndarray, A_prev: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self.s * dZ, {"s": (dZ * A_prev).sum(axis=1, keepdims=True)}

    def named_values(self, A_prev: np.ndarray) -> dict[str, np.ndarray]:
        return {"scaled": A_prev}  # the input it scaled, as a value a formula may name


class ScaleGrading(KindGrading):
    def formula(self, network, target, layer):
        l = layer.index
        return f"sum(dZ{l} * {input_name(network, l)}, axis=1, keepdims=True)" if target.kind == "ds" else None

    def input_gradient_formula(self, network, target, layer):
        return f"s{layer.index} * dZ{layer.index}"


SCALE = ScaleGrading()


# the narrator: no steps of its own (explain still shows the activation, loss and check steps)
def forward(ctx, record):
    return []


def backward(ctx, record):
    return []
