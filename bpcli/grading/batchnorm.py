"""Grading and hints particular to batch normalisation: dβ = Σ dZ, dγ = Σ dZ ⊙ x̂ per unit, and
dA_prev = (γ s / N)(N dZ − dβ − x̂ ⊙ dγ) with s = 1/√(σ² + eps) (``bpcli.core.batchnorm``).

The mistakes are the ones the derivation invites: dA_prev through x̂ alone (forgetting that μ and
σ² depend on x too), through x̂ and μ but not σ², the unbiased variance (N − 1), σ² without eps,
and dγ without x̂ or with the input x for x̂. Each is computed by running the same formulas with
the mistake made."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from bpcli.core import activations
from bpcli.core.batchnorm import BatchNormCache, sum_per_unit, unit_axes
from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.grading.kind import KindGrading
from bpcli.grading.mistakes import (Mistake, activation_derivative_text, has_activation_factor, layer_input,
                                   wrong_axes_sums)
from bpcli.grading.targets import Target, input_name
from bpcli.texts import Msg


def _on_columns(layer: Layer) -> bool:
    """True when the layer normalises column data (γ is n × 1), False for images (γ is flat)."""
    return layer.gamma.ndim == 2


def _sum_axes(layer: Layer) -> str:
    """The axes a unit's values lie along, as a formula writes them."""
    return "axis=1, keepdims=True" if _on_columns(layer) else "axis=(0, 2, 3)"


def _per_unit(values: np.ndarray, ndim: int) -> np.ndarray:
    """A per-unit array as it broadcasts over data of ``ndim`` axes."""
    return values if ndim == 2 else values.reshape(1, -1, 1, 1)


def _with_variance(cache: BatchNormCache, variance: np.ndarray) -> BatchNormCache:
    """The cache a learner gets who normalises with VARIANCE (eps included, or left out) in place
    of σ² + eps: the same μ and x − μ, another s and x̂."""
    inv_std = 1.0 / np.sqrt(variance)
    xhat = cache.centered * _per_unit(inv_std, cache.centered.ndim)
    return BatchNormCache(mean=cache.mean, var=cache.var, inv_std=inv_std, centered=cache.centered, xhat=xhat)


def _variants(record: LayerRecord) -> Iterator[tuple[str, str, BatchNormCache]]:
    """(code, message key, the forward pass as it would be) for each statistics mistake: the
    unbiased variance, and σ² without eps (left out where some σ² is 0: no finite value)."""
    layer, cache = record.layer, record.cache
    N = cache.count
    yield "unbiased_variance", "mistake.bn_unbiased_variance", _with_variance(cache, cache.var * N / (N - 1) + layer.eps)
    if np.all(cache.var > 0):
        yield "missing_eps", "mistake.bn_missing_eps", _with_variance(cache, cache.var)


