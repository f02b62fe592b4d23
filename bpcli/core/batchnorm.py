"""Batch normalisation in training mode (the statistics of this batch, no running averages).

Each *unit* is normalised over its N values: on column data x (n, m) a unit is a row and N = m;
on image data x (m, C, H, W) a unit is a channel and N = m·H·W. γ, β and the statistics have one
entry per unit: shape (n, 1) on column data, (C,) on image data.

Forward, per unit (sums Σ run over the unit's N values):

    μ = (1/N) Σ x                      σ² = (1/N) Σ (x − μ)²     (biased: N, not N − 1)
    s = 1/√(σ² + eps)                  x̂ = (x − μ) s             Z = γ ⊙ x̂ + β

Backward from dZ = ∂J/∂Z. The parameters: dβ = Σ dZ, dγ = Σ dZ ⊙ x̂. The input, staged as in
CS231n's assignment 2, through x̂, σ² and μ (x reaches J through all three; σ² through μ too):

    dx̂ = γ ⊙ dZ
    dσ² = Σ dx̂ ⊙ (x − μ) · (−½)(σ² + eps)^(−3/2)
    dμ  = Σ dx̂ · (−s) + dσ² · (−2/N) Σ (x − μ)                (the last sum is 0)
    dX  = dx̂ · s + dσ² · 2(x − μ)/N + dμ/N

Simplified to one line: with x − μ = x̂/s, dσ² = −½ s² Σ dx̂ ⊙ x̂, so its term in dX is
−(s/N) x̂ Σ dx̂ ⊙ x̂; and dμ/N = −(s/N) Σ dx̂. Hence

    dX = (s/N) (N dx̂ − Σ dx̂ − x̂ ⊙ Σ dx̂ ⊙ x̂)

and since Σ dx̂ = γ dβ and Σ dx̂ ⊙ x̂ = γ dγ,

    dX = (γ s / N) (N dZ − dβ − x̂ ⊙ dγ)                      (the compact formula ``backward`` uses)

Every sum keeps the unit's axis, so the per-unit values broadcast over that unit's N entries.
Two consequences worth showing a learner: each unit's dX sums to 0 (moving every x by the same
amount changes nothing), and with eps = 0 it is orthogonal to x̂ (Z does not change with the
scale of x − μ); with m = 2 and eps = 0, x̂ = ±1 whatever x is, so dX = 0.

The staged steps are functions here (``dxhat``, ``dvar``, ``dmean``, ``dX_staged``) so that a
narration can compute the CS231n path and show it giving the same numbers as the compact one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bpcli.core.buffers import Buffer
from bpcli.core.layer import Description, LayerBase
from bpcli.texts import Msg

if TYPE_CHECKING:
    from bpcli.spec import LayerSpec

#: eps when the network file gives none (as PyTorch's BatchNorm)
DEFAULT_EPS = 1e-5

#: axes a unit's values lie along: samples on column data, samples and positions on image data
_COLUMN_AXES = (1,)
_IMAGE_AXES = (0, 2, 3)


def unit_axes(ndim: int) -> tuple[int, ...]:
    """The axes a unit's values lie along in data of ``ndim`` axes (what dβ and dγ sum over)."""
    return _COLUMN_AXES if ndim == 2 else _IMAGE_AXES


def _broadcastable(per_unit: np.ndarray, ndim: int) -> np.ndarray:
    """A per-unit array ((n, 1) or (C,)) as a view that broadcasts over data of ``ndim`` axes:
    (n, 1) as it is, (C,) as (1, C, 1, 1)."""
    return per_unit if ndim == 2 else per_unit.reshape(1, -1, 1, 1)


def sum_per_unit(T: np.ndarray) -> np.ndarray:
    """Σ over each unit's values: (n, m) -> (n, 1), (m, C, H, W) -> (C,)."""
    return T.sum(axis=unit_axes(T.ndim), keepdims=T.ndim == 2)


