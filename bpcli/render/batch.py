"""Renderers of a graded batch (``bpcli.grading.batch.Batch``): JSON Lines for scripts, and
Gradescope's results.json for its autograder."""

from __future__ import annotations

import json

from bpcli.render.json_out import dumps, to_jsonable


def batch_json_lines(batch, statistics: bool = False) -> str:
    """One ``bpcli.grade/1`` object per row, in input order (with student, file, row, points,
    score); then, with ``statistics``, the ``bpcli.grade-stats/1`` line; last, always, the
    ``bpcli.grade-totals/1`` line with every student's total."""
    lines = [dumps(graded.to_dict()) for graded in batch.rows]
    if statistics:
        lines.append(dumps(batch.statistics_document()))
    lines.append(dumps(batch.totals_document()))
    return "\n".join(lines) + "\n"


def gradescope_results(batch, statistics: bool = False, lang: str = "en") -> str:
    """Gradescope's results.json: the top-level ``score`` (the sum of the tests' scores), an
    ``output`` with each student's total, one test per row (``name``, ``score``, ``max_score``,
    ``status``, ``output``: the verdict and the diagnosis), and in ``extra_data`` the totals
    (and, with ``statistics``, the statistics) as bpcli writes them in JSON Lines."""
    from bpcli.render.grading import code_names
    from bpcli.texts import say

    students = {graded.row.student for graded in batch.rows}
    tests = []
    for graded in batch.rows:
        row = graded.row
        # a row that could not be read may lack its target or its file ('s05:  (hw.yaml)'): its
        # number finds it
        name = (say(lang, "gradescope.test", target=row.target, file=row.file) if row.target and row.file
                else say(lang, "gradescope.test.row", row=row.number))
        if len(students) > 1:
            name = say(lang, "gradescope.test.student", student=row.student or say(lang, "gradescope.no_student"),
                       test=name)
        output = graded.result["message"]
        if graded.result.get("diagnosis"):
            output += "\n" + say(lang, "label.diagnosis", codes=code_names(graded.result["diagnosis"], lang))
        tests.append({"name": name, "score": graded.score, "max_score": graded.points,
                      "status": "passed" if graded.correct else "failed", "output": output})
    summary = [say(lang, "gradescope.total", student=total.student or say(lang, "gradescope.no_student"),
                   score=_number(total.score),
                   max_score=_number(total.max_score), correct=total.correct, answers=total.answers)
               + (say(lang, "gradescope.total.unanswered", count=total.unanswered) if total.unanswered else "")
               for total in batch.totals()]
    extra = {"totals": batch.totals_document()}
    if statistics:
        extra["statistics"] = batch.statistics_document()
    document = {"score": sum((graded.score for graded in batch.rows), 0.0), "output": "\n".join(summary),
                "tests": tests, "extra_data": {"bpcli": extra}}
    return json.dumps(to_jsonable(document), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _number(value: float) -> str:
    return f"{value:g}"
