"""The human form of a grade result: the verdict and its explanation in a sentence or two, and
the learner's answer as a small matrix with the wrong entries marked."""

from __future__ import annotations

import numpy as np

from bpcli.render.matrix import matrix_table


def answer_marks(result) -> tuple[np.ndarray, np.ndarray] | None:
    """(answer in the expected shape, marks) when entries are marked, else None."""
    if result.wrong_mask is None or result.answer.size != result.expected.size:
        return None
    return result.answer.reshape(result.expected.shape), result.wrong_mask


def grade_renderable(result, title: str | None = None, precision: int = 4, lang: str = "en"):
    """A Rich renderable for a ``GradeResult``: a green ✓ or red ✗ line with the message, then
    the answer with wrong entries marked (only when the diagnosis is ``entries``); the message
    and labels in ``lang`` (the diagnosis codes are the same in every language)."""
    from bpcli.texts import say
    from rich.console import Group
    from rich.text import Text

    symbol, style = ("✓", "bold green") if result.correct else ("✗", "bold red")
    line = Text()
    line.append(f"{symbol} ", style=style)
    line.append(result.message_in(lang))
    parts = [line]
    if result.diagnosis:
        parts.append(Text(say(lang, "label.diagnosis", codes=code_names(result.diagnosis, lang)), style="dim"))
    marked = answer_marks(result)
    if marked is not None:
        answer, marks = marked
        parts.append(matrix_table(answer, title or say(lang, "label.your_answer", target=result.target), precision=precision, marks=marks))
    return Group(*parts)


def code_names(codes, lang: str = "en") -> str:
    """Diagnosis codes as the human form shows them: the codes themselves in English, short
    names in Chinese."""
    from bpcli.texts import say

    return say(lang, "sep.codes").join(say(lang, f"code.{code}") for code in codes)
