"""Narration of flatten: (m, C, H, W) → (C·H·W, m) forward, and the reshape back for dA_prev."""

from __future__ import annotations

from bpcli.core.network import LayerRecord
from bpcli.narrate.context import Context, largest_index, traced, worked_sum
from bpcli.narrate.expr import Expr, as_expr
from bpcli.narrate.model import Highlight, IdentityCheck, Step
from bpcli.narrate.notation import shape_of, symbol


def row_of(H: int, W: int) -> Expr:
    """The row a sample's value [c, h, w] lands in: c·H·W + h·W + w."""
    return as_expr("c") * H * W + as_expr("h") * W + "w"


def forward(ctx: Context, record: LayerRecord) -> list[Step]:
    """A⁽ˡ⁾[c·H·W + h·W + w, n] = A⁽ˡ⁻¹⁾[n, c, h, w]: each sample's values, row-major, as one column."""
    l = record.layer.index
    A_prev = ctx.layer_input(record)
    A, A_in = symbol("A", l), symbol("A", l - 1)
    _, C, H, W = A_prev.shape
    return [Step(
        section="forward", title=ctx.say("title.flatten_forward", layer=l),
        explanation=[ctx.say("forward.flatten")],
        formula=A[row_of(H, W), "n"].eq(A_in["n", "c", "h", "w"]),
        shapes=f"{shape_of(A_prev.shape)} → ({C}·{H}·{W})×{A_prev.shape[0]} = {shape_of(record.A.shape)}",
        operands=[A_in.tensor(A_prev)], result=A.tensor(record.A), target=A.name, layer=l,
        checks=[IdentityCheck(ctx.say("check.core_value", name=A.text),
                              A_prev.reshape(A_prev.shape[0], -1).T, record.A)])]


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dA⁽ˡ⁻¹⁾[n, c, h, w] = dA⁽ˡ⁾[c·H·W + h·W + w, n]: the same numbers put back in place."""
    l = record.layer.index
    dA, dA_prev = symbol("dA", l), symbol("dA", l - 1)
    core = ctx.input_gradient(record)
    _, C, H, W = core.shape
    n, c, h, w = largest_index(core)
    row = c * H * W + h * W + w
    entry = worked_sum(dA_prev[n, c, h, w], dA[row, n],
                       record.dA[row:row + 1, n:n + 1], core[n, c, h, w])
    # placed, so that a glance shows the slice and the row the entry comes from
    traced(entry, (n, c, h, w), lambda index: Highlight(used={dA.name: [(row, n)]}))
    return [Step(
        section="backward", title=ctx.say("title.flatten_backward", layer=l, name=dA_prev.text),
        explanation=[ctx.say("backward.flatten.why")],
        formula=dA_prev["n", "c", "h", "w"].eq(dA[row_of(H, W), "n"]),
        shapes=f"{shape_of(record.dA.shape)} → {shape_of(core.shape)}",
        operands=[dA.tensor(record.dA)], result=ctx.input_gradient_result(record), target=dA_prev.name,
        layer=l, worked=[entry],
        checks=[IdentityCheck(ctx.say("check.reshape", name=dA_prev.text), record.dA.T.reshape(core.shape), core)])]
