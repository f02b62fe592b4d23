"""`bpcli worksheet`: question sheets (and keys) for one or more exercises, as Markdown or
printable HTML."""

from __future__ import annotations

import enum
from typing import List, Optional

import typer

from bpcli.commands.arguments import Language, chosen_language, complete_exercise, language_option
from bpcli.commands.common import user_errors


class SheetFormat(str, enum.Enum):
    markdown = "markdown"
    html = "html"


def worksheet_command(
    files: List[str] = typer.Argument(..., help="Exercises: network files (any valid network) or bundled "
                                      "exercises' names; one sheet each, in this order.", show_default=False,
                                      autocompletion=complete_exercise),
    output_format: SheetFormat = typer.Option(SheetFormat.markdown, "--format", "-f", case_sensitive=False,
                                              help="markdown, or html (printable: one exercise per page, "
                                              "nothing loaded from the network)."),
    key: bool = typer.Option(False, "--key", help="Add the answers and the worked solution (the teacher's key)."),
    lang: Optional[Language] = language_option("the sheet and the worked solution"),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="<file>", help="Write to this file instead "
                                         "of stdout (- for stdout).", show_default=False),
) -> None:
    """Print a worksheet: the network, the givens (X, Y, W, b and the forward values the exercise
    gives), and the gradients to find with their shapes, points and space to answer.

    Example: bpcli worksheet 04 07 --format html --output sheet.html;  bpcli worksheet hw.yaml --key
    """
    from bpcli.commands.output import output_target, write_output
    from bpcli.quiz.catalogue import exercise_dirs, load_exercise
    from bpcli.quiz.worksheet import build_sheet
    from bpcli.render.worksheet import render_html, render_markdown

    language = chosen_language(lang)
    with user_errors(lang=language):
        if files.count("-") > 1:  # the second - found standard input used up: "<stdin>: the file is empty"
            from bpcli.texts import usage_error

            raise usage_error("usage.stdin_twice")
        target = output_target(output)
        sheets = [build_sheet(load_exercise(file, exercise_dirs()), language, key) for file in files]
        text = render_html(sheets) if output_format is SheetFormat.html else render_markdown(sheets)
        if target is None:
            typer.echo(text, nl=False)
            return
        write_output(text, target, input_file=files[0], other_inputs=files[1:], other_name="one of the exercise files")
