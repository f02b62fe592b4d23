"""The four ways the texts derive a dense layer's gradients (``--method``):

- ``chain``: element-wise chain rule, index sums (001, 002);
- ``trace``: matrix differentials, dJ = tr(Gᵀ dZ), the cyclic trace, read off the gradient (000);
- ``kron``: vec(ABC) = (Cᵀ ⊗ A) vec(B), the Jacobian Aᵀ ⊗ I printed for small layers (001);
- ``shapes``: differentiate as scalars, then transpose and reorder until the dimensions fit (003).

Each returns a ``Derivation`` for the four dense rules (dZ from dA, dW, db, dA_prev): the extra
sentences, the derivation lines, and the identities it relies on evaluated on the actual numbers.
Convolution and pooling are derived by index sums in every method, as text 001 does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpcli.core.network import LayerRecord
from bpcli.narrate.model import Formula, IdentityCheck, NamedTensor
from bpcli.narrate.notation import derived, shape_of, symbol

#: the seed of the random direction E in which the trace identities are evaluated
DIRECTION_SEED = 0
#: the Kronecker Jacobian is formed (and printed) only when both its sides are at most this long;
#: larger layers check the identity on their top-left corner of this many rows and columns
KRON_MAX_SIDE = 24
CORNER = 4

METHOD_NAMES = ("chain", "trace", "kron", "shapes")


@dataclass
class Derivation:
    sentences: list[str] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    checks: list[IdentityCheck] = field(default_factory=list)
    operands: list[NamedTensor] = field(default_factory=list)


@dataclass
class DenseParts:
    """The symbols and values of one dense layer's backward step (G = dZ⁽ˡ⁾ = ∂J/∂Z⁽ˡ⁾)."""

    l: int
    W: np.ndarray
    A_prev: np.ndarray
    G: np.ndarray

    def tex(self, base: str, layer_offset: int = 0) -> str:
        return symbol(base, self.l + layer_offset).latex

    def txt(self, base: str, layer_offset: int = 0) -> str:
        return symbol(base, self.l + layer_offset).text


