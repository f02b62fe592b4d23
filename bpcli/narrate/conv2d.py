"""Narration of a conv2d layer (cross-correlation, text 001's index sums, with stride and padding):

forward  Z[n,f,y,x] = b[f] + Σ_{c,i,j} W[f,c,i,j] · P[n,c,s·y+i, s·x+j]   (P: A_prev zero-padded by p)
dW       dW[f,c,i,j] = Σ_{n,y,x} dZ[n,f,y,x] · P[n,c,s·y+i, s·x+j]      (A_prev ⋆ dZ)
db       db[f] = Σ_{n,y,x} dZ[n,f,y,x]
dA_prev  the full correlation of the stride-dilated, padded dZ with ROT180(W), entry by entry
         dA_prev[n,c,i,j] = Σ_{f,y,x} dZ[n,f,y,x] · W[f,c, i+p−s·y, j+p−s·x]   (kernel index in range)

Every gradient is recomputed here by its own formula and compared with the core's value.
"""

from __future__ import annotations

import numpy as np

from bpcli.core.network import LayerRecord
from bpcli.narrate.context import Context, largest_index, worked_sum
from bpcli.narrate.model import Formula, IdentityCheck, Step
from bpcli.narrate.notation import derived, shape_of, symbol


def padded_input(A_prev: np.ndarray, padding: int) -> np.ndarray:
    """A_prev (m, C, H, W) zero-padded by ``padding`` on every side: (m, C, H+2p, W+2p)."""
    p = padding
    return np.pad(A_prev, ((0, 0), (0, 0), (p, p), (p, p))) if p else A_prev


