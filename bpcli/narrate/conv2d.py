"""Narration of a conv2d layer (cross-correlation, text 001's index sums, with stride and padding):

forward  Z[n,f,y,x] = b[f] + Σ_{c,i,j} W[f,c,i,j] · P[n,c,s·y+i, s·x+j]   (P: A_prev zero-padded by p)
dW       dW[f,c,i,j] = Σ_{n,y,x} dZ[n,f,y,x] · P[n,c,s·y+i, s·x+j]      (P ⋆ dil_s(dZ): P correlated
         with dZ spread out by s − 1 zeros between entries; P = A_prev when p = 0)
db       db[f] = Σ_{n,y,x} dZ[n,f,y,x]
dA_prev  the full correlation of the stride-dilated, padded dZ with ROT180(W), entry by entry
         dA_prev[n,c,i,j] = Σ_{f,y,x} dZ[n,f,y,x] · W[f,c, i+p−s·y, j+p−s·x]   (kernel index in range)

Every gradient is recomputed here by its own formula and compared with the core's value.
"""

from __future__ import annotations

import numpy as np

from bpcli.core.network import LayerRecord
from bpcli.narrate.context import Context, largest_index, reindex, shown_sources, traced, worked_sum
from bpcli.narrate.expr import (Aside, Expr, Fn, Group, Sub, alongside, as_expr, atom, continued, correlate, function,
                                sum_over)
from bpcli.narrate.model import Brief, Highlight, Index, IdentityCheck, Note, Step
from bpcli.narrate.notation import derived, offset, shape_of, symbol

PAD = function(r"\operatorname{pad}", "pad")
ROT180 = function(r"\mathrm{ROT180}", "ROT180")
#: dZ spread out by the stride: dil₂(dZ)
DILATE = atom(r"\operatorname{dil}", "dil")


def padded_input(A_prev: np.ndarray, padding: int) -> np.ndarray:
    """A_prev (m, C, H, W) zero-padded by ``padding`` on every side: (m, C, H+2p, W+2p)."""
    p = padding
    return np.pad(A_prev, ((0, 0), (0, 0), (p, p), (p, p))) if p else A_prev


def _windows(P: np.ndarray, i: int, j: int, stride: int, Ho: int, Wo: int) -> np.ndarray:
    """(m, C, Ho, Wo): the element at kernel offset (i, j) of every window of P."""
    return P[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]


def dilated(dZ: np.ndarray, stride: int) -> np.ndarray:
    """dZ (m, F, Ho, Wo) with stride − 1 zeros between neighbouring entries:
    (m, F, s(Ho − 1) + 1, s(Wo − 1) + 1); dZ itself for stride 1."""
    if stride == 1:
        return dZ
    m, F, Ho, Wo = dZ.shape
    out = np.zeros((m, F, stride * (Ho - 1) + 1, stride * (Wo - 1) + 1))
    out[:, :, ::stride, ::stride] = dZ
    return out


def frame(kernel: int, padding: int, stride: int, size: int, out: int) -> tuple[int, int, int]:
    """The zero frame of pad(dZ) along one axis: (before, after, skipped). ``before`` is
    kernel − 1 − padding, ``after`` what remains to reach size + kernel − 1 (negative: cropped);
    ``skipped`` the rows of the padded input no window reached, (size + 2p − kernel) mod stride,
    which are part of ``after``."""
    before = kernel - 1 - padding
    after = size + kernel - 1 - before - (stride * (out - 1) + 1)
    return before, after, (size + 2 * padding - kernel) - stride * (out - 1)


def input_symbol(layer_index: int, padding: int):
    """P⁽ˡ⁾ (the zero-padded input) when padding > 0, else the input A⁽ˡ⁻¹⁾ itself."""
    return symbol("P", layer_index) if padding else symbol("A", layer_index - 1)


