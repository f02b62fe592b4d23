"""`bpcli compute FILE --json`, kept free of Typer and Rich: scripts call it in loops, and the
start-up fast path in ``bpcli.__main__`` runs it without loading the CLI framework."""

from __future__ import annotations

import sys

from bpcli.commands.common import EXIT_OK, load_network, print_warnings, report_user_error


def compute_json(file: str) -> int:
    """Print the ``bpcli.compute/1`` JSON of FILE on stdout and return the exit code.

    The whole of ``bpcli compute FILE --json``; also called directly, without Typer, by the
    start-up fast path in ``bpcli.__main__`` so that scripts do not pay for the CLI framework.
    """
    from bpcli.errors import SpecError
    from bpcli.render.json_out import dumps

    try:
        from bpcli.core.network import run

        result = run(load_network(file))
    except (SpecError, KeyboardInterrupt) as error:
        return report_user_error(error, json_errors=True)
    sys.stdout.write(dumps(result.to_compute_dict()) + "\n")
    print_warnings(result.warnings)
    return EXIT_OK
