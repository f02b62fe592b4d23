"""The worked solution in the terminal with Rich: one block per step, matrices as tables.

Plain when piped or NO_COLOR is set (the Console decides); readable at 80 columns: operands are
laid out side by side only as far as the width allows, large tensors are summarised.
"""

from __future__ import annotations

from typing import Callable

from rich.columns import Columns
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bpcli.narrate.model import Explanation, NamedTensor, Step, TableData
from bpcli.render.heatmap import step_scales
from bpcli.render.matrix import matrix_table

INDENT = 2


def _tensor(tensor: NamedTensor, precision: int, scales: dict[int, float]):
    return matrix_table(tensor.value, tensor.text, precision=precision, heat=scales.get(id(tensor)))


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


def step_renderable(step: Step, explanation: Explanation, precision: int = 4,
                    previous: Step | None = None) -> Group:
    """One step as a Rich Group: title, sentences, formula, derivation, shapes, tensors, worked
    entry, checks, notes (each part only when the step has it)."""
    labels = explanation.labels
    parts: list = [Text(step.title, style="bold underline")]
    parts += [Text(sentence) for sentence in step.explanation]
    if step.formula_text:
        parts.append(Padding(Text(step.formula_text, style="bold cyan"), (0, 0, 0, INDENT), expand=False))
    if step.derivation:
        parts.append(Text(labels.tag(labels.derivation), style="bold"))
        parts += [Padding(Text(line.text, style="cyan"), (0, 0, 0, INDENT), expand=False) for line in step.derivation]
    if step.shapes:
        parts.append(_labelled(labels, labels.shapes, step.shapes))
    if step.table is not None:
        parts.append(_table(step.table))
    operands = step.operands_to_show(previous)
    scales = step_scales(step)
    if operands:
        parts.append(Columns([_tensor(t, precision, scales) for t in operands], padding=(0, 3)))
    if step.result is not None and step.result.value.ndim > 0:
        parts.append(Text(labels.tag(labels.result), style="bold"))
        parts.append(_tensor(step.result, precision, scales))
    for entry in step.worked:
        mark = "✓" if entry.ok else "✗"
        parts.append(_labelled(labels, labels.worked, f"{entry.as_text(precision, labels.terms)} {mark}"))
    if step.checks:
        parts.append(Text(labels.tag(labels.checks), style="bold"))
        parts += [Padding(Text(check.summary(precision), style="green" if check.ok else "bold red"), (0, 0, 0, INDENT), expand=False)
                  for check in step.checks]
    parts += [_labelled(labels, labels.notes, note, style="yellow") for note in step.notes]
    return Group(*parts)


def print_explanation(explanation: Explanation, console: Console, precision: int = 4,
                      step_pause: Callable[[], None] | None = None) -> None:
    """Print the whole explanation; ``step_pause`` (e.g. waiting for Enter, for ``--step``) is
    called after each step but the last."""
    console.print(Text(explanation.title, style="bold"))
    console.print(_labelled(explanation.labels, explanation.labels.conventions, explanation.conventions))
    steps = list(explanation.walk())
    for position, (step, previous, heading) in enumerate(steps):
        if heading is not None:
            console.print()
            console.print(Rule(heading, align="left"))
        console.print()
        console.print(step_renderable(step, explanation, precision, previous))
        if step_pause is not None and position < len(steps) - 1:
            step_pause()
