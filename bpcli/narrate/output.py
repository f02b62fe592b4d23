"""The loss and the output layer: J, dA⁽ᴸ⁾ from the loss, and for sigmoid + bce and softmax +
softmax_ce the derivation of dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m (text 002), checked against the long way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpcli.core import activations
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import LayerRecord
from bpcli.narrate.activation import SIGMA
from bpcli.narrate.context import Context
from bpcli.narrate.expr import (LOG, J, Aside, Expr, Scaled, Sub, Y, alongside, atom, brackets, continued, frac,
                                hadamard, m, partial, sum_over)
from bpcli.narrate.model import Formula, IdentityCheck, Step
from bpcli.narrate.notation import plain, shape_of, symbol


@dataclass(frozen=True)
class LossFormulas:
    """J and dA⁽ᴸ⁾ = ∂J/∂A⁽ᴸ⁾ for one loss, as formulas of the output A⁽ᴸ⁾ and its gradient dA⁽ᴸ⁾."""

    value: Callable[[Expr], Expr]
    gradient: Callable[[Expr, Expr], Expr]


def _entries(a: Expr) -> tuple[Expr, Expr]:
    return a["i", "j"], Y["i", "j"]


def _bce(a: Expr) -> Expr:
    a_ij, y_ij = _entries(a)
    return J.eq(-(frac(1, m) @ sum_over(("i", "j"), brackets(y_ij @ LOG(a_ij) + (1 - y_ij) @ LOG(1 - a_ij)))))


LOSSES = {
    "bce": LossFormulas(_bce, lambda a, da: da.eq(frac(1, m) @ (-frac(Y, a) + frac(1 - Y, 1 - a)))),
    "softmax_ce": LossFormulas(
        lambda a: J.eq(-(frac(1, m) @ sum_over(("i", "j"), Y["i", "j"] @ LOG(a["i", "j"])))),
        lambda a, da: da.eq(-frac(Y, m @ a))),
    "mse": LossFormulas(
        lambda a: J.eq(frac(1, Scaled(2, m)) @ sum_over(("i", "j"), (a["i", "j"] - Y["i", "j"]) ** 2)),
        lambda a, da: da.eq(frac(a - Y, m))),
    "sse": LossFormulas(
        lambda a: J.eq(sum_over(("i", "j"), (a["i", "j"] - Y["i", "j"]) ** 2)),
        lambda a, da: da.eq(2 @ (a - Y))),
}


def _bce_derivation() -> list[Formula]:
    A, Z, dA, dZ = atom("A"), atom("Z"), atom("dA"), atom("dZ")
    return [
        dZ.eq(hadamard(dA, SIGMA.prime()(Z)), hadamard(frac(1, m) @ (-frac(Y, A) + frac(1 - Y, 1 - A)), A, 1 - A)),
        continued(frac(1, m) @ (-hadamard(Y, 1 - A) + hadamard(1 - Y, A)),
                  frac(1, m) @ (-Y + hadamard(Y, A) + A - hadamard(Y, A))),
        continued(frac(A - Y, m)),
    ]


def _softmax_derivation() -> list[Formula]:
    A, Z, dA, dZ = atom("A"), atom("Z"), atom("dA"), atom("dZ")
    delta = Sub(atom(r"\delta", "δ"), atom("ki"))
    jacobian = partial(A["k", "j"], Z["i", "j"])
    return [
        alongside(dZ["i", "j"].eq(sum_over("k", dA["k", "j"] * jacobian)),
                  jacobian.eq(A["k", "j"] @ (delta - A["i", "j"]))),
        continued(sum_over("k", -frac(Y["k", "j"], m @ A["k", "j"]) * (A["k", "j"] @ (delta - A["i", "j"]))),
                  frac(1, m) @ (-Y["i", "j"] + A["i", "j"] @ sum_over("k", Y["k", "j"]))),
        Aside(continued(frac(A["i", "j"] - Y["i", "j"], m)), sum_over("k", Y["k", "j"]).eq(1), words="since"),
    ]


#: the derivation of dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m, line by line, for the fused pairs
FUSED_DERIVATIONS = {"bce": _bce_derivation(), "softmax_ce": _softmax_derivation()}


def loss_step(ctx: Context) -> Step:
    """J from A⁽ᴸ⁾ and Y, with its value (target 'J')."""
    last, loss = ctx.last, ctx.network.loss
    L = last.layer.index
    formulas = LOSSES[loss]
    loss_value = plain("J")
    return Step(
        section="forward", title=ctx.say("title.loss", loss=loss),
        explanation=[ctx.say(f"loss.{loss}"), ctx.say("loss.value", value=f"{ctx.run.loss:.6g}")],
        formula=formulas.value(symbol("A", L)),
        shapes=ctx.say("shapes.loss", shape=shape_of(last.A.shape)),
        operands=[symbol("A", L).tensor(last.A), plain("Y").tensor(ctx.network.Y)],
        result=loss_value.tensor(np.asarray(ctx.run.loss)), target=loss_value.name, layer=None)


def output_gradient_step(ctx: Context) -> Step:
    """dA⁽ᴸ⁾ = ∂J/∂A⁽ᴸ⁾ from the loss (target 'dA<L>')."""
    last, loss = ctx.last, ctx.network.loss
    L = last.layer.index
    formulas = LOSSES[loss]
    dA = symbol("dA", L)
    notes = [ctx.note("note.slip002_sign", about="002")] if loss == "bce" else []
    if not np.isfinite(last.dA).all():
        notes.append(ctx.note("note.saturated_dA"))
    return Step(
        section="backward", title=ctx.say("title.dA_output", layer=L),
        explanation=[ctx.say(f"backward.dA_output.{loss}")],
        formula=formulas.gradient(symbol("A", L), dA),
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
    notes = [ctx.note("note.deeplearning_ai", about="004", m=ctx.m)]  # text 002's dW slip is noted at the dW step
    if not np.isfinite(long_way).all():
        notes.append(ctx.note("note.saturated_long_way"))
    return Step(
        section="backward", title=ctx.say("title.dZ_output", layer=L),
        explanation=[ctx.say(f"backward.fused.{loss}"), ctx.say("backward.fused.why")],
        formula=dZ.eq(frac(A - Y, m)),
        shapes=ctx.say("shapes.elementwise", shape=shape_of(record.A.shape)),
        operands=[A.tensor(record.A), plain("Y").tensor(ctx.network.Y)],
        result=dZ.tensor(record.dZ), notes=notes, target=dZ.name, layer=L,
        derivation=FUSED_DERIVATIONS[loss], checks=checks)
