"""Formulas as small expression trees, each printed twice from the one tree: LaTeX for Markdown and
HTML, Unicode for the terminal (as SymPy's printers do).

Build a formula from symbols (``notation.symbol``) with operators and a few constructors::

    Z.eq(W @ A + b)                       Z⁽¹⁾ = W⁽¹⁾ X + b⁽¹⁾
    dW.eq(dZ @ A.T)                       dW⁽²⁾ = dZ⁽²⁾ A⁽¹⁾ᵀ
    dZ["i", "j"] * A["k", "j"]            dZ[i,j]·A[k,j]   (``*`` is the scalar product, written ·)
    hadamard(dA, G_PRIME(Z))              dA ⊙ g′(Z)
    frac(1, "m") @ (A - Y)                (1/m)(A − Y)
    partial(J, Z)                         ∂J/∂Z
    sum_over("j", dZ["i", "j"])           Σⱼ dZ[i,j]

Parentheses come from precedence, never by hand. A relation keeps its sides and a sum its terms
(``pieces``), so a printer can later break a long formula at a top-level ``=``, ``+`` or ``−``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Union

from bpcli.formatting import format_alone

# precedence, loosest first: a child printed where a tighter one is required gets parentheses
ASIDE, RELATION, ADD, BIG_OPERATOR, NEG, DIVIDE, BINARY, PRODUCT, DERIVATIVE, POSTFIX, ATOM = (
    0, 10, 20, 25, 30, 35, 38, 40, 50, 90, 100)

_SUBSCRIPT = dict(zip("0123456789aehijklmnoprstuvx+-−=()",
                      "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₊₋₋₌₍₎"))
_SUPERSCRIPT = dict(zip("0123456789+-−()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾"))
#: LaTeX that makes a parenthesised group tall enough to want \left( … \right)
_TALL = (r"\frac", r"\tfrac", r"\sum")


def _subscript(text: str) -> str | None:
    """'m' → 'ₘ', '12' → '₁₂'; None when a character has no Unicode subscript."""
    if not text or any(c not in _SUBSCRIPT for c in text):
        return None
    return "".join(_SUBSCRIPT[c] for c in text)


def superscript(text: str) -> str | None:
    """'2' → '²', '(1)' → '⁽¹⁾'; None when a character has no Unicode superscript."""
    if not text or any(c not in _SUPERSCRIPT for c in text):
        return None
    return "".join(_SUPERSCRIPT[c] for c in text)


@dataclass(frozen=True)
class Printed:
    """A node's printed form, its precedence, and whether it is wrapped in parentheses."""

    string: str
    precedence: int
    wrapped: bool = False


class Printer:
    """What differs between the two outputs: signs, spacing, parentheses and operator symbols.
    The nodes decide the structure; a printer only spells it."""

    #: relation and operator symbols as (LaTeX, Unicode)
    SYMBOLS = {
        "=": (" = ", " = "), "⇒": (r" \;\Rightarrow\; ", "  ⇒  "), "≈": (r" \approx ", " ≈ "),
        ">": (" > ", " > "), "∈": (r" \in ", " ∈ "),
        "+": (" + ", " + "), "-": (" - ", " − "),
        "⊙": (r" \odot ", " ⊙ "), "⊗": (r" \otimes ", " ⊗ "), "⋆": (r" \star ", " ⋆ "),
        "aside": (r" \quad ", "   "), "list": (r", \quad ", ",   "),
    }

    def __init__(self, latex: bool):
        self.latex = latex

    def symbol(self, key: str) -> str:
        return self.SYMBOLS[key][0 if self.latex else 1]

    @property
    def minus(self) -> str:
        return "-" if self.latex else "−"

    def parens(self, inner: str) -> str:
        if self.latex and any(tall in inner for tall in _TALL):
            return rf"\left({inner}\right)"
        return f"({inner})"

    def child(self, node: "Expr", minimum: int) -> Printed:
        """``node`` printed, in parentheses when it binds less tightly than ``minimum``."""
        printed = node.print(self)
        if printed.precedence >= minimum:
            return printed
        return Printed(self.parens(printed.string), ATOM, wrapped=True)


LATEX, TEXT = Printer(latex=True), Printer(latex=False)

