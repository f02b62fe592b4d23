"""Typer parameters that several commands share (this module imports Typer: the fast
``compute --json`` path never loads it)."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from bpcli.texts import LOCALE_VARIABLES, language_from_environment, languages



def complete_exercise(incomplete: str) -> list[str]:
    """Shell completion for FILE: the exercises whose name starts with what was typed, then the
    network files and folders that do (cheap: names only, no file is read)."""
    import glob
    import os

    from bpcli.quiz.catalogue import exercise_dirs, exercise_names

    try:
        names = [name for name in exercise_names(exercise_dirs()) if name.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - a completion must never print a traceback into the shell
        names = []
    paths = [path + os.sep if os.path.isdir(path) else path for path in sorted(glob.glob(glob.escape(incomplete) + "*"))
             if os.path.isdir(path) or path.endswith((".yaml", ".yml"))]
    return names + paths


def complete_target(ctx: typer.Context, incomplete: str) -> List[str]:
    """Shell completion for grade --target: the targets of the FILE already on the line (parsed,
    or, when the parsing stopped at the half-typed option, the first word left over)."""
    file = ctx.params.get("file") or next(iter(ctx.args), None)
    if not file or file == "-":
        return []
    try:
        from bpcli.commands.common import load_network
        from bpcli.core.network import run
        from bpcli.grading.targets import valid_targets

        targets = valid_targets(run(load_network(file)).tensors())
    except Exception:  # noqa: BLE001 - an unreadable file simply offers nothing
        return []
    return [target for target in targets if target.startswith(incomplete)]


FILE_ARGUMENT = typer.Argument(..., help="The network file (YAML), - for standard input, or a bundled "
                               "exercise's name (bpcli quiz --list).", show_default=False,
                               autocompletion=complete_exercise)

#: the languages bpcli speaks, one per module of ``bpcli.texts``
Language = Enum("Language", {code: code for code in languages()}, type=str)


def language_option(what: str) -> Optional[Language]:
    """``--lang`` for a command whose ``what`` is worded in the learner's language."""
    return typer.Option(None, "--lang", case_sensitive=False, show_default=False,
                        help=f"Language of {what}: {', '.join(languages())}. Default: the language of "
                             f"{', '.join(LOCALE_VARIABLES)} (the first set; zh_CN.UTF-8 gives zh), else en.")


def chosen_language(lang: Optional[Language], default: Optional[str] = None) -> str:
    """The language ``--lang`` gave, else ``default``, else the one of the locale."""
    if lang is not None:
        return lang.value
    return default or language_from_environment()
