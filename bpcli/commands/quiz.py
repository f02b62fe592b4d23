"""`bpcli quiz`: practise gradients on bundled, teachers' or generated exercises, or on any network
file, with graded answers, hints and worked solutions; progress is kept per exercise and a quiz
resumes where it stopped."""

from __future__ import annotations

from typing import List, Optional

import typer

from bpcli.commands.arguments import Language, chosen_language, complete_exercise, language_option
from bpcli.commands.common import (EXIT_FAILED, EXIT_INPUT_ERROR, EXIT_INTERRUPTED, EXIT_OK, print_error,
                                   print_warnings, stdout_console, usage_error, user_errors)


def quiz_command(
    context: typer.Context,
    name: Optional[str] = typer.Argument(None, help="An exercise: a network file (any valid network), or a "
                                         "bundled or --dir exercise's name, number (4) or a unique part of it "
                                         "(maxpool). See --list.", show_default=False,
                                         autocompletion=complete_exercise),
    list_: bool = typer.Option(False, "--list", help="List the exercises (bundled and --dir) and exit."),
    dirs: Optional[List[str]] = typer.Option(None, "--dir", help="A folder of exercise files to add to "
                                             "--list and --progress (repeatable; also $BPCLI_EXERCISES_DIR).",
                                             show_default=False),
    random: bool = typer.Option(False, "--random", help="A generated exercise with hand-computable numbers."),
    level: int = typer.Option(1, "--level", min=1, max=3, help="Level of a generated exercise: 1 one linear "
                              "layer, 2 two dense layers, 3 a small CNN (sizes vary with the seed)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of a generated exercise (same seed, same numbers)."),
    export: Optional[str] = typer.Option(None, "--export", metavar="<file>", help="With --random: write the generated "
                                         "exercise as a network file (to grade later, or to hand out) and exit.",
                                         show_default=False),
    progress: bool = typer.Option(False, "--progress", help="Show every exercise (solved, in progress, not "
                                  "started), suggest the next one, and exit."),
    reset: bool = typer.Option(False, "--reset", help="Forget all progress (asks first) and exit."),
    yes: bool = typer.Option(False, "--yes", "-y", help="With --reset: do not ask (for scripts)."),
    lang: Optional[Language] = language_option("statements, hints, grades, solutions and progress"),
) -> None:
    """Practise backpropagation: answer each gradient and learn why a wrong answer is wrong.

    Gradients are asked output layer first; a quiz you stopped resumes at the next target not yet
    solved (skipped ones last). After a wrong answer, try again or type hint, solution or skip.

    When stdin is not a terminal, answers are read line by line from it; the exit code is then 0
    when every target was solved, 1 otherwise.

    Example: bpcli quiz 04 --lang zh;  bpcli quiz my_net.yaml;  bpcli quiz --random --level 2 --seed 7
    """
    from bpcli.quiz.catalogue import exercise_dirs
    from bpcli.quiz.progress import ProgressStore

    console = stdout_console()
    language = chosen_language(lang)
    _refuse_ignored_options(context, language, name, list_, random, progress, reset, export, yes)
    folders = exercise_dirs(dirs or [])
    if random and export is not None:
        _export(export, level, seed, language)
        return
    if list_:
        _list_exercises(console, language, folders)
        return
    store = ProgressStore()
    if progress or reset:
        _progress_or_reset(console, store, language, reset, yes, folders)
        return
    if not random and name is None:
        from bpcli.texts import say

        print_error(say(language, "quiz.no_name"))
        raise typer.Exit(EXIT_INPUT_ERROR)
    with user_errors(lang=language):
        from bpcli.quiz.catalogue import load_exercise
        from bpcli.quiz.generator import generate

        exercise = generate(level, seed) if random else load_exercise(name, folders)
    _print_store_warnings(store, language)
    reported = len(store.warnings)
    with user_errors(lang=language):
        score = _run_session(console, exercise, store, language)
    _print_store_warnings(store, language, reported)
    if score.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_OK if score.complete else EXIT_FAILED)


def _refuse_ignored_options(context: typer.Context, language: str, name: Optional[str], list_: bool, random: bool,
                            progress: bool, reset: bool, export: Optional[str], yes: bool) -> None:
    """A usage error for options that would be ignored: two of the quiz's modes at once (NAME and
    --list), or an option of one mode given without it (--level without --random)."""
    from bpcli.texts import say

    modes = [shown for shown, given in (("NAME", name is not None), ("--list", list_), ("--random", random),
                                        ("--progress", progress), ("--reset", reset)) if given]
    if len(modes) > 1:
        usage_error(say(language, "usage.only_one", choices="NAME, --list, --random, --progress, --reset",
                        found=say(language, "usage.and").join(modes)))
    # --level 1 typed is as ignored as the default 1: ask Click where the value came from
    typed = {parameter: context.get_parameter_source(parameter).name not in ("DEFAULT", "DEFAULT_MAP")
             for parameter in ("level", "seed")}
    for option, given, mode, needed in (("--level", typed["level"], random, "--random"),
                                        ("--seed", typed["seed"], random, "--random"),
                                        ("--export", export is not None, random, "--random"),
                                        ("--yes", yes, reset, "--reset")):
        if given and not mode:
            usage_error(say(language, "usage.goes_with", option=option, needed=needed))