Operand = Union["Expr", int, float, str]


def as_expr(value: Operand) -> "Expr":
    """Numbers become ``Number``; strings become index letters or index expressions ('j', ':',
    '2y+i', 'i+1-2y': '-' is printed − in Unicode)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, Real):
        return Number(int(value) if isinstance(value, Integral) else float(value))
    return Atom(value, value.replace("-", "−"), compound=any(c in value for c in "+-−·:"))


class Expr:
    """A node of a formula. ``latex`` and ``text`` print it; operators build bigger ones:
    ``a @ b`` product (juxtaposed), ``a * b`` scalar product (·), ``a + b``, ``a - b``, ``-a``,
    ``a / b`` fraction, ``a ** n`` power, ``a.T`` transpose, ``a[i, j]`` entry."""

    def print(self, printer: Printer) -> Printed:
        raise NotImplementedError

    @property
    def latex(self) -> str:
        return self.print(LATEX).string

    @property
    def text(self) -> str:
        return self.print(TEXT).string

    def pieces(self, printer: Printer) -> list[str]:
        """The printed formula cut before each top-level relation and each term of a top-level
        sum: where a long formula may be broken. The pieces join to the whole."""
        return [self.print(printer).string]

    def __str__(self) -> str:
        return self.text

    # -- building -----------------------------------------------------------------------------

    def __matmul__(self, other: Operand) -> "Expr":
        return Product.of(self, as_expr(other))

    def __rmatmul__(self, other: Operand) -> "Expr":
        return Product.of(as_expr(other), self)

    def __mul__(self, other: Operand) -> "Expr":
        return Dot.of(self, as_expr(other))

    def __rmul__(self, other: Operand) -> "Expr":
        return Dot.of(as_expr(other), self)

    def __add__(self, other: Operand) -> "Expr":
        return Add.of(self, "+", as_expr(other))

    def __radd__(self, other: Operand) -> "Expr":
        return Add.of(as_expr(other), "+", self)

    def __sub__(self, other: Operand) -> "Expr":
        return Add.of(self, "-", as_expr(other))

    def __rsub__(self, other: Operand) -> "Expr":
        return Add.of(as_expr(other), "-", self)

    def __neg__(self) -> "Expr":
        return Neg(self)

    def __truediv__(self, other: Operand) -> "Expr":
        return Frac(self, as_expr(other))

    def __rtruediv__(self, other: Operand) -> "Expr":
        return Frac(as_expr(other), self)

    def __pow__(self, exponent: Operand) -> "Expr":
        return Power(self, as_expr(exponent))

    def __getitem__(self, index) -> "Expr":
        indices = index if isinstance(index, tuple) else (index,)
        return Index(self, tuple(as_expr(i) for i in indices))

    @property
    def T(self) -> "Expr":
        return Transpose(self)

    def eq(self, *others: Operand) -> "Relation":
        """``a.eq(b, c)``: a = b = c."""
        return self._relate("=", *others)

    def implies(self, *others: Operand) -> "Relation":
        return self._relate("⇒", *others)

    def approx(self, other: Operand) -> "Relation":
        return self._relate("≈", other)

    def greater(self, other: Operand) -> "Relation":
        return self._relate(">", other)

    def element_of(self, other: Operand) -> "Relation":
        return self._relate("∈", other)

    def _relate(self, op: str, *others: Operand) -> "Relation":
        return Relation((self,), ()).extend(op, *others)


@dataclass(frozen=True, eq=False)
class Atom(Expr):
    """A name printed as given in each notation: 'W^{(1)}' / 'W⁽¹⁾', r'\\mathbf{1}' / '1'.
    ``compound``: an index expression such as 'y+i' (indices after it are spaced)."""

    latex_form: str
    text_form: str
    compound: bool = False

    def print(self, printer: Printer) -> Printed:
        return Printed(self.latex_form if printer.latex else self.text_form, ATOM)


def atom(latex: str, text: str | None = None) -> Atom:
    """A name; ``text`` defaults to ``latex`` (for letters such as 'm', 'Y', 'J')."""
    return Atom(latex, latex if text is None else text)


@dataclass(frozen=True, eq=False)
class Number(Expr):
    """A number: integers as written, floats with ``precision`` decimals, more for a small one
    (``format_alone``).
    ``parenthesised``: a negative number in parentheses, as a worked sum writes its terms."""

    value: float
    precision: int = 4
    parenthesised: bool = False

    def print(self, printer: Printer) -> Printed:
        if isinstance(self.value, Integral):
            text = str(self.value)
        else:
            text = format_alone(self.value, self.precision)
        if text.startswith("-"):
            return Printed(f"({text})", ATOM, wrapped=True) if self.parenthesised else Printed(text, NEG)
        return Printed(text, ATOM)


@dataclass(frozen=True, eq=False)
class Words(Expr):
    """Words inside a formula ('terms'): upright in LaTeX."""

    words: str

    def print(self, printer: Printer) -> Printed:
        return Printed(rf"\text{{{self.words}}}" if printer.latex else self.words, ATOM)


def _is_compound_index(node: Expr) -> bool:
    return not isinstance(node, (Atom, Number)) or (isinstance(node, Atom) and node.compound)


def _is_letter(node: Expr) -> bool:
    return isinstance(node, Atom) and not node.compound and len(node.latex_form) == 1 and node.latex_form.isalpha()


@dataclass(frozen=True, eq=False)
class Index(Expr):
    """An entry: W_{ik} / W[i,k]. Two letter indices are written together in LaTeX (Z_{ij}); a
    compound index (y+i, :) is set apart by a space."""

    base: Expr
    indices: tuple[Expr, ...]

    def print(self, printer: Printer) -> Printed:
        base = printer.child(self.base, ATOM).string
        printed = [i.print(printer).string for i in self.indices]
        compound = [_is_compound_index(i) for i in self.indices]
        if printer.latex:
            if len(self.indices) <= 2 and all(_is_letter(i) for i in self.indices):
                return Printed(f"{base}_{{{''.join(printed)}}}", ATOM)
            joined = printed[0] + "".join(("," + r"\," if spaced else ",") + text
                                          for text, spaced in zip(printed[1:], compound[1:]))
            return Printed(f"{base}_{{{joined}}}", ATOM)
        joined = printed[0]
        for position in range(1, len(printed)):
            spaced = compound[position] or compound[position - 1]
            joined += (", " if spaced else ",") + printed[position]
        return Printed(f"{base}[{joined}]", ATOM)


@dataclass(frozen=True, eq=False)
class Sub(Expr):
    """A subscripted name: 1ₘ, Iₘ, dil₂ (base_sub where Unicode has no such subscript)."""

    base: Expr
    sub: Expr

    def print(self, printer: Printer) -> Printed:
        base, sub = self.base.print(printer).string, self.sub.print(printer).string
        if printer.latex:
            return Printed(f"{base}_{{{sub}}}", ATOM)
        small = _subscript(sub)
        return Printed(base + (small if small is not None else f"_{sub}"), ATOM)


@dataclass(frozen=True, eq=False)
class Transpose(Expr):
    base: Expr

    def print(self, printer: Printer) -> Printed:
        base = printer.child(self.base, ATOM)
        if printer.latex:
            return Printed(base.string + r"^\top" if base.wrapped else f"{{{base.string}}}^\\top", POSTFIX)
        return Printed(base.string + "ᵀ", POSTFIX)


@dataclass(frozen=True, eq=False)
class Power(Expr):
    """base^exponent: e^{-Z} / e^(−Z), (A − Y)^{2} / (A − Y)²."""

    base: Expr
    exponent: Expr

    def print(self, printer: Printer) -> Printed:
        base = printer.child(self.base, ATOM)
        if printer.latex:
            exponent = self.exponent.print(printer).string
            nested = not base.wrapped and ("^" in base.string or "_" in base.string)
            return Printed(f"{{{base.string}}}^{{{exponent}}}" if nested else f"{base.string}^{{{exponent}}}", POSTFIX)
        exponent = printer.child(self.exponent, ATOM)
        small = superscript(exponent.string)
        return Printed(base.string + (small if small is not None else "^" + exponent.string), POSTFIX)


@dataclass(frozen=True, eq=False)
class Scaled(Expr):
    """A number written against a symbol as one unit: 2m, 2ε."""

    factor: int
    base: Expr

    def print(self, printer: Printer) -> Printed:
        return Printed(f"{self.factor}{self.base.print(printer).string}", POSTFIX)


@dataclass(frozen=True, eq=False)
class Fn(Expr):
    """A function's name, applied with ``f(x)``: σ, tanh, g′, tr, d (a differential), ROT180.
    ``brackets``: the argument's brackets, '()' or '[]' (the indicator 𝟙[z > 0])."""

    name: Expr
    brackets: str = "()"

    def print(self, printer: Printer) -> Printed:
        return self.name.print(printer)

    def __call__(self, *args: Operand) -> "Apply":
        return Apply(self, tuple(as_expr(a) for a in args))

    def prime(self) -> "Fn":
        """f′: σ′, tanh′, g′."""
        return Fn(Atom(self.name.latex + "'", self.name.text + "′"), self.brackets)


