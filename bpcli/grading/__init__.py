"""Grading a learner's answer for one tensor of a network: parsing (numbers or a formula),
the tolerance rule, and the diagnosis of what went wrong. Plain data only; no Rich here.

Public API: ``grade(network, target, answer, rtol=1e-2, lang="en") -> GradeResult``; the sentences
it says are in ``bpcli.texts`` (one module per language).
"""

from __future__ import annotations

from bpcli.grading.grade import DEFAULT_RTOL, Draws, GradeResult, grade
from bpcli.grading.targets import Target, parse_target, valid_targets

__all__ = ["grade", "GradeResult", "DEFAULT_RTOL", "Draws", "Target", "parse_target", "valid_targets"]
