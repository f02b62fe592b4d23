"""One walk over a worked solution for the page formats (Markdown, HTML): which parts a step has,
in which order, lives here once; each format is a small back-end (``PageBackend``) that writes
those parts and joins them."""

from __future__ import annotations

from typing import Protocol

from bpcli.narrate.expr import LATEX, TEXT
from bpcli.narrate.model import Equation, Explanation, Formula, IdentityCheck, NamedTensor, Step, TableData


#: the longest formula line on a page, in characters of its Unicode form: about what fits a
#: 900 px wide page; longer formulas are broken between their pieces (``Expr.pieces``)
PAGE_FORMULA_WIDTH = 60


def formula_rows(formula: Formula, width: int = PAGE_FORMULA_WIDTH) -> list[tuple[str, str]]:
    """The formula as (Unicode, LaTeX) rows, broken only between its pieces (before a top-level
    relation or a term of a top-level sum) so that each row's Unicode stays within ``width``
    characters where the pieces allow; one row when it fits."""
    text, latex = formula.pieces(TEXT), formula.pieces(LATEX)
    if len(text) != len(latex):  # the two printers cut alike; a node that does not stays whole
        return [(formula.text, formula.latex)]
    # the left-hand side never stands alone: the first row runs to its first relation's right side
    rows: list[tuple[str, str]] = [("".join(text[:2]), "".join(latex[:2]))]
    for text_piece, latex_piece in zip(text[2:], latex[2:]):
        if len(rows[-1][0]) + len(text_piece) <= width:
            rows[-1] = (rows[-1][0] + text_piece, rows[-1][1] + latex_piece)
        else:
            rows.append((text_piece.lstrip(), latex_piece.lstrip()))
    return rows


def aligned_latex(rows: list[str]) -> str:
    """Rows of LaTeX as one left-aligned ``aligned`` block, continuations indented; a single row
    as itself."""
    if len(rows) == 1:
        return rows[0]
    return r"\begin{aligned}" + r" \\ ".join(("& " if position == 0 else r"& \qquad ") + row
                                             for position, row in enumerate(rows)) + r"\end{aligned}"


class PageBackend(Protocol):
    """The pieces of a page in one format. Methods that return lists give the blocks of a part
    (a label and its content may be one block or two)."""

    def begin_step(self, step: Step, previous: Step | None) -> list[NamedTensor]:
        """Called first for each step: the operands to show (the page that marks what a worked
        entry used keeps the step, and shows every operand to mark them in)."""

    def heading(self, level: int, text: str) -> str: ...

    def paragraph(self, text: str) -> str: ...

    def labelled(self, label: str, text: str) -> str: ...

    def formula(self, formula: Formula) -> str: ...

    def derivation(self, label: str, lines: list[Formula]) -> list[str]: ...

    def table(self, data: TableData) -> str: ...

    def equations(self, lines: list[Equation]) -> str: ...

    def operands(self, label: str, tensors: list[NamedTensor], precision: int) -> list[str]: ...

    def result(self, label: str, tensor: NamedTensor, precision: int) -> list[str]: ...

    def worked(self, label: str, mark: str, formula: Formula) -> list[str]: ...

    def checks(self, label: str, checks: list[IdentityCheck], precision: int) -> str: ...

    def note(self, label: str, text: str) -> str: ...

    def step(self, step: Step, parts: list[str]) -> str: ...

    def document(self, blocks: list[str]) -> str: ...


def step_parts(step: Step, explanation: Explanation, backend: PageBackend, previous: Step | None = None,
               precision: int = 4) -> list[str]:
    """A step's parts in reading order: heading, sentences, formula, derivation, shapes, table,
    operands, result, worked entries, checks, notes (each only when the step has it)."""
    labels = explanation.labels
    operands = backend.begin_step(step, previous)
    parts = [backend.heading(3, step.title), backend.paragraph(labels.paragraph(step.explanation))]
    if step.formula is not None:
        parts.append(backend.formula(step.formula))
    if step.derivation:
        parts += backend.derivation(labels.tag(labels.derivation), step.derivation)
    if step.shapes:
        parts.append(backend.labelled(labels.tag(labels.shapes), step.shapes))
    if step.table is not None:
        parts.append(backend.table(step.table))
    if operands:
        parts += backend.operands(labels.tag(labels.operands), operands, precision)
    if step.result is not None:
        parts += backend.result(labels.tag(labels.result), step.result, precision)
    for entry in step.worked:
        parts += backend.worked(labels.tag(labels.worked), "✓" if entry.ok else "✗",
                                entry.formula(precision, labels.terms))
    if step.checks:
        parts.append(backend.checks(labels.tag(labels.checks), step.checks, precision))
    parts += [backend.note(labels.tag(labels.notes), note.text) for note in step.notes]
    return parts


def summary_blocks(explanation: Explanation, backend: PageBackend, precision: int = 4) -> list[str]:
    """The summary under its heading: the network, the loss, the equations, its notes, and the
    finite-difference check that closes it."""
    summary, labels = explanation.summary, explanation.labels
    if summary is None:
        return []
    parts = [backend.paragraph(summary.headline)]
    if summary.equations:
        parts.append(backend.equations(summary.equations))
    parts += [backend.note(labels.tag(labels.notes), note.text) for note in summary.notes]
    blocks = [backend.heading(2, summary.title)] + parts
    if summary.check is not None:
        blocks.append(backend.step(summary.check, step_parts(summary.check, explanation, backend, None, precision)))
    return blocks


def render_page(explanation: Explanation, backend: PageBackend, precision: int = 4) -> str:
    """The title, the conventions, then every step under its section's heading."""
    labels = explanation.labels
    blocks = [backend.heading(1, explanation.title), backend.labelled(labels.tag(labels.conventions), explanation.conventions)]
    blocks += summary_blocks(explanation, backend, precision)
    for step, previous, heading in explanation.walk():
        if heading is not None:
            blocks.append(backend.heading(2, heading))
        blocks.append(backend.step(step, step_parts(step, explanation, backend, previous, precision)))
    return backend.document(blocks)
