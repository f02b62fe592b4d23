"""Narration of a dense layer: Z = W A_prev + b forward; dW, db, dA_prev backward, each derived
by the chosen method and worked out for one entry."""

from __future__ import annotations

import numpy as np

from bpcli.core.network import LayerRecord
from bpcli.narrate import methods
from bpcli.narrate.context import Context, largest_index, traced, worked_sum
from bpcli.narrate.expr import ONES_M, sum_over
from bpcli.narrate.model import Highlight, IdentityCheck, Sources, Step
from bpcli.narrate.notation import matmul_shapes, shape_of, symbol


def forward(ctx: Context, record: LayerRecord) -> list[Step]:
    """Z⁽ˡ⁾ = W⁽ˡ⁾ A⁽ˡ⁻¹⁾ + b⁽ˡ⁾ (b broadcast across the m columns)."""
    layer, l = record.layer, record.layer.index
    A_prev = ctx.layer_input(record)
    W, b, Z, A = symbol("W", l), symbol("b", l), symbol("Z", l), symbol("A", l - 1)
    i, j = largest_index(record.Z)
    entry = worked_sum(Z[i, j], sum_over("k", W[i, "k"] * A["k", j]) + b[i],
                       np.stack([layer.W[i], A_prev[:, j]], axis=1), record.Z[i, j], constant=layer.b[i, 0])
    sources = product_sources(W.name, A.name, A_prev.shape[0], bias=b.name)
    traced(entry, (i, j), sources)
    shapes = (f"({shape_of(layer.W.shape)})({shape_of(A_prev.shape)}) + ({shape_of(layer.b.shape)} "
              f"{ctx.say('word.broadcast')}) → {shape_of(record.Z.shape)}")
    return [Step(
        section="forward", title=ctx.say("title.dense_forward", layer=l),
        explanation=[ctx.say("forward.dense", count=ctx.m)],
        formula=Z.eq(W @ A + b),
        shapes=shapes, operands=[W.tensor(layer.W), A.tensor(A_prev), b.tensor(layer.b)],
        result=Z.tensor(record.Z), target=Z.name, layer=l, worked=[entry], sources=sources,
        checks=[IdentityCheck(ctx.say("check.core_value", name=Z.text), layer.W @ A_prev + layer.b, record.Z)])]


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dW⁽ˡ⁾, db⁽ˡ⁾ and dA⁽ˡ⁻¹⁾ (dX for layer 1), in that order."""
    layer, l = record.layer, record.layer.index
    parts = methods.DenseParts(l, layer.W, ctx.layer_input(record), record.dZ)
    method = methods.for_name(ctx.method)
    return [_weight_step(ctx, record, parts, method.weight(ctx, parts)),
            _bias_step(ctx, record, parts, method.bias(ctx, parts)),
            _input_step(ctx, record, parts, method.input(ctx, parts))]


def _weight_step(ctx: Context, record: LayerRecord, parts: methods.DenseParts, derivation) -> Step:
    l = parts.l
    dW, dZ, A = symbol("dW", l), symbol("dZ", l), symbol("A", l - 1)
    i, k = largest_index(record.dW)
    entry = worked_sum(dW[i, k], sum_over("j", dZ[i, "j"] * A[k, "j"]),
                       np.stack([parts.G[i], parts.A_prev[k]], axis=1), record.dW[i, k])
    sources = product_sources(dZ.name, A.name, parts.G.shape[1], right_transposed=True)
    traced(entry, (i, k), sources)
    notes = [ctx.note("note.no_extra_1_over_m")] if ctx.has_one_over_m else []
    if record is ctx.last:
        notes.append(ctx.note("note.slip002_dW", about="002", layer=l, prev_A=A.text, this_A=symbol("A", l).text))
    if l == 1:
        notes.append(ctx.note("note.slip004_dW1", about="004"))
    return Step(
        section="backward", title=ctx.say("title.dW", layer=l),
        explanation=[ctx.say("backward.dW.why")] + derivation.sentences,
        formula=dW.eq(dZ @ A.T),
        shapes=matmul_shapes(parts.G.shape, parts.A_prev.T.shape, record.dW.shape),
        operands=[dZ.tensor(parts.G), A.tensor(parts.A_prev)] + derivation.operands,
        result=dW.tensor(record.dW), notes=notes, target=dW.name, layer=l,
        derivation=derivation.formulas, short=derivation.short, worked=[entry], checks=derivation.checks, sources=sources)


def _bias_step(ctx: Context, record: LayerRecord, parts: methods.DenseParts, derivation) -> Step:
    l = parts.l
    db, dZ = symbol("db", l), symbol("dZ", l)
    i = largest_index(record.db)[0]
    entry = worked_sum(db[i, 0], sum_over("j", dZ[i, "j"]), parts.G[i][:, None], record.db[i, 0])
    samples = parts.G.shape[1]

    def sources(index) -> Highlight:
        return Highlight({dZ.name: [(index[0], j) for j in range(samples)]})

    traced(entry, (i, 0), sources)
    return Step(
        section="backward", title=ctx.say("title.db", layer=l),
        explanation=[ctx.say("backward.db.why")] + derivation.sentences,
        formula=db.eq(sum_over("j", dZ[":", "j"]), dZ @ ONES_M),
        shapes=ctx.say("shapes.aside", shapes=f"{shape_of(parts.G.shape)} → {shape_of(record.db.shape)}",
                      how=ctx.say("word.sum_over_samples")),
        operands=[dZ.tensor(parts.G)] + derivation.operands, result=db.tensor(record.db),
        notes=[ctx.note("note.slip000_sum_index", about="000")] + ctx.bias_notes(record), target=db.name, layer=l,
        derivation=derivation.formulas, short=derivation.short, worked=[entry], checks=derivation.checks, sources=sources)


def _input_step(ctx: Context, record: LayerRecord, parts: methods.DenseParts, derivation) -> Step:
    l = parts.l
    dA_prev, dZ, W = symbol("dA", l - 1), symbol("dZ", l), symbol("W", l)
    result = ctx.input_gradient_result(record)
    core = ctx.input_gradient(record)
    k, j = largest_index(core)
    entry = worked_sum(dA_prev[k, j], sum_over("i", W["i", k] * dZ["i", j]),
                       np.stack([parts.W[:, k], parts.G[:, j]], axis=1), core[k, j])
    sources = product_sources(W.name, dZ.name, parts.W.shape[0], left_transposed=True)
    traced(entry, (k, j), sources)
    notes = [ctx.note("note.slip002_dA", about="002", W=W.text, dW=symbol("dW", l).text)] if record is ctx.last else []
    explanation = [ctx.say("backward.dA_prev.why")]
    if l > 1:
        explanation.append(ctx.passed_back(l))
    return Step(
        section="backward", title=ctx.say("title.dA_prev", layer=l, name=dA_prev.text),
        explanation=explanation + derivation.sentences,
        formula=dA_prev.eq(W.T @ dZ),
        shapes=matmul_shapes(parts.W.T.shape, parts.G.shape, core.shape),
        operands=[W.tensor(parts.W), dZ.tensor(parts.G)] + derivation.operands, result=result,
        notes=notes, target=result.name, layer=l, derivation=derivation.formulas, short=derivation.short, worked=[entry],
        checks=derivation.checks, sources=sources)


def product_sources(left: str, right: str, inner: int, *, left_transposed: bool = False,
                    right_transposed: bool = False, bias: str | None = None) -> Sources:
    """Entry [i, j] of a matrix product (left or right used transposed) comes from row i of the
    left factor and column j of the right one, plus the bias's row i."""
    def sources(index) -> Highlight:
        i, j = index
        used = {left: [(k, i) if left_transposed else (i, k) for k in range(inner)],
                right: [(j, k) if right_transposed else (k, j) for k in range(inner)]}
        if bias is not None:
            used[bias] = [(i, 0)]
        return Highlight(used)
    return sources
