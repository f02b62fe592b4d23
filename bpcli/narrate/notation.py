"""Symbols of the notation (CONVENTIONS.md): W⁽ˡ⁾ in Unicode, W^{(l)} in LaTeX, 'W2' as grading
names it. A⁽⁰⁾ is written X and its gradient dX, as the texts do. A symbol is an expression
(``narrate.expr``), so formulas are built from symbols directly: ``Z.eq(W @ A + b)``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.formatting import shape_text
from bpcli.narrate.expr import Atom, Expr, as_expr, superscript
from bpcli.narrate.model import NamedTensor


@dataclass(frozen=True, eq=False)
class Symbol(Atom):
    """A tensor's three names: ``name`` ('dW2'), ``latex`` ('dW^{(2)}'), ``text`` ('dW⁽²⁾')."""

    name: str = ""

    def tensor(self, value: np.ndarray, axes: str = "") -> NamedTensor:
        return NamedTensor(self.name, self.latex, self.text, value, axes)


#: names that grading spells in Latin letters and formulas write as the texts do, (LaTeX, Unicode):
#: batch normalisation's parameters and statistics (gamma3 is γ⁽³⁾, dvar3 is dσ²⁽³⁾)
SPELLED = {"gamma": (r"\gamma", "γ"), "beta": (r"\beta", "β"), "mean": (r"\mu", "μ"),
           "var": (r"{\sigma^{2}}", "σ²"), "xhat": (r"\hat{x}", "x̂")}


def symbol(base: str, layer: int) -> Symbol:
    """``symbol('dW', 2)`` → dW2 / dW^{(2)} / dW⁽²⁾; ``symbol('dgamma', 2)`` → dgamma2 / d\\gamma^{(2)} /
    dγ⁽²⁾; layer 0 of A and dA is X and dX."""
    if layer == 0 and base in ("A", "dA"):
        name = "X" if base == "A" else "dX"
        return Symbol(name, name, name=name)
    d, stem = ("d", base[1:]) if base[1:] in SPELLED and base.startswith("d") else ("", base)
    latex, text = SPELLED.get(stem, (stem, stem))
    return Symbol(f"{d}{latex}^{{({layer})}}", d + text + superscript(f"({layer})"), name=f"{base}{layer}")


def spelled(name: str) -> str:
    """A grading name as formulas write it, its layer number kept as it is: 'gamma2' → 'γ2',
    'beta' → 'β', 'W1' → 'W1' (for tables that list parameters by name)."""
    stem = name.rstrip("0123456789")
    return SPELLED.get(stem, (stem, stem))[1] + name[len(stem):]


def plain(name: str, latex: str | None = None) -> Symbol:
    """A symbol without a layer index: 'Y', 'J', 'm'."""
    return Symbol(latex or name, name, name=name)


def derived(name: str, formula: Expr) -> Symbol:
    """An auxiliary tensor that grading does not name, such as g′(Z⁽¹⁾) or ROT180(W⁽¹⁾), written
    by its formula."""
    return Symbol(formula.latex, formula.text, name=name)


def shape_of(shape: tuple[int, ...]) -> str:
    """(3, 2) → '3×2'; () → '' (a layer without that tensor, in the summary table)."""
    return shape_text(shape) if shape else ""


def offset(stride: int, var: str, shift: str) -> Expr:
    """A window's index along one axis: 'y+i', '2y+i' (the stride as a number, 1 left out)."""
    return as_expr(f"{var}+{shift}" if stride == 1 else f"{stride}{var}+{shift}")


def matmul_shapes(left: tuple[int, ...], right: tuple[int, ...], result: tuple[int, ...]) -> str:
    """'(3×2)(2×4) → 3×4'."""
    return f"({shape_of(left)})({shape_of(right)}) → {shape_of(result)}"
