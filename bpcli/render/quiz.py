"""The terminal side of a quiz session (Rich): shows the exercise, questions, grades, hints and
worked solutions, and reads answers from the keyboard or, when stdin is not a terminal, line by
line from stdin (each line echoed after its prompt, so a scripted session reads like a live one).

Nothing here is Rich markup: answers, exercise titles, statements and hints from YAML, and error
messages that quote an answer can hold '[' anywhere, so every text goes to Rich as a
``rich.text.Text`` with its style given apart."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.text import Text as RichText

from bpcli.texts import Msg, ended, say
from bpcli.quiz.catalogue import formula_example
from bpcli.render.wrap import Prose
from bpcli.render.grading import grade_renderable, tensor_table
from bpcli.render.matrix import format_number


def _styled(text: str, style: str = "") -> RichText:
    """``text`` as literal Rich text (never markup), in ``style``."""
    return RichText(text, style=style)


def _paragraph(text: str | RichText, style: str = "") -> Prose:
    """``text`` (literal, never markup) as a paragraph that also breaks between Chinese
    characters, where Rich's own wrapping waits for a space ('…sigmoid' / '输出，…')."""
    return Prose(text if isinstance(text, RichText) else RichText(text, style=style))


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
            return self.console.input(_styled(prompt, "bold cyan"))
        line = self.stdin.readline()
        if not line:
            raise EOFError
        self.console.print(RichText.assemble((prompt, "bold cyan"), line.rstrip()))
        return line.rstrip("\n")

    # -- output --------------------------------------------------------------------------------

    def show_exercise(self, exercise, result) -> None:
        from rich.columns import Columns
        from rich.panel import Panel

        network = exercise.network
        self.console.print(Panel(_paragraph(exercise.text(self.lang)), title=_styled(exercise.title_in(self.lang)),
                                 title_align="left"))
        tensors = result.tensors()
        given = [name for name in ("X", "Y") if name in tensors]
        for layer in network.layers:
            given += [f"{name}{layer.index}" for name in layer.parameters()]
        line = say(self.lang, "quiz.network_line", layers=network.diagram(), loss=network.loss, m=network.m)
        self.console.print(RichText.assemble((say(self.lang, "quiz.network"), "bold"), say(self.lang, "quiz.colon"), line))
        # three spaces between tables, as explain has: with Columns' one, a table's last column ran
        # into the next one's row numbers ('0.5000 0  1.0000')
        self.console.print(Columns([self._table(tensors[name], name) for name in given], padding=(0, 3)))
        forward = [f"{kind}{layer.index}" for layer in network.layers for kind in ("Z", "A")
                   if f"{kind}{layer.index}" in tensors]
        self.console.print(_paragraph(say(self.lang, "quiz.forward"), "bold"))
        self.console.print(Columns([self._table(tensors[name], name) for name in forward], padding=(0, 3)))
        self.console.print(_paragraph(say(self.lang, "quiz.loss", loss=format_number(result.loss, self.precision))))
        self.console.print(_paragraph(say(self.lang, "quiz.commands", example=formula_example(network)), "dim"))

    def show_question(self, target: str, number: int, total: int) -> None:
        self.console.print()
        self.console.print(_paragraph(say(self.lang, "quiz.question", number=number, total=total, target=target), "bold"))

    def show_grade(self, result) -> None:
        self.console.print(grade_renderable(result, say(self.lang, "label.your_answer", target=result.target),
                                            self.precision, lang=self.lang))

    def show_answer_error(self, message: str) -> None:
        self.console.print(_paragraph(ended(self.lang, say(self.lang, "quiz.answer_error", message=message)), "yellow"))

    def show_hint(self, level: int, label: str, text: str) -> None:
        heading = say(self.lang, "quiz.hint", level=level, label=label) + say(self.lang, "quiz.colon")
        self.console.print(_paragraph(RichText.assemble((heading, "bold magenta"), text)))

    def show_solution(self, solution) -> None:
        self.console.print(_paragraph(say(self.lang, "quiz.solution", target=solution.target), "bold"))
        for index, step in enumerate(solution.steps):
            if index:
                self.console.print()
            self.console.print(step_renderable(step, solution.explanation, self.precision))
        if solution.formula:
            self.console.print(_paragraph(say(self.lang, "quiz.formula", target=solution.target, formula=solution.formula)))
        if not solution.steps:
            self.console.print(self._table(solution.value, solution.target))

    def _table(self, value, name: str):
        return tensor_table(value, name, precision=self.precision, lang=self.lang)

    def show_text(self, key: str, **values: Any) -> None:
        self.console.print(_paragraph(say(self.lang, key, **values), "dim"))

    def show_score(self, score) -> None:
        self.console.print()
        if score.interrupted:
            self.console.print(_paragraph(say(self.lang, "quiz.interrupted")))
        self.console.print(_paragraph(score_line(score, self.lang), "bold"))
        if score.complete:
            self.console.print(_paragraph(say(self.lang, "quiz.complete"), "green"))


def score_line(score, lang: str) -> str:
    return say(lang, "quiz.score", exercise=score.exercise, solved=score.solved, total=score.total,
               first_try=score.first_try, hints=Msg("count.hints", count=score.hints),
               solutions=Msg("count.solutions", count=score.revealed))


def step_renderable(step, explanation, precision: int = 4):
    """One explain step, as ``bpcli explain`` prints it."""
    from bpcli.render.terminal import step_renderable as narrated_step

    return narrated_step(step, explanation, precision=precision)