def _windows(P: np.ndarray, i: int, j: int, stride: int, Ho: int, Wo: int) -> np.ndarray:
    """(m, C, Ho, Wo): the element at kernel offset (i, j) of every window of P."""
    return P[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]


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
    """Z⁽ˡ⁾ = W⁽ˡ⁾ ⋆ A⁽ˡ⁻¹⁾ + b⁽ˡ⁾ with the padded input shown when p > 0."""
    layer, l = record.layer, record.layer.index
    s, p = layer.stride, layer.padding
    A_prev = ctx.layer_input(record)
    P = padded_input(A_prev, p)
    W, b, Z, A = symbol("W", l), symbol("b", l), symbol("Z", l), symbol("A", l - 1)
    m, C, H, Wd = A_prev.shape
    _, F, Ho, Wo = record.Z.shape
    n, f, y, x = largest_index(record.Z)
    factors = np.stack([layer.W[f].reshape(-1),
                        P[n, :, s * y:s * y + layer.kernel_h, s * x:s * x + layer.kernel_w].reshape(-1)], axis=1)
    entry = worked_sum(Z.at((n, f, y, x)),
                       Formula(rf"\sum_{{c,i,j}} {W.latex}_{{{f},c,i,j}}\,P_{{{n},c,{s * y}+i,{s * x}+j}} + {b.latex}_{{{f}}}",
                               f"Σ_c,i,j {W.text}[{f},c,i,j]·P[{n},c,{s * y}+i,{s * x}+j] + {b.text}[{f}]"),
                       factors, record.Z[n, f, y, x], constant=layer.b[f])
    shapes = (f"({shape_of(A_prev.shape)}) {ctx.say('word.pad', p=p)} → {shape_of(P.shape)};  ⋆ ({shape_of(layer.W.shape)}), "
              f"{ctx.say('word.stride', s=s)} → {shape_of(record.Z.shape)};  "
              f"⌊({H} + 2·{p} − {layer.kernel_h})/{s}⌋ + 1 = {Ho},  ⌊({Wd} + 2·{p} − {layer.kernel_w})/{s}⌋ + 1 = {Wo}")
    operands = [A.tensor(A_prev)]
    if p:
        operands.append(symbol("P", l).tensor(P))  # the padded input (not a tensor grading names)
    operands += [W.tensor(layer.W), b.tensor(layer.b)]
    return [Step(
        section="forward", title=ctx.say("title.conv_forward", layer=l),
        explanation=[ctx.say("forward.conv", s=s, p=p)],
        formula_latex=rf"{Z.latex}_{{n,f,y,x}} = {b.latex}_f + \sum_{{c,i,j}} {W.latex}_{{f,c,i,j}}\, P_{{n,c,\,s y+i,\,s x+j}}",
        formula_text=f"{Z.text}[n,f,y,x] = {b.text}[f] + Σ_c,i,j {W.text}[f,c,i,j] · P[n,c, s·y+i, s·x+j]",
        shapes=shapes, operands=operands, result=Z.tensor(record.Z), target=Z.name, layer=l,
        worked=[entry], checks=[IdentityCheck(ctx.say("check.worked_entry"), entry.value, entry.expected)])]


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dW⁽ˡ⁾, db⁽ˡ⁾, dA⁽ˡ⁻¹⁾ (dX for layer 1)."""
    notes = [ctx.say("note.conv_method", method=ctx.method)] if ctx.method != "chain" else []
    return [_weight_step(ctx, record, notes), _bias_step(ctx, record, notes), _input_step(ctx, record, notes)]


def _weight_step(ctx: Context, record: LayerRecord, notes: list[str]) -> Step:
    layer, l = record.layer, record.layer.index
    s, p, kh, kw = layer.stride, layer.padding, layer.kernel_h, layer.kernel_w
    A_prev = ctx.layer_input(record)
    P = padded_input(A_prev, p)
    dZ, dW, A = symbol("dZ", l), symbol("dW", l), symbol("A", l - 1)
    _, _, Ho, Wo = record.dZ.shape
    recomputed = np.empty(layer.W.shape)
    for i in range(kh):
        for j in range(kw):
            recomputed[:, :, i, j] = np.einsum("nfyx,ncyx->fc", record.dZ, _windows(P, i, j, s, Ho, Wo))
    f, c, i, j = largest_index(record.dW)
    factors = np.stack([record.dZ[:, f].reshape(-1), _windows(P, i, j, s, Ho, Wo)[:, c].reshape(-1)], axis=1)
    entry = worked_sum(dW.at((f, c, i, j)),
                       Formula(rf"\sum_{{n,y,x}} {dZ.latex}_{{n,{f},y,x}}\,P_{{n,{c},{s}y+{i},{s}x+{j}}}",
                               f"Σ_n,y,x {dZ.text}[n,{f},y,x]·P[n,{c},{s}y+{i},{s}x+{j}]"),
                       factors, record.dW[f, c, i, j])
    return Step(
        section="backward", title=ctx.say("title.dW", layer=l),
        explanation=[ctx.say("backward.conv_dW.why", s=s, p=p)],
        formula_latex=rf"{dW.latex}_{{f,c,i,j}} = \sum_{{n,y,x}} {dZ.latex}_{{n,f,y,x}}\, P_{{n,c,\,s y+i,\,s x+j}}"
                      rf" \quad\big(= {A.latex} \star {dZ.latex}\big)",
        formula_text=f"{dW.text}[f,c,i,j] = Σ_n,y,x {dZ.text}[n,f,y,x] · P[n,c, s·y+i, s·x+j]   (= {A.text} ⋆ {dZ.text})",
        shapes=f"({shape_of(P.shape)}) ⋆ ({shape_of(record.dZ.shape)}) → {shape_of(record.dW.shape)}",
        operands=[A.tensor(A_prev), dZ.tensor(record.dZ)], result=dW.tensor(record.dW),
        notes=notes + [ctx.say("note.no_extra_1_over_m")], target=dW.name, layer=l, worked=[entry],
        checks=[IdentityCheck(ctx.say("check.conv_dW"), recomputed, record.dW)])


def _bias_step(ctx: Context, record: LayerRecord, notes: list[str]) -> Step:
    l = record.layer.index
    dZ, db = symbol("dZ", l), symbol("db", l)
    (f,) = largest_index(record.db)
    entry = worked_sum(db.at((f,)), Formula(rf"\sum_{{n,y,x}} {dZ.latex}_{{n,{f},y,x}}", f"Σ_n,y,x {dZ.text}[n,{f},y,x]"),
                       record.dZ[:, f].reshape(-1, 1), record.db[f])
    return Step(
        section="backward", title=ctx.say("title.db", layer=l),
        explanation=[ctx.say("backward.conv_db.why")],
        formula_latex=rf"{db.latex}_f = \sum_{{n,y,x}} {dZ.latex}_{{n,f,y,x}}",
        formula_text=f"{db.text}[f] = Σ_n,y,x {dZ.text}[n,f,y,x]",
        shapes=f"{shape_of(record.dZ.shape)} → {shape_of(record.db.shape)}",
        operands=[dZ.tensor(record.dZ)], result=db.tensor(record.db), notes=list(notes), target=db.name,
        layer=l, worked=[entry],
        checks=[IdentityCheck(ctx.say("check.core_value", name=db.text), record.dZ.sum(axis=(0, 2, 3)), record.db)])


def _input_step(ctx: Context, record: LayerRecord, notes: list[str]) -> Step:
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
    entry = worked_sum(dA_prev.at((n, c, i, j)),
                       Formula(rf"\sum_{{f,y,x}} {dZ.latex}_{{{n},f,y,x}}\, {W.latex}_{{f,{c},\,{i}+{p}-{s}y,\,{j}+{p}-{s}x}}",
                               f"Σ_f,y,x {dZ.text}[{n},f,y,x]·{W.text}[f,{c},{i}+{p}−{s}y,{j}+{p}−{s}x]"),
                       factors, core[n, c, i, j])
    padded_dZ = derived(f"pad(dZ{l})", rf"\operatorname{{pad}}({dZ.latex})", f"pad({dZ.text})")
    rot = derived(f"ROT180(W{l})", rf"\mathrm{{ROT180}}({W.latex})", f"ROT180({W.text})")
    return Step(
        section="backward", title=ctx.say("title.dA_prev", layer=l, name=dA_prev.text),
        explanation=[ctx.say("backward.conv_dA.why", s=s, p=p, top=kh - 1 - p, left=kw - 1 - p),
                     ctx.say("backward.conv_dA.entry")],
        formula_latex=rf"{dA_prev.latex} = \operatorname{{pad}}({dZ.latex}) \star \mathrm{{ROT180}}({W.latex}),"
                      rf"\quad {dA_prev.latex}_{{n,c,i,j}} = \sum_{{f,y,x}} {dZ.latex}_{{n,f,y,x}}\, {W.latex}_{{f,c,\,i+p-s y,\,j+p-s x}}",
        formula_text=f"{dA_prev.text} = pad({dZ.text}) ⋆ ROT180({W.text}),   "
                     f"{dA_prev.text}[n,c,i,j] = Σ_f,y,x {dZ.text}[n,f,y,x] · {W.text}[f,c, i+p−s·y, j+p−s·x]",
        shapes=f"({shape_of(full.shape)}) ⋆ ROT180({shape_of(layer.W.shape)}) → {shape_of(core.shape)}",
        operands=[padded_dZ.tensor(full), rot.tensor(rotated)], result=ctx.input_gradient_result(record),
        notes=notes, target=dA_prev.name, layer=l, worked=[entry],
        checks=[IdentityCheck(ctx.say("check.conv_full"), recomputed, core)])
