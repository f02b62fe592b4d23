"""The worked solution in the terminal with Rich: one block per step, matrices as tables.

Plain when piped or NO_COLOR is set (the Console decides); readable at 80 columns: operands are
laid out side by side only as far as the width allows, large tensors are summarised.
"""

from __future__ import annotations

from typing import Callable

from rich.cells import cell_len
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bpcli.formatting import format_alone, shape_text
from bpcli.narrate.expr import TEXT
from bpcli.narrate.model import Explanation, Formula, NamedTensor, Step, Summary, TableData
from bpcli.render.matrix import MatrixBlocks, limits, matrix_lines, matrix_text
from bpcli.render.wrap import FormulaLines, Prose, goes_on
from bpcli.render.heatmap import step_scales

INDENT = 2


#: a row or a column with at most this many entries is written on one line: 'dW⁽¹⁾  1×2 = [ … ]',
#: 'db⁽¹⁾  3×1 = [ … ]ᵀ' (its few entries are counted at a glance, no index needed)
ONE_LINE_ENTRIES = 6


def _tensor(tensor: NamedTensor, precision: int, labels, scales: dict[int, float]) -> MatrixBlocks:
    value = tensor.value
    if value.ndim == 0:  # J: a number, not a 1×1 matrix
        return MatrixBlocks(None, [[Text(f"{tensor.text} = ", style="bold") + Text(format_alone(value, precision))]])
    if value.ndim == 1 and len(value) <= ONE_LINE_ENTRIES:
        value = value.reshape(1, -1)  # a conv layer's b, (F,)
    if value.ndim == 2 and min(value.shape) == 1 and max(value.shape) <= ONE_LINE_ENTRIES:
        column = value.shape[0] > 1
        line = Text(f"{tensor.title} = ", style="bold")
        line.append(matrix_text(value.T if column else value, precision) + ("ᵀ" if column else ""))
        return MatrixBlocks(None, [[line]])
    shown = limits(tensor.glance)
    return matrix_lines(value, tensor.text, precision=precision, max_rows=shown.side, max_cols=shown.side,
                        max_slices=shown.slices, axes=tensor.axes or labels.image_axes, slices=labels.slices,
                        heat=scales.get(id(tensor)), focus=tensor.focus)


class _Tensors:
    """Tensors side by side as far as the width allows, in order; a tensor shown in several
    slices starts a new row with its heading, then its slices side by side."""

    GAP = 3

    def __init__(self, tensors: list[MatrixBlocks]):
        self.tensors = tensors

    def _rows(self, blocks: list[list[Text]], width: int):
        row: list[list[Text]] = []
        used = 0
        for block in blocks:
            block_width = max(line.cell_len for line in block)
            if row and used + self.GAP + block_width > width:
                yield from self._joined(row)
                row, used = [], 0
            used += (self.GAP if row else 0) + block_width
            row.append(block)
        yield from self._joined(row)

    def _joined(self, row: list[list[Text]]):
        widths = [max(line.cell_len for line in block) for block in row]
        for k in range(max((len(block) for block in row), default=0)):
            line = Text(no_wrap=True, overflow="ellipsis")  # a matrix too wide is cut, never folded
            for position, (block, width) in enumerate(zip(row, widths)):
                piece = block[k] if k < len(block) else Text()
                line.append(" " * self.GAP if position else "")
                line.append_text(piece)
                line.append(" " * (width - piece.cell_len))
            line.rstrip()
            yield line

    def __rich_console__(self, console, options):
        pending: list[list[Text]] = []
        for tensor in self.tensors:
            if tensor.heading is None:
                pending += tensor.blocks
                continue
            yield from self._rows(pending, options.max_width)
            pending = []
            yield tensor.heading
            yield from self._rows(tensor.blocks, options.max_width)
        yield from self._rows(pending, options.max_width)


def _table(data: TableData) -> Table:
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for header in data.headers:
        table.add_column(header)
    for row in data.rows:
        table.add_row(*row)
    return table


def _labelled(labels, label: str, text: str, style: str = "") -> Text:
    """'Label: text' in bold then plain (a full-width colon needs no space after it)."""
    tag = labels.tag(label)
    line = Text(tag + (" " if tag.endswith(":") else ""), style="bold")
    line.append(text, style=style)
    return line


def _formula(formula: Formula, style: str) -> FormulaLines:
    return FormulaLines(formula.pieces(TEXT), style=style, indent=INDENT)


#: the furthest right a derivation's '= …' lines go on under its first relation
MAX_CONTINUATION_COLUMN = 24


def _derivation_lines(formulas: list[Formula]) -> list[FormulaLines]:
    """A derivation's lines, each line that goes on from the one above ('= …') with its '='
    under the first relation of the statement it continues, as a chain is written by hand (at
    the left margin, its '=' signs jumped between columns)."""
    lines, column = [], INDENT
    for formula in formulas:
        pieces = formula.pieces(TEXT)
        if goes_on(pieces):  # '= …': under the relation of the statement it goes on from
            lines.append(FormulaLines(pieces, style="cyan", indent=column, narrow_indent=INDENT))
        else:  # a statement of its own: the start of its relation sets the column
            width = cell_len(pieces[0])
            column = INDENT + width + 1 if INDENT + width + 1 <= MAX_CONTINUATION_COLUMN else INDENT
            lines.append(FormulaLines(pieces, style="cyan", indent=INDENT))
    return lines