class BatchNormGrading(KindGrading):
    own_rules = frozenset({"Z"})

    def parameter_mistakes(self, run: Run, record: LayerRecord, parameter: str) -> Iterator[Mistake]:
        layer, l, dZ = record.layer, record.layer.index, record.dZ
        axes = unit_axes(dZ.ndim)
        if parameter == "beta":
            yield Mistake(("not_summed",), dZ, Msg("mistake.bn_not_summed", l=l, name=f"dbeta{l}"))
            yield from wrong_axes_sums(dZ, axes, f"dZ{l}", f"dbeta{l}", f"dbeta{l} = {self.formula_of(layer, 'dbeta')}")
            return
        yield Mistake(("dgamma_without_xhat",), sum_per_unit(dZ), Msg("mistake.bn_dgamma_without_xhat", l=l))
        # as a dense layer's dW takes its input: but γ multiplies the normalised x̂, not x itself
        yield Mistake(("wrong_input",), sum_per_unit(dZ * layer_input(run, l)),
                      Msg("mistake.bn_dgamma_with_input", l=l, input=input_name(run.network, l)))
        yield Mistake(("not_summed",), dZ * record.cache.xhat, Msg("mistake.bn_not_summed", l=l, name=f"dgamma{l}"))
        for code, key, cache in _variants(record):
            yield Mistake((code,), sum_per_unit(dZ * cache.xhat), Msg(key, l=l, name=f"dgamma{l}"))
        yield from wrong_axes_sums(dZ * record.cache.xhat, axes, f"dZ{l} ⊙ x̂{l}", f"dgamma{l}",
                                   f"dgamma{l} = {self.formula_of(layer, 'dgamma')}")

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer, cache, dZ = following.layer, following.cache, following.dZ
        l, ndim = layer.index, dZ.ndim
        scale = _per_unit(layer.gamma * cache.inv_std, ndim)
        yield Mistake(("missing_mean_variance_paths",), scale * dZ,
                      Msg("mistake.bn_only_through_xhat", name=name, next=l))
        yield Mistake(("missing_variance_path",), scale * (dZ - _per_unit(sum_per_unit(dZ), ndim) / cache.count),
                      Msg("mistake.bn_missing_variance_path", name=name, next=l))
        for code, key, variant in _variants(following):
            yield Mistake((code,), layer.backward(dZ, variant)[0], Msg(key, l=l, name=name))
        if has_activation_factor(following):
            yield Mistake(("missing_activation_derivative",), layer.backward(following.dA, cache)[0],
                          Msg("mistake.bn_dA_missing_g", name=name, next=l, g=activation_derivative_text(layer)))

    def previous_dZ_mistakes(self, run: Run, record: LayerRecord, following: LayerRecord) -> Iterator[Mistake]:
        layer = record.layer
        if layer.activation not in activations.DERIVATIVE:
            return
        factor = activations.derivative(layer.activation, record.Z)
        for mistake in self.input_gradient_mistakes(run, following, f"dA{layer.index}"):
            if mistake.codes[0] in ("missing_mean_variance_paths", "missing_variance_path"):
                yield Mistake(mistake.codes, mistake.value * factor,
                              Msg("mistake.bn_dZ_before", l=layer.index, mistake=mistake.explanation))

    def output_mistakes(self, run: Run, record: LayerRecord) -> Iterator[Mistake]:
        layer, l, ndim = record.layer, record.layer.index, record.Z.ndim
        gamma, beta = _per_unit(layer.gamma, ndim), _per_unit(layer.beta, ndim)
        yield Mistake(("missing_bias",), gamma * record.cache.xhat, Msg("mistake.bn_missing_beta", l=l))
        for code, key, cache in _variants(record):
            yield Mistake((code,), gamma * cache.xhat + beta, Msg(key, l=l, name=f"Z{l}"))

    def formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        l = layer.index
        if target.kind in ("dbeta", "dgamma"):
            return self.formula_of(layer, target.kind)
        if target.kind == "Z" and _on_columns(layer):
            return f"gamma{l} * xhat{l} + beta{l}"
        return None

    @staticmethod
    def formula_of(layer: Layer, kind: str) -> str:
        """dβ's or dγ's formula (``kind`` "dbeta" or "dgamma"): the sum over each unit's values."""
        l = layer.index
        summed = f"dZ{l}" if kind == "dbeta" else f"dZ{l} * xhat{l}"
        return f"sum({summed}, {_sum_axes(layer)})"

    def input_gradient_formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        # the compact formula; on images γ (C,) does not broadcast over m × C × H × W in formula
        # syntax, so the rule is given in words there
        if not _on_columns(layer):
            return None
        l = layer.index
        return (f"gamma{l} * (var{l} + eps{l}) ** -0.5 / m * (m * dZ{l} - sum(dZ{l}, axis=1, keepdims=True) "
                f"- xhat{l} * sum(dZ{l} * xhat{l}, axis=1, keepdims=True))")

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        if target.kind == "Z":
            return Msg("words.bn_Z", l=layer.index)
        return None

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.bn_dA", name=target.name, next=layer.index)

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.batchnorm", name=target.name, base=target.base, next=layer.index)

    def parameter_meaning(self, parameter: str, layer: Layer) -> Msg | None:
        if _on_columns(layer):
            return Msg("meaning.bn_columns", layer=layer.index)
        return Msg("meaning.bn_images")


BATCHNORM = BatchNormGrading()
