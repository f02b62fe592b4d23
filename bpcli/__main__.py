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


from bpcli.exit_codes import EXIT_BROKEN_PIPE, EXIT_INTERNAL_ERROR, EXIT_OUTPUT_ERROR

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
    from bpcli.cli import app

    app(prog_name="bpcli")


if __name__ == "__main__":
    main()
