"""What every command shares: reading the network file, consoles, and turning library errors
into one line on stderr and an exit code (bpcli.exit_codes: 0 ok, 1 a check that failed, 2 bad
input, 74 output not written, 130 Ctrl-C)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

from bpcli.exit_codes import (EXIT_FAILED, EXIT_INPUT_ERROR, EXIT_INTERRUPTED, EXIT_OK,  # noqa: F401 - re-exported
                               EXIT_OUTPUT_ERROR)
from bpcli.formatting import one_line


def load_network(file: str):
    """The validated Network of FILE: a path, ``-`` for standard input, or, when no such file
    exists, the name of a bundled exercise (``04_two_layer_tanh``, ``04``), as the Python API
    opens it (``bpcli.network_source``). Raises SpecError."""
    from bpcli import spec

    if file == "-":
        data, label = spec.read_source(file)
        return spec.load_bytes(data, label)
    from bpcli.network_source import open_network

    return open_network(file)


def _plain_requested() -> bool:
    # Rich drops colours for NO_COLOR but keeps bold and underline; no-color.org users want none
    return bool(os.environ.get("NO_COLOR"))


def text_console(**options):
    """A Rich console that prints text as given: no highlighting of numbers and quotes, and no
    :name: emoji codes (bpcli's texts have none, a title in a user's file may hold text that looks
    like one, and looking them up loads Rich's 1.8 ms emoji table). ``options`` as Console's."""
    from rich.console import Console

    return Console(highlight=False, emoji=False, **options)


def stdout_console():
    """A Rich console on stdout; plain when piped (Rich detects it) or NO_COLOR is set."""
    if _plain_requested():
        return text_console(color_system=None)
    return text_console()


def print_error(message: str) -> None:
    # plain write, not Rich: an error path must work even if rendering is what failed; one line,
    # whatever the message holds (PyYAML and numpy write several), so scripts can read it
    sys.stderr.write(f"bpcli: error: {one_line(message)}\n")


def print_warnings(warnings: list) -> None:
    for warning in warnings:
        sys.stderr.write(f"bpcli: warning: {one_line(warning)}\n")


def exit_with(code: int):
    import typer

    raise typer.Exit(code)


def usage_error(message: str):
    """A command line whose options do not fit together: one line on stderr, exit 2."""
    print_error(message)
    exit_with(EXIT_INPUT_ERROR)


@contextmanager
def user_errors(json_errors: bool = False, lang: str = "en") -> Iterator[None]:
    """Turn bpcli's typed errors and Ctrl-C into a message and an exit code
    (``report_user_error``), for a Typer command."""
    from bpcli.errors import BpcliError

    try:
        yield
    except (BpcliError, KeyboardInterrupt) as error:
        exit_with(report_user_error(error, json_errors=json_errors, lang=lang))


def report_user_error(error: BaseException, json_errors: bool = False, lang: str = "en") -> int:
    """Report one of bpcli's typed errors, or Ctrl-C, and return its exit code: a message on
    stderr (in ``lang`` where the error carries a ``Msg``) and 2 (with ``json_errors``, the
    ``bpcli.error/1`` document of a bad file on stdout too); an output that could not be written,
    74; Ctrl-C, 130. Without Typer, so the start-up fast paths of ``bpcli.__main__`` share it."""
    from bpcli.errors import OutputError, SpecError

    if isinstance(error, SpecError):
        if json_errors:
            from bpcli.render.json_out import error_document

            sys.stdout.write(error_document(error) + "\n")
        print_error(error.describe(lang))
        return EXIT_INPUT_ERROR
    if isinstance(error, OutputError):
        print_error(str(error))
        return EXIT_OUTPUT_ERROR
    if isinstance(error, KeyboardInterrupt):
        print_error("interrupted")
        return EXIT_INTERRUPTED
    from bpcli.texts import error_text

    print_error(error_text(error, lang))
    return EXIT_INPUT_ERROR
