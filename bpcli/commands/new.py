"""`bpcli new`: print a commented starter network file."""

from __future__ import annotations

import enum
import sys

import typer


class Starter(str, enum.Enum):
    dense = "dense"
    cnn = "cnn"


def new_command(kind: Starter = typer.Argument(..., help="dense: a two-layer network on column "
                                               "data; cnn: conv2d → maxpool → flatten → dense.")) -> None:
    """Print a commented starter network file to edit.

    Example: bpcli new dense > net.yaml && bpcli explain net.yaml
    """
    from importlib.resources import files

    sys.stdout.write((files("bpcli") / "starters" / f"{kind.value}.yaml").read_text(encoding="utf-8"))
