"""`bpcli grade`: is an answer for one tensor right, and if not, what went wrong."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from bpcli.commands.arguments import FILE_ARGUMENT, Language, chosen_language, complete_target, language_option
from bpcli.commands.common import EXIT_FAILED, EXIT_OK, load_network, stdout_console, user_errors


def grade_command(
    file: str = FILE_ARGUMENT,
    target: str = typer.Option(..., "--target", "-t", help="The tensor to grade: dW2, db1, dZ3, dA1, dX, "
                               "or a forward Z1, A1.", show_default=False,
                               autocompletion=complete_target),
    answer: str = typer.Option(..., "--answer", "-a", help="Numbers ([[1, 2], [3, 4]], 1 2; 3 4, -1/3, "
                               "1e-3) or a formula over the network's tensors (dZ2 @ A1.T).",
                               show_default=False),
    rtol: float = typer.Option(1e-2, "--rtol", help="Relative tolerance: an entry is right within "
                               "rtol·|expected| + rtol·max|expected|."),
    json_output: bool = typer.Option(False, "--json", help="Print the result object as JSON (target, "
                                     "correct, max_abs_error, diagnosis, message, shapes)."),
    lang: Optional[Language] = language_option("the verdict, the diagnosis and error messages (the JSON "
                                               "message too; codes never change)"),
) -> None:
    """Grade an answer for one gradient and name the mistake (transposed, 1/m, sign, shape, …).

    Exit code 0 when the answer is right, 1 when it is wrong, 2 when it cannot be read.

    Example: bpcli grade exercises/04_two_layer_tanh.yaml --target dW2 --answer "dZ2 @ A1.T"
    """
    from bpcli.errors import AnswerError, UsageError
    from bpcli.grading import grade

    # scripts read the JSON: its message is English unless --lang asks, whatever the locale
    language = chosen_language(lang, default="en" if json_output else None)
    with user_errors(json_errors=json_output, lang=language):
        network = load_network(file)
        try:
            result = grade(network, target, answer, rtol=rtol, lang=language)
        except (AnswerError, UsageError) as error:
            if json_output:  # the bpcli.error/1 document, as for an error in the file
                _write_error_document(error, file, language)
            raise

    if json_output:
        from bpcli.render.json_out import dumps

        sys.stdout.write(dumps(result.to_dict()) + "\n")
    else:
        from bpcli.render.grading import grade_renderable

        stdout_console().print(grade_renderable(result, lang=language))
    raise typer.Exit(EXIT_OK if result.correct else EXIT_FAILED)


def _write_error_document(error: Exception, file: str, lang: str = "en") -> None:
    """``{"schema": "bpcli.error/1", "error": {...}}`` for an answer or target the grader refused:
    code ``invalid_answer`` (path ``--answer``) or ``invalid_target`` (path ``--target``, or
    ``--rtol`` for a bad tolerance)."""
    from bpcli.errors import AnswerError
    from bpcli.texts import error_text
    from bpcli.render.json_out import error_document_of

    message = error_text(error, lang)
    if isinstance(error, AnswerError):
        code, path = "invalid_answer", "--answer"
    elif getattr(getattr(error, "msg", None), "key", "") == "usage.rtol" or "tolerance" in str(error):
        code, path = "invalid_option", "--rtol"
    else:
        code, path = "invalid_target", "--target"
    sys.stdout.write(error_document_of(code, message, file, path) + "\n")
