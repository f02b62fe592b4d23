"""The worked solution as Markdown with LaTeX: ``$$ … $$`` display blocks (each on its own
lines, blank lines around) that KaTeX and MathJax render, tables for the summaries, and matrices
as ``bmatrix``. For handouts and blog posts. The walk over the steps is ``render.page``'s."""

from __future__ import annotations

from bpcli.narrate.model import Equation, Explanation, Formula, IdentityCheck, NamedTensor, Step, TableData
from bpcli.render.matrix import limits, matrix_latex
from bpcli.render.page import aligned_latex, formula_rows, render_page


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


def shape_latex(shape: tuple[int, ...]) -> str:
    """(3, 2) → '3 \\times 2'."""
    return r" \times ".join(str(n) for n in shape)


def _tensor_latex(tensor: NamedTensor, precision: int) -> str:
    shown = limits(tensor.glance)
    return (f"{tensor.latex} = "
            f"{matrix_latex(tensor.value, precision, shown.side, shown.side, shown.slices, tensor.focus)}")


def _tensors_latex(tensors: list[NamedTensor], precision: int) -> str:
    return r",\quad ".join(_tensor_latex(t, precision) for t in tensors)


class MarkdownPage:
    """``PageBackend`` for Markdown: blocks separated by blank lines, labels in bold."""

    def begin_step(self, step: Step, previous: Step | None) -> list[NamedTensor]:
        return step.operands_to_show(previous)

    def heading(self, level: int, text: str) -> str:
        return f"{'#' * level} {text}"

    def paragraph(self, text: str) -> str:
        return text

    def labelled(self, label: str, text: str) -> str:
        return f"**{label}** {text}"

    def formula(self, formula: Formula) -> str:
        return display_math(aligned_latex([latex for _, latex in formula_rows(formula)]))

    def derivation(self, label: str, lines: list[Formula]) -> list[str]:
        rows = []
        for line in lines:
            pieces = [latex for _, latex in formula_rows(line)]
            rows += [f"& {pieces[0]}"] + [rf"& \qquad {piece}" for piece in pieces[1:]]
        aligned = r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
        return [f"**{label}**", display_math(aligned)]

    def table(self, data: TableData) -> str:
        return markdown_table(data)

    def equations(self, lines: list[Equation]) -> str:
        rows = r" \\ ".join(f"{_left_latex(line)} &{line.sides()[1].latex} && {shape_latex(line.shape)}"
                             for line in lines)  # aligned on the relation
        return display_math(r"\begin{aligned}" + rows + r"\end{aligned}")

    def operands(self, label: str, tensors: list[NamedTensor], precision: int) -> list[str]:
        return [f"**{label}**", display_math(_tensors_latex(tensors, precision))]

    def result(self, label: str, tensor: NamedTensor, precision: int) -> list[str]:
        return self.operands(label, [tensor], precision)

    def worked(self, label: str, mark: str, formula: Formula) -> list[str]:
        return [self.labelled(label, mark), self.formula(formula)]

    def checks(self, label: str, checks: list[IdentityCheck], precision: int) -> str:
        return f"**{label}**\n\n" + "\n".join(f"- {check.summary(precision)}" for check in checks)

    def note(self, label: str, text: str) -> str:
        return f"> {self.labelled(label, text)}"

    def step(self, step: Step, parts: list[str]) -> str:
        return "\n\n".join(part for part in parts if part)

    def document(self, blocks: list[str]) -> str:
        return "\n\n".join(blocks) + "\n"


def render_explanation(explanation: Explanation, precision: int = 4) -> str:
    """The whole explanation as one Markdown document."""
    return render_page(explanation, MarkdownPage(), precision)


def _left_latex(line: Equation) -> str:
    left = line.sides()[0]
    return "" if left is None else left.latex
