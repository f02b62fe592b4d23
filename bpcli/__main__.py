"""Entry point of the ``bpcli`` command and of ``python -m bpcli``."""

from __future__ import annotations

import os
import sys


def _is_plain_compute_json(args: list[str]) -> bool:
    """True for exactly ``compute FILE --json`` (either order): the scripted call, served
    without loading Typer (which alone costs about half of numpy's import time)."""
    if len(args) != 3 or args[0] != "compute" or "--json" not in args[1:]:
        return False
    file = args[2] if args[1] == "--json" else args[1]
    return file == "-" or not file.startswith("-")


from bpcli.exit_codes import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED,
                              EXIT_OUTPUT_ERROR)

#: set by a shell asking Typer for completions: the line is then Typer's, whatever it holds
COMPLETION_VARIABLE = "_BPCLI_COMPLETE"


def main() -> None:
    from bpcli.commands.output import prepare_standard_streams

    prepare_standard_streams()
    try:
        try:
            _run(sys.argv[1:])
        finally:
            # a short output is still in the buffer: a full disk only shows when it is flushed
            sys.stdout.flush()
    except Exception as error:  # noqa: BLE001 - only what no command handled: a bug, or the output
        _fail(error)


def _fail(error: Exception) -> None:
    """Exit for an exception no command handled: a stdout that cannot be written (74), a reader
    gone where no SIGPIPE ends bpcli (Windows: 141, quietly), otherwise a bug in bpcli (70)."""
    from bpcli.commands.output import discard_standard_output, is_output_error

    if isinstance(error, BrokenPipeError):
        discard_standard_output()
        sys.exit(EXIT_BROKEN_PIPE)
    if is_output_error(error):
        discard_standard_output()
        _write_error_line(f"cannot write output: {error.strerror}")
        sys.exit(EXIT_OUTPUT_ERROR)
    if os.environ.get("BPCLI_DEBUG"):
        raise error
    _write_error_line(f"internal error (a bug in bpcli; BPCLI_DEBUG=1 shows the traceback): "
                      f"{type(error).__name__}: {error}")
    sys.exit(EXIT_INTERNAL_ERROR)


def _write_error_line(message: str) -> None:
    from bpcli.commands.common import print_error

    try:
        print_error(message)
    except OSError:  # stderr is full or gone too: the exit code still tells
        pass


def apply_process_settings() -> None:
    """The process-wide settings the command line makes before numpy is imported (the library
    leaves its host process's alone)."""
    # The command line multiplies small matrices: OpenBLAS worker threads only spin there and,
    # on a busy 2-core machine, made the same pass several times slower. A user's own setting wins.
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        from bpcli.core import parallel  # the standard library only: numpy is not imported yet

        parallel.blas_limited_by_command_line = True  # bpcli's own threads may still share big work
    from bpcli.core.allocator import keep_freed_memory

    keep_freed_memory()


def _run(args: list[str]) -> None:
    apply_process_settings()
    # the two calls scripts make in loops are served without Typer (about half of numpy's import
    # time); anything else, and every error in the command line itself, is Typer's to parse
    if not os.environ.get(COMPLETION_VARIABLE):
        if _is_plain_compute_json(args):
            from bpcli.commands.compute_json import compute_json

            sys.exit(compute_json(args[2] if args[1] == "--json" else args[1]))
        if args[:1] == ["grade"]:
            from bpcli.commands.grade_answer import grade_answer, plain_grade_request

            request = plain_grade_request(args)
            if request is not None:
                sys.exit(grade_answer(request))
    import typer

    from bpcli.cli import app

    # Click's error class, whether this Typer uses Click or (newer ones) its own copy of it
    click_error = next(base for base in typer.BadParameter.__mro__ if base.__name__ == "ClickException")
    try:
        code = app(prog_name="bpcli", standalone_mode=False)
    except typer.Abort as abort:
        # a prompt (quiz --reset's) turns Ctrl-C into Abort; Ctrl-D at it declines
        sys.stderr.write("\n")
        sys.exit(EXIT_INTERRUPTED if isinstance(abort.__context__, KeyboardInterrupt) else EXIT_FAILED)
    except click_error as error:
        _usage_error(error)
    # a command's own exit code (typer.Exit), else 0: the commands return nothing
    sys.exit(code if isinstance(code, int) else 0)


def _usage_error(error) -> None:
    """A command line Click cannot parse: one line on stderr, as for every other error (Typer
    would draw a box of several), naming the command and where its help is."""
    message = error.format_message()
    if message.strip():  # empty after `bpcli` alone, whose help has been printed
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "bpcli"
        _write_error_line(f"{message} (see '{command} -h')")
    sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