def _export(path: str, level: int, seed: int, language: str) -> None:
    import yaml

    from bpcli.commands.output import output_target, write_output
    from bpcli.quiz.generator import generate_document
    from bpcli.texts import say

    with user_errors(lang=language):
        target = output_target(path, name="--export")
        text = yaml.safe_dump(generate_document(level, seed), sort_keys=False, allow_unicode=True,
                              default_flow_style=None, width=100)
        if target is None:
            typer.echo(text, nl=False)
            return
        write_output(text, target, input_file="")  # no network file is read
    typer.echo(say(language, "quiz.exported", path=path), err=True)


def _print_store_warnings(store, language: str, start: int = 0) -> None:
    """The progress file's warnings from the ``start``-th on, in the learner's language."""
    print_warnings([warning.text(language) for warning in store.warnings[start:]])


def _run_session(console, exercise, store, language):
    from bpcli.render.quiz import ConsoleIO
    from bpcli.quiz.session import QuizSession

    return QuizSession(exercise, ConsoleIO(console, language), store, language).run()


def _list_exercises(console, language: str, folders=()) -> None:
    from bpcli.quiz import catalogue
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
    from bpcli.commands.common import report_user_error
    from bpcli.errors import BpcliError

    with user_errors(lang=language):
        names = catalogue.exercise_names(folders)
    # one file that cannot be read (a teacher's folder) is said, and the others are still listed
    failures = []
    for name in names:
        try:
            exercise = catalogue.load_exercise(name, folders) if folders else catalogue.load_exercise(name)
        except BpcliError as error:
            failures.append(error)
            table.add_row("✗", Text(name), Text(say(language, "quiz.list_unreadable"), style="red"))
            continue
        mark = "✓" if store.exercises.get(name) and store.exercises[name].solved else ""
        table.add_row(mark, Text(name), Text(exercise.title_in(language)))  # a title from YAML is not markup
    console.print(table)
    for error in failures:
        code = report_user_error(error, lang=language)
    if failures:
        raise typer.Exit(code)


def _progress_or_reset(console, store, language: str, reset: bool, yes: bool = False, folders=()) -> None:
    import sys

    from rich.text import Text

    from bpcli.texts import say

    _print_store_warnings(store, language)
    if reset:
        if not yes:
            if not sys.stdin.isatty():
                print_error(say(language, "progress.reset_needs_yes"))
                raise typer.Exit(EXIT_INPUT_ERROR)
            if not typer.confirm(say(language, "progress.confirm_reset", path=store.path), default=False):
                console.print(Text(say(language, "progress.reset_kept")))
                return
        reported = len(store.warnings)
        if not store.reset():
            _print_store_warnings(store, language, reported)
            raise typer.Exit(EXIT_INPUT_ERROR)
        console.print(Text(say(language, "progress.reset", path=store.path)))
        return
    _show_progress(console, store, language, folders)


def _show_progress(console, store, language: str, folders) -> None:
    """Every exercise of the catalogue, then every other one with a record (files, generated
    ones), each solved / in progress / not started, and the one to do next."""
    from rich.cells import cell_len
    from rich.text import Text

    from bpcli.quiz.catalogue import exercise_names
    from bpcli.texts import say

    console.print(Text(say(language, "progress.header", path=store.path)))  # a path may hold '['
    with user_errors(lang=language):
        listed = exercise_names(folders)
    names = listed + sorted(name for name in store.exercises if name not in listed)
    states = {}
    for name in names:
        record = store.exercises.get(name)
        if record is None:
            state = say(language, "progress.not_started")
        elif record.solved:
            state = say(language, "progress.solved")
        else:
            state = say(language, "progress.in_progress", count=len(record.targets_solved))
            if record.skipped:
                state += say(language, "progress.skipped", count=len(record.skipped))
        states[name] = (state, record)
    # by display width (a Chinese character takes two), and at least a space after the longest
    column = max([28] + [cell_len(state) + 1 for state, _ in states.values()])
    for name, (state, record) in states.items():
        # the names come from the progress file: literal text, not markup
        console.print(Text(say(language, "progress.row", name=name, state=state + " " * (column - cell_len(state)),
                               tries=record.tries if record else 0, hints=record.hints if record else 0)))
    suggestion = next_exercise(names, store)
    console.print(Text(say(language, "progress.next", name=suggestion) if suggestion
                       else say(language, "progress.all_solved")))


def next_exercise(names: list[str], store) -> str | None:
    """The exercise to do next: the first one in progress, else the first not started (in the
    order ``names`` lists them), else None when every one is solved."""
    started = [name for name in names if name in store.exercises and not store.exercises[name].solved]
    fresh = [name for name in names if name not in store.exercises]
    return (started + fresh + [None])[0]