def dilated_padded_gradient(dZ: np.ndarray, stride: int, padding: int, kernel: tuple[int, int],
                            input_hw: tuple[int, int]) -> np.ndarray:
    """dZ (m, F, Ho, Wo) with stride − 1 zeros between entries, placed in a zero frame of
    kh − 1 − p rows/columns on top/left so that a plain correlation with ROT180(W) gives dA_prev:
    (m, F, H + kh − 1, W + kw − 1). Entries that fall outside (windows that only saw padding) drop."""
    m, F, Ho, Wo = dZ.shape
    (kh, kw), (H, W) = kernel, input_hw
    full = np.zeros((m, F, H + kh - 1, W + kw - 1))
    rows = kh - 1 - padding + stride * np.arange(Ho)
    cols = kw - 1 - padding + stride * np.arange(Wo)
    keep_r = (rows >= 0) & (rows < full.shape[2])
    keep_c = (cols >= 0) & (cols < full.shape[3])
    full[:, :, rows[keep_r][:, None], cols[keep_c][None, :]] = dZ[:, :, keep_r][:, :, :, keep_c]
    return full


def full_correlation(full: np.ndarray, rotated: np.ndarray, input_hw: tuple[int, int]) -> np.ndarray:
    """Σ_f Σ_{u,v} full[n,f,i+u,j+v] · rotated[f,c,u,v]: (m, F, H+kh−1, W+kw−1) ⋆ (F, C, kh, kw) → (m, C, H, W)."""
    H, W = input_hw
    _, C, kh, kw = rotated.shape
    out = np.zeros((full.shape[0], C, H, W))
    for u in range(kh):
        for v in range(kw):
            out += np.einsum("nfij,fc->ncij", full[:, :, u:u + H, v:v + W], rotated[:, :, u, v])
    return out


def forward(ctx: Context, record: LayerRecord) -> list[Step]:
    """Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾ ⋆ W⁽ˡ⁾ + b⁽ˡ⁾ with the padded input P⁽ˡ⁾ shown when p > 0."""
    layer, l = record.layer, record.layer.index
    s, p = layer.stride, layer.padding
    A_prev = ctx.layer_input(record)
    P = padded_input(A_prev, p)
    W, b, Z, A, Q = symbol("W", l), symbol("b", l), symbol("Z", l), symbol("A", l - 1), input_symbol(l, p)
    m, C, H, Wd = A_prev.shape
    _, F, Ho, Wo = record.Z.shape
    n, f, y, x = largest_index(record.Z)
    factors = np.stack([layer.W[f].reshape(-1),
                        P[n, :, s * y:s * y + layer.kernel_h, s * x:s * x + layer.kernel_w].reshape(-1)], axis=1)
    entry = worked_sum(Z[n, f, y, x],
                       sum_over(("c", "i", "j"), W[f, "c", "i", "j"] * Q[n, "c", f"{s * y}+i", f"{s * x}+j"]) + b[f],
                       factors, record.Z[n, f, y, x], constant=layer.b[f])
    kh, kw = layer.kernel_h, layer.kernel_w

    def sources(index: Index) -> Highlight:
        n, f, y, x = index
        return Highlight({W.name: [(f, c, i, j) for c in range(C) for i in range(kh) for j in range(kw)],
                          Q.name: window(n, range(C), s * y, s * x, kh, kw), b.name: [(f,)]})

    traced(entry, (n, f, y, x), sources)
    padded = f"({shape_of(A_prev.shape)}) {ctx.say('word.pad', p=p)} → {shape_of(P.shape)};  " if p else ""
    shapes = (f"{padded}({shape_of(P.shape)}) ⋆ ({shape_of(layer.W.shape)}), {ctx.say('word.stride', s=s)} → "
              f"{shape_of(record.Z.shape)};  {output_sizes((H, Wd), (layer.kernel_h, layer.kernel_w), s, p, (Ho, Wo))}")
    operands = [A.tensor(A_prev)]
    if p:
        operands.append(Q.tensor(P))  # the padded input (not a tensor grading names)
    operands += [W.tensor(layer.W, ctx.say("axes.kernel")), b.tensor(layer.b)]
    explanation = [ctx.say("forward.conv", s=s, input=ctx.say("word.input_padded", p=p, P=Q.text) if p
                           else ctx.say("word.input"))]
    return [Step(
        section="forward", title=ctx.say("title.conv_forward", layer=l),
        explanation=explanation,
        formula=Z["n", "f", "y", "x"].eq(b["f"] + sum_over(("c", "i", "j"), W["f", "c", "i", "j"] * window_entry(Q, s))),
        shapes=shapes, operands=operands, result=Z.tensor(record.Z), target=Z.name, layer=l,
        worked=[entry], sources=sources, checks=[IdentityCheck(ctx.say("check.worked_entry"), entry.value, entry.expected)])]


