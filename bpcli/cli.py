"""The command line: thin Typer commands that load, run, narrate and render.

Each command lives in ``bpcli.commands``; those modules import numpy, Rich and the library only
inside the command bodies, so start-up stays fast.
"""

from __future__ import annotations

from typing import Optional

import typer

from bpcli import __version__
from bpcli.commands.compute import check_command, compute_command
from bpcli.commands.explain import explain_command
from bpcli.commands.grade import grade_command
from bpcli.commands.new import new_command
from bpcli.commands.quiz import quiz_command
from bpcli.commands.variant import variant_command
from bpcli.commands.worksheet import worksheet_command

app = typer.Typer(
    name="bpcli",
    help="Backpropagation worked out step by step: explain, quiz and compute small networks.\n\n"
         "Start with: bpcli new dense > net.yaml && bpcli explain net.yaml",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # help paragraphs are reflowed to the terminal width (rich mode would keep the docstrings' line breaks)
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bpcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Optional[bool] = typer.Option(None, "--version", callback=_print_version, is_eager=True,
                                           help="Print the version and exit."),
) -> None:
    """Backpropagation worked out step by step."""


app.command("explain")(explain_command)
app.command("quiz")(quiz_command)
app.command("grade")(grade_command)
app.command("compute")(compute_command)
app.command("check")(check_command)
app.command("new")(new_command)
app.command("variant")(variant_command)
app.command("worksheet")(worksheet_command)
