"""The worked solution as Markdown with LaTeX: ``$$ … $$`` display blocks (each on its own
lines, blank lines around) that KaTeX and MathJax render, tables for the summaries, and matrices
as ``bmatrix``. For handouts and blog posts."""

from __future__ import annotations

from bpcli.narrate.model import Explanation, NamedTensor, Step, TableData
from bpcli.render.matrix import matrix_latex


def display_math(latex: str) -> str:
    """A display block: '$$' on its own lines so every common Markdown viewer keeps it intact."""
    return f"$$\n{latex}\n$$"


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def markdown_table(data: TableData) -> str:
    lines = ["| " + " | ".join(_cell(h) or " " for h in data.headers) + " |",
             "|" + "|".join(" --- " for _ in data.headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in data.rows]
    return "\n".join(lines)


def _tensors_latex(tensors: list[NamedTensor], precision: int) -> str:
    return r",\quad ".join(f"{t.latex} = {matrix_latex(t.value, precision)}" for t in tensors)


def render_step(step: Step, explanation: Explanation, previous: Step | None = None, precision: int = 4) -> str:
    """One step as Markdown: a level-3 heading, the sentences, the formula, derivation, shapes,
    operands and result, the worked entry, the checks and the notes."""
    labels = explanation.labels
    blocks = [f"### {step.title}", labels.paragraph(step.explanation)]
    if step.formula_latex:
        blocks.append(display_math(step.formula_latex))
    if step.derivation:
        blocks.append(f"**{labels.tag(labels.derivation)}**")
        blocks.append(display_math(r"\begin{aligned}" + r" \\ ".join(f"& {line.latex}" for line in step.derivation)
                                   + r"\end{aligned}"))
    if step.shapes:
        blocks.append(f"**{labels.tag(labels.shapes)}** {step.shapes}")
    if step.table is not None:
        blocks.append(markdown_table(step.table))
    operands = step.operands_to_show(previous)
    if operands:
        blocks.append(f"**{labels.tag(labels.operands)}**")
        blocks.append(display_math(_tensors_latex(operands, precision)))
    if step.result is not None and step.result.value.ndim > 0:
        blocks.append(f"**{labels.tag(labels.result)}**")
        blocks.append(display_math(_tensors_latex([step.result], precision)))
    for entry in step.worked:
        blocks.append(f"**{labels.tag(labels.worked)}** {'✓' if entry.ok else '✗'}")
        blocks.append(display_math(entry.as_latex(precision, labels.terms)))
    if step.checks:
        blocks.append(f"**{labels.tag(labels.checks)}**\n\n" + "\n".join(f"- {check.summary(precision)}" for check in step.checks))
    blocks += [f"> **{labels.tag(labels.notes)}** {note}" for note in step.notes]
    return "\n\n".join(block for block in blocks if block)


def render_explanation(explanation: Explanation, precision: int = 4) -> str:
    """The whole explanation as one Markdown document."""
    blocks = [f"# {explanation.title}", f"**{explanation.labels.tag(explanation.labels.conventions)}** {explanation.conventions}"]
    for step, previous, heading in explanation.walk():
        if heading is not None:
            blocks.append(f"## {heading}")
        blocks.append(render_step(step, explanation, previous, precision))
    return "\n\n".join(blocks) + "\n"
