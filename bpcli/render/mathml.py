"""Formulas as MathML, made here in Python from their LaTeX (the ``latex2mathml`` package), so a
page shows typeset math with nothing to fetch: browsers draw MathML themselves (Chromium since
109, Firefox, Safari), offline, in notebooks and in saved files alike.

A formula is written as a run of pieces (``Expr.pieces``: cut before each top-level relation and
each term of a top-level sum), each its own ``<math>`` element, so a long worked sum wraps at a
'=' or a '+' instead of running off the page.
"""

from __future__ import annotations

import re
from html import escape

from bpcli.narrate.expr import LATEX
from bpcli.narrate.model import Formula

#: latex2mathml writes xmlns on every <math>; HTML needs none (and a page should hold no URL)
_NAMESPACE = re.compile(r'\s+xmlns="[^"]*"')


def piece_mathml(latex: str) -> str:
    """One piece of a formula as an inline ``<math>`` element set in display style (sums with
    their limits below, full-size fractions). Raises what latex2mathml raises on LaTeX it cannot
    read."""
    from latex2mathml.converter import convert

    return _NAMESPACE.sub("", convert(r"\displaystyle " + latex, xmlns="", display="inline"), count=1)


def formula_mathml(formula: Formula) -> str:
    """The formula as MathML pieces separated by spaces (where the browser may break the line).
    Should a piece not convert, the formula is given in Unicode instead (every formula bpcli
    writes converts: tests/test_pictures.py)."""
    try:
        return " ".join(piece_mathml(piece) for piece in formula.pieces(LATEX))
    except Exception:  # noqa: BLE001 - any failure of the converter leaves the formula readable
        return f'<span class="unicode">{escape(formula.text)}</span>'
