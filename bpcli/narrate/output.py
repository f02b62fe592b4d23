"""The loss and the output layer: J, dA⁽ᴸ⁾ from the loss, and for sigmoid + bce and softmax +
softmax_ce the derivation of dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m (text 002), checked against the long way."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.core import activations
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import LayerRecord
from bpcli.narrate.context import Context
from bpcli.narrate.model import Formula, IdentityCheck, Step
from bpcli.narrate.notation import plain, shape_of, symbol


@dataclass(frozen=True)
class LossFormulas:
    """J and ∂J/∂A for one loss; {a} is the output symbol A⁽ᴸ⁾."""

    value_latex: str
    value_text: str
    gradient_latex: str
    gradient_text: str


LOSSES = {
    "bce": LossFormulas(
        r"J = -\frac{{1}}{{m}} \sum_{{i,j}} \big[ Y_{{ij}} \log {a}_{{ij}} + (1 - Y_{{ij}}) \log(1 - {a}_{{ij}}) \big]",
        "J = −(1/m) Σᵢⱼ [ Y log {a} + (1 − Y) log(1 − {a}) ]",
        r"d{a} = \frac{{1}}{{m}} \Big( -\frac{{Y}}{{{a}}} + \frac{{1 - Y}}{{1 - {a}}} \Big)",
        "d{a} = (1/m) ( −Y/{a} + (1 − Y)/(1 − {a}) )"),
    "softmax_ce": LossFormulas(
        r"J = -\frac{{1}}{{m}} \sum_{{i,j}} Y_{{ij}} \log {a}_{{ij}}", "J = −(1/m) Σᵢⱼ Y log {a}",
        r"d{a} = -\frac{{Y}}{{m\,{a}}}", "d{a} = −Y / (m {a})"),
    "mse": LossFormulas(
        r"J = \frac{{1}}{{2m}} \sum_{{i,j}} ({a}_{{ij}} - Y_{{ij}})^2", "J = (1/(2m)) Σᵢⱼ ({a} − Y)²",
        r"d{a} = \frac{{1}}{{m}} ({a} - Y)", "d{a} = ({a} − Y) / m"),
    "sse": LossFormulas(
        r"J = \sum_{{i,j}} ({a}_{{ij}} - Y_{{ij}})^2", "J = Σᵢⱼ ({a} − Y)²",
        r"d{a} = 2 ({a} - Y)", "d{a} = 2 ({a} − Y)"),
}

#: the derivation of dZ⁽ᴸ⁾ = (A − Y)/m, line by line, for the fused pairs ({a}, {z} placeholders)
FUSED_DERIVATIONS = {
    "bce": [
        Formula(r"dZ = dA \odot \sigma'(Z) = \frac{1}{m}\Big(-\frac{Y}{A} + \frac{1-Y}{1-A}\Big) \odot A \odot (1 - A)",
                "dZ = dA ⊙ σ′(Z) = (1/m)(−Y/A + (1 − Y)/(1 − A)) ⊙ A ⊙ (1 − A)"),
        Formula(r"= \frac{1}{m}\big(-Y \odot (1 - A) + (1 - Y) \odot A\big) = \frac{1}{m}(-Y + Y \odot A + A - Y \odot A)",
                "= (1/m)(−Y ⊙ (1 − A) + (1 − Y) ⊙ A) = (1/m)(−Y + Y ⊙ A + A − Y ⊙ A)"),
        Formula(r"= \frac{1}{m}(A - Y)", "= (A − Y) / m"),
    ],
    "softmax_ce": [
        Formula(r"dZ_{ij} = \sum_k dA_{kj} \frac{\partial A_{kj}}{\partial Z_{ij}}, \qquad"
                r" \frac{\partial A_{kj}}{\partial Z_{ij}} = A_{kj}(\delta_{ki} - A_{ij})",
                "dZ[i,j] = Σₖ dA[k,j] · ∂A[k,j]/∂Z[i,j],   ∂A[k,j]/∂Z[i,j] = A[k,j](δₖᵢ − A[i,j])"),
        Formula(r"= \sum_k \Big(-\frac{Y_{kj}}{m A_{kj}}\Big) A_{kj}(\delta_{ki} - A_{ij})"
                r" = \frac{1}{m}\Big(-Y_{ij} + A_{ij} \sum_k Y_{kj}\Big)",
                "= Σₖ (−Y[k,j] / (m A[k,j])) · A[k,j](δₖᵢ − A[i,j]) = (1/m)(−Y[i,j] + A[i,j] Σₖ Y[k,j])"),
        Formula(r"= \frac{1}{m}(A_{ij} - Y_{ij}) \quad \text{since } \textstyle\sum_k Y_{kj} = 1",
                "= (A[i,j] − Y[i,j]) / m   since Σₖ Y[k,j] = 1"),
    ],
}


def _fill(template: str, latex: bool, L: int) -> str:
    a = symbol("A", L)
    return template.format(a=a.latex if latex else a.text)


def loss_step(ctx: Context) -> Step:
    """J from A⁽ᴸ⁾ and Y, with its value (target 'J')."""
    last, loss = ctx.last, ctx.network.loss
    L = last.layer.index
    formulas = LOSSES[loss]
    J = plain("J")
    return Step(
        section="forward", title=ctx.say("title.loss", loss=loss),
        explanation=[ctx.say(f"loss.{loss}"), ctx.say("loss.value", value=f"{ctx.run.loss:.6g}")],
        formula_latex=_fill(formulas.value_latex, True, L), formula_text=_fill(formulas.value_text, False, L),
        shapes=ctx.say("shapes.loss", shape=shape_of(last.A.shape)),
        operands=[symbol("A", L).tensor(last.A), plain("Y").tensor(ctx.network.Y)],
        result=J.tensor(np.asarray(ctx.run.loss)), target=J.name, layer=None)


def output_gradient_step(ctx: Context) -> Step:
    """dA⁽ᴸ⁾ = ∂J/∂A⁽ᴸ⁾ from the loss (target 'dA<L>')."""
    last, loss = ctx.last, ctx.network.loss
    L = last.layer.index
    formulas = LOSSES[loss]
    dA = symbol("dA", L)
    notes = [ctx.say("note.slip002_sign")] if loss == "bce" else []
    if not np.isfinite(last.dA).all():
        notes.append(ctx.say("note.saturated_dA"))
    return Step(
        section="backward", title=ctx.say("title.dA_output", layer=L),
        explanation=[ctx.say(f"backward.dA_output.{loss}")],
        formula_latex=_fill(formulas.gradient_latex, True, L), formula_text=_fill(formulas.gradient_text, False, L),
        shapes=ctx.say("shapes.elementwise", shape=shape_of(last.A.shape)),
        operands=[symbol("A", L).tensor(last.A), plain("Y").tensor(ctx.network.Y)],
        result=dA.tensor(last.dA), notes=notes, target=dA.name, layer=L)


def is_fused(ctx: Context, record: LayerRecord) -> bool:
    """True for the last layer of sigmoid + bce and softmax + softmax_ce."""
    return record is ctx.last and has_fused_output_gradient(ctx.network.loss)


def _long_way(loss: str, record: LayerRecord) -> np.ndarray:
    """dA ⊙ σ′(Z) for bce; the softmax Jacobian applied column by column for softmax_ce."""
    with np.errstate(invalid="ignore", over="ignore"):
        if loss == "bce":
            return record.dA * activations.derivative("sigmoid", record.Z)
        weighted = record.A * record.dA  # = −Y/m, finite even where A is tiny
        return weighted - record.A * weighted.sum(axis=0, keepdims=True)


def fused_output_step(ctx: Context, record: LayerRecord) -> Step:
    """dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m, derived from dA⁽ᴸ⁾ and g′ and checked against the long way."""
    loss, L = ctx.network.loss, record.layer.index
    dZ, A = symbol("dZ", L), symbol("A", L)
    long_way = _long_way(loss, record)
    checks = [IdentityCheck(ctx.say("check.fused", name=dZ.text), long_way, record.dZ)]
    notes = [ctx.say("note.deeplearning_ai", m=ctx.m)]  # text 002's dW slip is noted at the dW step
    if not np.isfinite(long_way).all():
        notes.append(ctx.say("note.saturated_long_way"))
    return Step(
        section="backward", title=ctx.say("title.dZ_output", layer=L),
        explanation=[ctx.say(f"backward.fused.{loss}"), ctx.say("backward.fused.why")],
        formula_latex=rf"{dZ.latex} = \frac{{1}}{{m}}\big({A.latex} - Y\big)",
        formula_text=f"{dZ.text} = ({A.text} − Y) / m",
        shapes=ctx.say("shapes.elementwise", shape=shape_of(record.A.shape)),
        operands=[A.tensor(record.A), plain("Y").tensor(ctx.network.Y)],
        result=dZ.tensor(record.dZ), notes=notes, target=dZ.name, layer=L,
        derivation=FUSED_DERIVATIONS[loss], checks=checks)
