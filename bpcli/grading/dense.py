"""Grading and hints particular to dense layers: Z = W A_prev + b, dW = dZ A_prevᵀ, db = row
sums of dZ, dA_prev = Wᵀ dZ, and the slips the source texts show around them."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from bpcli.core import activations
from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.grading.kind import KindGrading, redraw_weights_and_bias
from bpcli.texts import Msg
from bpcli.grading.mistakes import (Mistake, activation_derivative_text, has_activation_factor, layer_input,
                                    layer_output, record_of, wrong_axes_sums)
from bpcli.grading.targets import Target, input_name, output_name


class DenseGrading(KindGrading):
    def parameter_mistakes(self, run: Run, record: LayerRecord, parameter: str) -> Iterator[Mistake]:
        if parameter == "W":
            yield from _weight_mistakes(run, record)
        else:
            yield from _bias_mistakes(record)

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        nxt = layer.index
        if layer.W.shape[0] == layer.W.shape[1]:
            yield Mistake(("missing_transpose",), layer.W @ following.dZ,
                          Msg("mistake.W_not_transposed", next=nxt, name=name))
        yield Mistake(("used_dW_for_W",), following.gradients["W"].T @ following.dZ,
                      Msg("mistake.used_dW_for_W", next=nxt, name=name))
        if has_activation_factor(following):
            yield Mistake(("missing_activation_derivative",), layer.W.T @ following.dA,
                          Msg("mistake.dA_missing_g", next=nxt, g=activation_derivative_text(layer), name=name))

    def previous_dZ_mistakes(self, run: Run, record: LayerRecord, following: LayerRecord) -> Iterator[Mistake]:
        layer = record.layer
        dA_with_dW = following.gradients["W"].T @ following.dZ
        factor = (activations.derivative(layer.activation, record.Z)
                  if layer.activation in activations.DERIVATIVE else 1.0)
        yield Mistake(("used_dW_for_W",), dA_with_dW * factor,
                      Msg("mistake.used_dW_for_W.dZ", l=layer.index, next=layer.index + 1))

    def output_mistakes(self, run: Run, record: LayerRecord) -> Iterator[Mistake]:
        layer = record.layer
        yield Mistake(("missing_bias",), record.Z - layer.b,
                      Msg("mistake.missing_bias", l=layer.index, input=input_name(run.network, layer.index)))

    def formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        l = layer.index
        if target.kind == "dW":
            return f"dZ{l} @ {input_name(network, l)}.T"
        if target.kind == "db":
            return f"sum(dZ{l}, axis=1, keepdims=True)"
        if target.kind == "Z":
            return f"W{l} @ {input_name(network, l)} + b{l}"
        return None

    def input_gradient_formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        return f"W{layer.index}.T @ dZ{layer.index}"

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.dense", name=target.name, base=target.base, next=layer.index)

    def parameter_meaning(self, parameter: str, layer: Layer) -> Msg | None:
        key = {"W": "meaning.dense_W", "b": "meaning.dense_b"}[parameter]
        return Msg(key, layer=layer.index)

    def redraw(self, layer: Layer, rng: np.random.Generator) -> None:
        redraw_weights_and_bias(layer, rng)


def _weight_mistakes(run: Run, record: LayerRecord) -> Iterator[Mistake]:
    """dW = dZ A_prevᵀ with the wrong second factor: A⁽ˡ⁾ or Z⁽ˡ⁻¹⁾ for A⁽ˡ⁻¹⁾, A_prev not
    transposed, or another layer's output."""
    l = record.layer.index
    dZ = record.dZ
    yield Mistake(("wrong_input",), dZ @ record.A.T,
                  Msg("mistake.output_for_input", l=l, input=input_name(run.network, l)))
    if l > 1 and record_of(run, l - 1).Z is not None:
        yield Mistake(("wrong_input",), dZ @ record_of(run, l - 1).Z.T, Msg("mistake.Z_for_A", prev=l - 1, l=l))
    prev = input_name(run.network, l)
    A_prev = layer_input(run, l)
    if A_prev.ndim == 2 and A_prev.shape[0] == dZ.shape[1]:
        yield Mistake(("missing_transpose",), dZ @ A_prev, Msg("mistake.input_not_transposed", input=prev, l=l))
    for k in range(len(run.records) + 1):
        if k in (l - 1, l):
            continue
        other = layer_output(run, k)
        if other.ndim == 2 and other.shape[1] == dZ.shape[1]:
            yield Mistake(("wrong_input",), dZ @ other.T,
                          Msg("mistake.other_input", other=output_name(run.network, k), input=prev, l=l))


def _bias_mistakes(record: LayerRecord) -> Iterator[Mistake]:
    """db = Σ over samples of dZ, not summed, summed over units, or summed over everything."""
    l = record.layer.index
    dZ = record.dZ
    yield Mistake(("not_summed",), dZ, Msg("mistake.db_not_summed", l=l))
    yield Mistake(("wrong_axis",), dZ.sum(axis=0, keepdims=True), Msg("mistake.db_wrong_axis", l=l))
    if dZ.shape[0] > 1:
        yield Mistake(("wrong_axis",), np.asarray(dZ.sum()), Msg("mistake.db_summed_all", l=l))
    yield from wrong_axes_sums(dZ, (1,), f"dZ{l}", f"db{l}", f"db{l} = sum(dZ{l}, axis=1, keepdims=True)")


DENSE = DenseGrading()
