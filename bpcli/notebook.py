"""The notebook display of what the Python API returns: Jupyter shows ``bpcli.explain``'s
worked solution, ``bpcli.check``'s report and (through ``bpcli.show``) a ``bpcli.compute`` result
as self-contained HTML: the page's style, MathML formulas, the network's diagram, heatmaps;
nothing is fetched. It lives beside the renderers, not in the narration, so the narration stays
plain data that never imports ``bpcli.render``."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from bpcli.core.gradcheck import CheckReport
from bpcli.core.network import Network
from bpcli.texts import usage_error
from bpcli.values import is_whole
from bpcli.narrate.model import Explanation

#: a fresh prefix for each display, so that two pages in one notebook keep their ids apart
_displays = itertools.count(1)


def _prefix() -> str:
    return f"bp{next(_displays)}-"


@dataclass(repr=False)
class NotebookExplanation(Explanation):
    """An ``Explanation`` that renders itself in a notebook (IPython's ``_repr_*_`` protocol)."""

    @classmethod
    def of(cls, explanation: Explanation) -> "NotebookExplanation":
        return cls(**{f.name: getattr(explanation, f.name) for f in fields(Explanation)})

    def _repr_markdown_(self) -> str:
        from bpcli.render.markdown import render_explanation

        return render_explanation(self)

    def _repr_html_(self) -> str:
        from bpcli.render.html import render_explanation

        return render_explanation(self, standalone=False, id_prefix=_prefix())


@dataclass(repr=False)
class NotebookCheck(CheckReport):
    """A finite-difference ``CheckReport`` that renders itself in a notebook as a table."""

    lang: str = "en"  # the language its table and sentences are shown in

    @classmethod
    def of(cls, report: CheckReport, lang: str = "en") -> "NotebookCheck":
        return cls(**{f.name: getattr(report, f.name) for f in fields(CheckReport)}, lang=lang)

    def _repr_html_(self) -> str:
        from bpcli.render.results_html import check_html

        return check_html(self, self.lang)


class ComputeDisplay:
    """A ``bpcli.compute`` result shown in a notebook: the loss, the diagram, every tensor as a
    heatmap. ``result`` is the structure itself, unchanged."""

    def __init__(self, result: dict[str, Any], precision: int = 4):
        self.result, self.precision = result, precision

    def __repr__(self) -> str:
        return f"<ComputeDisplay of a bpcli.compute result: J = {self.result['loss']:.6g}, shown in a notebook>"

    def _repr_html_(self) -> str:
        from bpcli.render.results_html import compute_html

        return compute_html(self.result, self.precision, id_prefix=_prefix())


def show(value: Any, precision: int = 4):
    """What a notebook cell should display for ``value``: a ``bpcli.compute`` result (the
    ``bpcli.compute/1`` structure), a check report or an explanation (``bpcli.show`` computes a
    network first). ``precision``: decimals shown, as ``check_precision`` takes it."""
    check_precision(precision)
    if isinstance(value, Explanation):
        return value if isinstance(value, NotebookExplanation) else NotebookExplanation.of(value)
    if isinstance(value, CheckReport):
        return value if isinstance(value, NotebookCheck) else NotebookCheck.of(value)
    if isinstance(value, dict) and value.get("schema") == "bpcli.compute/1":
        return ComputeDisplay(value, precision)
    raise TypeError(f"bpcli.show displays what bpcli.compute, bpcli.check or bpcli.explain return, or a "
                    f"network as bpcli.compute takes it, not {type(value).__name__}")


def check_precision(precision: Any) -> None:
    """``UsageError`` unless ``precision`` is a whole number 0 to 12 as ``--precision`` takes it:
    said when ``show`` is called, not as an error when the notebook displays it."""
    if not (is_whole(precision) and 0 <= precision <= 12):
        raise usage_error("usage.precision", name="precision", found=repr(precision))


def is_a_network(value: Any) -> bool:
    """Whether ``value`` is a network as the API's functions take it (README: each takes a path,
    a mapping, a bundled exercise's name or what ``bpcli.load`` returns). A mapping with a
    ``schema`` is one of bpcli's own results (compute's, grade's ``to_dict()``), never a network file."""
    if isinstance(value, Mapping):
        return "schema" not in value
    return isinstance(value, (Network, str, bytes, os.PathLike))
