"""`bpcli compute FILE --json`, kept free of Typer and Rich: scripts call it in loops, and the
start-up fast path in ``bpcli.__main__`` runs it without loading the CLI framework."""

from __future__ import annotations

import sys

from bpcli.commands.common import EXIT_INPUT_ERROR, EXIT_INTERRUPTED, EXIT_OK, load_network, print_error, print_warnings


def compute_json(file: str) -> int:
    """Print the ``bpcli.compute/1`` JSON of FILE on stdout and return the exit code.

    The whole of ``bpcli compute FILE --json``; also called directly, without Typer, by the
    start-up fast path in ``bpcli.__main__`` so that scripts do not pay for the CLI framework.
    """
    from bpcli.errors import SpecError
    from bpcli.render.json_out import dumps, error_document

    try:
        from bpcli.core.network import run

        result = run(load_network(file))
    except SpecError as error:
        sys.stdout.write(error_document(error) + "\n")
        print_error(str(error))
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED
    sys.stdout.write(dumps(result.to_compute_dict()) + "\n")
    print_warnings(result.warnings)
    return EXIT_OK
