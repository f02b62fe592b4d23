"""Typer parameters that several commands share (this module imports Typer: the fast
``compute --json`` path never loads it)."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from bpcli.texts import LOCALE_VARIABLES, language_from_environment, languages

FILE_ARGUMENT = typer.Argument(..., help="The network file (YAML), - for standard input, or a bundled "
                               "exercise's name (bpcli quiz --list).", show_default=False)

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