def function(latex: str, text: str | None = None, brackets: str = "()") -> Fn:
    return Fn(atom(latex, text), brackets)


@dataclass(frozen=True, eq=False)
class Apply(Expr):
    fn: Fn
    args: tuple[Expr, ...]

    def print(self, printer: Printer) -> Printed:
        inner = ", ".join(a.print(printer).string for a in self.args)
        name = self.fn.print(printer).string
        if self.fn.brackets == "()":
            return Printed(name + printer.parens(inner), ATOM)
        return Printed(f"{name}{self.fn.brackets[0]}{inner}{self.fn.brackets[1]}", ATOM)


@dataclass(frozen=True, eq=False)
class Operator(Expr):
    """A name applied without parentheses to a single name (log a, vec ∂J/∂W) and with them to
    anything larger (log(1 − a), vec(d(W)))."""

    name: Expr

    def print(self, printer: Printer) -> Printed:
        return self.name.print(printer)

    def __call__(self, argument: Operand) -> "OperatorApply":
        return OperatorApply(self, as_expr(argument))


def operator(latex: str, text: str | None = None) -> Operator:
    return Operator(atom(latex, text))


@dataclass(frozen=True, eq=False)
class OperatorApply(Expr):
    op: Operator
    argument: Expr

    def print(self, printer: Printer) -> Printed:
        name = self.op.print(printer).string
        argument = self.argument.print(printer).string
        if isinstance(self.argument, (Atom, Index, Partial)):
            return Printed(f"{name} {argument}", BIG_OPERATOR)
        return Printed(name + printer.parens(argument), ATOM)