class _Beside:
    """A formula and its shapes printed as one line, 'formula   shapes', when that fits the
    width; else the formula (broken only between its pieces) with the shapes under it."""

    GAP = 3

    def __init__(self, formula: Formula, style: str, shapes: Text):
        self.formula, self.style, self.shapes = formula, style, shapes

    def __rich_console__(self, console, options):
        line = Text(" " * INDENT + self.formula.text, style=self.style)
        if line.cell_len + self.GAP + self.shapes.cell_len <= options.max_width:
            yield Text.assemble(line, " " * self.GAP, self.shapes)
        else:
            yield _formula(self.formula, self.style)
            yield Prose(self.shapes)


def step_renderable(step: Step, explanation: Explanation, precision: int = 4,
                    previous: Step | None = None) -> Group:
    """One step as a Rich Group: title, sentences, formula with its shapes (beside it when they
    fit), derivation, tensors, worked entry, checks, notes (each part only when the step has it)."""
    labels = explanation.labels
    parts: list = [Prose(Text(step.title, style="bold underline"))]
    parts += [Prose(sentence) for sentence in step.explanation]
    shapes = _labelled(labels, labels.shapes, step.shapes) if step.shapes else None
    if step.formula is not None:
        parts.append(_formula(step.formula, "bold cyan") if shapes is None
                     else _Beside(step.formula, "bold cyan", shapes))
    elif shapes is not None:
        parts.append(Prose(shapes))
    if step.derivation:
        parts.append(Text(labels.tag(labels.derivation), style="bold"))
        parts += _derivation_lines(step.derivation)
    if step.table is not None:
        parts.append(_table(step.table))
    operands = step.operands_to_show(previous)
    scales = step_scales(step)
    if operands:
        parts.append(_Tensors([_tensor(t, precision, labels, scales) for t in operands]))
    if step.result is not None:
        parts.append(_Tensors([_tensor(step.result, precision, labels, scales)]))  # its title names it: no label
    for entry in step.worked:
        mark = "✓" if entry.ok else "✗"
        parts.append(FormulaLines(entry.formula(precision, labels.terms).pieces(TEXT), style="cyan",
                                  prefix=_labelled(labels, labels.worked, ""), suffix=f" {mark}"))
    if step.checks:
        parts.append(Text(labels.tag(labels.checks), style="bold"))
        parts += [Prose(Text(check.summary(precision), style="green" if check.ok else "bold red"), indent=INDENT)
                  for check in step.checks]
    parts += [Prose(_labelled(labels, labels.notes, note.text, style="yellow")) for note in step.notes]
    return Group(*parts)


def summary_renderable(summary: Summary, explanation: Explanation) -> Group:
    """The network in one line, the loss, then the backward equations with their shapes."""
    labels = explanation.labels
    parts: list = [Prose(Text(summary.headline))]
    if summary.equations:
        # aligned on the relation: the gradient's name right-aligned before it
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column()
        grid.add_column(no_wrap=True)
        for line in summary.equations:
            left, right = line.sides()
            # broken only between pieces, going on under the relation (Rich broke at any space)
            grid.add_row(Text(left.text if left is not None else "", style="bold cyan"),
                         FormulaLines(right.pieces(TEXT), style="bold cyan"), Text("  " + shape_text(line.shape)))
        parts.append(Padding(grid, (0, 0, 0, INDENT), expand=False))
    parts += [Prose(_labelled(labels, labels.notes, note.text, style="yellow")) for note in summary.notes]
    return Group(*parts)


def print_explanation(explanation: Explanation, console: Console, precision: int = 4,
                      step_pause: Callable[[], None] | None = None) -> None:
    """Print the whole explanation; ``step_pause`` (e.g. waiting for Enter, for ``--step``) is
    called after each step but the last."""
    console.print(Prose(Text(explanation.title, style="bold")))
    console.print(Prose(_labelled(explanation.labels, explanation.labels.conventions, explanation.conventions)))
    summary = explanation.summary
    if summary is not None:
        console.print()
        console.print(Rule(summary.title, align="left"))
        console.print(summary_renderable(summary, explanation))
        if summary.check is not None:
            console.print()
            console.print(step_renderable(summary.check, explanation, precision))
    steps = list(explanation.walk())
    for position, (step, previous, heading) in enumerate(steps):
        console.print()
        if heading is not None:  # the rule parts the sections; no blank line under it
            console.print(Rule(heading, align="left"))
        console.print(step_renderable(step, explanation, precision, previous))
        if step_pause is not None and position < len(steps) - 1:
            step_pause()
