"""The worked solution as a standalone HTML page.

Readable without JavaScript or network: formulas are written in Unicode and matrices are HTML
tables. When the page can load KaTeX (from a CDN), each formula is re-typeset from its LaTeX,
kept in the element's ``data-latex`` attribute.
"""

from __future__ import annotations

from html import escape

from bpcli.formatting import shape_text
from bpcli.narrate.model import Equation, Explanation, Formula, IdentityCheck, NamedTensor, Step, TableData
from bpcli.render.matrix import ELLIPSIS, limits, matrix_cells, matrix_slices
from bpcli.render.page import aligned_latex, formula_rows, render_page

KATEX = "https://cdn.jsdelivr.net/npm/katex@0.16.11/dist/"

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
section.step { margin: 1.5rem 0; padding-left: 0.8rem; border-left: 3px solid #dde; }
.math { font-family: "Cambria Math", "STIX Two Math", serif; margin: 0.6rem 0 0.6rem 1rem; overflow-x: auto; }
.math .row { display: block; } .math .row + .row { padding-left: 2em; }
p, li, .note { overflow-wrap: anywhere; }
.tensors { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
table.matrix { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: 0.9em; }
table.matrix caption { font-weight: bold; text-align: left; }
table.matrix td { text-align: right; padding: 0.1rem 0.5rem; }
table.matrix th { color: #888; font-weight: normal; padding: 0 0.4rem; }
table.data { border-collapse: collapse; }
table.data td, table.data th { border: 1px solid #ccc; padding: 0.2rem 0.6rem; }
table.equations td { padding: 0 1rem 0 0; vertical-align: middle; }
table.equations .math { margin: 0.2rem 0; }
.check.ok { color: #1a7f37; } .check.bad { color: #b00; font-weight: bold; }
.note { background: #fff8e1; padding: 0.3rem 0.6rem; margin: 0.4rem 0; }
"""

RENDER_SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  if (!window.katex) return;
  document.querySelectorAll(".math[data-latex]").forEach(function (el) {
    try { katex.render(el.dataset.latex, el, {displayMode: true, throwOnError: true}); } catch (e) {}
  });
});
"""


def _math(formula: Formula) -> str:
    """The formula in Unicode, one line per row of ``formula_rows`` (continuations indented), with
    the aligned LaTeX kept for KaTeX."""
    rows = formula_rows(formula)
    latex = aligned_latex([row_latex for _, row_latex in rows])
    lines = "".join(f'<span class="row">{escape(text)}</span>' for text, _ in rows)
    return f'<div class="math" data-latex="{escape(latex)}">{lines}</div>'


def matrix_html(tensor: NamedTensor, precision: int) -> str:
    """One tensor as HTML tables (one per sample and channel for image tensors), summarised."""
    shown = limits(tensor.glance)
    pieces, total = matrix_slices(tensor.value, max_slices=shown.slices)
    tables = []
    for piece in pieces:
        if piece is None:
            tables.append(f"<p>{ELLIPSIS} ({total - (len(pieces) - 1)})</p>")
            continue
        rows = list(matrix_cells(piece.matrix, precision, shown.side, shown.side))
        head = "".join(f"<th>{ELLIPSIS if j is None else j}</th>" for j, _ in rows[0][1])
        body = "".join(f"<tr><th>{ELLIPSIS if i is None else i}</th>" + "".join(f"<td>{escape(text)}</td>" for _, text in cells)
                       + "</tr>" for i, cells in rows)
        caption = f"{escape(tensor.text)}{piece.label}" if piece.label else escape(tensor.title)
        tables.append(f'<table class="matrix"><caption>{caption}</caption><tr><th></th>{head}</tr>{body}</table>')
    axes = f"  [{escape(tensor.axes)}]" if tensor.axes else ""
    heading = f"<div><strong>{escape(tensor.title)}</strong>{axes}</div>" if tensor.value.ndim > 2 else ""
    return f'<div class="tensor">{heading}{"".join(tables)}</div>'


def data_table(data: TableData) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in data.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in data.rows)
    return f'<table class="data"><tr>{head}</tr>{body}</table>'


class HtmlPage:
    """``PageBackend`` for HTML: every text escaped, formulas in Unicode with their LaTeX kept
    for KaTeX, each step a ``<section>`` anchored at its target."""

    def heading(self, level: int, text: str) -> str:
        return f"<h{level}>{escape(text)}</h{level}>"

    def paragraph(self, text: str) -> str:
        return f"<p>{escape(text)}</p>"

    def labelled(self, label: str, text: str) -> str:
        return f"<p><strong>{escape(label)}</strong> {escape(text)}</p>"

    def _label(self, label: str) -> str:
        return f"<p><strong>{escape(label)}</strong></p>"

    def formula(self, formula: Formula) -> str:
        return _math(formula)

    def derivation(self, label: str, lines: list[Formula]) -> list[str]:
        return [self._label(label)] + [_math(line) for line in lines]

    def table(self, data: TableData) -> str:
        return data_table(data)

    def equations(self, lines: list[Equation]) -> str:
        rows = "".join(f"<tr><td>{_math(line.formula)}</td><td>{escape(shape_text(line.shape))}</td></tr>"
                       for line in lines)
        return f'<table class="equations">{rows}</table>'

    def operands(self, label: str, tensors: list[NamedTensor], precision: int) -> list[str]:
        # the tensors' captions name them; no label needed
        return ['<div class="tensors">' + "".join(matrix_html(t, precision) for t in tensors) + "</div>"]

    def result(self, label: str, tensor: NamedTensor, precision: int) -> list[str]:
        return [self._label(label) + matrix_html(tensor, precision)]

    def worked(self, label: str, mark: str, formula: Formula) -> list[str]:
        return [f"<p><strong>{escape(label)}</strong> {mark}</p>", _math(formula)]

    def checks(self, label: str, checks: list[IdentityCheck], precision: int) -> str:
        items = "".join(f'<li class="check {"ok" if c.ok else "bad"}">{escape(c.summary(precision))}</li>' for c in checks)
        return f"{self._label(label)}<ul>{items}</ul>"

    def note(self, label: str, text: str) -> str:
        return f'<div class="note"><strong>{escape(label)}</strong> {escape(text)}</div>'

    def step(self, step: Step, parts: list[str]) -> str:
        anchor = f' id="{escape(step.target)}"' if step.target else ""
        return f'<section class="step"{anchor}>' + "\n".join(parts) + "</section>"

    def document(self, blocks: list[str]) -> str:
        return "\n".join(blocks)


def render_body(explanation: Explanation, precision: int = 4) -> str:
    """The page's content (also what a notebook shows)."""
    return render_page(explanation, HtmlPage(), precision)


def render_explanation(explanation: Explanation, precision: int = 4, standalone: bool = True) -> str:
    """A standalone HTML page (``standalone=False``: the body only, for notebooks)."""
    body = render_body(explanation, precision)
    if not standalone:
        return body
    return (f'<!DOCTYPE html>\n<html lang="{explanation.lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(explanation.title)}</title>\n"
            f'<link rel="stylesheet" href="{KATEX}katex.min.css">\n'
            f'<script defer src="{KATEX}katex.min.js"></script>\n'
            f"<style>{STYLE}</style>\n<script>{RENDER_SCRIPT}</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
