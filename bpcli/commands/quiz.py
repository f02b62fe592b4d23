"""`bpcli quiz`: practise gradients on bundled or generated exercises, with graded answers,
hints and worked solutions; progress is kept per exercise."""

from __future__ import annotations

from typing import Optional

import typer

from bpcli.commands.arguments import Language, chosen_language, language_option
from bpcli.commands.common import EXIT_INTERRUPTED, EXIT_OK, print_error, print_warnings, stdout_console, user_errors


def quiz_command(
    name: Optional[str] = typer.Argument(None, help="A bundled exercise: its name, number (4) or a "
                                         "unique part of it (maxpool). See --list.", show_default=False),
    list_: bool = typer.Option(False, "--list", help="List the bundled exercises and exit."),
    random: bool = typer.Option(False, "--random", help="A generated exercise with hand-computable numbers."),
    level: int = typer.Option(1, "--level", min=1, max=3, help="Level of a generated exercise: 1 one linear "
                              "unit, 2 two dense layers, 3 a small CNN."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of a generated exercise (same seed, same numbers)."),
    progress: bool = typer.Option(False, "--progress", help="Show your progress per exercise and exit."),
    reset: bool = typer.Option(False, "--reset", help="Forget all progress and exit."),
    lang: Optional[Language] = language_option("statements, hints, grades, solutions and progress"),
) -> None:
    """Practise backpropagation: answer each gradient and learn why a wrong answer is wrong.

    Gradients are asked output layer first. After a wrong answer, try again or type hint,
    solution or skip.

    When stdin is not a terminal, answers are read line by line from it.

    Example: bpcli quiz 04 --lang zh;  bpcli quiz --random --level 2 --seed 7
    """
    from bpcli.quiz.progress import ProgressStore

    console = stdout_console()
    language = chosen_language(lang)
    if list_:
        _list_exercises(console, language)
        return
    store = ProgressStore()
    if progress or reset:
        _progress_or_reset(console, store, language, reset)
        return
    if not random and name is None:
        from bpcli.texts import say

        print_error(say(language, "quiz.no_name"))
        raise typer.Exit(2)
    with user_errors(lang=language):
        from bpcli.quiz.catalogue import load_exercise
        from bpcli.quiz.generator import generate

        exercise = generate(level, seed) if random else load_exercise(name)
    _print_store_warnings(store, language)
    reported = len(store.warnings)
    with user_errors(lang=language):
        score = _run_session(console, exercise, store, language)
    _print_store_warnings(store, language, reported)
    raise typer.Exit(EXIT_INTERRUPTED if score.interrupted else EXIT_OK)


def _print_store_warnings(store, language: str, start: int = 0) -> None:
    """The progress file's warnings from the ``start``-th on, in the learner's language."""
    print_warnings([warning.text(language) for warning in store.warnings[start:]])


def _run_session(console, exercise, store, language):
    from bpcli.render.quiz import ConsoleIO
    from bpcli.quiz.session import QuizSession

    return QuizSession(exercise, ConsoleIO(console, language), store, language).run()


def _list_exercises(console, language: str) -> None:
    from bpcli.quiz.catalogue import exercise_names, load_exercise
    from bpcli.quiz.progress import ProgressStore
    from bpcli.texts import say
    from rich.table import Table
    from rich.text import Text

    store = ProgressStore()
    _print_store_warnings(store, language)
    console.print(Text(say(language, "quiz.list_header")))
    # a grid keeps long titles wrapping inside their own column at 80 columns
    table = Table.grid(padding=(0, 1))
    table.add_column(width=2, justify="right")
    table.add_column(no_wrap=True)
    table.add_column()
    for name in exercise_names():
        with user_errors(lang=language):
            exercise = load_exercise(name)
        mark = "✓" if store.exercises.get(name) and store.exercises[name].solved else ""
        table.add_row(mark, Text(name), Text(exercise.title_in(language)))  # a title from YAML is not markup
    console.print(table)


def _progress_or_reset(console, store, language: str, reset: bool) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    from bpcli.texts import say

    _print_store_warnings(store, language)
    if reset:
        reported = len(store.warnings)
        if not store.reset():
            _print_store_warnings(store, language, reported)
            raise typer.Exit(2)
        console.print(Text(say(language, "progress.reset", path=store.path)))
        return
    console.print(Text(say(language, "progress.header", path=store.path)))  # a path may hold '['
    if not store.exercises:
        console.print(Text(say(language, "progress.none")))
        return
    for name, record in sorted(store.exercises.items()):
        state = say(language, "progress.solved") if record.solved else \
            say(language, "progress.partial", count=len(record.targets_solved))
        state += " " * max(0, 18 - cell_len(state))    # by display width: a Chinese character takes two
        # the names come from the progress file: literal text, not markup
        console.print(Text(say(language, "progress.row", name=name, state=state, tries=record.tries,
                               hints=record.hints)))
