"""Narration of batch normalisation (training mode, ``bpcli.core.batchnorm`` derives every rule).

Forward: μ and σ² per unit, x̂ = (x − μ)/√(σ² + ε), Z = γ ⊙ x̂ + β. Backward from dZ: dβ, dγ, then
dX twice: the staged path that CS231n's assignment made famous (dx̂ → dσ² → dμ → dX, one sub-step
each, the chain rule through every way x reaches J) and the compact one-line result, shown to
give the same numbers. The method (``--method``) words the dβ, dγ and compact dX steps: index
sums (chain), differentials with the cyclic trace (trace), the per-unit Jacobian (kron); ``shapes``
fits dβ and dγ by their shapes and derives dX with the chain rule, since shapes alone cannot.

Every rule is written per unit: on column data unit i (a row) and its N = m values j, x[i, j];
on images channel c and its N = m·H·W positions (n, h, w), x[n, c, h, w], as every other image
tensor is indexed (``_Symbols.at``). The numbers are worked one row per unit either way
(``_Units``); the matrix forms (trace, kron) speak of a unit's row xᵢ on both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.core import batchnorm as core
from bpcli.core.network import LayerRecord
from bpcli.narrate import methods
from bpcli.narrate.context import Context, largest_index, traced, worked_sum
from bpcli.narrate.expr import (DIAG, DJ, IDENTITY, ONE, TR, VEC, D, Expr, Group, J, alongside, atom,
                                brackets, continued, frac, hadamard, kron, partial, sqrt, sum_over)
from bpcli.narrate.model import Brief, Highlight, IdentityCheck, NamedTensor, Step, WorkedEntry
from bpcli.narrate.notation import Symbol, derived, shape_of, symbol

N, EPS = atom("N"), atom(r"\varepsilon", "ε")
HALF = frac(1, 2)


@dataclass
class _Symbols:
    """The symbols of layer l's formulas, and their indices: unit i and its value j on column
    data (x[i, j]); channel c and its position (n, h, w) on images (x[n, c, h, w])."""

    l: int
    images: bool = False

    def __post_init__(self) -> None:
        l = self.l
        self.unit = "c" if self.images else "i"
        self.values: tuple = ("n", "h", "w") if self.images else ("j",)
        #: a second run over a unit's values, inside a sum that has the first one free
        self.other_values: tuple = (tuple(atom(f"{v}'", f"{v}′") for v in self.values) if self.images
                                    else ("k",))
        self.x, self.Z, self.dZ = symbol("A", l - 1), symbol("Z", l), symbol("dZ", l)
        self.dx = symbol("dA", l - 1)
        self.mu, self.var, self.xhat = symbol("mean", l), symbol("var", l), symbol("xhat", l)
        self.gamma, self.beta = symbol("gamma", l), symbol("beta", l)
        self.dgamma, self.dbeta = symbol("dgamma", l), symbol("dbeta", l)
        self.dxhat, self.dvar, self.dmu = symbol("dxhat", l), symbol("dvar", l), symbol("dmean", l)

    def at(self, tensor: Symbol, unit: object = None, values: tuple | None = None) -> Expr:
        """TENSOR's entry for a value of a unit: T[i, j], or T[n, c, h, w] on images; the unit
        and the values symbolic unless given (a unit's number in a worked entry)."""
        unit = self.unit if unit is None else unit
        values = self.values if values is None else values
        if self.images:
            n, h, w = values
            return tensor[n, unit, h, w]
        return tensor[unit, values[0]]

    def root(self, unit: object = None) -> Expr:
        """√(σ²[i] + ε)."""
        return sqrt(self.var[self.unit if unit is None else unit] + EPS)

    def xhat_by_var(self, unit: object = None) -> Expr:
        """∂x̂[i,j]/∂σ²[i], the local derivative the staged path multiplies dx̂ by."""
        return partial(self.at(self.xhat, unit), self.var[self.unit if unit is None else unit])


class _Units:
    """A tensor of the layer's data as one row per unit: (n, m) as it is, (m, C, H, W) as
    (C, m·H·W) with each row a channel's values in (n, h, w) order; and back."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = tuple(shape)
        self.images = len(shape) == 4

    def rows(self, T: np.ndarray) -> np.ndarray:
        return T.transpose(1, 0, 2, 3).reshape(T.shape[1], -1) if self.images else T

    def back(self, rows: np.ndarray) -> np.ndarray:
        if not self.images:
            return rows
        m, C, H, W = self.shape
        return rows.reshape(C, m, H, W).transpose(1, 0, 2, 3)


    def index(self, unit: int, value: int) -> tuple[int, ...]:
        """Where unit UNIT's VALUE-th value sits in the data's own layout: (i, j) on column
        data, (n, c, h, w) on images."""
        if not self.images:
            return (int(unit), int(value))
        m, _, H, W = self.shape
        n, h, w = (int(k) for k in np.unravel_index(value, (m, H, W)))
        return (n, int(unit), h, w)

    def at(self, tensor: Symbol, unit: int, value: int) -> Expr:
        """TENSOR's entry for unit UNIT's VALUE-th value, indexed in the data's own layout:
        x[i, j] on column data, x[n, c, h, w] on images."""
        return tensor[self.index(unit, value)]

    def trace(self, entry: WorkedEntry, unit: int, value: int, *read_there: Symbol) -> WorkedEntry:
        """``entry`` placed at unit UNIT's VALUE-th value of the step's result, reading the same
        place of each of ``read_there``: a tensor shown at a glance keeps the slice it lies in
        (exercise 14 showed x̂[0, 0] beside a worked x̂[1,1,0,1])."""
        return traced(entry, self.index(unit, value),
                      lambda index: Highlight(used={tensor.name: [index] for tensor in read_there}))


def _per_unit(values: np.ndarray) -> np.ndarray:
    """A per-unit array ((n, 1) or (C,)) as a flat vector."""
    return np.asarray(values).reshape(-1)


def _terms(rows: np.ndarray) -> float:
    """The largest Σ |term| of a row: what the round-off of the row's sum is relative to (a
    unit's dx, whose sum is 0, can have entries of 1e9 when σ² is 0 and eps tiny)."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.abs(rows).sum(axis=1).max(initial=0.0)
    return float(total) if np.isfinite(total) else 0.0


def _column(values: np.ndarray) -> np.ndarray:
    """A per-unit vector as a column that broadcasts over a unit's row."""
    return np.asarray(values).reshape(-1, 1)


def _image_sentence(ctx: Context, units: _Units) -> list[str]:
    if not units.images:
        return []
    m, C, H, W = units.shape
    return [ctx.say("forward.bn_images", channels=C, count=m * H * W)]


# -- forward -------------------------------------------------------------------------------------

def forward(ctx: Context, record: LayerRecord) -> list[Step]:
    """μ, σ² and x̂ (sub-steps) and Z = γ ⊙ x̂ + β."""
    layer, l = record.layer, record.layer.index
    x = ctx.layer_input(record)
    sym, cache = _Symbols(l, images=x.ndim == 4), record.cache
    U, V = sym.unit, sym.values
    units = _Units(x.shape)
    rows, N_value = units.rows(x), cache.count
    mu, var, inv_std = _per_unit(cache.mean), _per_unit(cache.var), _per_unit(cache.inv_std)
    xhat_rows = units.rows(cache.xhat)
    i = largest_index(mu)[0]
    shapes_per_unit = f"{shape_of(x.shape)} → {shape_of(cache.mean.shape)}"
    mean_step = Step(
        section="forward", title=ctx.say("title.bn_mean", layer=l),
        explanation=[ctx.say("forward.bn_mean", count=N_value)] + _image_sentence(ctx, units),
        formula=sym.mu[U].eq(frac(1, N) @ sum_over(V, sym.at(sym.x))),
        shapes=shapes_per_unit, operands=[sym.x.tensor(x)], result=sym.mu.tensor(cache.mean), layer=l,
        worked=[worked_sum(sym.mu[i], frac(1, N_value) @ sum_over(V, sym.at(sym.x, i)),
                           np.stack([np.full(N_value, 1 / N_value), rows[i]], axis=1), mu[i])],
        checks=[IdentityCheck(ctx.say("check.bn_mean", name=sym.mu.text), rows.mean(axis=1), mu)])
    deviation = rows[i] - mu[i]
    var_step = Step(
        section="forward", title=ctx.say("title.bn_var", layer=l),
        explanation=[ctx.say("forward.bn_var", count=N_value)],
        formula=sym.var[U].eq(frac(1, N) @ sum_over(V, (sym.at(sym.x) - sym.mu[U]) ** 2)),
        shapes=shapes_per_unit, operands=[sym.x.tensor(x), sym.mu.tensor(cache.mean)],
        result=sym.var.tensor(cache.var), layer=l, notes=[ctx.note("note.bn_biased")],
        worked=[worked_sum(sym.var[i], frac(1, N_value) @ sum_over(V, (sym.at(sym.x, i) - sym.mu[i]) ** 2),
                           np.stack([np.full(N_value, 1 / N_value), deviation, deviation], axis=1), var[i])],
        checks=[IdentityCheck(ctx.say("check.bn_var", name=sym.var.text), rows.var(axis=1), var)])
    k = largest_index(xhat_rows[i])[0]
    xhat_step = Step(
        section="forward", title=ctx.say("title.bn_xhat", layer=l),
        explanation=[ctx.say("forward.bn_xhat", eps=f"{layer.eps:g}")],
        formula=sym.at(sym.xhat).eq(frac(sym.at(sym.x) - sym.mu[U], sym.root())),
        shapes=f"({shape_of(x.shape)} − {shape_of(cache.mean.shape)}) / {shape_of(cache.mean.shape)} → "
               f"{shape_of(x.shape)}",
        operands=[sym.x.tensor(x), sym.mu.tensor(cache.mean), sym.var.tensor(cache.var)],
        result=sym.xhat.tensor(cache.xhat), layer=l,
        # written as the product the numbers are, (x − μ) · (1/√(σ² + ε)), so each number has its factor
        worked=[units.trace(worked_sum(units.at(sym.xhat, i, k),
                                       (units.at(sym.x, i, k) - sym.mu[i]) * frac(1, sym.root(i)),
                                       np.array([[rows[i, k] - mu[i], inv_std[i]]]), xhat_rows[i, k]),
                            i, k, sym.x)],
        checks=[IdentityCheck(ctx.say("check.bn_xhat_mean", name=sym.xhat.text), xhat_rows.mean(axis=1),
                              np.zeros(len(mu))),
                IdentityCheck(ctx.say("check.bn_xhat_var", name=sym.xhat.text), xhat_rows.var(axis=1),
                              var / (var + layer.eps))])
    gamma, beta = _per_unit(layer.gamma), _per_unit(layer.beta)
    Z_rows = units.rows(record.Z)
    i, j = largest_index(Z_rows)
    affine = _column(gamma) * xhat_rows + _column(beta)
    Z_step = Step(
        section="forward", title=ctx.say("title.bn_forward", layer=l),
        explanation=[ctx.say("forward.bn_affine")],
        formula=sym.Z.eq(hadamard(sym.gamma, sym.xhat) + sym.beta),
        shapes=ctx.say("shapes.aside", how=ctx.say("word.broadcast"),
                       shapes=f"{shape_of(layer.gamma.shape)} ⊙ {shape_of(x.shape)} + {shape_of(layer.beta.shape)}")
               + f" → {shape_of(record.Z.shape)}",
        operands=[sym.gamma.tensor(layer.gamma), sym.xhat.tensor(cache.xhat), sym.beta.tensor(layer.beta)],
        result=sym.Z.tensor(record.Z), target=sym.Z.name, layer=l,
        worked=[units.trace(worked_sum(units.at(sym.Z, i, j), sym.gamma[i] * units.at(sym.xhat, i, j) + sym.beta[i],
                                       np.array([[gamma[i], xhat_rows[i, j]]]), Z_rows[i, j], constant=beta[i]),
                            i, j, sym.xhat)],
        checks=[IdentityCheck(ctx.say("check.core_value", name=sym.Z.text), units.back(affine), record.Z)])
    return [mean_step, var_step, xhat_step, Z_step]


# -- backward ------------------------------------------------------------------------------------

@dataclass
class _Parts:
    """Layer l's backward numbers, one row per unit: G = dZ, x̂, γ, s = 1/√(σ² + ε), N."""

    sym: _Symbols
    units: _Units
    G: np.ndarray
    xhat: np.ndarray
    gamma: np.ndarray  # (units,)
    inv_std: np.ndarray  # (units,)
    N: int
    dX: np.ndarray  # the core's dA_prev, one row per unit

    def project(self, R: np.ndarray) -> np.ndarray:
        """Each row r of R times P = I − (1/N)(𝟏𝟏ᵀ + x̂ᵢ x̂ᵢᵀ) (x̂ᵢ the unit's row), without forming
        the N × N matrix: r − mean(r) − x̂ᵢ mean(r ⊙ x̂ᵢ)."""
        return R - R.mean(axis=1, keepdims=True) - self.xhat * (R * self.xhat).mean(axis=1, keepdims=True)

    def jacobian(self, unit: int) -> np.ndarray:
        """∂x̂ᵢ/∂xᵢ = s (I − (1/N)(𝟏𝟏ᵀ + x̂ᵢ x̂ᵢᵀ)) for one unit, N × N (symmetric)."""
        row = self.xhat[unit]
        return self.inv_std[unit] * (np.eye(self.N) - (1 + np.outer(row, row)) / self.N)


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dβ, dγ, the staged path to dX (four sub-steps) and the compact dX, which is the result."""
    layer, l = record.layer, record.layer.index
    units = _Units(record.dZ.shape)
    parts = _Parts(_Symbols(l, images=units.images), units, units.rows(record.dZ), units.rows(record.cache.xhat),
                   _per_unit(layer.gamma), _per_unit(record.cache.inv_std), record.cache.count,
                   units.rows(ctx.input_gradient(record)))
    method = METHODS[ctx.method]
    staged = _staged_steps(ctx, record, parts)
    return ([_beta_step(ctx, record, parts, method.beta(ctx, parts)),
             _gamma_step(ctx, record, parts, method.gamma(ctx, parts))]
            + staged + [_input_step(ctx, record, parts, staged[-1].result.value, method.input(ctx, parts))])


def _sum_entry(label: Expr, symbolic: Expr, factors: list[np.ndarray], expected: float):
    return worked_sum(label, symbolic, np.stack(factors, axis=1), expected)


def _beta_step(ctx: Context, record: LayerRecord, parts: _Parts, derivation: methods.Derivation) -> Step:
    sym = parts.sym
    dbeta = record.gradients["beta"]
    i = largest_index(_per_unit(dbeta))[0]
    return Step(
        section="backward", title=ctx.say("title.dbeta", layer=sym.l),
        explanation=[ctx.say("backward.dbeta.why")] + derivation.sentences,
        formula=sym.dbeta[sym.unit].eq(sum_over(sym.values, sym.at(sym.dZ))),
        shapes=ctx.say("shapes.aside", shapes=f"{shape_of(record.dZ.shape)} → {shape_of(dbeta.shape)}",
                      how=ctx.say("word.sum_per_unit")),
        operands=[sym.dZ.tensor(record.dZ)] + derivation.operands, result=sym.dbeta.tensor(dbeta),
        target=sym.dbeta.name, layer=sym.l, derivation=derivation.formulas,
        worked=[_sum_entry(sym.dbeta[i], sum_over(sym.values, sym.at(sym.dZ, i)), [parts.G[i]],
                           _per_unit(dbeta)[i])],
        notes=ctx.bias_notes(record), checks=derivation.checks)


def _gamma_step(ctx: Context, record: LayerRecord, parts: _Parts, derivation: methods.Derivation) -> Step:
    sym = parts.sym
    dgamma = record.gradients["gamma"]
    i = largest_index(_per_unit(dgamma))[0]
    return Step(
        section="backward", title=ctx.say("title.dgamma", layer=sym.l),
        explanation=[ctx.say("backward.dgamma.why")] + derivation.sentences,
        formula=sym.dgamma[sym.unit].eq(sum_over(sym.values, sym.at(sym.dZ) * sym.at(sym.xhat))),
        shapes=ctx.say("shapes.aside", how=ctx.say("word.sum_per_unit"),
                       shapes=f"{shape_of(record.dZ.shape)} ⊙ {shape_of(record.dZ.shape)} → {shape_of(dgamma.shape)}"),
        operands=[sym.dZ.tensor(record.dZ), sym.xhat.tensor(record.cache.xhat)] + derivation.operands,
        result=sym.dgamma.tensor(dgamma), target=sym.dgamma.name, layer=sym.l, derivation=derivation.formulas,
        worked=[_sum_entry(sym.dgamma[i], sum_over(sym.values, sym.at(sym.dZ, i) * sym.at(sym.xhat, i)),
                           [parts.G[i], parts.xhat[i]], _per_unit(dgamma)[i])],
        checks=derivation.checks)


def _auxiliary(name: str, formula: Expr) -> Symbol:
    """A tensor named by its formula, in parentheses: an image's slices are labelled name[n, c],
    and (A⁽¹⁾ − μ⁽²⁾)[0, 1] is a slice where A⁽¹⁾ − μ⁽²⁾[0, 1] would not be."""
    return derived(name, Group(formula))


def _staged_steps(ctx: Context, record: LayerRecord, parts: _Parts) -> list[Step]:
    """CS231n's path: dx̂ = γ ⊙ dZ, then dσ² and dμ per unit, then dX from all three ways x reaches x̂."""
    layer, cache, sym, l = record.layer, record.cache, parts.sym, parts.sym.l
    x = ctx.layer_input(record)
    units = parts.units
    dxhat = core.dxhat(record.dZ, layer.gamma)
    dvar = core.dvar(dxhat, cache)
    dmean = core.dmean(dxhat, dvar, cache)
    dX = core.dX_staged(dxhat, dvar, dmean, cache)
    dxhat_rows, centered = units.rows(dxhat), units.rows(cache.centered)
    s = parts.inv_std
    # ∂x̂/∂σ² = −(1/2)(x − μ)(σ² + ε)^(−3/2) = −(1/2) x̂ s², formed as (x̂ s) s: s³ overflows when σ² is 0
    # and eps tiny (1e-300), and inf · 0 showed NaN where the derivative is 0
    xhat_by_var = -0.5 * (units.rows(cache.xhat) * _column(s)) * _column(s)
    i = largest_index(_per_unit(dvar))[0]
    U, V = sym.unit, sym.values
    deviation = sym.at(sym.x) - sym.mu[U]
    local = sym.xhat_by_var().eq(-(HALF @ deviation @ (sym.var[U] + EPS) ** -frac(3, 2)))
    staged_dX = derived(f"{sym.dx.name}_staged", sym.dx)
    steps = [
        Step(section="backward", title=ctx.say("title.bn_staged", layer=l, part=1, name=sym.dxhat.text),
             explanation=[ctx.say("backward.bn_staged.intro"), ctx.say("backward.bn_dxhat")],
             formula=sym.dxhat.eq(hadamard(sym.gamma, sym.dZ)),
             shapes=f"{shape_of(layer.gamma.shape)} ⊙ {shape_of(record.dZ.shape)} → {shape_of(dxhat.shape)}",
             operands=[sym.gamma.tensor(layer.gamma), sym.dZ.tensor(record.dZ)], result=sym.dxhat.tensor(dxhat),
             layer=l),
        Step(section="backward", title=ctx.say("title.bn_staged", layer=l, part=2, name=sym.dvar.text),
             explanation=[ctx.say("backward.bn_dvar")],
             formula=alongside(sym.dvar[U].eq(sum_over(V, sym.at(sym.dxhat) * sym.xhat_by_var())), local),
             shapes=ctx.say("shapes.aside", how=ctx.say("word.sum_per_unit"),
                            shapes=f"{shape_of(dxhat.shape)} ⊙ {shape_of(dxhat.shape)} → {shape_of(dvar.shape)}"),
             operands=[sym.dxhat.tensor(dxhat), _auxiliary(f"x_minus_mean{l}", sym.x - sym.mu).tensor(cache.centered),
                       sym.var.tensor(cache.var),
                       _auxiliary(f"dxhat_dvar{l}", partial(sym.xhat, sym.var)).tensor(units.back(xhat_by_var))],
             result=sym.dvar.tensor(dvar), layer=l,
             worked=[_sum_entry(sym.dvar[i], sum_over(V, sym.at(sym.dxhat, i) * sym.xhat_by_var(i)),
                                [dxhat_rows[i], xhat_by_var[i]], _per_unit(dvar)[i])]),
        Step(section="backward", title=ctx.say("title.bn_staged", layer=l, part=3, name=sym.dmu.text),
             explanation=[ctx.say("backward.bn_dmean")],
             formula=sym.dmu[U].eq(-frac(sum_over(V, sym.at(sym.dxhat)), sym.root())
                                   - frac(2, N) @ sym.dvar[U] @ sum_over(V, deviation)),
             shapes=f"{shape_of(dxhat.shape)} → {shape_of(dmean.shape)}",
             operands=[sym.dxhat.tensor(dxhat), sym.dvar.tensor(dvar)], result=sym.dmu.tensor(dmean), layer=l,
             notes=[ctx.note("note.bn_deviations_sum_to_zero")],
             checks=[IdentityCheck(ctx.say("check.bn_deviations", name=sym.mu.text), centered.sum(axis=1),
                                   np.zeros(len(s)), scale=_terms(centered))]),
        Step(section="backward", title=ctx.say("title.bn_staged", layer=l, part=4, name=sym.dx.text),
             explanation=[ctx.say("backward.bn_staged_dX")],
             formula=sym.at(staged_dX).eq(frac(sym.at(sym.dxhat), sym.root())
                                          + frac(2, N) @ deviation @ sym.dvar[U] + frac(sym.dmu[U], N)),
             shapes=f"{shape_of(dxhat.shape)} → {shape_of(dX.shape)}",
             operands=[sym.dxhat.tensor(dxhat), sym.dvar.tensor(dvar), sym.dmu.tensor(dmean)],
             result=NamedTensor(staged_dX.name, staged_dX.latex, staged_dX.text, dX.reshape(x.shape)), layer=l),
    ]
    return steps


def _compact(sym: _Symbols, unit: object = None, dZ: Expr | None = None, xhat: Expr | None = None,
             count: object = N) -> Expr:
    """(γ[i] / (N √(σ²[i] + ε))) [ N dZ[i,j] − dβ[i] − x̂[i,j]·dγ[i] ], in square brackets so that
    a narrow terminal may break it before a − (round parentheses would have to stay whole)."""
    unit = sym.unit if unit is None else unit
    dZ = sym.at(sym.dZ, unit) if dZ is None else dZ
    xhat = sym.at(sym.xhat, unit) if xhat is None else xhat
    return (frac(sym.gamma[unit], count @ sym.root(unit))
            @ brackets(count @ dZ - sym.dbeta[unit] - xhat * sym.dgamma[unit]))


def _input_step(ctx: Context, record: LayerRecord, parts: _Parts, staged: np.ndarray,
                derivation: methods.Derivation) -> Step:
    """dX = (γ / (N √(σ² + ε))) ⊙ (N dZ − dβ − x̂ ⊙ dγ), checked against the staged path."""
    layer, sym, l, units = record.layer, parts.sym, parts.sym.l, parts.units
    core_value = ctx.input_gradient(record)
    core_rows = units.rows(core_value)
    dgamma, dbeta = _per_unit(record.gradients["gamma"]), _per_unit(record.gradients["beta"])
    i, j = largest_index(core_rows)
    scale = parts.gamma[i] * parts.inv_std[i] / parts.N
    entry = worked_sum(units.at(sym.dx, i, j), _compact(sym, i, units.at(sym.dZ, i, j), units.at(sym.xhat, i, j),
                                                        parts.N),
                       np.array([[scale, parts.N, parts.G[i, j]], [scale, -1.0, dbeta[i]],
                                 [scale, -parts.xhat[i, j], dgamma[i]]]), core_rows[i, j])
    units.trace(entry, i, j, sym.dZ, sym.xhat)
    explanation = [ctx.say("backward.bn_compact")]
    if l > 1:
        explanation.append(ctx.passed_back(l))
    return Step(
        section="backward", title=ctx.say("title.bn_compact", layer=l, name=sym.dx.text),
        explanation=explanation + derivation.sentences,
        formula=sym.at(sym.dx).eq(_compact(sym)),
        shapes=f"{shape_of(layer.gamma.shape)} ⊙ {shape_of(record.dZ.shape)} → {shape_of(core_value.shape)}",
        operands=[sym.gamma.tensor(layer.gamma), sym.dZ.tensor(record.dZ), sym.xhat.tensor(record.cache.xhat),
                  sym.dgamma.tensor(record.gradients["gamma"]), sym.dbeta.tensor(record.gradients["beta"])]
        + derivation.operands,
        result=ctx.input_gradient_result(record), target=sym.dx.name, layer=l, derivation=derivation.formulas,
        worked=[entry], notes=[ctx.note("note.bn_sums_to_zero")],
        # below full detail the staged path is not shown: the brief says what dx is without it
        briefs=[Brief([ctx.say("backward.bn_compact_brief", name=sym.dx.text)])],
        checks=[IdentityCheck(ctx.say("check.bn_staged_compact"), staged.reshape(core_value.shape), core_value),
                IdentityCheck(ctx.say("check.bn_dX_sums", name=sym.dx.text), core_rows.sum(axis=1),
                              np.zeros(core_rows.shape[0]), scale=_terms(core_rows))] + derivation.checks)


# -- the four methods ----------------------------------------------------------------------------

def _compact_identities(ctx: Context, parts: _Parts) -> list[IdentityCheck]:
    """Σⱼ dx̂ = γ dβ and Σⱼ dx̂ ⊙ x̂ = γ dγ, the two sums the compact formula is written with."""
    dxhat = _column(parts.gamma) * parts.G
    return [IdentityCheck(ctx.say("check.bn_sum_dxhat"), dxhat.sum(axis=1), parts.gamma * parts.G.sum(axis=1),
                          scale=_terms(dxhat)),
            IdentityCheck(ctx.say("check.bn_sum_dxhat_xhat"), (dxhat * parts.xhat).sum(axis=1),
                          parts.gamma * (parts.G * parts.xhat).sum(axis=1), scale=_terms(dxhat * parts.xhat))]


def _chain_input(ctx: Context, parts: _Parts) -> methods.Derivation:
    """From the staged result to the compact one: x − μ = x̂ √(σ² + ε), then the two sums."""
    sym = parts.sym
    dxhat, xhat, K = sym.dxhat, sym.xhat, sym.other_values
    mean = frac(1, N)
    return methods.Derivation(
        [ctx.say("chain.bn_input")],
        [sym.at(sym.dx).eq(frac(1, sym.root()) @ brackets(
            sym.at(dxhat) - mean @ sum_over(K, sym.at(dxhat, values=K))
            - mean @ sym.at(xhat) @ sum_over(K, sym.at(dxhat, values=K) * sym.at(xhat, values=K)))),
         continued(_compact(sym))],
        _compact_identities(ctx, parts))


class _Chain:
    """Index sums: dβ and dγ entry by entry; dX from the staged path by two sums."""

    def beta(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym = parts.sym
        return methods.Derivation(
            [ctx.say("chain.bn_beta")],
            [sym.dbeta[sym.unit].eq(sum_over(sym.values, sym.at(sym.dZ) * partial(sym.at(sym.Z), sym.beta[sym.unit])),
                                    sum_over(sym.values, sym.at(sym.dZ)))],
            [IdentityCheck(ctx.say("check.bn_row_sums", name=sym.dZ.text), np.array([sum(row) for row in parts.G]),
                           (parts.G @ np.ones((parts.N, 1))).reshape(-1))])

    def gamma(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym = parts.sym
        return methods.Derivation(
            [ctx.say("chain.bn_gamma")],
            [sym.dgamma[sym.unit].eq(sum_over(sym.values, sym.at(sym.dZ) * partial(sym.at(sym.Z), sym.gamma[sym.unit])),
                                     sum_over(sym.values, sym.at(sym.dZ) * sym.at(sym.xhat)))],
            [IdentityCheck(ctx.say("check.bn_gamma_rows", dZ=sym.dZ.text, xhat=sym.xhat.text),
                           np.einsum("ij,ij->i", parts.G, parts.xhat), np.diag(parts.G @ parts.xhat.T))])

    def input(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        return _chain_input(ctx, parts)


def _vec(array: np.ndarray) -> np.ndarray:
    """Column-major vec, as in vec(ABC) = (Cᵀ ⊗ A) vec(B)."""
    return array.reshape(-1, order="F")


def _direction(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(methods.DIRECTION_SEED).standard_normal(shape)


class _Trace:
    """Differentials: dZ in terms of d(γ), d(β) or d(x), then the cyclic trace."""

    def beta(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym, G = parts.sym, partial(J, parts.sym.Z, small=True)
        e = _direction((parts.G.shape[0], 1))
        return methods.Derivation(
            [ctx.say("trace.bn_beta")],
            [D(sym.Z).eq(D(sym.beta) @ ONE.T).implies(DJ).eq(TR(G.T @ D(sym.beta) @ ONE.T),
                                                             TR((G @ ONE).T @ D(sym.beta)))],
            [IdentityCheck(ctx.say("check.trace_cyclic"), float(np.sum(parts.G * (e @ np.ones((1, parts.N))))),
                           float(np.sum(parts.G.sum(axis=1, keepdims=True) * e)))])

    def gamma(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym, G = parts.sym, partial(J, parts.sym.Z, small=True)
        e = _direction((parts.G.shape[0],))
        return methods.Derivation(
            [ctx.say("trace.bn_gamma")],
            [D(sym.Z).eq(DIAG(D(sym.gamma)) @ sym.xhat).implies(DJ).eq(
                TR(G.T @ DIAG(D(sym.gamma)) @ sym.xhat), TR(sym.xhat @ G.T @ DIAG(D(sym.gamma))))],
            [IdentityCheck(ctx.say("check.trace_cyclic"), float(np.sum(parts.G * (np.diag(e) @ parts.xhat))),
                           float(np.sum(np.diag(parts.xhat @ parts.G.T) * e)))])

    def input(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        row, xhat_row, g = atom(r"x_i", "xᵢ"), atom(r"\hat{x}_i", "x̂ᵢ"), atom(r"g_i", "gᵢ")
        P = atom("P")
        E = _direction(parts.G.shape)
        g_rows = _column(parts.gamma) * parts.G  # dx̂, one row per unit
        s = _column(parts.inv_std)
        return methods.Derivation(
            [ctx.say("trace.bn_input")],
            [D(xhat_row).eq(atom(r"s_i", "sᵢ") @ D(row) @ P),
             P.eq(IDENTITY - frac(1, N) @ (ONE @ ONE.T + xhat_row.T @ xhat_row)),
             DJ.eq(sum_over("i", g @ D(xhat_row).T), sum_over("i", atom(r"s_i", "sᵢ") @ g @ P @ D(row).T))
             .implies(partial(J, row, small=True)).eq(atom(r"s_i", "sᵢ") @ g @ P)],
            [IdentityCheck(ctx.say("check.bn_trace_symmetric"), float(np.sum(g_rows * (s * parts.project(E)))),
                           float(np.sum((s * parts.project(g_rows)) * E)))] + _compact_identities(ctx, parts))


class _Kron:
    """Jacobians: (𝟏 ⊗ I) for β, diag(vec x̂)(𝟏 ⊗ I) for γ, and each unit's ∂x̂ᵢ/∂xᵢ."""

    def beta(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym = parts.sym
        G = parts.G[:methods.CORNER, :methods.KRON_MAX_SIDE]
        n, count = G.shape
        spread = np.kron(np.ones((count, 1)), np.eye(n))
        return methods.Derivation(
            [ctx.say("kron.bn_beta")],
            [VEC(sym.beta @ ONE.T).eq(kron(ONE, IDENTITY) @ sym.beta).implies(partial(J, sym.beta, small=True)).eq(
                kron(ONE, IDENTITY).T @ VEC(partial(J, sym.Z, small=True)), partial(J, sym.Z, small=True) @ ONE)],
            [IdentityCheck(ctx.say("check.kron_bias", dZ=sym.dZ.text), spread.T @ _vec(G), G.sum(axis=1))])

    def gamma(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym = parts.sym
        G = parts.G[:methods.CORNER, :methods.KRON_MAX_SIDE]
        xhat = parts.xhat[:methods.CORNER, :methods.KRON_MAX_SIDE]
        n, count = G.shape
        jacobian = np.diag(_vec(xhat)) @ np.kron(np.ones((count, 1)), np.eye(n))
        GZ = partial(J, sym.Z, small=True)
        return methods.Derivation(
            [ctx.say("kron.bn_gamma")],
            [VEC(DIAG(sym.gamma) @ sym.xhat).eq(DIAG(VEC(sym.xhat)) @ kron(ONE, IDENTITY) @ sym.gamma)
             .implies(partial(J, sym.gamma, small=True)).eq(
                 kron(ONE, IDENTITY).T @ DIAG(VEC(sym.xhat)) @ VEC(GZ), hadamard(GZ, sym.xhat) @ ONE)],
            [IdentityCheck(ctx.say("check.bn_kron_gamma", dZ=sym.dZ.text, xhat=sym.xhat.text),
                           jacobian.T @ _vec(G), (G * xhat).sum(axis=1))])

    def input(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        sym = parts.sym
        row, xhat_row = atom(r"x_i", "xᵢ"), atom(r"\hat{x}_i", "x̂ᵢ")
        unit = largest_index(np.abs(parts.dX).sum(axis=1))[0]
        sentences = [ctx.say("kron.bn_input", unit=unit)]
        operands: list[NamedTensor] = []
        checks = []
        if parts.N <= methods.KRON_MAX_SIDE:
            jacobian = parts.jacobian(unit)
            operands.append(derived(f"jacobian{sym.l}", partial(xhat_row, row)).tensor(jacobian))
            sentences.append(ctx.say("kron.bn_jacobian_shown", unit=unit, size=parts.N))
            checks.append(IdentityCheck(ctx.say("check.bn_kron_input", unit=unit),
                                        jacobian.T @ (parts.gamma[unit] * parts.G[unit]), parts.dX[unit]))
        else:
            sentences.append(ctx.say("kron.bn_jacobian_skipped", size=parts.N))
        return methods.Derivation(
            sentences,
            [partial(xhat_row, row).eq(atom(r"s_i", "sᵢ") @ (IDENTITY - frac(1, N) @ (ONE @ ONE.T + xhat_row.T @ xhat_row)))
             .implies(partial(J, row, small=True)).eq(partial(xhat_row, row).T @ partial(J, xhat_row, small=True))],
            checks + _compact_identities(ctx, parts), operands)


class _Shapes:
    """Dimension compatibility for dβ and dγ (a sum over the values fits γ's shape); the chain
    rule for dX, which shapes alone cannot give (every value of a unit reaches every x̂ of it)."""

    def _fit(self, ctx: Context, sentence: str, scalar: Expr, value: np.ndarray,
             elementwise: np.ndarray) -> methods.Derivation:
        return methods.Derivation(
            [sentence], [scalar],
            [IdentityCheck(ctx.say("check.shapes_vs_chain", chosen=ctx.say("word.sum_per_unit")), elementwise, value)])

    def _shape_fields(self, parts: _Parts, target: Symbol) -> dict[str, str]:
        return {"shape": shape_of(parts.G.shape), "per_unit": shape_of((parts.G.shape[0],)), "target": target.text}

    def beta(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        z, b = atom("z"), atom(r"\beta", "β")
        scalar = z.eq(atom(r"\gamma", "γ") @ atom(r"\hat{x}", "x̂") + b).implies(partial(J, b)).eq(partial(J, z))
        return self._fit(ctx, ctx.say("shapes.bn_beta", **self._shape_fields(parts, parts.sym.dbeta)), scalar,
                         parts.G.sum(axis=1), np.array([sum(row) for row in parts.G]))

    def gamma(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        z, gamma, xhat = atom("z"), atom(r"\gamma", "γ"), atom(r"\hat{x}", "x̂")
        scalar = z.eq(gamma @ xhat + atom(r"\beta", "β")).implies(partial(J, gamma)).eq(partial(J, z) * xhat)
        return self._fit(ctx, ctx.say("shapes.bn_gamma", **self._shape_fields(parts, parts.sym.dgamma)), scalar,
                         (parts.G * parts.xhat).sum(axis=1),
                         np.array([sum(g * x for g, x in zip(row, xrow)) for row, xrow in zip(parts.G, parts.xhat)]))

    def input(self, ctx: Context, parts: _Parts) -> methods.Derivation:
        chain = _chain_input(ctx, parts)
        chain.sentences.insert(0, ctx.say("shapes.bn_input"))
        return chain


METHODS = {"chain": _Chain(), "trace": _Trace(), "kron": _Kron(), "shapes": _Shapes()}
