"""A worksheet as data: for one exercise, the network in one line, the givens, the targets with
their shapes and points, and (for the key) the answers and the worked solution from explain.
``bpcli.render.worksheet`` writes it as Markdown or printable HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpcli.core.network import run
from bpcli.quiz.catalogue import Exercise

#: the most decimals a given value is written with (halves need 1, the bundled files at most 4)
GIVEN_DECIMALS = 4
#: the fewest decimals a key's answer is written with; more where the grader would refuse the
#: answer so rounded (05's dW1, 0.000438…, is 0.0004 to four: 9 % off)
ANSWER_DECIMALS = 4


@dataclass
class Given:
    """A tensor the sheet gives, and the decimals that write every one of its values exactly
    (or ``GIVEN_DECIMALS``)."""

    name: str
    value: np.ndarray
    decimals: int


@dataclass
class Asked:
    """A target: its name, shape, points and (on a key) the right answer, with the decimals that
    write it so that the grader takes it as written."""

    name: str
    shape: tuple[int, ...]
    points: float
    answer: np.ndarray | None = None
    decimals: int = ANSWER_DECIMALS


@dataclass
class Sheet:
    name: str
    title: str
    statement: str
    source_text: str | None
    diagram: str
    loss: str
    m: int
    givens: list[Given]
    forward: list[Given]
    asked: list[Asked]
    total_points: float
    #: the worked solution (``bpcli.narrate.explain``'s Explanation), on a key
    explanation: Any = None
    lang: str = "en"
    notes: list[str] = field(default_factory=list)


def build_sheet(exercise: Exercise, lang: str = "en", key: bool = False) -> Sheet:
    """The sheet of ``exercise`` in ``lang``; with ``key``, the answers and the worked solution."""
    network = exercise.network
    tensors = run(network).tensors()
    given_names = ["X", "Y"] + [f"{parameter}{layer.index}" for layer in network.layers
                                for parameter in layer.parameters()]
    explanation = None
    if key:
        from bpcli.narrate import explain

        explanation = explain(network, lang=lang, check=False)
    return Sheet(
        name=exercise.name, title=exercise.title_in(lang), statement=exercise.text(lang),
        source_text=exercise.source_text, diagram=network.diagram(), loss=network.loss, m=network.m,
        givens=[_given(name, tensors[name]) for name in given_names],
        forward=[_given(name, tensors[name]) for name in exercise.given],
        asked=[_asked(target, tensors[target], exercise.points_of(target), key) for target in exercise.targets],
        total_points=exercise.total_points, explanation=explanation, lang=lang)


def _asked(target: str, value: np.ndarray, points: float, key: bool) -> Asked:
    if not key:
        return Asked(target, value.shape, points)
    from bpcli.grading.diagnosis import matches
    from bpcli.grading.grade import DEFAULT_RTOL

    decimals = next((places for places in range(ANSWER_DECIMALS, 16)
                     if matches(value, np.round(value, places), DEFAULT_RTOL)), 16)
    return Asked(target, value.shape, points, value, decimals)


def _given(name: str, value: np.ndarray) -> Given:
    decimals = next((places for places in range(GIVEN_DECIMALS)
                     if np.allclose(np.round(value, places), value, rtol=0, atol=1e-12)), GIVEN_DECIMALS)
    return Given(name, value, decimals)


def points_count(points: float) -> int | float:
    """Points as a count is written: 2.0 → 2, 1.5 → 1.5."""
    return int(points) if float(points).is_integer() else points
