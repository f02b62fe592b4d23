"""One walk over a worked solution for the page formats (Markdown, HTML): which parts a step has,
in which order, lives here once; each format is a small back-end (``PageBackend``) that writes
those parts and joins them."""

from __future__ import annotations

from typing import Protocol

from bpcli.narrate.model import Explanation, Formula, IdentityCheck, NamedTensor, Step, TableData


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
    if step.result is not None and step.result.value.ndim > 0:
        parts += backend.result(labels.tag(labels.result), step.result, precision)
    for entry in step.worked:
        parts += backend.worked(labels.tag(labels.worked), "✓" if entry.ok else "✗",
                                entry.formula(precision, labels.terms))
    if step.checks:
        parts.append(backend.checks(labels.tag(labels.checks), step.checks, precision))
    parts += [backend.note(labels.tag(labels.notes), note) for note in step.notes]
    return parts


def render_page(explanation: Explanation, backend: PageBackend, precision: int = 4) -> str:
    """The title, the conventions, then every step under its section's heading."""
    labels = explanation.labels
    blocks = [backend.heading(1, explanation.title), backend.labelled(labels.tag(labels.conventions), explanation.conventions)]
    for step, previous, heading in explanation.walk():
        if heading is not None:
            blocks.append(backend.heading(2, heading))
        blocks.append(backend.step(step, step_parts(step, explanation, backend, previous, precision)))
    return backend.document(blocks)