def _last_factor_allowed(node: Expr, printer: Printer) -> int:
    """A product's last factor may be a big operator (Σ, log a) without parentheses."""
    return BIG_OPERATOR if node.print(printer).precedence == BIG_OPERATOR else PRODUCT


def _factors(factors: tuple[Expr, ...], printer: Printer) -> list[Printed]:
    last = len(factors) - 1
    return [printer.child(f, _last_factor_allowed(f, printer) if position == last else PRODUCT)
            for position, f in enumerate(factors)]


def _upright(latex: str) -> bool:
    """An upright or bold factor (d(W), 1), which the texts set off by a thin space."""
    return latex.startswith((r"\mathrm", r"\mathbf"))


@dataclass(frozen=True, eq=False)
class Product(Expr):
    """Factors written side by side (a matrix product, a scalar times a matrix): W A, (1/m)(A − Y).
    LaTeX sets a thin space around an upright or bold factor (d(W) A, dZ 1ₘ); Unicode writes
    ')(' without a space."""

    factors: tuple[Expr, ...]

    @classmethod
    def of(cls, left: Expr, right: Expr) -> "Product":
        return cls(_flatten(cls, left) + _flatten(cls, right))

    @staticmethod
    def _gap(printer: Printer, before: str, after: str) -> str:
        if printer.latex:
            return r"\," if _upright(before) or _upright(after) else " "
        return "" if before[-1:] in ")]" and after[:1] == "(" else " "

    def print(self, printer: Printer) -> Printed:
        printed = _factors(self.factors, printer)
        out = printed[0].string
        for before, after in zip(printed, printed[1:]):
            out += self._gap(printer, before.string, after.string) + after.string
        return Printed(out, PRODUCT)

    def pieces(self, printer: Printer) -> list[str]:
        """The last factor's pieces when it stands without parentheses (a sum under Σ) or in
        square brackets ((1/N) [ a − b − c ], which may break as Σ [ … ] does)."""
        printed = _factors(self.factors, printer)
        last = self.factors[-1]
        if printed[-1].wrapped and not (isinstance(last, Group) and last.square):
            return [self.print(printer).string]
        head = printed[0].string
        for before, after in zip(printed, printed[1:-1]):
            head += self._gap(printer, before.string, after.string) + after.string
        head += self._gap(printer, printed[-2].string, printed[-1].string)
        return _prefixed(head, self.factors[-1].pieces(printer))


