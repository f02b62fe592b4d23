"""The four ways the texts derive a dense layer's gradients (``--method``):

- ``chain``: element-wise chain rule, index sums (001, 002);
- ``trace``: matrix differentials: the whole differential d(Z) = d(W) A + W d(A) + d(b) 1ᵀ, dJ =
  tr(Gᵀ d(Z)) split into its terms, each moved cyclically and read off (000);
- ``kron``: vec(PQR) = (Rᵀ ⊗ P) vec(Q), the Jacobian Aᵀ ⊗ I shown (its corner for large layers) (001);
- ``shapes``: differentiate as scalars, then transpose and reorder until the dimensions fit (003).

Each returns a ``Derivation`` for the four dense rules (dZ from dA, dW, db, dA_prev): the extra
sentences, the derivation lines, and the identities it relies on evaluated on the actual numbers.
Convolution and pooling are derived by index sums in every method, as text 001 does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpcli.core.network import LayerRecord
from bpcli.narrate.expr import (D, DIAG, DJ, G, G_PRIME, IDENTITY, ONE, ONES_M, TR, VEC, Expr, J, Sub, as_expr, atom,
                                hadamard, kron, m, partial, sum_over)
from bpcli.narrate.model import Formula, IdentityCheck, NamedTensor
from bpcli.narrate.notation import Symbol, derived, shape_of, symbol

#: the seed of the random direction E in which the trace identities are evaluated
DIRECTION_SEED = 0
#: the Kronecker Jacobian is formed (and printed) only when both its sides are at most this long;
#: larger layers check the identity on their top-left corner of this many rows and columns
KRON_MAX_SIDE = 24
CORNER = 4
#: a larger Jacobian is shown by its top-left corner of at most this many rows and columns
KRON_SHOWN_SIDE = 12

METHOD_NAMES = ("chain", "trace", "kron", "shapes")

#: text 003's scalar neuron, z = w·a + b, differentiated before the shapes are fitted
SCALAR_A, SCALAR_B, SCALAR_W, SCALAR_Z = atom("a"), atom("b"), atom("w"), atom("z")
NEURON = SCALAR_Z.eq(SCALAR_W * SCALAR_A + SCALAR_B)
IDENTITY_M = Sub(IDENTITY, m)


@dataclass
class Derivation:
    sentences: list[str] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    checks: list[IdentityCheck] = field(default_factory=list)
    operands: list[NamedTensor] = field(default_factory=list)
    #: the rule in this method's notation on one line, for the summary (None: the matrix form)
    short: Formula | None = None


@dataclass
class DenseParts:
    """The symbols and values of one dense layer's backward step (G = dZ⁽ˡ⁾ = ∂J/∂Z⁽ˡ⁾)."""

    l: int
    W: np.ndarray
    A_prev: np.ndarray
    G: np.ndarray

    def sym(self, base: str, layer_offset: int = 0) -> Symbol:
        return symbol(base, self.l + layer_offset)

    def txt(self, base: str, layer_offset: int = 0) -> str:
        return self.sym(base, layer_offset).text

    def gradient(self) -> Expr:
        """∂J/∂Z⁽ˡ⁾ written small, as it stands inside a line of matrix algebra."""
        return partial(J, self.sym("Z"), small=True)


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
            [partial(J, Z["i", "j"]).eq(partial(J, A["i", "j"]) * partial(A["i", "j"], Z["i", "j"]), symbol("dA", l)["i", "j"] * G_PRIME(Z["i", "j"]))])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, dW, A = symbol("dZ", l), symbol("dW", l), symbol("A", l - 1)
        Z, W = symbol("Z", l), symbol("W", l)
        entrywise = np.einsum("ij,kj->ik", parts.G, parts.A_prev)
        return Derivation(
            [ctx.say("chain.weight")],
            [dW["i", "k"].eq(sum_over("j", partial(J, Z["i", "j"]) * partial(Z["i", "j"], W["i", "k"])), sum_over("j", dZ["i", "j"] * A["k", "j"]),
                         (dZ @ A.T)["i", "k"])],
            [IdentityCheck(ctx.say("check.index_sum", matrix=f"{dZ.text} {A.text}ᵀ"), entrywise, parts.G @ parts.A_prev.T)])

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, db = symbol("dZ", l), symbol("db", l)
        loop = parts.G.sum(axis=1, keepdims=True)
        return Derivation(
            [ctx.say("chain.bias")],
            [db["i"].eq(sum_over("j", dZ["i", "j"] * partial(symbol("Z", l)["i", "j"], symbol("b", l)["i"])), sum_over("j", dZ["i", "j"]))],
            [IdentityCheck(ctx.say("check.row_sums", name=dZ.text), loop, parts.G @ np.ones((parts.G.shape[1], 1)))])

    def input(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        dZ, dA, W = symbol("dZ", l), symbol("dA", l - 1), symbol("W", l)
        entrywise = np.einsum("ik,ij->kj", parts.W, parts.G)
        return Derivation(
            [ctx.say("chain.input")],
            [dA["k", "j"].eq(sum_over("i", dZ["i", "j"] * partial(symbol("Z", l)["i", "j"], symbol("A", l - 1)["k", "j"])),
                         sum_over("i", W["i", "k"] * dZ["i", "j"]), (W.T @ dZ)["k", "j"])],
            [IdentityCheck(ctx.say("check.index_sum", matrix=f"{W.text}ᵀ {dZ.text}"), entrywise, parts.W.T @ parts.G)])


class Trace:
    """Matrix differentials: dJ = tr(Gᵀ dZ); substitute dZ, move factors cyclically, read off."""

    name = "trace"

    def activation(self, ctx, record: LayerRecord, g_prime: np.ndarray) -> Derivation:
        l = record.layer.index
        A, Z = symbol("A", l), symbol("Z", l)
        gradient = partial(J, A, small=True)
        E = _direction(record.Z.shape)
        return Derivation(
            [ctx.say("trace.activation")],
            [DJ.eq(TR(gradient.T @ D(A)), TR(gradient.T @ hadamard(G_PRIME(Z), D(Z))),
                   TR(hadamard(gradient, G_PRIME(Z)).T @ D(Z)))],
            [IdentityCheck(ctx.say("check.trace_hadamard", dA=symbol("dA", l).text),
                           _trace_inner(record.dA, g_prime * E), _trace_inner(record.dA * g_prime, E))])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        """The whole differential of Z first, dJ split into its three traces, then the d(W) term."""
        G, A, W, b = parts.gradient(), parts.sym("A", -1), parts.sym("W"), parts.sym("b")
        term = TR(G.T @ D(W) @ A)
        E = _direction(parts.W.shape)
        left, right = G.T @ atom("E") @ A, (G @ A.T).T @ atom("E")
        return Derivation(
            [ctx.say("trace.weight")],
            [D(parts.sym("Z")).eq(D(W) @ A + W @ D(A) + D(b) @ ONE.T),
             DJ.eq(TR(G.T @ D(parts.sym("Z"))), term + TR(G.T @ W @ D(A)) + TR(G.T @ D(b) @ ONE.T)),
             term.eq(TR(A @ G.T @ D(W)), TR((G @ A.T).T @ D(W)))],
            [IdentityCheck(ctx.say("check.trace_sides", left=TR(left).text, right=TR(right).text),
                           _trace_inner(parts.G, E @ parts.A_prev), _trace_inner(parts.G @ parts.A_prev.T, E))])

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        G, b = parts.gradient(), parts.sym("b")
        e = _direction((parts.G.shape[0], 1))
        ones = np.ones((parts.G.shape[1], 1))
        left, right = G.T @ atom("E") @ ONE.T, (G @ ONE).T @ atom("E")
        return Derivation(
            [ctx.say("trace.bias")],
            [TR(G.T @ D(b) @ ONE.T).eq(TR(ONE.T @ G.T @ D(b)), TR((G @ ONE).T @ D(b)))],
            [IdentityCheck(ctx.say("check.trace_sides", left=TR(left).text, right=TR(right).text),
                           _trace_inner(parts.G, e @ ones.T), _trace_inner(parts.G @ ones, e))])

    def input(self, ctx, parts: DenseParts) -> Derivation:
        G, A, W = parts.gradient(), parts.sym("A", -1), parts.sym("W")
        E = _direction(parts.A_prev.shape)
        left, right = G.T @ W @ atom("E"), (W.T @ G).T @ atom("E")
        return Derivation(
            [ctx.say("trace.input")],
            [TR(G.T @ W @ D(A)).eq(TR((W.T @ G).T @ D(A)))],
            [IdentityCheck(ctx.say("check.trace_sides", left=TR(left).text, right=TR(right).text),
                           _trace_inner(parts.G, parts.W @ E), _trace_inner(parts.W.T @ parts.G, E))])


def _corner(array: np.ndarray) -> np.ndarray:
    return array[:CORNER, :CORNER]


def kron_corner(left: np.ndarray, n: int, rows: int, cols: int) -> np.ndarray:
    """The top-left rows × cols of left ⊗ Iₙ, without forming the whole product: entry (r, c) is
    left[r // n, c // n] where r and c leave the same remainder mod n, else 0."""
    r, c = np.arange(rows)[:, None], np.arange(cols)[None, :]
    return np.where(r % n == c % n, left[r // n, c // n], 0.0)


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
            [VEC(D(A)).eq(DIAG(VEC(G_PRIME(Z))) @ VEC(D(Z))).implies(
                VEC(partial(J, Z, small=True)).eq(DIAG(VEC(G_PRIME(Z))) @ VEC(partial(J, A, small=True))))],
            [IdentityCheck(ctx.say("check.kron_diag", dA=symbol("dA", l).text), np.diag(g_vec) @ dA_vec, (g_prime * dA).reshape(-1)[:CORNER ** 2])],
            short=VEC(symbol("dZ", l)).eq(DIAG(VEC(G_PRIME(Z))) @ VEC(symbol("dA", l))))

    def _jacobian_check(self, left_factor: np.ndarray, vec_G: np.ndarray, expected: np.ndarray,
                        description: str) -> IdentityCheck:
        return IdentityCheck(description, left_factor @ vec_G, _vec(expected))

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        W, A, Z = symbol("W", l), symbol("A", l - 1), symbol("Z", l)
        GW, GZ = partial(J, W, small=True), partial(J, Z, small=True)
        n, m = parts.G.shape
        n_prev = parts.A_prev.shape[0]
        small = n * m <= KRON_MAX_SIDE and n * n_prev <= KRON_MAX_SIDE
        A_used, G_used = (parts.A_prev, parts.G) if small else (_corner(parts.A_prev), _corner(parts.G))
        jacobian = np.kron(A_used.T, np.eye(G_used.shape[0]))
        sentences = [ctx.say("kron.weight")]
        operands = []
        rows, cols = n * m, n * n_prev
        identity = Sub(IDENTITY, as_expr(n))
        if n == 1:
            sentences.append(ctx.say("kron.one_unit"))
        elif small:
            operands.append(derived(f"kron{l}", kron(A.T, identity)).tensor(jacobian))
            sentences.append(ctx.say("kron.jacobian_shown", rows=rows, cols=cols, n=n, identity=identity.text))
        else:
            shown = kron_corner(parts.A_prev.T, n, min(rows, KRON_SHOWN_SIDE), min(cols, KRON_SHOWN_SIDE))
            operands.append(derived(f"kron{l}", kron(A.T, identity)).tensor(shown))
            sentences.append(ctx.say("kron.jacobian_shortened", rows=rows, cols=cols, n=n, identity=identity.text, shown_rows=shown.shape[0],
                                     shown_cols=shown.shape[1], corner=CORNER))
        return Derivation(
            sentences,
            [VEC(D(Z)).eq(VEC(IDENTITY @ D(W) @ A), kron(A.T, IDENTITY) @ VEC(D(W))),
             VEC(GW).eq(kron(A.T, IDENTITY).T @ VEC(GZ), kron(A, IDENTITY) @ VEC(GZ), VEC(GZ @ A.T))],
            [self._jacobian_check(jacobian.T, _vec(G_used), G_used @ A_used.T,
                                 ctx.say("check.kron_weight", A=A.text, dZ=symbol("dZ", l).text))],
            operands, short=VEC(symbol("dW", l)).eq(kron(A, IDENTITY) @ VEC(symbol("dZ", l))))

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        l = parts.l
        b, Z = symbol("b", l), symbol("Z", l)
        GB, GZ = partial(J, b, small=True), partial(J, Z, small=True)
        G_used = parts.G if parts.G.size <= KRON_MAX_SIDE ** 2 else _corner(parts.G)
        n, m = G_used.shape
        ones_kron = np.kron(np.ones((m, 1)), np.eye(n))
        return Derivation(
            [ctx.say("kron.bias")],
            [VEC(D(b) @ ONES_M.T).eq(kron(ONES_M, IDENTITY) @ D(b)).implies(GB).eq(
                kron(ONES_M, IDENTITY).T @ VEC(GZ), GZ @ ONES_M)],
            [self._jacobian_check(ones_kron.T, _vec(G_used), G_used @ np.ones((m, 1)),
                                 ctx.say("check.kron_bias", dZ=symbol("dZ", l).text))],
            short=symbol("db", l).eq(kron(ONES_M, IDENTITY).T @ VEC(symbol("dZ", l))))

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
            [VEC(W @ D(A) @ IDENTITY).eq(kron(IDENTITY_M, W) @ VEC(D(A))).implies(
                VEC(partial(J, A, small=True)).eq(kron(IDENTITY_M, W.T) @ VEC(partial(J, Z, small=True))))],
            [self._jacobian_check(block, _vec(G_used), W_used.T @ G_used,
                                 ctx.say("check.kron_input", W=W.text, dZ=symbol("dZ", l).text))],
            short=VEC(symbol("dA", l - 1)).eq(kron(IDENTITY_M, W.T) @ VEC(symbol("dZ", l))))


def _arrangements(left: tuple[str, np.ndarray], right: tuple[str, np.ndarray]):
    """(name, first, second) for every product of the two factors, in the order a learner tries
    them: as the scalar rule writes them, reversed, then with transposes."""
    for t1, t2 in ((False, False), (True, False), (False, True), (True, True)):
        for first, second in ((left, right), (right, left)):
            a = first[1].T if t1 else first[1]
            b = second[1].T if t2 else second[1]
            yield f"{first[0]}{'ᵀ' if t1 else ''} {second[0]}{'ᵀ' if t2 else ''}", a.shape, b.shape


def first_clash(left: tuple[str, np.ndarray], right: tuple[str, np.ndarray],
                shape: tuple[int, ...]) -> tuple[str, str] | None:
    """The first arrangement tried whose shapes clash, with the clash spelled out:
    ('dZ⁽¹⁾ X', '(1×3)(2×3): 3 ≠ 2') or ('X dZ⁽¹⁾ᵀ', '(2×3)(3×1) → 2×1 ≠ 1×2'); None if every one fits."""
    for name, a, b in _arrangements(left, right):
        if a[1] != b[0]:
            return name, f"({shape_of(a)})({shape_of(b)}): {a[1]} ≠ {b[0]}"
        if (a[0], b[1]) != tuple(shape):
            return name, f"({shape_of(a)})({shape_of(b)}) → {shape_of((a[0], b[1]))} ≠ {shape_of(shape)}"
    return None


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
        a, z = SCALAR_A, SCALAR_Z
        return Derivation(
            [ctx.say("shapes.activation", shape=shape_of(record.Z.shape))],
            [a.eq(G(z)).implies(partial(J, z)).eq(partial(J, a) * G_PRIME(z)).implies(symbol("dZ", l)).eq(
                hadamard(symbol("dA", l), G_PRIME(symbol("Z", l))))])

    def _fit(self, ctx, scalar: Formula, left: tuple[str, np.ndarray], right: tuple[str, np.ndarray],
             chosen: str, result_shape: tuple[int, ...], value: np.ndarray, elementwise: np.ndarray,
             key: str, target: str) -> Derivation:
        fits = _fitting_products(left, right, result_shape)
        clash = first_clash(left, right, result_shape)
        clash_sentence = ctx.say("shapes.clash", product=clash[0], reason=clash[1]) if clash else ""
        sentences = [ctx.say(key, left=left[0], right=right[0], left_shape=shape_of(left[1].shape),
                             right_shape=shape_of(right[1].shape), shape=shape_of(result_shape), chosen=chosen,
                             target=target, clash=clash_sentence)]
        if len(fits) > 1:
            sentences.append(ctx.say("shapes.ambiguous", products=", ".join(fits), chosen=chosen))
        return Derivation(sentences, [scalar],
                          [IdentityCheck(ctx.say("check.shapes_vs_chain", chosen=chosen), elementwise, value)])

    def weight(self, ctx, parts: DenseParts) -> Derivation:
        dZ, A = parts.txt("dZ"), parts.txt("A", -1)
        scalar = NEURON.implies(partial(J, SCALAR_W)).eq(partial(J, SCALAR_Z) * SCALAR_A)
        return self._fit(ctx, scalar, (dZ, parts.G), (A, parts.A_prev), f"{dZ} {A}ᵀ", parts.W.shape,
                         parts.G @ parts.A_prev.T, np.einsum("ij,kj->ik", parts.G, parts.A_prev), "shapes.weight",
                         parts.txt("dW"))

    def bias(self, ctx, parts: DenseParts) -> Derivation:
        dZ = parts.txt("dZ")
        n, m = parts.G.shape
        scalar = NEURON.implies(partial(J, SCALAR_B)).eq(partial(J, SCALAR_Z))
        ones = np.ones((m, 1))
        return self._fit(ctx, scalar, (dZ, parts.G), ("1ₘ", ones), f"{dZ} 1ₘ", (n, 1), parts.G @ ones,
                         parts.G.sum(axis=1, keepdims=True), "shapes.bias", parts.txt("db"))

    def input(self, ctx, parts: DenseParts) -> Derivation:
        dZ, W = parts.txt("dZ"), parts.txt("W")
        scalar = NEURON.implies(partial(J, SCALAR_A)).eq(SCALAR_W * partial(J, SCALAR_Z))
        return self._fit(ctx, scalar, (W, parts.W), (dZ, parts.G), f"{W}ᵀ {dZ}", parts.A_prev.shape,
                         parts.W.T @ parts.G, np.einsum("ik,ij->kj", parts.W, parts.G), "shapes.input",
                         parts.txt("dA", -1))


METHODS = {"chain": Chain(), "trace": Trace(), "kron": Kron(), "shapes": Shapes()}


def for_name(name: str):
    """The method object for ``chain``, ``trace``, ``kron`` or ``shapes``."""
    return METHODS[name]
