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
from bpcli.narrate.expr import (LOG, E, J, Aside, Atom, Expr, Group, Scaled, Sub, Y, alongside, atom, brackets, continued,
                                frac, m, partial, sum_over)
from bpcli.narrate.model import Brief, Formula, IdentityCheck, Step
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


#: one entry of the output, as text 002 writes it: a = A[i,j], y = Y[i,j], z = Z[i,j]
_a, _y, _z = atom("a"), atom("y"), atom("z")
_MINUS_ONE, _MINUS_TWO = atom("-1", "−1"), atom("-2", "−2")
_E_MINUS_Z = E ** -_z
_ONE_PLUS = 1 + _E_MINUS_Z


def _prime(inner: Expr) -> Atom:
    """(log a)′: the derivative of an expression, written as text 002 writes it."""
    return Atom(rf"\left({inner.latex}\right)'", f"({inner.text})′")


def log_derivation() -> list[Formula]:
    """Text 002's derivative of the logarithm, from e^(log a) = a, and of log(1 − a) by the chain rule."""
    log_a = LOG(_a)
    return [
        (E ** log_a).eq(_a).implies((E ** log_a) @ _prime(log_a)).eq(1).implies(_prime(log_a)).eq(
            frac(1, E ** log_a), frac(1, _a)),
        _prime(LOG(1 - _a)).eq(frac(1, 1 - _a) * Group(_MINUS_ONE), -frac(1, 1 - _a)),
    ]


def _bce_output_derivation() -> list[Formula]:
    """dA for bce, one entry: the two log derivatives, then ∂J/∂a (text 002, with the 1/m of J)."""
    return log_derivation() + [
        partial(J, _a).eq(-(frac(1, m) @ (_y @ _prime(LOG(_a)) + (1 - _y) @ _prime(LOG(1 - _a)))),
                          -(frac(1, m) @ (frac(_y, _a) - frac(1 - _y, 1 - _a))))]


def _softmax_output_derivation() -> list[Formula]:
    return log_derivation()[:1]


#: the lines that derive dA⁽ᴸ⁾ where the loss has a logarithm
OUTPUT_DERIVATIONS = {"bce": _bce_output_derivation, "softmax_ce": _softmax_output_derivation}


def sigmoid_derivation() -> list[Formula]:
    """σ′ by the chain rule on (1 + e^(−z))^(−1), then written with σ itself by adding and
    subtracting 1 (text 002)."""
    return [
        SIGMA(_z).eq(frac(1, _ONE_PLUS), _ONE_PLUS ** _MINUS_ONE),
        SIGMA.prime()(_z).eq(-((_ONE_PLUS ** _MINUS_TWO) @ (-_E_MINUS_Z)), frac(_E_MINUS_Z, _ONE_PLUS ** 2)),
        continued(frac(1, _ONE_PLUS) * frac(1 + _E_MINUS_Z - 1, _ONE_PLUS),
                  frac(1, _ONE_PLUS) * (1 - frac(1, _ONE_PLUS))),
        continued(SIGMA(_z) @ (1 - SIGMA(_z)), _a @ (1 - _a)),
    ]


def _bce_chain_product() -> list[Formula]:
    """∂J/∂a · ∂a/∂z over a common denominator, down to (a − y)/m."""
    return [
        partial(J, _z).eq(partial(J, _a) * partial(_a, _z),
                          -(frac(1, m) @ (frac(_y, _a) - frac(1 - _y, 1 - _a))) * (_a @ (1 - _a))),
        continued(-(frac(1, m) @ frac(_y @ (1 - _a) - _a @ (1 - _y), _a @ (1 - _a)) @ _a @ (1 - _a)),
                  -(frac(1, m) @ (_y @ (1 - _a) - _a @ (1 - _y)))),
        continued(-(frac(1, m) @ (_y - _y @ _a - _a + _a @ _y)), frac(_a - _y, m)),
    ]