def _simple(node: Expr, printed: Printed) -> bool:
    """Short enough to stand against a tight ·: no spaces, not a derivative or an application."""
    return not isinstance(node, (Partial, Apply)) and " " not in printed.string


@dataclass(frozen=True, eq=False)
class Dot(Expr):
    """A scalar product written with ·: dZ[i,j]·A[k,j], ∂J/∂a · g′(z). In LaTeX the factors stand
    side by side (a thin space), with \\cdot only between numbers."""

    factors: tuple[Expr, ...]

    @classmethod
    def of(cls, left: Expr, right: Expr) -> "Dot":
        return cls(_flatten(cls, left) + _flatten(cls, right))

    def print(self, printer: Printer) -> Printed:
        printed = _factors(self.factors, printer)
        out = printed[0].string
        for position in range(1, len(printed)):
            before, after = self.factors[position - 1], self.factors[position]
            if printer.latex:
                numbers = isinstance(before, Number) or isinstance(after, Number)
                out += (r" \cdot " if numbers else r"\,") + printed[position].string
            else:
                tight = _simple(before, printed[position - 1]) and _simple(after, printed[position])
                out += ("·" if tight else " · ") + printed[position].string
        return Printed(out, PRODUCT)


def _prefixed(prefix: str, pieces: list[str], suffix: str = "") -> list[str]:
    """Pieces with ``prefix`` joined to the first and ``suffix`` to the last."""
    pieces = list(pieces)
    pieces[0] = prefix + pieces[0]
    pieces[-1] += suffix
    return pieces


def _flatten(cls: type, node: Expr) -> tuple[Expr, ...]:
    return node.factors if type(node) is cls else (node,)


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    """A ⊙ B, A ⊗ B, P ⋆ W: left-associative, a little looser than factors side by side
    (A ⊙ W X; (A ⊗ I) vec(d(W)))."""

    op: str
    operands: tuple[Expr, ...]

    def print(self, printer: Printer) -> Printed:
        first = printer.child(self.operands[0], BINARY).string
        rest = [printer.child(o, BINARY + 1).string for o in self.operands[1:]]
        return Printed(printer.symbol(self.op).join([first] + rest), BINARY)


def _binary(op: str, *operands: Operand) -> Binary:
    flat: tuple[Expr, ...] = ()
    for operand in map(as_expr, operands):
        flat += operand.operands if isinstance(operand, Binary) and operand.op == op and not flat else (operand,)
    return Binary(op, flat)


def hadamard(*operands: Operand) -> Binary:
    """Entry by entry: A ⊙ B."""
    return _binary("⊙", *operands)


def kron(*operands: Operand) -> Binary:
    """The Kronecker product A ⊗ B."""
    return _binary("⊗", *operands)


def correlate(*operands: Operand) -> Binary:
    """Cross-correlation P ⋆ K."""
    return _binary("⋆", *operands)


