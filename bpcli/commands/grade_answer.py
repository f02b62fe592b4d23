"""`bpcli grade FILE --target T --answer A`: one answer graded, without Typer (and, with --json,
without Rich). Autograders run it in a loop, so the start-up fast path in ``bpcli.__main__``
serves its plain form directly; the Typer command ``bpcli.commands.grade`` calls the same
``grade_answer``, so both print the same bytes and exit with the same code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Optional

from bpcli.commands.common import EXIT_FAILED, EXIT_OK, load_network, report_user_error, stdout_console

#: the command line's value options of the plain form, and the request field each one fills
_VALUE_OPTIONS = {"--target": "target", "-t": "target", "--answer": "answer", "-a": "answer",
                  "--lang": "lang", "--rtol": "rtol"}


@dataclass(frozen=True)
class GradeRequest:
    """One answer to grade, as the command line gave it. ``rtol`` None is the library's default
    tolerance; ``lang`` None lets ``grade_language`` choose."""

    file: str
    target: str
    answer: str
    rtol: Optional[float] = None
    json_output: bool = False
    lang: Optional[str] = None


def grade_language(code: Optional[str], scripted: bool) -> str:
    """The language of grade's verdict and messages: the one ``--lang`` gave, else English for
    what scripts read (``--json``, ``--batch``) whatever the locale, else the locale's."""
    from bpcli.texts import language_from_environment

    return code or ("en" if scripted else language_from_environment())


def grade_answer(request: GradeRequest) -> int:
    """Grade the request's answer, print the verdict (Rich) or the ``bpcli.grade/1`` JSON, and
    return the exit code: 0 right, 1 wrong, 2 when the file, target or answer cannot be used
    (with --json, the ``bpcli.error/1`` document on stdout as well)."""
    from bpcli.errors import AnswerError, BpcliError, UsageError

    language = grade_language(request.lang, scripted=request.json_output)
    try:
        from bpcli.grading.grade import DEFAULT_RTOL, grade

        network = load_network(request.file)
        rtol = DEFAULT_RTOL if request.rtol is None else request.rtol
        try:
            result = grade(network, request.target, request.answer, rtol=rtol, lang=language)
        except (AnswerError, UsageError) as error:
            if request.json_output:  # the bpcli.error/1 document, as for an error in the file
                _write_error_document(error, request.file, language)
            raise
    except (BpcliError, KeyboardInterrupt) as error:
        return report_user_error(error, json_errors=request.json_output, lang=language)

    if request.json_output:
        from bpcli.render.json_out import dumps

        sys.stdout.write(dumps(result.to_dict()) + "\n")
    else:
        from bpcli.render.grading import grade_renderable

        stdout_console().print(grade_renderable(result, lang=language))
    return EXIT_OK if result.correct else EXIT_FAILED


def plain_grade_request(args: list[str]) -> Optional[GradeRequest]:
    """The request of exactly ``grade FILE --target T --answer A [--json] [--lang L] [--rtol R]``:
    options in any order, as ``--option VALUE``, ``--option=VALUE`` or ``-t``/``-a VALUE``, FILE
    anywhere or after ``--``. None for anything else (help, batch, a repeated or unknown option,
    a missing value, a language or tolerance Typer would refuse): Typer then parses the line, so
    every usage message stays in one place."""
    if not args or args[0] != "grade":
        return None
    words = list(args[1:])
    positional: list[str] = []
    given: dict[str, str] = {}
    json_output = False
    while words:
        word = words.pop(0)
        if word == "--":
            positional += words
            break
        if word == "-" or not word.startswith("-"):
            positional.append(word)
            continue
        if word == "--json" and not json_output:
            json_output = True
            continue
        # as Click reads them: a value is the next word whatever it looks like ("-1/3"), or what
        # follows "=" in a long option
        option, equals, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        field = _VALUE_OPTIONS.get(option)
        if field is None or field in given or not (equals or words):
            return None
        given[field] = attached if equals else words.pop(0)
    if len(positional) != 1 or "target" not in given or "answer" not in given:
        return None
    return _request(positional[0], given, json_output)


def _request(file: str, given: dict[str, str], json_output: bool) -> Optional[GradeRequest]:
    """The request, once its values pass the checks Typer makes (a language it speaks, spelt as
    its code; a number for --rtol, read as Click reads it); None when one does not."""
    from bpcli.texts import languages

    lang = given.get("lang")
    if lang is not None and lang not in languages():
        return None
    rtol = None
    if "rtol" in given:
        try:
            rtol = float(given["rtol"])
        except ValueError:
            return None
    return GradeRequest(file, given["target"], given["answer"], rtol, json_output, lang)


def _write_error_document(error: Exception, file: str, lang: str = "en") -> None:
    """``{"schema": "bpcli.error/1", "error": {...}}`` for an answer or target the grader refused:
    code ``invalid_answer`` (path ``--answer``) or ``invalid_target`` (path ``--target``, or
    ``--rtol`` for a bad tolerance)."""
    from bpcli.errors import AnswerError
    from bpcli.render.json_out import error_document_of
    from bpcli.texts import error_text

    message = error_text(error, lang)
    if isinstance(error, AnswerError):
        code, path = "invalid_answer", "--answer"
    elif getattr(getattr(error, "msg", None), "key", "") == "usage.rtol" or "tolerance" in str(error):
        code, path = "invalid_option", "--rtol"
    else:
        code, path = "invalid_target", "--target"
    sys.stdout.write(error_document_of(code, message, file, path) + "\n")