def _direction(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(DIRECTION_SEED).standard_normal(shape)


def _trace_inner(left: np.ndarray, right: np.ndarray) -> float:
    """tr(leftᵀ right) = Σ left ⊙ right."""
    return float(np.sum(left * right))


def _vec(array: np.ndarray) -> np.ndarray:
    """Column-major vec, as in vec(ABC) = (Cᵀ ⊗ A) vec(B)."""
    return array.reshape(-1, order="F")


class Chain:
    """Element-wise chain rule: one entry's derivative as an index sum, then the matrix form."""

    name = "chain"

    def activation(self, ctx, record: LayerRecord, g_prime: np.ndarray) -> Derivation:
        l = record.layer.index
        A, Z = symbol("A", l), symbol("Z", l)
        return Derivation(
            [ctx.say("chain.activation")],
            [Formula(rf"\frac{{\partial J}}{{\partial {Z.latex}_{{ij}}}} = \frac{{\partial J}}{{\partial {A.latex}_{{ij}}}}"
                     rf"\,\frac{{\partial {A.latex}_{{ij}}}}{{\partial {Z.latex}_{{ij}}}} = d{A.latex}_{{ij}}\, g'({Z.latex}_{{ij}})",
                     f"∂J/∂{Z.text}[i,j] = ∂J/∂{A.text}[i,j] · ∂{A.text}[i,j]/∂{Z.text}[i,j] = d{A.text}[i,j] · g′({Z.text}[i,j])")])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, dW, A = symbol("dZ", l), symbol("dW", l), symbol("A", l - 1)
        Z = symbol("Z", l)
        entrywise = np.einsum("ij,kj->ik", parts.G, parts.A_prev)
        return Derivation(
            [ctx.say("chain.weight")],
            [Formula(rf"{dW.latex}_{{ik}} = \sum_{{j}} \frac{{\partial J}}{{\partial {Z.latex}_{{ij}}}}"
                     rf"\frac{{\partial {Z.latex}_{{ij}}}}{{\partial W^{{({l})}}_{{ik}}}} = \sum_{{j}} {dZ.latex}_{{ij}}\,{A.latex}_{{kj}}"
                     rf" = ({dZ.latex} {{{A.latex}}}^\top)_{{ik}}",
                     f"{dW.text}[i,k] = Σⱼ ∂J/∂{Z.text}[i,j] · ∂{Z.text}[i,j]/∂{symbol('W', l).text}[i,k]"
                     f" = Σⱼ {dZ.text}[i,j]·{A.text}[k,j] = ({dZ.text} {A.text}ᵀ)[i,k]")],
            [IdentityCheck(ctx.say("check.index_sum", matrix=f"{dZ.text} {A.text}ᵀ"), entrywise, parts.G @ parts.A_prev.T)])

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, db = symbol("dZ", l), symbol("db", l)
        loop = parts.G.sum(axis=1, keepdims=True)
        return Derivation(
            [ctx.say("chain.bias")],
            [Formula(rf"{db.latex}_{{i}} = \sum_{{j}} {dZ.latex}_{{ij}} \frac{{\partial Z^{{({l})}}_{{ij}}}}{{\partial b^{{({l})}}_i}}"
                     rf" = \sum_{{j}} {dZ.latex}_{{ij}}",
                     f"{db.text}[i] = Σⱼ {dZ.text}[i,j] · ∂{symbol('Z', l).text}[i,j]/∂{symbol('b', l).text}[i] = Σⱼ {dZ.text}[i,j]")],
            [IdentityCheck(ctx.say("check.row_sums", name=dZ.text), loop, parts.G @ np.ones((parts.G.shape[1], 1)))])

    def input(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, dA, W = symbol("dZ", l), symbol("dA", l - 1), symbol("W", l)
        entrywise = np.einsum("ik,ij->kj", parts.W, parts.G)
        return Derivation(
            [ctx.say("chain.input")],
            [Formula(rf"{dA.latex}_{{kj}} = \sum_{{i}} {dZ.latex}_{{ij}} \frac{{\partial Z^{{({l})}}_{{ij}}}}{{\partial A^{{({l - 1})}}_{{kj}}}}"
                     rf" = \sum_{{i}} {W.latex}_{{ik}}\,{dZ.latex}_{{ij}} = ({{{W.latex}}}^\top {dZ.latex})_{{kj}}",
                     f"{dA.text}[k,j] = Σᵢ {dZ.text}[i,j] · {W.text}[i,k] = ({W.text}ᵀ {dZ.text})[k,j]")],
            [IdentityCheck(ctx.say("check.index_sum", matrix=f"{W.text}ᵀ {dZ.text}"), entrywise, parts.W.T @ parts.G)])


class Trace:
    """Matrix differentials: dJ = tr(Gᵀ dZ); substitute dZ, move factors cyclically, read off."""

    name = "trace"

    def activation(self, ctx, record: LayerRecord, g_prime: np.ndarray) -> Derivation:
        l = record.layer.index
        A, Z = symbol("A", l), symbol("Z", l)
        E = _direction(record.Z.shape)
        return Derivation(
            [ctx.say("trace.activation")],
            [Formula(rf"\mathrm{{d}}J = \mathrm{{tr}}\big(\tfrac{{\partial J}}{{\partial {A.latex}}}^\top \mathrm{{d}}({A.latex})\big)"
                     rf" = \mathrm{{tr}}\big(\tfrac{{\partial J}}{{\partial {A.latex}}}^\top (g'({Z.latex}) \odot \mathrm{{d}}({Z.latex}))\big)"
                     rf" = \mathrm{{tr}}\big((\tfrac{{\partial J}}{{\partial {A.latex}}} \odot g'({Z.latex}))^\top \mathrm{{d}}({Z.latex})\big)",
                     f"dJ = tr((∂J/∂{A.text})ᵀ d({A.text})) = tr((∂J/∂{A.text})ᵀ (g′({Z.text}) ⊙ d({Z.text})))"
                     f" = tr((∂J/∂{A.text} ⊙ g′({Z.text}))ᵀ d({Z.text}))")],
            [IdentityCheck(ctx.say("check.trace_hadamard", dA=symbol("dA", l).text),
                           _trace_inner(record.dA, g_prime * E), _trace_inner(record.dA * g_prime, E))])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        G, A, W = f"\\tfrac{{\\partial J}}{{\\partial {parts.tex('Z')}}}", parts.tex("A", -1), parts.tex("W")
        Gt, At, Wt = f"∂J/∂{parts.txt('Z')}", parts.txt("A", -1), parts.txt("W")
        E = _direction(parts.W.shape)
        return Derivation(
            [ctx.say("trace.weight")],
            [Formula(rf"\mathrm{{d}}(Z^{{({l})}}) = \mathrm{{d}}({W})\,{A} \;\Rightarrow\; \mathrm{{d}}J = \mathrm{{tr}}\big({{{G}}}^\top \mathrm{{d}}({W})\,{A}\big)"
                     rf" = \mathrm{{tr}}\big({A}\,{{{G}}}^\top \mathrm{{d}}({W})\big) = \mathrm{{tr}}\big(({G}\,{{{A}}}^\top)^\top \mathrm{{d}}({W})\big)",
                     f"d({parts.txt('Z')}) = d({Wt}) {At}  ⇒  dJ = tr(({Gt})ᵀ d({Wt}) {At}) = tr({At} ({Gt})ᵀ d({Wt})) = tr(({Gt} {At}ᵀ)ᵀ d({Wt}))")],
            [IdentityCheck(ctx.say("check.trace_cyclic"),
                           _trace_inner(parts.G, E @ parts.A_prev), _trace_inner(parts.G @ parts.A_prev.T, E))])

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        G, b = f"\\tfrac{{\\partial J}}{{\\partial {parts.tex('Z')}}}", parts.tex("b")
        Gt, bt = f"∂J/∂{parts.txt('Z')}", parts.txt("b")
        e = _direction((parts.G.shape[0], 1))
        ones = np.ones((parts.G.shape[1], 1))
        return Derivation(
            [ctx.say("trace.bias")],
            [Formula(rf"\mathrm{{d}}(Z^{{({l})}}) = \mathrm{{d}}({b})\,\mathbf{{1}}^\top \;\Rightarrow\; \mathrm{{d}}J = \mathrm{{tr}}\big({{{G}}}^\top \mathrm{{d}}({b})\,\mathbf{{1}}^\top\big)"
                     rf" = \mathrm{{tr}}\big(({G}\,\mathbf{{1}})^\top \mathrm{{d}}({b})\big)",
                     f"d({parts.txt('Z')}) = d({bt}) 1ᵀ  ⇒  dJ = tr(({Gt})ᵀ d({bt}) 1ᵀ) = tr(({Gt} 1)ᵀ d({bt}))")],
            [IdentityCheck(ctx.say("check.trace_cyclic"), _trace_inner(parts.G, e @ ones.T),
                           _trace_inner(parts.G @ ones, e))])

    def input(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        G, A, W = f"\\tfrac{{\\partial J}}{{\\partial {parts.tex('Z')}}}", parts.tex("A", -1), parts.tex("W")
        Gt, At, Wt = f"∂J/∂{parts.txt('Z')}", parts.txt("A", -1), parts.txt("W")
        E = _direction(parts.A_prev.shape)
        return Derivation(
            [ctx.say("trace.input")],
            [Formula(rf"\mathrm{{d}}(Z^{{({l})}}) = {W}\,\mathrm{{d}}({A}) \;\Rightarrow\; \mathrm{{d}}J = \mathrm{{tr}}\big({{{G}}}^\top {W}\,\mathrm{{d}}({A})\big)"
                     rf" = \mathrm{{tr}}\big(({{{W}}}^\top {G})^\top \mathrm{{d}}({A})\big)",
                     f"d({parts.txt('Z')}) = {Wt} d({At})  ⇒  dJ = tr(({Gt})ᵀ {Wt} d({At})) = tr(({Wt}ᵀ {Gt})ᵀ d({At}))")],
            [IdentityCheck(ctx.say("check.trace_cyclic"), _trace_inner(parts.G, parts.W @ E),
                           _trace_inner(parts.W.T @ parts.G, E))])


def _corner(array: np.ndarray) -> np.ndarray:
    return array[:CORNER, :CORNER]


class Kron:
    """vec(ABC) = (Cᵀ ⊗ A) vec(B): the Jacobian of vec Z with respect to vec W is Aᵀ ⊗ I."""

    name = "kron"

    def activation(self, ctx, record: LayerRecord, g_prime: np.ndarray) -> Derivation:
        l = record.layer.index
        A, Z = symbol("A", l), symbol("Z", l)
        dA = record.dA
        # the diagonal Jacobian is checked on the first CORNER² entries (it has size² entries in all)
        g_vec, dA_vec = g_prime.reshape(-1)[:CORNER ** 2], dA.reshape(-1)[:CORNER ** 2]
        return Derivation(
            [ctx.say("kron.activation")],
            [Formula(rf"\operatorname{{vec}}(\mathrm{{d}}({A.latex})) = \operatorname{{diag}}(\operatorname{{vec}} g'({Z.latex}))\,"
                     rf"\operatorname{{vec}}(\mathrm{{d}}({Z.latex})) \;\Rightarrow\; \operatorname{{vec}}\tfrac{{\partial J}}{{\partial {Z.latex}}}"
                     rf" = \operatorname{{diag}}(\operatorname{{vec}} g'({Z.latex}))\,\operatorname{{vec}}\tfrac{{\partial J}}{{\partial {A.latex}}}",
                     f"vec(d({A.text})) = diag(vec g′({Z.text})) vec(d({Z.text}))  ⇒  vec ∂J/∂{Z.text} = diag(vec g′({Z.text})) vec ∂J/∂{A.text}")],
            [IdentityCheck(ctx.say("check.kron_diag", dA=symbol("dA", l).text), np.diag(g_vec) @ dA_vec, (g_prime * dA).reshape(-1)[:CORNER ** 2])])

    def _jacobian_check(self, left_factor: np.ndarray, vec_G: np.ndarray, expected: np.ndarray,
                        description: str) -> IdentityCheck:
        return IdentityCheck(description, left_factor @ vec_G, _vec(expected))

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        W, A, Z = symbol("W", l), symbol("A", l - 1), symbol("Z", l)
        n, m = parts.G.shape
        n_prev = parts.A_prev.shape[0]
        small = n * m <= KRON_MAX_SIDE and n * n_prev <= KRON_MAX_SIDE
        A_used, G_used = (parts.A_prev, parts.G) if small else (_corner(parts.A_prev), _corner(parts.G))
        jacobian = np.kron(A_used.T, np.eye(G_used.shape[0]))
        sentences = [ctx.say("kron.weight")]
        operands = []
        if small:
            operands.append(derived(f"kron{l}", rf"{{{A.latex}}}^\top \otimes I_{{{n}}}", f"{A.text}ᵀ ⊗ I{n}").tensor(jacobian))
            sentences.append(ctx.say("kron.jacobian_shown", rows=n * m, cols=n * n_prev))
        else:
            sentences.append(ctx.say("kron.jacobian_skipped", rows=n * m, cols=n * n_prev, corner=CORNER))
        return Derivation(
            sentences,
            [Formula(rf"\operatorname{{vec}}(\mathrm{{d}}({Z.latex})) = \operatorname{{vec}}(I\,\mathrm{{d}}({W.latex})\,{A.latex})"
                     rf" = ({{{A.latex}}}^\top \otimes I)\operatorname{{vec}}(\mathrm{{d}}({W.latex}))",
                     f"vec(d({Z.text})) = vec(I d({W.text}) {A.text}) = ({A.text}ᵀ ⊗ I) vec(d({W.text}))"),
             Formula(rf"\operatorname{{vec}}\tfrac{{\partial J}}{{\partial {W.latex}}} = ({{{A.latex}}}^\top \otimes I)^\top \operatorname{{vec}}\tfrac{{\partial J}}{{\partial {Z.latex}}}"
                     rf" = ({A.latex} \otimes I)\operatorname{{vec}}\tfrac{{\partial J}}{{\partial {Z.latex}}} = \operatorname{{vec}}\big(\tfrac{{\partial J}}{{\partial {Z.latex}}} {{{A.latex}}}^\top\big)",
                     f"vec ∂J/∂{W.text} = ({A.text}ᵀ ⊗ I)ᵀ vec ∂J/∂{Z.text} = ({A.text} ⊗ I) vec ∂J/∂{Z.text} = vec(∂J/∂{Z.text} {A.text}ᵀ)")],
            [self._jacobian_check(jacobian.T, _vec(G_used), G_used @ A_used.T,
                                 ctx.say("check.kron_weight", A=A.text, dZ=symbol("dZ", l).text))],
            operands)

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        b, Z = symbol("b", l), symbol("Z", l)
        G_used = parts.G if parts.G.size <= KRON_MAX_SIDE ** 2 else _corner(parts.G)
        n, m = G_used.shape
        ones_kron = np.kron(np.ones((m, 1)), np.eye(n))
        return Derivation(
            [ctx.say("kron.bias")],
            [Formula(rf"\operatorname{{vec}}(\mathrm{{d}}({b.latex})\,\mathbf{{1}}_m^\top) = (\mathbf{{1}}_m \otimes I)\,\mathrm{{d}}({b.latex})"
                     rf" \;\Rightarrow\; \tfrac{{\partial J}}{{\partial {b.latex}}} = (\mathbf{{1}}_m \otimes I)^\top \operatorname{{vec}}\tfrac{{\partial J}}{{\partial {Z.latex}}}"
                     rf" = \tfrac{{\partial J}}{{\partial {Z.latex}}}\,\mathbf{{1}}_m",
                     f"vec(d({b.text}) 1ₘᵀ) = (1ₘ ⊗ I) d({b.text})  ⇒  ∂J/∂{b.text} = (1ₘ ⊗ I)ᵀ vec ∂J/∂{Z.text} = ∂J/∂{Z.text} 1ₘ")],
            [self._jacobian_check(ones_kron.T, _vec(G_used), G_used @ np.ones((m, 1)),
                                 ctx.say("check.kron_bias", dZ=symbol("dZ", l).text))])

    def input(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        W, A, Z = symbol("W", l), symbol("A", l - 1), symbol("Z", l)
        small = parts.G.size <= KRON_MAX_SIDE and parts.A_prev.size <= KRON_MAX_SIDE
        G_used = parts.G if small else _corner(parts.G)
        W_used = parts.W if small else parts.W[:G_used.shape[0], :CORNER]
        m = G_used.shape[1]
        block = np.kron(np.eye(m), W_used.T)
        return Derivation(
            [ctx.say("kron.input")],
            [Formula(rf"\operatorname{{vec}}({W.latex}\,\mathrm{{d}}({A.latex})\,I) = (I_m \otimes {W.latex})\operatorname{{vec}}(\mathrm{{d}}({A.latex}))"
                     rf" \;\Rightarrow\; \operatorname{{vec}}\tfrac{{\partial J}}{{\partial {A.latex}}} = (I_m \otimes {{{W.latex}}}^\top)\operatorname{{vec}}\tfrac{{\partial J}}{{\partial {Z.latex}}}",
                     f"vec({W.text} d({A.text}) I) = (Iₘ ⊗ {W.text}) vec(d({A.text}))  ⇒  vec ∂J/∂{A.text} = (Iₘ ⊗ {W.text}ᵀ) vec ∂J/∂{Z.text}")],
            [self._jacobian_check(block, _vec(G_used), W_used.T @ G_used,
                                 ctx.say("check.kron_input", W=W.text, dZ=symbol("dZ", l).text))])


def _fitting_products(left: tuple[str, np.ndarray], right: tuple[str, np.ndarray],
                      shape: tuple[int, ...]) -> list[str]:
    """Every product of the two factors (either order, either transposed) with the wanted shape."""
    fits = []
    for first, second in ((left, right), (right, left)):
        for t1 in (False, True):
            for t2 in (False, True):
                a = first[1].T if t1 else first[1]
                b = second[1].T if t2 else second[1]
                if a.shape[1] == b.shape[0] and (a.shape[0], b.shape[1]) == shape:
                    fits.append(f"{first[0]}{'ᵀ' if t1 else ''} {second[0]}{'ᵀ' if t2 else ''}")
    return fits


class Shapes:
    """Dimension compatibility (维度相容): the scalar rule, then the one arrangement whose shapes fit."""

    name = "shapes"

    def activation(self, ctx, record: LayerRecord, g_prime: np.ndarray) -> Derivation:
        l = record.layer.index
        A, Z = symbol("A", l), symbol("Z", l)
        return Derivation(
            [ctx.say("shapes.activation", shape=shape_of(record.Z.shape))],
            [Formula(r"a = g(z) \;\Rightarrow\; \frac{\partial J}{\partial z} = \frac{\partial J}{\partial a}\, g'(z)"
                     rf" \;\Rightarrow\; d{Z.latex} = d{A.latex} \odot g'({Z.latex})",
                     f"a = g(z)  ⇒  ∂J/∂z = ∂J/∂a · g′(z)  ⇒  d{Z.text} = d{A.text} ⊙ g′({Z.text})")])

    def _fit(self, ctx, scalar: Formula, left: tuple[str, np.ndarray], right: tuple[str, np.ndarray],
             chosen: str, result_shape: tuple[int, ...], value: np.ndarray, elementwise: np.ndarray,
             key: str, target: str) -> Derivation:
        fits = _fitting_products(left, right, result_shape)
        sentences = [ctx.say(key, left=left[0], right=right[0], left_shape=shape_of(left[1].shape),
                             right_shape=shape_of(right[1].shape), shape=shape_of(result_shape), chosen=chosen,
                             target=target)]
        if len(fits) > 1:
            sentences.append(ctx.say("shapes.ambiguous", products=", ".join(fits), chosen=chosen))
        return Derivation(sentences, [scalar],
                          [IdentityCheck(ctx.say("check.shapes_vs_chain", chosen=chosen), elementwise, value)])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        dZ, A = parts.txt("dZ"), parts.txt("A", -1)
        scalar = Formula(r"z = w a + b \;\Rightarrow\; \frac{\partial J}{\partial w} = \frac{\partial J}{\partial z}\, a",
                         "z = w·a + b  ⇒  ∂J/∂w = ∂J/∂z · a")
        return self._fit(ctx, scalar, (dZ, parts.G), (A, parts.A_prev), f"{dZ} {A}ᵀ", parts.W.shape,
                         parts.G @ parts.A_prev.T, np.einsum("ij,kj->ik", parts.G, parts.A_prev), "shapes.weight",
                         parts.txt("dW"))

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        dZ = parts.txt("dZ")
        n, m = parts.G.shape
        scalar = Formula(r"z = w a + b \;\Rightarrow\; \frac{\partial J}{\partial b} = \frac{\partial J}{\partial z}",
                         "z = w·a + b  ⇒  ∂J/∂b = ∂J/∂z")
        ones = np.ones((m, 1))
        return self._fit(ctx, scalar, (dZ, parts.G), ("1ₘ", ones), f"{dZ} 1ₘ", (n, 1), parts.G @ ones,
                         parts.G.sum(axis=1, keepdims=True), "shapes.bias", parts.txt("db"))

    def input(self, ctx, parts: DenseParts) -> Derivation:
        dZ, W = parts.txt("dZ"), parts.txt("W")
        scalar = Formula(r"z = w a + b \;\Rightarrow\; \frac{\partial J}{\partial a} = w\, \frac{\partial J}{\partial z}",
                         "z = w·a + b  ⇒  ∂J/∂a = w · ∂J/∂z")
        return self._fit(ctx, scalar, (W, parts.W), (dZ, parts.G), f"{W}ᵀ {dZ}", parts.A_prev.shape,
                         parts.W.T @ parts.G, np.einsum("ik,ij->kj", parts.W, parts.G), "shapes.input",
                         parts.txt("dA", -1))


METHODS = {"chain": Chain(), "trace": Trace(), "kron": Kron(), "shapes": Shapes()}


def for_name(name: str):
    """The method object for ``chain``, ``trace``, ``kron`` or ``shapes``."""
    return METHODS[name]