@dataclass(frozen=True, eq=False)
class Add(Expr):
    """Terms joined by + and −; ``signs[0]`` is always '+' (a leading minus is a ``Neg``)."""

    signs: tuple[str, ...]
    terms: tuple[Expr, ...]

    @classmethod
    def of(cls, left: Expr, sign: str, right: Expr) -> "Add":
        signs, terms = (left.signs, left.terms) if isinstance(left, Add) else (("+",), (left,))
        return cls(signs + (sign,), terms + (right,))

    def _parts(self, printer: Printer) -> list[str]:
        parts = [printer.child(self.terms[0], ADD).string]
        for sign, term in zip(self.signs[1:], self.terms[1:]):
            parts.append(printer.symbol(sign) + printer.child(term, ADD + 1).string)
        return parts

    def print(self, printer: Printer) -> Printed:
        return Printed("".join(self._parts(printer)), ADD)

    def pieces(self, printer: Printer) -> list[str]:
        return self._parts(printer)


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    operand: Expr

    def print(self, printer: Printer) -> Printed:
        return Printed(printer.minus + printer.child(self.operand, DIVIDE).string, NEG)

    def pieces(self, printer: Printer) -> list[str]:
        if printer.child(self.operand, DIVIDE).wrapped:
            return [self.print(printer).string]
        return _prefixed(printer.minus, self.operand.pieces(printer))


@dataclass(frozen=True, eq=False)
class Frac(Expr):
    """A fraction: \\frac{a}{b} (``small``: \\tfrac) / a/b. In Unicode a lopsided fraction, one
    side in parentheses and the other not, gets spaces around its slash: (A − Y) / m, 1/m."""

    numerator: Expr
    denominator: Expr
    small: bool = False

    def print(self, printer: Printer) -> Printed:
        if printer.latex:
            command = r"\tfrac" if self.small else r"\frac"
            return Printed(f"{command}{{{self.numerator.latex}}}{{{self.denominator.latex}}}", ATOM)
        top = printer.child(self.numerator, PRODUCT)
        # a big operator reads well after a slash (e^z / Σₖ e^z), a product does not (−Y / (m A))
        below_minimum = BIG_OPERATOR if isinstance(self.denominator, BigOperator) else PRODUCT + 1
        bottom = printer.child(self.denominator, below_minimum)
        spaced = (top.wrapped != bottom.wrapped or (not top.wrapped and " " in top.string)
                  or (not bottom.wrapped and " " in bottom.string))
        return Printed(top.string + (" / " if spaced else "/") + bottom.string, DIVIDE)


def frac(numerator: Operand, denominator: Operand, small: bool = False) -> Frac:
    return Frac(as_expr(numerator), as_expr(denominator), small)


@dataclass(frozen=True, eq=False)
class Partial(Expr):
    """∂J/∂Z: \\frac{\\partial J}{\\partial Z} (``small``: \\tfrac, inside a line of algebra)."""

    of: Expr
    by: Expr
    small: bool = False

    def print(self, printer: Printer) -> Printed:
        of, by = self.of.print(printer).string, self.by.print(printer).string
        if printer.latex:
            command = r"\tfrac" if self.small else r"\frac"
            return Printed(rf"{command}{{\partial {of}}}{{\partial {by}}}", ATOM)
        return Printed(f"∂{of}/∂{by}", DERIVATIVE)


def partial(of: Operand, by: Operand, small: bool = False) -> Partial:
    return Partial(as_expr(of), as_expr(by), small)


@dataclass(frozen=True, eq=False)
class BigOperator(Expr):
    """Σ (or max) over an index: \\sum_{j} / Σⱼ (letters with Unicode subscripts), Σ_c,i,j
    otherwise; ``over`` may also be a condition, Σ_(y,x): (i,j) ∈ 𝒲(y,x)."""

    name: Expr
    over: tuple[Expr, ...]
    body: Expr

    def print(self, printer: Printer) -> Printed:
        name = self.name.print(printer).string
        over = ",".join(i.print(printer).string for i in self.over)
        body = printer.child(self.body, PRODUCT).string
        if printer.latex:
            return Printed(rf"{name}_{{{over}}} {body}", BIG_OPERATOR)
        letters = "".join(i.text for i in self.over) if all(_is_letter(i) for i in self.over) else ""
        small = _subscript(letters)
        return Printed(f"{name}{small if small is not None else '_' + over} {body}", BIG_OPERATOR)

    def pieces(self, printer: Printer) -> list[str]:
        """The body's pieces (a bracketed sum) after Σᵢⱼ."""
        body = printer.child(self.body, PRODUCT)
        whole = self.print(printer).string
        if body.wrapped and not (isinstance(self.body, Group) and self.body.square):
            return [whole]
        return _prefixed(whole[:len(whole) - len(body.string)], self.body.pieces(printer))