def _bce_direct_route() -> list[Formula]:
    """The loss written in z and differentiated once (text 002's second way)."""
    log_one_plus = LOG(_ONE_PLUS)
    return [
        alongside(LOG(_a).eq(LOG(_ONE_PLUS ** _MINUS_ONE), -log_one_plus),
                  LOG(1 - _a).eq(LOG(frac(_E_MINUS_Z, _ONE_PLUS)), -_z - log_one_plus)),
        (_y @ LOG(_a) + (1 - _y) @ LOG(1 - _a)).eq(-(_y @ log_one_plus) + (1 - _y) @ (-_z - log_one_plus),
                                                     _y @ _z - _z - log_one_plus),
        continued(_y @ _z - LOG((E ** _z) @ _ONE_PLUS), _y @ _z - LOG(1 + E ** _z)),
        J.eq(frac(1, m) @ sum_over(("i", "j"), brackets(LOG(1 + E ** _z) - _y @ _z))),
        partial(J, _z).eq(frac(1, m) @ (frac(E ** _z, 1 + E ** _z) - _y), frac(1, m) @ (SIGMA(_z) - _y),
                          frac(_a - _y, m)),
    ]


def _bce_derivation(say) -> list[Formula]:
    return sigmoid_derivation() + _bce_chain_product() + _bce_direct_route()


def bce_compact_derivation() -> list[Formula]:
    """Text 002's derivation of (a − y)/m in three lines, for ``--detail steps``: σ′ by the chain
    rule down to a(1 − a), the product ∂J/∂a · ∂a/∂z simplified, and the direct route in z."""
    dJ_da = -(frac(1, m) @ (frac(_y, _a) - frac(1 - _y, 1 - _a)))
    return [
        SIGMA.prime()(_z).eq(-((_ONE_PLUS ** _MINUS_TWO) @ (-_E_MINUS_Z)), frac(_E_MINUS_Z, _ONE_PLUS ** 2),
                             SIGMA(_z) @ (1 - SIGMA(_z)), _a @ (1 - _a)),
        partial(J, _z).eq(partial(J, _a) * partial(_a, _z), dJ_da * (_a @ (1 - _a)),
                          -(frac(1, m) @ (_y @ (1 - _a) - _a @ (1 - _y))), frac(_a - _y, m)),
        J.eq(frac(1, m) @ sum_over(("i", "j"), brackets(LOG(1 + E ** _z) - _y @ _z))).implies(
            partial(J, _z)).eq(frac(1, m) @ (SIGMA(_z) - _y), frac(_a - _y, m)),
    ]


def _output_briefs(ctx: Context, loss: str, fused: bool) -> list[Brief]:
    """What ``--detail steps`` shows of the output layer's bce steps (dA⁽ᴸ⁾, and dZ⁽ᴸ⁾ when
    ``fused``): text 002's derivation compact in its own exercises, a sentence elsewhere."""
    if loss != "bce":
        return []
    if fused:
        return [Brief([ctx.say("backward.fused.bce_brief002")], bce_compact_derivation(), about="002"),
                Brief([ctx.say("backward.fused.bce_brief")])]
    return [Brief([ctx.say("backward.dA_output.bce_brief002")], log_derivation(), about="002"),
            Brief([ctx.say("backward.dA_output.bce_brief")])]


def _softmax_derivation(say) -> list[Formula]:
    A, Z, dA, dZ = atom("A"), atom("Z"), atom("dA"), atom("dZ")
    delta = Sub(atom(r"\delta", "δ"), atom("ki"))
    jacobian = partial(A["k", "j"], Z["i", "j"])
    return [
        alongside(dZ["i", "j"].eq(sum_over("k", dA["k", "j"] * jacobian)),
                  jacobian.eq(A["k", "j"] @ (delta - A["i", "j"]))),
        continued(sum_over("k", -frac(Y["k", "j"], m @ A["k", "j"]) * (A["k", "j"] @ (delta - A["i", "j"]))),
                  frac(1, m) @ (-Y["i", "j"] + A["i", "j"] @ sum_over("k", Y["k", "j"]))),
        Aside(continued(frac(A["i", "j"] - Y["i", "j"], m)), sum_over("k", Y["k", "j"]).eq(1),
              words=say("word.since")),
    ]


