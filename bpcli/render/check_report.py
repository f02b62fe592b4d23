"""The finite-difference report of ``bpcli check`` as plain rows and sentences in the learner's
language, which the terminal (``render.summary.check_table``) and a notebook
(``render.results_html.check_html``) both show: the same columns, the same round-off-free
relative errors, the same notes."""

from __future__ import annotations

import numpy as np

from bpcli.core.gradcheck import CheckReport
from bpcli.formatting import error_bound_text, shape_text
from bpcli.narrate.model import TableData
from bpcli.texts import DEFAULT_LANGUAGE, say

#: the columns' headers (tensor, shape, checked, max|grad|, rel.err, kinks, verdict)
COLUMN_KEYS = ("check_report.tensor", "table.shape", "table.checked", "check_report.largest",
               "check_report.error", "check_report.kinks", "table.verdict")
#: the positions of the columns of counts and numbers, right-aligned in the terminal
NUMBER_COLUMNS = frozenset({2, 3, 4, 5})


def title(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> str:
    return say(lang, "check_report.title", epsilon=f"{report.epsilon:g}")


def loss(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> str:
    return say(lang, "check_report.loss", loss=f"{report.loss:.10g}")


def table(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> TableData:
    """One row per tensor: entries checked, largest gradient, relative error (as the power of ten
    it stays under: its own digits are round-off, which differs between machines), kinks, verdict."""
    rows = [[tensor.name, shape_text(tensor.shape), f"{tensor.compared}/{tensor.size}",
             f"{np.abs(tensor.analytic).max():.3e}" if len(tensor.analytic) else "",
             error_bound_text(tensor.relative_error), str(len(tensor.kinks)), tensor_verdict(tensor.ok, lang)]
            for tensor in report.tensors]
    return TableData([say(lang, key) for key in COLUMN_KEYS], rows)


def tensor_verdict(ok: bool, lang: str = DEFAULT_LANGUAGE) -> str:
    return say(lang, "check_report.ok" if ok else "check_report.wrong")


def notes(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """What rel.err means and when a tensor is WRONG; what kinks are, when there are any."""
    notes = [say(lang, "check_report.error_note", round_off=error_bound_text(0.0),
                 tolerance=f"{report.tensors[0].tolerance:g}", wrong=tensor_verdict(False, lang))]
    if any(tensor.kinks for tensor in report.tensors):
        notes.append(say(lang, "check_report.kinks_note"))
    return notes


def verdict(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> str:
    return say(lang, "check_report.all_agree" if report.ok else "check_report.some_disagree")