@dataclass
class BatchNormCache:
    """What the backward pass (and a narration) needs from the forward pass.

    The per-unit arrays have γ's shape, (n, 1) or (C,); the others the input's shape.
    """

    mean: np.ndarray  # μ
    var: np.ndarray  # σ², biased
    inv_std: np.ndarray  # s = 1/√(σ² + eps)
    centered: np.ndarray  # x − μ, the input's shape
    xhat: np.ndarray  # x̂ = (x − μ) s, the input's shape

    @property
    def count(self) -> int:
        """N, the number of values each unit is normalised over (m, or m·H·W)."""
        return self.xhat.size // self.mean.size


@dataclass
class BatchNorm(LayerBase):
    """A batchnorm layer.

    gamma, beta: (n, 1) on column data, (C,) on image data. Input A_prev: (n, m) or
    (m, C, H, W); output Z has the same shape. eps > 0 keeps a unit whose values are all equal
    (σ² = 0) finite. The activation is applied by the network run, not here.
    """

    index: int
    activation: str
    gamma: np.ndarray
    beta: np.ndarray
    eps: float = DEFAULT_EPS
    kind = "batchnorm"
    KEYS: ClassVar[tuple[str, ...]] = ("type", "activation", "gamma", "beta", "eps")
    LAYOUT: ClassVar[str] = "any"
    UNIT_BIAS: ClassVar[str | None] = "beta"
    IGNORES_UNIT_SHIFT: ClassVar[bool] = True

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> BatchNorm:
        """A batchnorm layer from its entry in the network file: γ 1, β 0 and eps 1e-5 unless
        given. Nothing is drawn from the seeded generator, so adding a batchnorm layer leaves the
        other layers' initial weights as they were."""
        shape, number = spec.input_shape, spec.number
        columns = len(shape) == 2
        units = shape[0] if columns else shape[1]
        values = shape[1] if columns else shape[0] * shape[2] * shape[3]
        if values < 2:
            spec.error(None, Msg("spec.bn_too_few_columns" if columns else "spec.bn_too_few_images",
                                 source=spec.source_words(), shape=spec.shape_words(shape)), "too_few_values")
        if columns:
            per_unit, ndims = (units, 1), (1, 2)
            reason = Msg("spec.reason.bn_columns", layer=number, units=Msg("spec.count.units", count=units),
                         source=spec.source_words(), rows=Msg("count.rows", count=units))
        else:
            per_unit, ndims = (units,), (1,)
            reason = Msg("spec.reason.bn_images", layer=number, channels=Msg("spec.count.channels", count=units),
                         source=spec.source_words(), count=units)
        parameters = {}
        for key, default in (("gamma", 1.0), ("beta", 0.0)):
            name = Msg("spec.parameter", name=key, layer=number)
            spec.count(per_unit, name, key=key)
            given = spec.tensor(key, per_unit, reason, ndims, name)
            parameters[key] = np.full(per_unit, default) if given is None else given
        eps = spec.positive_number("eps", Msg("spec.what.eps"), DEFAULT_EPS)
        layer = cls(index=number, activation=spec.activation(), eps=eps, **parameters)
        spec.count_buffers(layer)
        return layer

    def parameters(self) -> dict[str, np.ndarray]:
        return {"gamma": self.gamma, "beta": self.beta}

    def describe(self) -> Description:
        return Description(self.kind, str(self.gamma.shape[0]), self.activation)

    def buffers(self, input_shape: tuple[int, ...]) -> list[Buffer]:
        """x − μ and x̂, each of the input's shape, kept from the forward pass for the backward."""
        return [Buffer(Msg("spec.buffer.centred"), tuple(input_shape), kept=True),
                Buffer(Msg("spec.buffer.normalised"), tuple(input_shape), kept=True)]

    def named_values(self, cache: BatchNormCache) -> dict[str, np.ndarray]:
        """μ, σ² (γ's shape), x̂ (the input's shape) and eps, which formulas name mean3, var3,
        xhat3, eps3."""
        return {"mean": cache.mean, "var": cache.var, "xhat": cache.xhat, "eps": np.asarray(self.eps)}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The input's shape: (n, m) -> (n, m), (m, C, H, W) -> (m, C, H, W)."""
        return tuple(input_shape)

    def forward(self, A_prev: np.ndarray) -> tuple[np.ndarray, BatchNormCache]:
        """Z = γ ⊙ x̂ + β with x = A_prev: (n, m) or (m, C, H, W). Returns Z (x's shape) and the cache."""
        ndim = A_prev.ndim
        axes = unit_axes(ndim)
        # Measured from each unit's first value, so a unit whose values are all equal gets μ equal
        # to that value exactly and x − μ = 0 exactly (a plain mean of m copies of 0.1 is not 0.1),
        # and large values sharing a big offset lose less to cancellation.
        first = A_prev[:, :1] if ndim == 2 else A_prev[:1, :, :1, :1]
        centered = A_prev - first
        shift = centered.mean(axis=axes, keepdims=True)
        centered -= shift
        var = np.square(centered).mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat = centered * inv_std
        Z = _broadcastable(self.gamma, ndim) * xhat
        Z += _broadcastable(self.beta, ndim)
        per_unit_shape = self.gamma.shape
        cache = BatchNormCache(mean=(first + shift).reshape(per_unit_shape),
                               var=var.reshape(per_unit_shape), inv_std=inv_std.reshape(per_unit_shape),
                               centered=centered, xhat=xhat)
        return Z, cache

    def backward(self, dZ: np.ndarray, cache: BatchNormCache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gradients from dZ = ∂J/∂Z, the input's shape.

        Returns dA_prev = (γ s / N)(N dZ − dβ − x̂ ⊙ dγ) (the input's shape; the module docstring
        derives it) and {"gamma": dγ = Σ dZ ⊙ x̂, "beta": dβ = Σ dZ} (γ's shape: (n, 1) or (C,)).
        """
        ndim = dZ.ndim
        N = cache.count
        dbeta = sum_per_unit(dZ)
        dgamma = sum_per_unit(dZ * cache.xhat)
        dA_prev = N * dZ
        dA_prev -= _broadcastable(dbeta, ndim)
        dA_prev -= cache.xhat * _broadcastable(dgamma, ndim)
        dA_prev *= _broadcastable(self.gamma * cache.inv_std / N, ndim)
        return dA_prev, {"gamma": dgamma, "beta": dbeta}


# The staged path (CS231n), for narration and tests; ``backward`` uses the compact formula.

def dxhat(dZ: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """dx̂ = γ ⊙ dZ, the input's shape."""
    return _broadcastable(gamma, dZ.ndim) * dZ


def dvar(dxhat: np.ndarray, cache: BatchNormCache) -> np.ndarray:
    """dσ² = Σ dx̂ ⊙ (x − μ) · (−½)(σ² + eps)^(−3/2) = −½ s³ Σ dx̂ ⊙ (x − μ); γ's shape.

    Computed as −½ s (s Σ dx̂ ⊙ x̂) (x − μ = x̂/s), never forming s³: with σ² = 0 and a tiny eps
    (1e-300) s³ overflows, and inf · 0 made dσ² NaN where it is 0."""
    return -0.5 * cache.inv_std * (cache.inv_std * sum_per_unit(dxhat * cache.xhat))


def dmean(dxhat: np.ndarray, dvar: np.ndarray, cache: BatchNormCache) -> np.ndarray:
    """dμ = −s Σ dx̂ + dσ² · (−2/N) Σ (x − μ); γ's shape. The second term is 0 up to rounding
    (the deviations from the mean sum to 0); it is kept so the steps read as the chain rule does."""
    N = cache.count
    return -cache.inv_std * sum_per_unit(dxhat) + dvar * (-2.0 / N) * sum_per_unit(cache.centered)


def dX_staged(dxhat: np.ndarray, dvar: np.ndarray, dmean: np.ndarray, cache: BatchNormCache) -> np.ndarray:
    """dX = dx̂ · s + dσ² · 2(x − μ)/N + dμ/N, the input's shape (equal to ``backward``'s dA_prev)."""
    ndim, N = dxhat.ndim, cache.count
    return (dxhat * _broadcastable(cache.inv_std, ndim)
            + _broadcastable(dvar, ndim) * 2.0 * cache.centered / N
            + _broadcastable(dmean, ndim) / N)
