"""The activation steps every layer with a Z shares: A = g(Z) forward, dZ = dA ⊙ g′(Z) backward,
with g and g′ written for the activation at hand."""

from __future__ import annotations

from dataclasses import dataclass

from bpcli.core import activations
from bpcli.core.network import LayerRecord
from bpcli.narrate import methods
from bpcli.narrate.context import Context
from bpcli.narrate.model import IdentityCheck, Step
from bpcli.narrate.notation import derived, shape_of, symbol


@dataclass(frozen=True)
class ActivationFormulas:
    """g and g′ of one activation, for layer l (``z``, ``a`` are the symbols' LaTeX / text)."""

    forward_latex: str  # with {a}, {z} placeholders
    forward_text: str
    derivative_latex: str
    derivative_text: str


FORMULAS = {
    "sigmoid": ActivationFormulas(
        r"{a} = \sigma({z}) = \frac{{1}}{{1 + e^{{-{z}}}}}", "{a} = σ({z}) = 1 / (1 + e^(−{z}))",
        r"\sigma'({z}) = \sigma({z}) \odot (1 - \sigma({z})) = {a} \odot (1 - {a})",
        "σ′({z}) = σ({z}) ⊙ (1 − σ({z})) = {a} ⊙ (1 − {a})"),
    "tanh": ActivationFormulas(
        r"{a} = \tanh({z})", "{a} = tanh({z})",
        r"\tanh'({z}) = 1 - \tanh^2({z}) = 1 - {a} \odot {a}", "tanh′({z}) = 1 − tanh²({z}) = 1 − {a} ⊙ {a}"),
    "relu": ActivationFormulas(
        r"{a} = \max({z}, 0)", "{a} = max({z}, 0)",
        r"\mathrm{{relu}}'({z}) = \mathbb{{1}}[{z} > 0]", "relu′({z}) = 𝟙[{z} > 0]"),
    "linear": ActivationFormulas(
        r"{a} = {z}", "{a} = {z}", r"g'({z}) = 1", "g′({z}) = 1"),
    "softmax": ActivationFormulas(
        r"{a}_{{ij}} = \frac{{e^{{{z}_{{ij}}}}}}{{\sum_k e^{{{z}_{{kj}}}}}}",
        "{a}[i,j] = e^{z}[i,j] / Σₖ e^{z}[k,j]", "", ""),
}


def _fill(template: str, record: LayerRecord, latex: bool) -> str:
    l = record.layer.index
    a, z = symbol("A", l), symbol("Z", l)
    return template.format(a=a.latex if latex else a.text, z=z.latex if latex else z.text)


def forward_step(ctx: Context, record: LayerRecord) -> Step:
    """A⁽ˡ⁾ = g(Z⁽ˡ⁾), element-wise (softmax: per column)."""
    l, name = record.layer.index, record.layer.activation
    formulas = FORMULAS[name]
    return Step(
        section="forward", title=ctx.say("title.activation", layer=l, activation=name),
        explanation=[ctx.say(f"forward.activation.{name}")],
        formula_latex=_fill(formulas.forward_latex, record, True),
        formula_text=_fill(formulas.forward_text, record, False),
        shapes=ctx.say("shapes.elementwise", shape=shape_of(record.Z.shape)),
        operands=[symbol("Z", l).tensor(record.Z)], result=symbol("A", l).tensor(record.A),
        target=symbol("A", l).name, layer=l)


def derivative_tensor(record: LayerRecord):
    """g′(Z⁽ˡ⁾) as a named auxiliary tensor (the core's own derivative function)."""
    l, name = record.layer.index, record.layer.activation
    z = symbol("Z", l)
    return derived(f"g'({z.name})", rf"g'({z.latex})", f"g′({z.text})").tensor(
        activations.derivative(name, record.Z))


def backward_step(ctx: Context, record: LayerRecord) -> Step:
    """dZ⁽ˡ⁾ = dA⁽ˡ⁾ ⊙ g′(Z⁽ˡ⁾) with g′ written out (not used for the fused output layer)."""
    l, name = record.layer.index, record.layer.activation
    dA, dZ = symbol("dA", l), symbol("dZ", l)
    formulas = FORMULAS[name]
    g_prime = derivative_tensor(record)
    derivation = methods.for_name(ctx.method).activation(ctx, record, g_prime.value)
    notes = [ctx.say("note.slip000_gprime", Z=symbol("Z", l).text)]
    if name == "relu" and bool((record.Z == 0).any()):
        notes.append(ctx.say("note.relu_kink", count=int((record.Z == 0).sum())))
    return Step(
        section="backward", title=ctx.say("title.dZ", layer=l),
        explanation=[ctx.say("backward.dZ.why"), ctx.say(f"backward.gprime.{name}")] + derivation.sentences,
        formula_latex=rf"{dZ.latex} = {dA.latex} \odot g'({symbol('Z', l).latex}), \quad "
                      + _fill(formulas.derivative_latex, record, True),
        formula_text=f"{dZ.text} = {dA.text} ⊙ g′({symbol('Z', l).text}),   "
                     + _fill(formulas.derivative_text, record, False),
        shapes=ctx.say("shapes.elementwise", shape=shape_of(record.Z.shape)),
        operands=[dA.tensor(record.dA), g_prime] + derivation.operands,
        result=dZ.tensor(record.dZ), notes=notes, target=dZ.name, layer=l,
        derivation=derivation.formulas,
        checks=derivation.checks + [IdentityCheck(ctx.say("check.core_value", name=dZ.text),
                                                  record.dA * g_prime.value, record.dZ)])
