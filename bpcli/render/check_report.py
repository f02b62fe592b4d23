"""The finite-difference report of ``bpcli check`` as plain rows and sentences, which the terminal
(``render.summary.check_table``) and a notebook (``render.results_html.check_html``) both show:
the same columns, the same round-off-free relative errors, the same notes."""

from __future__ import annotations

import numpy as np

from bpcli.core.gradcheck import CheckReport
from bpcli.formatting import error_bound_text, shape_text
from bpcli.narrate.model import TableData

COLUMNS = ["tensor", "shape", "checked", "max|grad|", "rel.err", "kinks", "verdict"]
#: the columns of counts and numbers, right-aligned in the terminal
NUMBER_COLUMNS = frozenset({"checked", "max|grad|", "rel.err", "kinks"})
VERDICT = {True: "ok", False: "WRONG"}


def title(report: CheckReport) -> str:
    return f"Finite-difference check (central, ε = {report.epsilon:g})"


def table(report: CheckReport) -> TableData:
    """One row per tensor: entries checked, largest gradient, relative error (as the power of ten
    it stays under: its own digits are round-off, which differs between machines), kinks, verdict."""
    rows = [[tensor.name, shape_text(tensor.shape), f"{tensor.compared}/{tensor.size}",
             f"{np.abs(tensor.analytic).max():.3e}" if len(tensor.analytic) else "",
             error_bound_text(tensor.relative_error), str(len(tensor.kinks)), VERDICT[tensor.ok]]
            for tensor in report.tensors]
    return TableData(list(COLUMNS), rows)


def notes(report: CheckReport) -> list[str]:
    """What rel.err means and when a tensor is WRONG; what kinks are, when there are any."""
    notes = [f"rel.err: max |analytic − numeric| ÷ the largest |gradient| checked, as the power of ten "
             f"it stays under ({error_bound_text(0.0)} is round-off); a tensor is WRONG when its exact "
             f"relative error exceeds {report.tensors[0].tolerance:g}."]
    if any(tensor.kinks for tensor in report.tensors):
        notes.append("kinks: entries where the loss has no derivative (relu at 0, a max-pool "
                      "near-tie); the two one-sided slopes differ, so they are not compared.")
    return notes


def verdict(report: CheckReport) -> str:
    return ("All gradients agree with finite differences." if report.ok
            else "Some gradients disagree with finite differences.")
