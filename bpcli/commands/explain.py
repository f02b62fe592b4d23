"""`bpcli explain`: the worked forward and backward pass of a network, step by step.

Only the standard library and Typer are imported at module level (this module is imported when
the CLI starts); numpy, Rich and the narration are imported inside the command.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Optional

import typer

from bpcli.commands.arguments import FILE_ARGUMENT, Language, chosen_language, language_option
from bpcli.commands.common import (load_network, print_warnings, stdout_console, text_console, usage_error,
                                   user_errors)
from bpcli.commands.output import output_target, write_output

#: width of terminal-format output written to a file (no terminal to measure)
FILE_WIDTH = 80


class OutputFormat(str, Enum):
    terminal = "terminal"
    markdown = "markdown"
    html = "html"


class Method(str, Enum):
    chain = "chain"
    trace = "trace"
    kron = "kron"
    shapes = "shapes"


class Detail(str, Enum):
    summary = "summary"
    steps = "steps"
    full = "full"


class Notes(str, Enum):
    once = "once"
    all = "all"


class _EnterPause:
    """Waits for Enter between steps (``--step``); stops waiting once stdin is closed."""

    def __init__(self, console, prompt: str):
        self.console, self.prompt, self.active = console, prompt, True

    def __call__(self) -> None:
        if not self.active:
            return
        try:
            self.console.input(f"[dim]{self.prompt}[/dim]")
        except EOFError:
            self.active = False


def _render(explanation, output_format: OutputFormat, precision: int) -> str:
    """Markdown or HTML as a string (the terminal format is printed by Rich instead)."""
    if output_format is OutputFormat.markdown:
        from bpcli.render.markdown import render_explanation
    else:
        from bpcli.render.html import render_explanation
    return render_explanation(explanation, precision=precision)


def _terminal_text(explanation, precision: int) -> str:
    """The terminal rendering as plain text, for --output with --format terminal."""
    from io import StringIO

    from bpcli.render.terminal import print_explanation

    buffer = StringIO()
    print_explanation(explanation, text_console(file=buffer, width=FILE_WIDTH, color_system=None), precision=precision)
    return buffer.getvalue()


def explain_command(
    file: str = FILE_ARGUMENT,
    output_format: OutputFormat = typer.Option(OutputFormat.terminal, "--format", "-f", case_sensitive=False,
                                               help="terminal (Rich tables), markdown (with $$…$$ LaTeX, for "
                                                    "handouts) or html (a standalone page)."),
    lang: Optional[Language] = language_option("the narration (formulas are the same in every language)"),
    method: Method = typer.Option(Method.chain, "--method", "-m", case_sensitive=False,
                                  help="How the dense rules are derived: chain (element-wise chain rule), trace "
                                       "(matrix differentials), kron (vec and Kronecker products) or shapes "
                                       "(dimension matching)."),
    layer: Optional[int] = typer.Option(None, "--layer", "-l", min=1,
                                        help="Only the steps of layer N (1..L).", show_default=False),
    forward: bool = typer.Option(False, "--forward", help="Only the forward pass."),
    backward: bool = typer.Option(False, "--backward", help="Only the backward pass (and the check)."),
    detail: Detail = typer.Option(Detail.steps, "--detail", "-d", case_sensitive=False,
                                  help="summary (the network, the loss, the backward equations and the check), "
                                       "steps (each step's rule, why, shapes, result and one entry worked out) "
                                       "or full (every operand, sentence, check and note)."),
    notes: Optional[Notes] = typer.Option(None, "--notes", case_sensitive=False, show_default=False,
                                          help="once: each kind of note once, and the slips of a text only for an "
                                               "exercise that follows it (the default, except with --detail "
                                               "full); all: every note at every step."),
    step: bool = typer.Option(False, "--step", help="Pause after each step until Enter is pressed "
                                                     "(terminal format only)."),
    precision: int = typer.Option(4, "--precision", "-p", min=0, max=12, help="Decimals shown for every number."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="<file>", show_default=False,
                                         help="Write to FILE instead of standard output (- for standard "
                                              "output); an existing FILE is replaced only once the new "
                                              "text is complete."),
) -> None:
    """Work out the forward and backward pass of a network, step by step, with your numbers.

    A summary opens it: the network in one line, the loss and the backward equations, closed by
    a finite-difference check. Then every gradient gets its rule, why it holds, the shapes, the
    numbers and one entry worked out by hand (--detail full: every check on the numbers too).

    Example: bpcli explain net.yaml --method trace --lang zh --format markdown -o handout.md
    """
    from bpcli.texts import say

    language = chosen_language(lang)
    with user_errors(lang=language):
        target = output_target(output)
    if step and (target is not None or output_format is not OutputFormat.terminal):
        usage_error(say(language, "usage.step_in_terminal", format=output_format.value))
    if forward and backward:
        usage_error(say(language, "usage.only_one", choices="--forward, --backward",
                        found=say(language, "usage.and").join(["--forward", "--backward"])))
    from bpcli.narrate import explain

    show_forward, show_backward = forward or not backward, backward or not forward
    with user_errors(lang=language):
        explanation = explain(load_network(file), method=method.value, lang=language, layer=layer,
                              forward=show_forward, backward=show_backward, check=show_backward,
                              detail=detail.value, notes=notes.value if notes is not None else None)
        if target is not None:
            text = (_terminal_text(explanation, precision) if output_format is OutputFormat.terminal
                    else _render(explanation, output_format, precision))
            write_output(text, target, input_file=file)
        elif output_format is OutputFormat.terminal:
            from bpcli.render.terminal import print_explanation

            console = stdout_console()
            pause = _EnterPause(console, explanation.labels.press_enter) if step else None
            print_explanation(explanation, console, precision=precision, step_pause=pause)
        else:
            sys.stdout.write(_render(explanation, output_format, precision))
    print_warnings(explanation.warnings)
