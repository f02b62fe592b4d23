"""The activation steps every layer with a Z shares: A = g(Z) forward, dZ = dA ⊙ g′(Z) backward,
with g and g′ written for the activation at hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpcli.core import activations
from bpcli.core.network import LayerRecord
from bpcli.narrate import methods
from bpcli.narrate.context import Context, largest_index, traced, worked_sum
from bpcli.narrate.expr import (E, G_PRIME, Expr, Fn, Power, alongside, as_expr, atom, frac, function, hadamard,
                                sum_over)
from bpcli.narrate.model import Brief, Highlight, IdentityCheck, Sources, Step
from bpcli.narrate.notation import derived, shape_of, symbol


SIGMA = function(r"\sigma", "σ")
TANH = function(r"\tanh", "tanh")
TANH_SQUARED = Fn(Power(atom(r"\tanh", "tanh"), as_expr(2)))
RELU = function(r"\mathrm{relu}", "relu")
MAX = function(r"\max", "max")
INDICATOR = function(r"\mathbb{1}", "𝟙", brackets="[]")


@dataclass(frozen=True)
class ActivationFormulas:
    """A = g(Z) and g′(Z) of one activation, as formulas of the layer's A and Z."""

    forward: Callable[[Expr, Expr], Expr]
    derivative: Callable[[Expr, Expr], Expr] | None


FORMULAS = {
    "sigmoid": ActivationFormulas(
        lambda a, z: a.eq(SIGMA(z), frac(1, 1 + E ** -z)),
        lambda a, z: SIGMA.prime()(z).eq(hadamard(SIGMA(z), 1 - SIGMA(z)), hadamard(a, 1 - a))),
    "tanh": ActivationFormulas(
        lambda a, z: a.eq(TANH(z)),
        lambda a, z: TANH.prime()(z).eq(1 - TANH_SQUARED(z), 1 - hadamard(a, a))),
    "relu": ActivationFormulas(
        lambda a, z: a.eq(MAX(z, 0)),
        lambda a, z: RELU.prime()(z).eq(INDICATOR(z.greater(0)))),
    "linear": ActivationFormulas(lambda a, z: a.eq(z), lambda a, z: G_PRIME(z).eq(1)),
    "softmax": ActivationFormulas(
        lambda a, z: a["i", "j"].eq(frac(E ** z["i", "j"], sum_over("k", E ** z["k", "j"]))), None),
}


def _symbols(record: LayerRecord):
    l = record.layer.index
    return symbol("A", l), symbol("Z", l)


def forward_step(ctx: Context, record: LayerRecord) -> Step:
    """A⁽ˡ⁾ = g(Z⁽ˡ⁾), element-wise (softmax: per column)."""
    l, name = record.layer.index, record.layer.activation
    formulas = FORMULAS[name]
    return Step(
        section="forward", title=ctx.say("title.activation", layer=l, activation=name),
        explanation=[ctx.say(f"forward.activation.{name}")],
        formula=formulas.forward(*_symbols(record)),
        shapes=ctx.say("shapes.columnwise" if name == "softmax" else "shapes.elementwise",
                       shape=shape_of(record.Z.shape)),
        operands=[symbol("Z", l).tensor(record.Z)], result=symbol("A", l).tensor(record.A),
        target=symbol("A", l).name, layer=l,
        sources=column_sources(symbol("Z", l).name, record.Z.shape[0]) if name == "softmax"
        else elementwise_sources([symbol("Z", l).name]))


def derivative_tensor(record: LayerRecord):
    """g′(Z⁽ˡ⁾) as a named auxiliary tensor (the core's own derivative function)."""
    l, name = record.layer.index, record.layer.activation
    z = symbol("Z", l)
    return derived(f"g'({z.name})", G_PRIME(z)).tensor(
        activations.derivative(name, record.Z))


def backward_step(ctx: Context, record: LayerRecord) -> Step:
    """dZ⁽ˡ⁾ = dA⁽ˡ⁾ ⊙ g′(Z⁽ˡ⁾) with g′ written out (not used for the fused output layer)."""
    l, name = record.layer.index, record.layer.activation
    dA, dZ = symbol("dA", l), symbol("dZ", l)
    formulas = FORMULAS[name]
    g_prime = derivative_tensor(record)
    derivation = methods.for_name(ctx.method).activation(ctx, record, g_prime.value)
    index = largest_index(record.dZ)
    entry = worked_sum(dZ[index], dA[index] * G_PRIME(symbol("Z", l)[index]),
                       np.array([[record.dA[index], g_prime.value[index]]]), record.dZ[index])
    # placed, so that a glance at image tensors shows the slice the entry lies in
    traced(entry, index, lambda at: Highlight(used={dA.name: [at], g_prime.name: [at]}))
    notes = [ctx.note("note.slip000_gprime", about="000", Z=symbol("Z", l).text)]
    if name == "relu" and bool((record.Z == 0).any()):
        notes.append(ctx.note("note.relu_kink", kind=f"note.relu_kink.{l}", count=int((record.Z == 0).sum())))
    explanation = [ctx.say("backward.dZ.why"), ctx.say(f"backward.gprime.{name}")]
    # --detail steps keeps relu's sentence on g′: it says what the 𝟙[Z > 0] of the formula is (the
    # other g′ are written in σ, tanh and A); other methods than chain show all (what was asked for)
    briefs = [Brief(explanation)] if name == "relu" and ctx.method == "chain" else []
    return Step(
        section="backward", title=ctx.say("title.dZ", layer=l), briefs=briefs,
        explanation=explanation + derivation.sentences,
        formula=alongside(dZ.eq(hadamard(dA, G_PRIME(symbol("Z", l)))), formulas.derivative(*_symbols(record))),
        shapes=ctx.say("shapes.elementwise", shape=shape_of(record.Z.shape)),
        operands=[dA.tensor(record.dA), g_prime] + derivation.operands,
        result=dZ.tensor(record.dZ), notes=notes, target=dZ.name, layer=l, worked=[entry],
        derivation=derivation.formulas, short=derivation.short, sources=elementwise_sources([dA.name, g_prime.name]),
        checks=derivation.checks + [IdentityCheck(ctx.say("check.core_value", name=dZ.text),
                                                  record.dA * g_prime.value, record.dZ)])


def elementwise_sources(names: list[str]) -> Sources:
    """An element-wise result's entry comes from the same entry of each operand."""
    return lambda index: Highlight({name: [tuple(index)] for name in names})


def column_sources(name: str, units: int) -> Sources:
    """A softmax entry comes from every logit of its column."""
    return lambda index: Highlight({name: [(k, index[1]) for k in range(units)]})