SUM = atom(r"\sum", "Σ")
MAX = atom(r"\max", "max")


def sum_over(over: Operand | tuple[Operand, ...], body: Operand) -> BigOperator:
    """``sum_over(("i", "j"), …)``: Σᵢⱼ …; ``sum_over("j", …)``: Σⱼ …"""
    indices = over if isinstance(over, tuple) else (over,)
    return BigOperator(SUM, tuple(as_expr(i) for i in indices), as_expr(body))


def max_over(over: Operand, body: Operand) -> BigOperator:
    return BigOperator(MAX, (as_expr(over),), as_expr(body))


@dataclass(frozen=True, eq=False)
class WindowRange(Expr):
    """The offsets inside a k × k window: 0 \\le i,j < k / (0≤i,j<k)."""

    size: int

    def print(self, printer: Printer) -> Printed:
        if printer.latex:
            return Printed(rf"0 \le i,j < {self.size}", ATOM)
        return Printed(f"(0≤i,j<{self.size})", ATOM)


@dataclass(frozen=True, eq=False)
class SuchThat(Expr):
    """The range of a sum given by a condition: (y,x): (i,j) ∈ 𝒲(y,x)."""

    variables: Expr
    condition: Expr

    def print(self, printer: Printer) -> Printed:
        gap = r":\ " if printer.latex else ": "
        return Printed(self.variables.print(printer).string + gap + self.condition.print(printer).string, RELATION)


@dataclass(frozen=True, eq=False)
class Group(Expr):
    """Parentheses the formula asks for (a remark such as '(= P ⋆ dil(dZ))'), or square brackets
    around a sum's body, \\big[ … \\big] / [ … ]."""

    inner: Expr
    square: bool = False

    def print(self, printer: Printer) -> Printed:
        inner = self.inner.print(printer).string
        if self.square:
            return Printed(rf"\big[ {inner} \big]" if printer.latex else f"[ {inner} ]", ATOM, wrapped=True)
        return Printed(printer.parens(inner), ATOM, wrapped=True)

    def pieces(self, printer: Printer) -> list[str]:
        """Square brackets may hold a sum broken across lines (\\big[ … \\big] pairs across rows);
        round ones stay whole (LaTeX's \\left( … \\right) cannot)."""
        if not self.square:
            return [self.print(printer).string]
        opening, closing = (r"\big[ ", r" \big]") if printer.latex else ("[ ", " ]")
        return _prefixed(opening, self.inner.pieces(printer), closing)


@dataclass(frozen=True, eq=False)
class Norm(Expr):
    """The Euclidean (Frobenius) norm \\lVert x \\rVert / ‖x‖."""

    inner: Expr

    def print(self, printer: Printer) -> Printed:
        inner = self.inner.print(printer).string
        return Printed(rf"\lVert {inner} \rVert" if printer.latex else f"‖{inner}‖", ATOM, wrapped=True)


def brackets(inner: Operand) -> Group:
    return Group(as_expr(inner), square=True)


@dataclass(frozen=True, eq=False)
class Root(Expr):
    """The square root \\sqrt{x} / √(x). Unicode always writes the parentheses, so the radical
    visibly covers its whole argument: √(σ² + ε), √(N)."""

    inner: Expr

    def print(self, printer: Printer) -> Printed:
        inner = self.inner.print(printer).string
        return Printed(rf"\sqrt{{{inner}}}" if printer.latex else f"√({inner})", ATOM)

    def pieces(self, printer: Printer) -> list[str]:
        """Whole: a radical's bar (and √'s parentheses) cannot be broken across lines."""
        return [self.print(printer).string]


def sqrt(inner: Operand) -> Root:
    return Root(as_expr(inner))


