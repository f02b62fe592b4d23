"""Opening a network the way every command and the Python API do: a mapping, a path to a network
file, or, when no file has that name, the name of a bundled exercise (``05``,
``05_worked_example_222``), so ``bpcli.explain("05")`` opens what ``bpcli explain 05`` opens."""

from __future__ import annotations

import os
from typing import Any


def open_network(source: Any):
    """The validated ``Network`` of ``source``: a mapping (what a network file holds), a path
    (str, bytes or PathLike), the name of a bundled exercise when no such file exists, or a
    ``Network`` already loaded (``bpcli.load``'s), which is itself. Raises ``SpecError``."""
    from bpcli import spec
    from bpcli.core.network import Network

    if isinstance(source, Network):
        return source
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if isinstance(name, str) and not os.path.exists(name):
            return _bundled(name)
    return spec.load(source)


def _bundled(name: str):
    from bpcli.errors import UsageError
    from bpcli.quiz.catalogue import load_bundled_network

    try:
        return load_bundled_network(name)
    except UsageError:
        from bpcli.spec import missing_file

        raise missing_file(name) from None