#: the derivation of dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m, line by line, for the fused pairs (given the sentences' ``say``)
FUSED_DERIVATIONS = {"bce": _bce_derivation, "softmax_ce": _softmax_derivation}


def loss_step(ctx: Context) -> Step:
    """J from A⁽ᴸ⁾ and Y, with its value (target 'J')."""
    last, loss = ctx.last, ctx.network.loss
    L = last.layer.index
    formulas = LOSSES[loss]
    loss_value = plain("J")
    return Step(
        section="forward", title=ctx.say("title.loss", loss=loss),
        explanation=[ctx.say(f"loss.{loss}")],
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
        result=dA.tensor(last.dA), notes=notes, target=dA.name, layer=L,
        derivation=OUTPUT_DERIVATIONS[loss]() if loss in OUTPUT_DERIVATIONS else [],
        briefs=_output_briefs(ctx, loss, fused=False))


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


def _direct_route_checks(ctx: Context, record: LayerRecord) -> list[IdentityCheck]:
    """Text 002's other ways on the numbers: σ′ from the quotient e^(−z)/(1 + e^(−z))², and J and
    dZ from the loss written in z, J = (1/m) Σ [log(1 + e^z) − y z], ∂J/∂z = (σ(z) − y)/m."""
    Z, Y, A = record.Z, ctx.network.Y, record.A
    shrunk = np.exp(-np.abs(Z))  # σ′ is even in z, so the quotient is taken where e^(−|z|) cannot overflow
    quotient = shrunk / (1 + shrunk) ** 2
    sigma = 1 / (1 + np.exp(-np.abs(Z)))
    sigma = np.where(Z >= 0, sigma, 1 - sigma)
    direct_loss = float(np.sum(np.logaddexp(0.0, Z) - Y * Z)) / ctx.m
    return [IdentityCheck(ctx.say("check.sigmoid_quotient"), quotient, A * (1 - A)),
            IdentityCheck(ctx.say("check.direct_loss"), direct_loss, ctx.run.loss),
            IdentityCheck(ctx.say("check.direct_gradient", name=symbol("dZ", record.layer.index).text),
                          (sigma - Y) / ctx.m, record.dZ)]


def fused_output_step(ctx: Context, record: LayerRecord) -> Step:
    """dZ⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m, derived from dA⁽ᴸ⁾ and g′ and checked against the long way; for bce
    also σ′ derived and the direct route (text 002)."""
    loss, L = ctx.network.loss, record.layer.index
    dZ, A = symbol("dZ", L), symbol("A", L)
    long_way = _long_way(loss, record)
    checks = [IdentityCheck(ctx.say("check.fused", name=dZ.text), long_way, record.dZ)]
    explanation = [ctx.say(f"backward.fused.{loss}")]
    if loss == "bce":
        checks += _direct_route_checks(ctx, record)
        explanation.append(ctx.say("backward.fused.bce_direct"))
    notes = [ctx.note("note.deeplearning_ai", about="004", m=ctx.m)]  # text 002's dW slip is noted at the dW step
    if not np.isfinite(long_way).all():
        notes.append(ctx.note("note.saturated_long_way"))
    shapes = "shapes.columnwise" if loss == "softmax_ce" else "shapes.elementwise"
    return Step(
        section="backward", title=ctx.say("title.dZ_output", layer=L),
        explanation=explanation + [ctx.say("backward.fused.why")],
        formula=dZ.eq(frac(A - Y, m)),
        shapes=ctx.say(shapes, shape=shape_of(record.A.shape)),
        operands=[A.tensor(record.A), plain("Y").tensor(ctx.network.Y)],
        result=dZ.tensor(record.dZ), notes=notes, target=dZ.name, layer=L,
        derivation=FUSED_DERIVATIONS[loss](ctx.say), checks=checks,
        briefs=_output_briefs(ctx, loss, fused=True))