@dataclass(frozen=True, eq=False)
class Relation(Expr):
    """a = b ⇒ c ≈ d. The first side may be None: a continued line, '= b'."""

    sides: tuple[Expr | None, ...]
    ops: tuple[str, ...]

    def _relate(self, op: str, *others: Operand) -> "Relation":
        return self.extend(op, *others)

    def extend(self, op: str, *others: Operand) -> "Relation":
        """``op`` and each of ``others`` appended; a relation among them continues this one
        (a ⇒ (b = c) is written a ⇒ b = c)."""
        sides, ops = self.sides, self.ops
        for other in map(as_expr, others):
            if isinstance(other, Relation) and other.sides[0] is not None:
                sides, ops = sides + other.sides, ops + (op,) + other.ops
            else:
                sides, ops = sides + (other,), ops + (op,)
        return Relation(sides, ops)

    def _sides(self, printer: Printer) -> list[tuple[str, Expr]]:
        """Each side with the relation symbol before it ('' before the first)."""
        sides = [] if self.sides[0] is None else [("", self.sides[0])]
        for op, side in zip(self.ops, self.sides[1:]):
            symbol = printer.symbol(op)
            sides.append((symbol if sides else symbol.lstrip(), side))
        return sides

    def print(self, printer: Printer) -> Printed:
        return Printed("".join(before + printer.child(side, RELATION + 1).string
                               for before, side in self._sides(printer)), RELATION)

    def pieces(self, printer: Printer) -> list[str]:
        pieces = []
        for before, side in self._sides(printer):
            printed = printer.child(side, RELATION + 1)
            terms = side.pieces(printer) if not printed.wrapped else [printed.string]
            pieces += [before + terms[0]] + terms[1:]
        return pieces


def continued(*sides: Operand) -> Relation:
    """A line of a derivation that goes on from the line above: '= b = c'."""
    return Relation((None,) + tuple(as_expr(s) for s in sides), ("=",) * len(sides))


@dataclass(frozen=True, eq=False)
class Aside(Expr):
    """Two statements on one line: 'a,   b' (``words`` None, comma) or 'a   since b'."""

    main: Expr
    other: Expr
    words: str | None = None
    comma: bool = False

    def print(self, printer: Printer) -> Printed:
        gap = printer.symbol("list" if self.comma else "aside")
        if self.words:
            gap += Words(self.words + " ").print(printer).string
        return Printed(self.main.print(printer).string + gap + self.other.print(printer).string, ASIDE)

    def pieces(self, printer: Printer) -> list[str]:
        """The main statement's pieces, the gap (a comma stays with what it ends), then the other's."""
        main, other = self.main.pieces(printer), self.other.pieces(printer)
        gap = printer.symbol("list" if self.comma else "aside")
        if self.words:
            gap += Words(self.words + " ").print(printer).string
        head = gap[:len(gap) - len(gap.lstrip(","))]
        return main[:-1] + [main[-1] + head, gap[len(head):] + other[0]] + other[1:]


def alongside(main: Expr, other: Expr) -> Aside:
    """'dZ = dA ⊙ g′(Z),   g′(Z) = …'."""
    return Aside(main, other, comma=True)


@dataclass(frozen=True, eq=False)
class MoreTerms(Expr):
    """The terms of a worked sum left out: '… (12 terms)'."""

    count: int
    word: str

    def print(self, printer: Printer) -> Printed:
        if printer.latex:
            return Printed(rf"\cdots\ ({self.count}\ \text{{{self.word}}})", ATOM)
        return Printed(f"… ({self.count} {self.word})", ATOM)


def set_of(members: list[tuple[int, ...]]) -> Atom:
    """{(0,0), (0,1)}: a small set of index tuples, written out (∅ when empty)."""
    if not members:
        return Atom(r"\varnothing", "∅")
    inner = ", ".join("(" + ",".join(str(i) for i in member) + ")" for member in members)
    return Atom(rf"\{{{inner}\}}", f"{{{inner}}}")


# -- the names formulas share ---------------------------------------------------------------

ONE = atom(r"\mathbf{1}", "1")
IDENTITY = atom("I")
J = atom("J")
m = atom("m")
Y = atom("Y")
#: a differential, d(W) (never dW, which means ∂J/∂W)
D = function(r"\mathrm{d}", "d")
DJ = atom(r"\mathrm{d}J", "dJ")
ONES_M = Sub(ONE, m)
G = function("g")
G_PRIME = G.prime()
TR = function(r"\mathrm{tr}", "tr")
VEC = operator(r"\operatorname{vec}", "vec")
DIAG = function(r"\operatorname{diag}", "diag")
LOG = operator(r"\log", "log")
E = atom("e")
