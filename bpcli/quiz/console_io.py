"""The terminal side of a quiz session (Rich): shows the exercise, questions, grades, hints and
worked solutions, and reads answers from the keyboard or, when stdin is not a terminal, line by
line from stdin (each line echoed after its prompt, so a scripted session reads like a live one)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bpcli.quiz.texts import Text, say
from bpcli.render.matrix import format_number, matrix_table


class ConsoleIO:
    """``QuizIO`` on a Rich console."""

    def __init__(self, console, lang: str = "en", stdin: TextIO | None = None, precision: int = 4):
        self.console = console
        self.lang = lang
        self.stdin = stdin if stdin is not None else sys.stdin
        self.precision = precision
        self.interactive = bool(getattr(self.stdin, "isatty", lambda: False)())

    # -- input ---------------------------------------------------------------------------------

    def read(self, prompt: str) -> str:
        if self.interactive:
            return self.console.input(f"[bold cyan]{prompt}[/]")
        line = self.stdin.readline()
        if not line:
            raise EOFError
        self.console.print(f"[bold cyan]{prompt}[/]{line.rstrip()}", highlight=False, markup=True)
        return line.rstrip("\n")

    # -- output --------------------------------------------------------------------------------

    def show_exercise(self, exercise, result) -> None:
        from rich.columns import Columns
        from rich.panel import Panel

        network = exercise.network
        self.console.print(Panel(exercise.text(self.lang), title=exercise.title_in(self.lang), title_align="left"))
        tensors = result.tensors()
        given = [name for name in ("X", "Y") if name in tensors]
        for layer in network.layers:
            given += [f"{name}{layer.index}" for name in ("W", "b") if f"{name}{layer.index}" in tensors]
        line = say(self.lang, "network_line", layers=describe_layers(network), loss=network.loss, m=network.m)
        self.console.print(f"[bold]{say(self.lang, 'network')}[/]{say(self.lang, 'colon')}{line}")
        self.console.print(Columns([matrix_table(tensors[name], name, self.precision) for name in given]))
        forward = [f"{kind}{layer.index}" for layer in network.layers for kind in ("Z", "A")
                   if f"{kind}{layer.index}" in tensors]
        self.console.print(f"[bold]{say(self.lang, 'forward')}[/]")
        self.console.print(Columns([matrix_table(tensors[name], name, self.precision) for name in forward]))
        self.console.print(say(self.lang, "loss", loss=format_number(result.loss, self.precision)))
        self.console.print(f"[dim]{say(self.lang, 'commands')}[/]")

    def show_question(self, target: str, number: int, total: int) -> None:
        self.console.print()
        self.console.print(f"[bold]{say(self.lang, 'question', number=number, total=total, target=target)}[/]")

    def show_grade(self, result) -> None:
        from bpcli.render.grading import grade_renderable

        self.console.print(grade_renderable(result, say(self.lang, "your_answer", target=result.target),
                                            self.precision, lang=self.lang))

    def show_answer_error(self, message: str) -> None:
        self.console.print(f"[yellow]{say(self.lang, 'answer_error', message=message)}[/]", markup=True,
                           highlight=False)

    def show_hint(self, level: int, label: str, text: str) -> None:
        self.console.print(f"[bold magenta]{say(self.lang, 'hint', level=level, label=label)}"
                           f"{say(self.lang, 'colon')}[/]{text}", highlight=False)

    def show_solution(self, solution) -> None:
        self.console.print(f"[bold]{say(self.lang, 'solution', target=solution.target)}[/]")
        for step in solution.steps:
            self.console.print(step_renderable(step, solution.explanation, self.precision))
        if solution.formula:
            self.console.print(say(self.lang, "formula", target=solution.target, formula=solution.formula),
                               highlight=False)
        if not solution.steps:
            self.console.print(matrix_table(solution.value, solution.target, self.precision))

    def show_text(self, key: str, **values: Any) -> None:
        self.console.print(f"[dim]{say(self.lang, key, **values)}[/]", highlight=False)

    def show_score(self, score) -> None:
        self.console.print()
        if score.interrupted:
            self.console.print(say(self.lang, "interrupted"))
        self.console.print(f"[bold]{score_line(score, self.lang)}[/]", highlight=False)
        if score.complete:
            self.console.print(f"[green]{say(self.lang, 'complete')}[/]")


def score_line(score, lang: str) -> str:
    return say(lang, "score", exercise=score.exercise, solved=score.solved, total=score.total,
               first_try=score.first_try, hints=Text("count.hints", count=score.hints),
               solutions=Text("count.solutions", count=score.revealed))


def describe_layers(network) -> str:
    """'X 2×4 → dense 3 tanh → dense 1 sigmoid'."""
    from bpcli.render.matrix import shape_text

    parts = [f"X {shape_text(network.X.shape)}"]
    for layer in network.layers:
        size = getattr(layer, "units", None) or getattr(layer, "filters", None) or getattr(layer, "size", None)
        text = layer.kind + (f" {size}" if size else "")
        if layer.activation:
            text += f" {layer.activation}"
        parts.append(text)
    return " → ".join(parts)


def step_renderable(step, explanation, precision: int = 4):
    """One explain step: the terminal step printer when it is available, else title, formula,
    explanation and the result matrix."""
    try:
        from bpcli.render.terminal import step_renderable as narrated_step
    except ImportError:
        narrated_step = None
    if narrated_step is not None:
        return narrated_step(step, explanation, precision=precision)
    from rich.console import Group
    from rich.text import Text

    parts = [Text(step.title, style="bold")]
    if step.formula_text:
        parts.append(Text("  " + step.formula_text))
    parts += [Text("  " + line, style="dim") for line in step.explanation]
    if step.result is not None:
        parts.append(matrix_table(step.result.value, step.result.text, precision))
    return Group(*parts)
