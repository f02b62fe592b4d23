"""`bpcli grade`: is an answer for one tensor right, and if not, what went wrong; with
``--batch``, a whole class's answers in one run."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Optional

import typer

from bpcli.commands.arguments import Language, complete_exercise, complete_target, language_option
from bpcli.commands.common import EXIT_OK, usage_error, user_errors
from bpcli.commands.grade_answer import GradeRequest, grade_answer, grade_language


class BatchFormat(str, Enum):
    jsonl = "jsonl"
    gradescope = "gradescope"


def grade_command(
    file: Optional[str] = typer.Argument(None, help="The network file (YAML), - for standard input, or a "
                                         "bundled exercise's name (bpcli quiz --list).", show_default=False,
                                         metavar="FILE", autocompletion=complete_exercise),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="The tensor to grade: dW2, db1, dZ3, dA1, "
                                         "dX, or a forward Z1, A1.", show_default=False,
                                         autocompletion=complete_target),
    answer: Optional[str] = typer.Option(None, "--answer", "-a", help="Numbers ([[1, 2], [3, 4]], 1 2; 3 4, "
                                         "-1/3, 1e-3) or a formula over the network's tensors (dZ2 @ A1.T, "
                                         "np.dot(dZ2, A1.T), dA1 * (Z1 > 0)).", show_default=False),
    rtol: float = typer.Option(1e-2, "--rtol", help="Relative tolerance: an entry is right within "
                               "rtol·|expected| + rtol·max|expected|."),
    # accepted with --batch, not refused: a script that always passes --json asks for what a
    # batch writes anyway, and its output is the same either way
    json_output: bool = typer.Option(False, "--json", help="Print the result object as JSON (target, "
                                     "correct, max_abs_error, diagnosis, message, shapes). A batch's "
                                     "output is JSON with or without it (--format says which)."),
    lang: Optional[Language] = language_option("the verdict, the diagnosis and error messages (the JSON "
                                               "message too; codes never change)"),
    batch: Optional[str] = typer.Option(None, "--batch", metavar="ANSWERS", help="Grade a file of answers (CSV with a header, "
                                        "or JSON Lines) with the fields student, file, target, answer and "
                                        "optionally points; one JSON line per row, then the totals.",
                                        show_default=False),
    batch_format: BatchFormat = typer.Option(BatchFormat.jsonl, "--format", case_sensitive=False,
                                             help="With --batch: jsonl (one line per answer, then "
                                                  "bpcli.grade-totals/1) or gradescope (Gradescope's "
                                                  "results.json)."),
    stats: bool = typer.Option(False, "--stats", help="With --batch: count, per target, the answers "
                               "that made each mistake (a bpcli.grade-stats/1 line)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="<file>", show_default=False,
                                         help="With --batch: write to FILE instead of standard output "
                                              "(results.json for Gradescope)."),
) -> None:
    """Grade an answer for one gradient and name the mistake (transposed, 1/m, sign, shape, …).

    Exit code 0 when the answer is right, 1 when it is wrong, 2 when it cannot be read. With
    --batch: 0 when the batch was graded, whatever the answers; 2 when ANSWERS cannot be read.

    Example: bpcli grade exercises/04_two_layer_tanh.yaml --target dW2 --answer "dZ2 @ A1.T"

    Example: bpcli grade --batch answers.csv --format gradescope -o results.json
    """
    from bpcli.texts import say

    language = grade_language(None if lang is None else lang.value, scripted=json_output or batch is not None)
    if batch is not None:
        if file is not None or target is not None or answer is not None:
            usage_error(say(language, "usage.batch_alone"))
        _grade_batch(batch, batch_format, stats, rtol, output, language)
        return
    for given, option in ((stats, "--stats"), (output is not None, "--output"),
                          (batch_format is not BatchFormat.jsonl, "--format")):
        if given:
            usage_error(say(language, "usage.goes_with", option=option, needed="--batch ANSWERS"))
    if file is None or target is None or answer is None:
        usage_error(say(language, "usage.grade_needs"))
    raise typer.Exit(grade_answer(GradeRequest(file, target, answer, rtol, json_output, language)))


def _grade_batch(answers: str, batch_format: BatchFormat, stats: bool, rtol: float, output: Optional[str],
                 language: str) -> None:
    """Read ANSWERS, grade every row, write JSON Lines or results.json; exit 0 once graded."""
    import os

    from bpcli.commands.output import output_target, refuse_empty_path, write_output
    from bpcli.grading.batch import grade_batch, read_answers
    from bpcli.render.batch import batch_json_lines, gradescope_results

    with user_errors(lang=language):
        refuse_empty_path(answers, "--batch")  # open('') says only 'no such file', naming nothing
        target = output_target(output)
        rows = read_answers(answers, lang=language)
        folder = os.path.dirname(os.path.abspath(answers)) if answers != "-" else os.getcwd()
        graded = grade_batch(rows, folder, lang=language, rtol=rtol)
        if batch_format is BatchFormat.gradescope:
            text = gradescope_results(graded, statistics=stats, lang=language)
        else:
            text = batch_json_lines(graded, statistics=stats)
        if target is not None:
            from bpcli.grading.batch import network_path

            files = sorted({network_path(row.file, folder) for row in rows if row.file})
            write_output(text, target, input_file=answers, input_name="the answers file", other_inputs=files,
                         other_name="a network file the answers name")
        else:
            sys.stdout.write(text)
    raise typer.Exit(EXIT_OK)
