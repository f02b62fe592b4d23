"""Narration: the worked forward and backward pass of a network as plain data (no Rich).

``explain(network, method=..., lang=..., layer=..., forward=..., backward=..., check=...,
detail=..., notes=...)`` returns an ``Explanation`` whose ``summary`` and ``steps`` the renderers
in ``bpcli.render`` turn into terminal output, Markdown or HTML.
"""

from bpcli.narrate.explain import explain
from bpcli.narrate.model import Explanation, Formula, IdentityCheck, NamedTensor, Step, TableData, WorkedEntry

__all__ = ["explain", "Explanation", "Formula", "IdentityCheck", "NamedTensor", "Step", "TableData",
           "WorkedEntry"]
