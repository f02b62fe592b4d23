"""bpcli: backpropagation worked out step by step, for learners and teachers.

Python API (see README): ``compute(spec)``, ``check(spec)``, ``explain(spec)``, ``show(result)``,
``grade(spec, target, answer)``, ``SpecError``. ``spec`` is a path, a mapping or a bundled
exercise's name ("05"), as on the command line. In a notebook, what ``explain`` and ``check``
return, and ``show(compute(...))``, display as self-contained HTML. numpy is imported only when
one of them is first called.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from bpcli.errors import AnswerError, BpcliError, SpecError, UsageError

__version__ = "0.1.0"
__all__ = ["compute", "check", "explain", "show", "grade", "load", "SpecError", "AnswerError", "BpcliError",
           "UsageError", "__version__"]


_F = TypeVar("_F", bound=Callable[..., Any])


def _traceback_from_the_call(function: _F) -> _F:
    """A mistake in what the caller gave (a ``BpcliError``) is raised with a traceback that starts
    at their call, not at the depth of the check that found it: 81 lines through bpcli's loader
    stood above a wrong W's message in a notebook. bpcli's own bugs keep their whole traceback."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except BpcliError as error:
            raise error.with_traceback(None) from error.__cause__

    return call  # type: ignore[return-value]


@_traceback_from_the_call
def load(spec: Any):
    """A validated ``Network`` from a path, a mapping or the name of a bundled exercise ("05"),
    as the command line opens it (raises ``SpecError``). compute, check, explain and grade take
    what it returns as well as what it takes."""
    from bpcli.network_source import open_network

    return open_network(spec)


@_traceback_from_the_call
def compute(spec: Any) -> dict[str, Any]:
    """Run the network and return the ``bpcli.compute/1`` structure with float64 numpy arrays.

    ``spec`` is a path to a network file or the mapping such a file holds (tensors as nested
    lists or numpy arrays). Raises ``SpecError`` (a ``ValueError`` with ``.path``, ``.message``).
    """
    import numpy as np

    from bpcli.core.network import run

    network = load(spec)
    result = run(network).to_compute_dict()
    if network is spec:
        # the caller keeps this network: its W, b and X (and what views them, a flatten's A) must
        # not be changed through the result, as a gradient step on result["layers"][0]["W"] would
        for layer in result["layers"]:
            layer.update((key, value.copy()) for key, value in layer.items() if isinstance(value, np.ndarray))
        result["dX"] = result["dX"].copy()
    return result


@_traceback_from_the_call
def check(spec: Any, lang: str = "en", **options: Any):
    """Central finite differences for every parameter and X (``options``: see
    ``bpcli.core.gradcheck.check``); shown in a notebook as a table in ``lang``."""
    from bpcli.core.gradcheck import check as check_network
    from bpcli.notebook import NotebookCheck
    from bpcli.texts import check_language

    check_language(lang)
    return NotebookCheck.of(check_network(load(spec), **options), lang)


@_traceback_from_the_call
def explain(spec: Any, **options: Any):
    """The worked solution as data (shown as Markdown or HTML in a notebook): ``.summary`` (the
    network, the loss, the backward equations, the finite-difference check) and ``.steps``.
    Options as ``bpcli.narrate.explain``: ``method``, ``lang``, ``layer``, ``forward``, ``backward``,
    ``check``, ``detail`` (summary | steps | full; full unless given) and ``notes`` (once | all)."""
    from bpcli.narrate import explain as explain_network
    from bpcli.notebook import NotebookExplanation

    return NotebookExplanation.of(explain_network(load(spec), **options))


@_traceback_from_the_call
def grade(spec: Any, target: str, answer: Any, *, lang: str = "en", rtol: float = 1e-2):
    """Grade ``answer`` for the tensor ``target`` of the network ``spec`` (a path, a bundled
    exercise's name such as ``"04"``, a mapping, or a loaded network), as ``bpcli grade`` does.

    ``answer`` is numbers (text such as ``"1 2; 3 4"``, nested lists or an array) or a formula
    (``"dZ2 @ A1.T"``). Returns a ``GradeResult``: ``.correct``, ``.diagnosis`` (codes),
    ``.message`` (in ``lang``), ``.wrong_entries``, ``.to_dict()`` (the ``bpcli.grade/1``
    object); in a notebook it shows the verdict with the wrong entries marked. Raises
    ``SpecError`` for the network, ``AnswerError`` for an answer that cannot be read and
    ``UsageError`` for an unknown target or a bad ``rtol``.
    """
    from bpcli.grading import grade as grade_answer

    return grade_answer(load(spec), target, answer, rtol=rtol, lang=lang)


@_traceback_from_the_call
def show(result: Any, precision: int = 4):
    """``result`` (of ``compute``, ``check`` or ``explain``, or a network as ``compute`` takes
    it, which is computed) as a notebook displays it: the page's style, the network's diagram,
    heatmaps, MathML (see ``bpcli.notebook.show``). Raises ``SpecError`` for a network that
    cannot be computed."""
    from bpcli.notebook import check_precision, is_a_network, show as notebook_show

    if is_a_network(result):
        check_precision(precision)  # before the network is computed for nothing
        result = compute(result)
    return notebook_show(result, precision)


def __dir__() -> list[str]:
    # what a user may call (tab completion in a notebook), not what this module's code imports
    # for itself (Any, annotations) nor the submodules loaded so far
    return sorted(__all__)