def output_sizes(size: tuple[int, int], kernel: tuple[int, int], s: int, p: int, out: tuple[int, int]) -> str:
    """'⌊(4 + 2·1 − 3)/2⌋ + 1 = 2' once when height and width agree, else once for each."""
    texts = [f"⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {o}" for n, k, o in zip(size, kernel, out)]
    return texts[0] if texts[0] == texts[1] else f"{texts[0]},  {texts[1]}"


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dW⁽ˡ⁾, db⁽ˡ⁾, dA⁽ˡ⁻¹⁾ (dX for layer 1)."""
    notes = [ctx.note("note.conv_method", method=ctx.method)] if ctx.method != "chain" else []
    return [_weight_step(ctx, record, notes), _bias_step(ctx, record, notes), _input_step(ctx, record, notes)]


def _weight_step(ctx: Context, record: LayerRecord, notes: list[Note]) -> Step:
    layer, l = record.layer, record.layer.index
    s, p, kh, kw = layer.stride, layer.padding, layer.kernel_h, layer.kernel_w
    A_prev = ctx.layer_input(record)
    P = padded_input(A_prev, p)
    dZ, dW, Q = symbol("dZ", l), symbol("dW", l), input_symbol(l, p)
    _, _, Ho, Wo = record.dZ.shape
    recomputed = np.empty(layer.W.shape)
    for i in range(kh):
        for j in range(kw):
            recomputed[:, :, i, j] = np.einsum("nfyx,ncyx->fc", record.dZ, _windows(P, i, j, s, Ho, Wo))
    f, c, i, j = largest_index(record.dW)
    factors = np.stack([record.dZ[:, f].reshape(-1), _windows(P, i, j, s, Ho, Wo)[:, c].reshape(-1)], axis=1)
    entry = worked_sum(dW[f, c, i, j], sum_over(("n", "y", "x"), dZ["n", f, "y", "x"] * window_entry(Q, s, c, i, j)),
                       factors, record.dW[f, c, i, j])
    m = record.dZ.shape[0]

    def sources(index: Index) -> Highlight:
        f, c, i, j = index
        positions = [(n, y, x) for n in range(m) for y in range(Ho) for x in range(Wo)]
        return Highlight({Q.name: [(n, c, s * y + i, s * x + j) for n, y, x in positions],
                          second.name: [(n, f, s * y, s * x) for n, y, x in positions]})

    # the correlation's second operand: dZ, spread out by the stride (dil(dZ)) when s > 1
    second = dZ if s == 1 else derived(f"dil(dZ{l})", Fn(Sub(DILATE, as_expr(s)))(dZ))
    second_value = dilated(record.dZ, s)
    traced(entry, (f, c, i, j), sources)
    used = (s * (Ho - 1) + kh, s * (Wo - 1) + kw)  # rows and columns of P that some window reaches
    explanation = [ctx.say("backward.conv_dW.why", Q=Q.text, row=offset(s, "y", "i"), col=offset(s, "x", "j"))]
    if s > 1:
        explanation.append(ctx.say("backward.conv_dW.stride", s=s, zeros=ctx.say("count.zeros", count=s - 1),
                                   name=second.text))
    # --detail steps keeps the why and, with a stride, the sentence that says what dil_s is with this
    # layer's numbers (the formula and the summary use it); the unused part of P is full material
    briefs = [Brief(explanation[:2])] if s > 1 else []
    first_shape = shape_of(P.shape)
    if used != P.shape[2:]:
        first_shape = ctx.say("word.first_part", part=shape_of(P.shape[:2] + used), whole=shape_of(P.shape))
        explanation.append(ctx.say("backward.conv_dW.unused", Q=Q.text, rows=ctx.say("count.rows", count=used[0]),
                                   cols=ctx.say("count.columns", count=used[1])))
    return Step(
        section="backward", title=ctx.say("title.dW", layer=l),
        explanation=explanation,
        formula=Aside(dW["f", "c", "i", "j"].eq(sum_over(("n", "y", "x"), dZ["n", "f", "y", "x"] * window_entry(Q, s))),
                      Group(continued(correlate(Q, second)))),
        shapes=f"({first_shape}) ⋆ ({shape_of(second_value.shape)}) → {shape_of(record.dW.shape)}",
        operands=[Q.tensor(P), second.tensor(second_value)], result=dW.tensor(record.dW, ctx.say("axes.kernel")),
        notes=notes + ([ctx.note("note.no_extra_1_over_m")] if ctx.has_one_over_m else []), target=dW.name, layer=l,
        worked=[entry], sources=sources,
        short=dW.eq(correlate(Q, second)), briefs=briefs,
        checks=[IdentityCheck(ctx.say("check.conv_dW"), recomputed, record.dW)])


def _bias_step(ctx: Context, record: LayerRecord, notes: list[Note]) -> Step:
    l = record.layer.index
    dZ, db = symbol("dZ", l), symbol("db", l)
    (f,) = largest_index(record.db)
    entry = worked_sum(db[f], sum_over(("n", "y", "x"), dZ["n", f, "y", "x"]),
                       record.dZ[:, f].reshape(-1, 1), record.db[f])
    m, _, Ho, Wo = record.dZ.shape

    def sources(index: Index) -> Highlight:
        return Highlight({dZ.name: [(n, index[0], y, x) for n in range(m) for y in range(Ho) for x in range(Wo)]})

    traced(entry, (f,), sources)
    return Step(
        section="backward", title=ctx.say("title.db", layer=l),
        explanation=[ctx.say("backward.conv_db.why")],
        formula=db["f"].eq(sum_over(("n", "y", "x"), dZ["n", "f", "y", "x"])),
        shapes=f"{shape_of(record.dZ.shape)} → {shape_of(record.db.shape)}",
        operands=[dZ.tensor(record.dZ)], result=db.tensor(record.db), notes=list(notes) + ctx.bias_notes(record),
        target=db.name, layer=l, worked=[entry], sources=sources,
        checks=[IdentityCheck(ctx.say("check.core_value", name=db.text), record.dZ.sum(axis=(0, 2, 3)), record.db)])


def _input_step(ctx: Context, record: LayerRecord, notes: list[Note]) -> Step:
    layer, l = record.layer, record.layer.index
    s, p, kh, kw = layer.stride, layer.padding, layer.kernel_h, layer.kernel_w
    dZ, W, dA_prev = symbol("dZ", l), symbol("W", l), symbol("dA", l - 1)
    core = ctx.input_gradient(record)
    H, Wd = core.shape[2], core.shape[3]
    full = dilated_padded_gradient(record.dZ, s, p, (kh, kw), (H, Wd))
    rotated = layer.W[:, :, ::-1, ::-1]
    recomputed = full_correlation(full, rotated, (H, Wd))
    n, c, i, j = largest_index(core)
    _, F, Ho, Wo = record.dZ.shape
    f_idx, y_idx, x_idx = np.meshgrid(np.arange(F), np.arange(Ho), np.arange(Wo), indexing="ij")
    u, v = i + p - s * y_idx, j + p - s * x_idx
    valid = (u >= 0) & (u < kh) & (v >= 0) & (v < kw)
    factors = np.stack([record.dZ[n][f_idx[valid], y_idx[valid], x_idx[valid]],
                        layer.W[f_idx[valid], c, u[valid], v[valid]]], axis=1)
    entry = worked_sum(dA_prev[n, c, i, j],
                       sum_over(("f", "y", "x"), dZ[n, "f", "y", "x"] * W["f", c, back(i, p, s, "y"), back(j, p, s, "x")]),
                       factors, core[n, c, i, j])
    # dZ spread out by the stride first (dil_s), as in the dW step: framing dZ alone gives wrong numbers
    spread, spread_name = (dZ, f"dZ{l}") if s == 1 else (Fn(Sub(DILATE, as_expr(s)))(dZ), f"dil(dZ{l})")
    padded_dZ = derived(f"pad({spread_name})", PAD(spread))
    rot = derived(f"ROT180(W{l})", ROT180(W))
    result = ctx.input_gradient_result(record)

    def sources(index: Index) -> Highlight:
        # the full correlation's window pad(dZ)[n, f, i:i+kh, j:j+kw] against ROT180(W)[:, c]: the
        # entries the sum reads, one per term and in its order (dZ[n,f,y,x] sits at row
        # kh − 1 − p + s·y of pad(dZ), W[f,c,u,v] at kh − 1 − u of ROT180(W)), then the rest of
        # the window, the frame's and the dilation's zeros
        n, c, i, j = index
        u, v = i + p - s * y_idx, j + p - s * x_idx
        terms = (u >= 0) & (u < kh) & (v >= 0) & (v < kw)
        used_cells = [(n, int(f), kh - 1 - p + s * int(y), kw - 1 - p + s * int(x))
                      for f, y, x in zip(f_idx[terms], y_idx[terms], x_idx[terms])]
        read = set(used_cells)
        rest = [cell for f in range(F) for cell in window(n, [f], i, j, kh, kw) if cell not in read]
        return Highlight({padded_dZ.name: used_cells,
                          rot.name: [(int(f), c, kh - 1 - int(a), kw - 1 - int(b))
                                     for f, a, b in zip(f_idx[terms], u[terms], v[terms])]},
                         {padded_dZ.name: rest})

    shown = shown_sources(sources, core.shape, result.shape)
    traced(entry, reindex((n, c, i, j), core.shape, result.shape), shown)
    (top, bottom, skipped_rows), (left, right, skipped_cols) = (
        frame(kh, p, s, H, Ho), frame(kw, p, s, Wd, Wo))
    say = ctx.say
    dilate = say("backward.conv_dA.dilate", zeros=say("count.zeros", count=s - 1)) if s > 1 else ""
    skipped = (say("backward.conv_dA.skipped", rows=say("count.rows", count=skipped_rows),
                   cols=say("count.columns", count=skipped_cols)) if skipped_rows or skipped_cols else "")
    framing = say("backward.conv_dA.frame", dilate=dilate, top=_rows(say, top, "count.rows"),
                  left=_rows(say, left, "count.columns"), bottom=_rows(say, bottom, "count.rows"),
                  right=_rows(say, right, "count.columns"), rows=full.shape[2], cols=full.shape[3],
                  skipped=skipped)
    pad_brief = _pad_sentence(say, padded_dZ.text, spread.text, (kh, kw), p, (top, bottom, skipped_rows),
                              (left, right, skipped_cols))
    return Step(
        section="backward", title=ctx.say("title.dA_prev", layer=l, name=dA_prev.text),
        explanation=[say("backward.conv_dA.why"), framing, say("backward.conv_dA.entry")],
        briefs=[Brief([say("backward.conv_dA.why"), pad_brief])],
        formula=alongside(dA_prev.eq(correlate(PAD(spread), ROT180(W))),
                          dA_prev["n", "c", "i", "j"].eq(sum_over(("f", "y", "x"), dZ["n", "f", "y", "x"]
                                                                  * W["f", "c", back("i", p, s, "y"), back("j", p, s, "x")]))),
        shapes=f"({shape_of(full.shape)}) ⋆ ROT180({shape_of(layer.W.shape)}) → {shape_of(core.shape)}",
        operands=[padded_dZ.tensor(full), rot.tensor(rotated, ctx.say("axes.kernel"))], result=result,
        notes=notes, target=dA_prev.name, layer=l, worked=[entry], sources=shown,
        checks=[IdentityCheck(ctx.say("check.conv_full", name=dA_prev.text), recomputed, core)])


def _pad_sentence(say, padded: str, inner: str, kernel: tuple[int, int], p: int, rows: tuple[int, int, int],
                  cols: tuple[int, int, int]) -> str:
    """What pad(…) is, in one sentence with this layer's numbers (``--detail steps``): ``rows`` and
    ``cols`` are ``frame``'s (before, after, skipped) along each axis. 'pad(dZ⁽¹⁾) is dZ⁽¹⁾
    with 1 ring of zeros (kernel − 1 − padding = 2 − 1 − 0).' when the frame is the same
    on every side; else each side's count (once for rows and columns when they agree), the rows and
    columns after the entries being those before them (kernel − 1 − padding) plus those of the
    padded input that no window reached."""
    (kh, kw), (top, bottom, skipped_rows), (left, right, skipped_cols) = kernel, rows, cols
    why = f"{kh} − 1 − {p}" if kh == kw else f"{kh} − 1 − {p}, {kw} − 1 − {p}"
    if top == bottom == left == right >= 0:
        return say("backward.conv_dA.pad_even", padded=padded, inner=inner, count=top, why=why)
    if (top, bottom, skipped_rows) == (left, right, skipped_cols) and top >= 0:  # a square frame: said once
        rest = say("backward.conv_dA.pad_square_rest", count=skipped_rows) if skipped_rows else ""
        return say("backward.conv_dA.pad_square", padded=padded, inner=inner, why=why, count=top, after=bottom,
                   rest=rest)
    more = [say(key, count=n) for key, n in (("count.rows", skipped_rows), ("count.columns", skipped_cols)) if n]
    rest = say("backward.conv_dA.pad_rest", more=say("sep.and").join(more)) if more else ""
    return say("backward.conv_dA.pad_uneven", padded=padded, inner=inner, why=why,
               top=_rows(say, top, "count.rows"), left=_rows(say, left, "count.columns"),
               bottom=_rows(say, bottom, "count.rows"), right=_rows(say, right, "count.columns"), rest=rest)


def window(sample: int, channels, top: int, left: int, height: int, width: int) -> list[Index]:
    """The entries of a window (``height`` × ``width`` from row ``top``, column ``left``) of an
    image tensor, in every channel of ``channels``."""
    return [(sample, c, top + i, left + j) for c in channels for i in range(height) for j in range(width)]


def back(index, p: int, s: int, var: str) -> Expr:
    """The kernel index an input index meets from output position ``var``: 'i+1−2y', 'i−y'."""
    shift = f"+{p}" if p else ""
    return as_expr(f"{index}{shift}-{'' if s == 1 else s}{var}")


def window_entry(Q: Expr, s: int, channel="c", i="i", j="j", sample="n") -> Expr:
    """The input entry a window at output position (y, x) meets at kernel offset (i, j):
    Q[n, c, s·y + i, s·x + j]."""
    return Q[sample, channel, offset(s, "y", str(i)), offset(s, "x", str(j))]


def _rows(say, n: int, key: str) -> str:
    """'1 row', '2 rows', '0 rows', or for a negative count '1 row cropped'."""
    return say(key, count=n) if n >= 0 else say(key + "_cropped", count=-n)
