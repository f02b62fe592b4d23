"""The layer protocol: what every layer kind offers the run, the narration and the grading.

A layer kind is one core module (``bpcli.core.dense``, ``bpcli.core.pool``, …) registered by its
``type`` name in ``bpcli.kinds``. The run never asks which kind a layer is: it calls ``forward``
and ``backward`` and reads ``parameters()``; the names of the parameters (W and b, gamma and
beta) become the names of the tensors in the JSON, the grading targets and the formulas.

Shapes: column data is (n, m), one column per sample; image data is (m, C, H, W).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Description:
    """A layer in a few words, for tables and one-line diagrams: ``str()`` gives
    'dense 3 tanh', 'conv2d 2@3×3 relu', 'maxpool 2×2/2', 'flatten'."""

    kind: str
    size: str = ""  # "3" units, "2@3×3" filters@kernel ("2@3×3/2 p1" with stride 2, padding 1), "2×2/2" window/stride; "" for none
    activation: str | None = None

    def __str__(self) -> str:
        return " ".join(part for part in (self.kind, self.size, self.activation) if part)


class Layer(Protocol):
    """One layer of a network (numbered 1..L in file order, pool and flatten included)."""

    kind: str  # its ``type`` in the network file
    index: int
    activation: str | None  # applied by the run after ``forward``; None for pool and flatten
    #: the keys its entry in the network file may have (``type`` included)
    KEYS: ClassVar[tuple[str, ...]]
    #: the data it takes: "columns" (n × m), "images" (m × C × H × W) or "any" (either, unchanged)
    LAYOUT: ClassVar[str]
    #: the parameter added to every value of a unit of Z (a row of column data, a channel of
    #: image data): "b" of dense and conv2d, "beta" of batchnorm; None for a kind without one
    UNIT_BIAS: ClassVar[str | None]
    #: whether its output stays the same when one constant is added to every value of a unit of
    #: its input (batch normalisation subtracts each unit's mean over the batch)
    IGNORES_UNIT_SHIFT: ClassVar[bool]

    def passes_unit_shifts_on(self) -> bool:
        """Whether a constant added to every value of a unit of its input (the same for every
        sample and position) comes out as such constants added to its output's units: true of a
        linear dense layer, a linear convolution without padding, pools and flatten; not through
        a nonlinear activation, nor at the borders of zero padding."""

    @classmethod
    def from_spec(cls, spec: Any) -> Layer:
        """The layer its entry in the network file describes, validated through the checks of
        ``spec``, a ``bpcli.spec.LayerSpec`` (not imported here: spec imports this module), each
        raising ``SpecError`` naming the place (``layers[1].W``). The loader has already checked
        the keys against ``KEYS``, the activation, and the data against ``LAYOUT``."""

    def parameters(self) -> dict[str, np.ndarray]:
        """The layer's parameters by name, in the order the JSON and the targets list them:
        {"W": …, "b": …}, {"gamma": …, "beta": …}, {} for a layer without any. The arrays are
        the layer's own (the finite-difference check nudges them in place)."""

    @property
    def has_parameters(self) -> bool: ...

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape ``forward`` returns for an input of ``input_shape``."""

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, Any]:
        """(out, cache): out is Z (before the activation) for a layer with one, else its output
        A; the cache is whatever ``backward`` needs."""

    def backward(self, grad_out: np.ndarray, cache: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """From ∂J/∂out (out as ``forward`` returned it, so dZ for a layer with an activation):
        (dA_prev in A_prev's shape, the gradient of every parameter by its name, each in that
        parameter's shape; {} for a layer without parameters)."""

    def describe(self) -> Description: ...

    def named_values(self, cache: Any) -> dict[str, np.ndarray]:
        """Values of the forward pass a learner may name beside Z and A (batchnorm: mean, var,
        xhat), by name; {} for most kinds."""


class LayerBase:
    """What every kind shares: ``has_parameters`` from ``parameters()``, no extra values, no unit
    bias, an output that follows every shift of its input, and (unless a kind says otherwise)
    none of ``passes_unit_shifts_on``."""

    UNIT_BIAS: ClassVar[str | None] = None
    IGNORES_UNIT_SHIFT: ClassVar[bool] = False

    def passes_unit_shifts_on(self) -> bool:
        return False

    def parameters(self) -> dict[str, np.ndarray]:
        return {}

    @property
    def has_parameters(self) -> bool:
        return bool(self.parameters())

    def named_values(self, cache: Any) -> dict[str, np.ndarray]:
        return {}
