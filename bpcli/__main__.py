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


from bpcli.exit_codes import EXIT_INTERNAL_ERROR


def main() -> None:
    try:
        _run(sys.argv[1:])
    except Exception as error:  # noqa: BLE001 - only what no command handled: a bug
        if os.environ.get("BPCLI_DEBUG"):
            raise
        sys.stderr.write(f"bpcli: internal error (a bug in bpcli; BPCLI_DEBUG=1 shows the traceback): "
                         f"{type(error).__name__}: {error}\n")
        sys.exit(EXIT_INTERNAL_ERROR)


def _run(args: list[str]) -> None:
    # The command line multiplies small matrices: OpenBLAS worker threads only spin there and,
    # on a busy 2-core machine, made the same pass several times slower. A user's own setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from bpcli.core.allocator import keep_freed_memory

    keep_freed_memory()  # a process-wide setting: the command line makes it, the library does not
    if _is_plain_compute_json(args):
        from bpcli.commands.compute_json import compute_json

        sys.exit(compute_json(args[2] if args[1] == "--json" else args[1]))
    from bpcli.cli import app

    app(prog_name="bpcli")


if __name__ == "__main__":
    main()
