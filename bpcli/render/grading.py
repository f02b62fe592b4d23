"""The human form of a grade result: the verdict and its explanation in a sentence or two, and
the learner's answer as a small matrix with the wrong entries marked."""

from __future__ import annotations

import numpy as np

from bpcli.render.matrix import MAX_SIDE, as_matrix, matrix_slices, matrix_table, shown_positions


def answer_marks(result) -> tuple[np.ndarray, np.ndarray] | None:
    """(answer in the expected shape, marks) when entries are marked, else None."""
    if result.wrong_mask is None or result.answer.size != result.expected.size:
        return None
    return result.answer.reshape(result.expected.shape), result.wrong_mask


def _drawn_whole(answer: np.ndarray) -> bool:
    """Whether ``matrix_table`` shows every entry of ``answer`` (so that every mark is seen)."""
    pieces, total = matrix_slices(answer)
    sides = as_matrix(answer).shape if answer.ndim <= 2 else answer.shape[-2:]
    return (sum(piece is not None for piece in pieces) == total
            and all(shown_positions(side, MAX_SIDE) == list(range(side)) for side in sides))


def tensor_table(value: np.ndarray, name: str, title: str | None = None, precision: int = 4, lang: str = "en",
                 marks: np.ndarray | None = None):
    """``matrix_table`` of the tensor called ``name`` (titled ``title``, else its name) as the
    quiz and a grade show it: an image tensor's slices named as explain names them
    (``slice_axes``: a kernel's [filter, channel]), in ``lang``."""
    from bpcli.grading.targets import slice_axes
    from bpcli.texts import say

    return matrix_table(value, title or name, precision=precision, marks=marks,
                        axes=slice_axes(name, np.ndim(value)).text(lang), slices=say(lang, "label.slices"))


def grade_renderable(result, title: str | None = None, precision: int = 4, lang: str = "en"):
    """A Rich renderable for a ``GradeResult``: a green ✓ or red ✗ line with the message, then
    the answer with wrong entries marked (only when the diagnosis is ``entries``); the message
    and labels in ``lang`` (the diagnosis codes are the same in every language)."""
    from bpcli.render.wrap import Prose
    from bpcli.texts import say
    from rich.console import Group
    from rich.text import Text

    symbol, style = ("✓", "bold green") if result.correct else ("✗", "bold red")
    line = Text()
    line.append(f"{symbol} ", style=style)
    marked = answer_marks(result)
    line.append(result.message_in(lang, marks_shown=marked is not None and _drawn_whole(marked[0])))
    # Prose: Chinese breaks between characters, where Rich's own wrapping waits for a space
    parts = [Prose(line)]
    if result.diagnosis:
        parts.append(Prose(Text(say(lang, "label.diagnosis", codes=code_names(result.diagnosis, lang)), style="dim")))
    if marked is not None:
        answer, marks = marked
        parts.append(tensor_table(answer, result.target, title or say(lang, "label.your_answer", target=result.target),
                                  precision, lang, marks))
    return Group(*parts)


def code_names(codes, lang: str = "en") -> str:
    """Diagnosis codes as the human form shows them: the codes themselves in English, short
    names in Chinese."""
    from bpcli.texts import say

    return say(lang, "sep.codes").join(say(lang, f"code.{code}") for code in codes)


def grade_html(result, lang: str = "en") -> str:
    """A self-contained HTML fragment for a ``GradeResult`` in a notebook: ✓ or ✗ with the
    message, the diagnosis codes, and (for ``entries``) the answer as a table with the wrong
    entries marked in red."""
    from html import escape

    from bpcli.formatting import decimals_for, format_number, largest_magnitude
    from bpcli.texts import say

    colour = "#1a7f37" if result.correct else "#cf222e"
    symbol = "✓" if result.correct else "✗"
    marked = answer_marks(result)
    drawn = marked is not None and marked[0].ndim <= 2
    parts = [f'<div class="bpcli-grade"><p><b style="color:{colour}">{symbol}</b> '
             f"{escape(result.message_in(lang, marks_shown=drawn))}</p>"]
    if result.diagnosis:
        codes = escape(say(lang, "label.diagnosis", codes=code_names(result.diagnosis, lang)))
        parts.append(f'<p style="color:#57606a">{codes}</p>')
    if drawn:
        answer, marks = marked
        grid = answer.reshape(answer.shape[0], -1) if answer.ndim else answer.reshape(1, 1)
        wrong = marks.reshape(grid.shape)
        decimals = decimals_for(largest_magnitude(grid), 4)
        rows = []
        for values, flags in zip(grid, wrong):
            cells = "".join(f'<td style="padding:2px 8px;text-align:right{";background:#ffebe9" if flag else ""}">'
                            f"{escape(format_number(value, decimals))}</td>" for value, flag in zip(values, flags))
            rows.append(f"<tr>{cells}</tr>")
        title = escape(say(lang, "label.your_answer", target=result.target))
        parts.append(f'<table style="border-collapse:collapse"><caption>{title}</caption>{"".join(rows)}</table>')
    parts.append("</div>")
    return "".join(parts)
