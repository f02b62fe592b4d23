"""Typer parameters that several commands share (this module imports Typer: the fast
``compute --json`` path never loads it)."""

from __future__ import annotations

import typer

FILE_ARGUMENT = typer.Argument(..., help="The network file (YAML), - for standard input, or a bundled "
                               "exercise's name (bpcli quiz --list).", show_default=False)
