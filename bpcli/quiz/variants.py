"""Per-student variants of an exercise (``bpcli variant``): the same layers, sizes, loss and
``exercise:`` section, new numbers.

The numbers come from a generator seeded by a SHA-256 of (the file's bytes, the student's id, the
course's salt), so the same three always give the same variant on any machine and Python (never
``hash()``, which changes per process). They are halves between −2 and 2 as in the generated
exercises, and a draw is made again until it is a fair exercise (``bpcli.quiz.draws.clean``): no
relu at exactly 0, no tied max-pool window, no saturated unit, no dead layer, no asked gradient
all 0 (but for a bias J does not depend on, whose gradient is 0 on every draw), no two samples
alike and not every sample of the same target. Where MAX_ATTEMPTS whole draws find none (and only
there, so that every variant whole draws can make stays the one earlier versions made), draws are
repaired: the first three troubles are one layer's doing (``bpcli.quiz.draws.first_trouble``), and
that layer alone is drawn again, smaller where its units saturated (``SMALLER_SCALES``), so the
fair layers before it are kept. Networks of
linear and relu layers with mse or sse are first drawn until every asked value is also short on
paper. The statement is left out (it may quote the original's numbers): the variant gets the
generated one.
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bpcli.core.network import Network, bias_without_effect, run
from bpcli.quiz.catalogue import Exercise, exercise_from_network
from bpcli.quiz.draws import SMALLER_SCALES, VALUES, clean, draw_values, first_trouble
from bpcli.texts import usage_error

SCHEMA_KEY = "bpcli.variant-key/1"
#: draws that must be short on paper first, then fair ones are enough
EXACT_ATTEMPTS = 300
MAX_ATTEMPTS = 600
#: how often one draw's layers may be drawn again alone before everything is drawn anew (the
#: layers before may leave a layer no fair numbers)
MAX_REPAIRS = 40
#: what a student id may hold besides letters and digits of any script: it becomes part of a file
#: name, so no path separator, space or control character
STUDENT_ID_PUNCTUATION = frozenset("_.@-")
STUDENT_ID_MAX_LENGTH = 64
#: the activations and losses whose values stay multiples of small powers of 1/2
EXACT_ACTIVATIONS = frozenset({"linear", "relu", None})
EXACT_LOSSES = frozenset({"mse", "sse"})


@dataclass
class Variant:
    """One student's variant: the network file as a mapping (to write as YAML), and the exercise
    it makes (the answers are ``run(exercise.network)``'s tensors)."""

    student: str
    document: dict[str, Any]
    exercise: Exercise


def _samples_differ(network: Network) -> bool:
    """With several samples, no two alike (one sample given twice is a smaller exercise than the
    others') and not every sample of the same target (a class every sample has, in a classifier):
    one variant in five of a 4-sample bce file drew X's columns in pairs or Y all ones."""
    m = network.m
    if m < 2:
        return True
    samples = network.X.reshape(m, -1) if network.image_input else network.X.T
    # samples of one or two features (a 1-input neuron over 12 samples) may have too few values
    # to draw from for every sample to differ: they are not held to it
    distinct = len(VALUES) ** samples.shape[1] < 4 * m or len(np.unique(samples, axis=0)) == m
    return distinct and len(np.unique(network.Y.T, axis=0)) > 1


def check_student_id(student: str) -> str:
    """``student`` in NFC when it can name a file: letters and digits of any script (with the
    combining marks some scripts write letters with), ``_ . @ -``, starting with a letter or a
    digit (so never '.' or '..'), at most 64 characters; else UsageError. In NFC, 'José' typed
    with one é or with e and a combining accent is one student: one file, the same numbers (an
    ASCII id is its own NFC, so its numbers are those it always had)."""
    normal = unicodedata.normalize("NFC", student)
    if not (0 < len(normal) <= STUDENT_ID_MAX_LENGTH and _letter_or_digit(normal[0])
            and all(_letter_or_digit(character) or unicodedata.category(character).startswith("M")
                    or character in STUDENT_ID_PUNCTUATION for character in normal)):
        raise usage_error("variant.student_id", student=repr(student), limit=STUDENT_ID_MAX_LENGTH)
    return normal


def _letter_or_digit(character: str) -> bool:
    category = unicodedata.category(character)
    return category.startswith("L") or category == "Nd"


def student_ids(count: int) -> list[str]:
    """s01, s02, …: as many digits as ``count`` needs, at least two."""
    width = max(2, len(str(count)))
    return [f"s{number:0{width}d}" for number in range(1, count + 1)]


def variant_seed(content: bytes, student: str, salt: str = "") -> int:
    """The generator's seed for (file bytes, student, salt): the first 8 bytes of a SHA-256 over
    the three, each length-prefixed so that no two triples share an input."""
    digest = hashlib.sha256(b"bpcli.variant/1")
    for part in (content, student.encode("utf-8"), salt.encode("utf-8")):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return int.from_bytes(digest.digest()[:8], "big")


def make_variant(document: Mapping, network: Network, content: bytes, student: str, salt: str = "",
                 source: str = "") -> Variant:
    """Student ``student``'s variant of the exercise whose file is ``document`` (the parsed YAML),
    ``network`` (the validated network) and ``content`` (the file's bytes). ``source`` names the
    file in the variant's description. Raises UsageError for an id that cannot name a file
    (``check_student_id``, which also puts it in NFC) or when no fair draw is found."""
    student = check_student_id(student)
    name = f"{_stem(source)}-{student}"
    targets = exercise_from_network(name, network).targets
    # a bias that J does not depend on (before a batchnorm) has a gradient of 0 on every draw
    always_zero = {f"d{bias}{network.layers[position].index}" for position in range(len(network.layers))
                   if (bias := bias_without_effect(network, position)) is not None}
    exact = _can_be_exact(network)
    rng = np.random.default_rng(variant_seed(content, student, salt))
    from bpcli import spec

    asked = [target for target in targets if target not in always_zero]

    def judged(drawn: dict, exact_now: bool):
        """The draw loaded and run, or (None, None) when two samples are alike; and whether it is fair."""
        candidate = spec.load(drawn)
        if not _samples_differ(candidate):
            return None, None, False
        computed = run(candidate)
        return candidate, computed, clean(candidate, asked, exact=exact_now, computed=computed)

    def variant(drawn: dict, candidate: Network, computed) -> Variant:
        described = {**drawn, "description": f"Variant for student {student} of {source or 'an exercise'}."}
        return Variant(student, described, exercise_from_network(name, candidate, computed))

    # whole draws first, as bpcli 0.1 made them: every variant it could make stays the same
    for attempt in range(MAX_ATTEMPTS):
        drawn = _redraw(document, network, rng, {})
        candidate, computed, fair = judged(drawn, exact and attempt < EXACT_ATTEMPTS)
        if fair:
            return variant(drawn, candidate, computed)
    # then repairs: a relu at 0, a tie or a saturated unit is one layer's doing, and drawing that
    # layer alone again keeps the fair layers before it (a whole new draw of a CNN with a sigmoid
    # output was fair once in 300: it must pass every layer at once)
    drawn, repairs, scales = None, 0, {}
    for _ in range(MAX_ATTEMPTS):
        if drawn is None or repairs == MAX_REPAIRS:
            drawn, repairs = _redraw(document, network, rng, scales), 0
        candidate, computed, fair = judged(drawn, False)
        if fair:
            return variant(drawn, candidate, computed)
        trouble = None if candidate is None else first_trouble(candidate, computed)
        if trouble is None:
            drawn = None
            continue
        if trouble.saturated and trouble.position is not None:
            scales[trouble.position] = _smaller(scales.get(trouble.position, 1.0))
        drawn, repairs = _redraw_part(drawn, network, trouble.position, rng, scales), repairs + 1
    raise usage_error("variant.no_fair_draw", student=repr(student))


def _stem(source: str) -> str:
    base = re.split(r"[\\/]", source)[-1] if source else "exercise"
    return base.rsplit(".", 1)[0] if base.endswith((".yaml", ".yml")) else base


def _can_be_exact(network: Network) -> bool:
    return network.loss in EXACT_LOSSES and all(layer.activation in EXACT_ACTIVATIONS for layer in network.layers)


def _redraw(document: Mapping, network: Network, rng: np.random.Generator,
            scales: Mapping[int, float]) -> dict[str, Any]:
    """A copy of ``document`` with new X, Y and parameters (written out even where the file let
    the seed draw them, so the variant stands alone); the parameters of the layer at position p
    times ``scales[p]`` (1 where not given)."""
    drawn = copy.deepcopy(dict(document))
    drawn["input"] = {"X": draw_values(rng, network.X.shape).tolist(), "Y": _targets(rng, network).tolist()}
    drawn["layers"] = [dict(spec) for spec in drawn["layers"]]
    for position in range(len(network.layers)):
        drawn["layers"][position].update(_layer_parameters(network, position, rng, scales))
    section = drawn.get("exercise")
    if isinstance(section, dict) and "statement" in section:
        # it may quote the original's numbers ("here z = 0, so a = 0.5"): the variant gets the
        # generated statement, which names only the targets (the hints speak of formulas only)
        drawn["exercise"] = {key: value for key, value in section.items() if key != "statement"}
    return drawn


def _redraw_part(drawn: Mapping, network: Network, position: int | None, rng: np.random.Generator,
                 scales: Mapping[int, float]) -> dict[str, Any]:
    """A copy of ``drawn`` with new parameters for the layer at ``position`` (None: a new X)."""
    repaired = dict(drawn)
    if position is None:
        repaired["input"] = {**drawn["input"], "X": draw_values(rng, network.X.shape).tolist()}
    else:
        repaired["layers"] = list(drawn["layers"])
        repaired["layers"][position] = {**drawn["layers"][position],
                                        **_layer_parameters(network, position, rng, scales)}
    return repaired


def _layer_parameters(network: Network, position: int, rng: np.random.Generator,
                      scales: Mapping[int, float]) -> dict[str, list]:
    scale = scales.get(position, 1.0)
    return {parameter: draw_values(rng, value.shape, scale).tolist()
            for parameter, value in network.layers[position].parameters().items()}


def _smaller(scale: float) -> float:
    """The next of ``SMALLER_SCALES`` below ``scale`` (the smallest stays)."""
    return next((smaller for smaller in SMALLER_SCALES if smaller < scale), SMALLER_SCALES[-1])


def _targets(rng: np.random.Generator, network: Network) -> np.ndarray:
    """Y for the loss: 0 or 1 for bce, one-hot columns for softmax_ce, halves otherwise."""
    shape = network.Y.shape
    if network.loss == "bce":
        return rng.integers(0, 2, size=shape).astype(float)
    if network.loss == "softmax_ce":
        one_hot = np.zeros(shape)
        one_hot[rng.integers(0, shape[0], size=shape[1]), np.arange(shape[1])] = 1.0
        return one_hot
    return draw_values(rng, shape)


def variant_yaml(variant: Variant) -> str:
    """The variant as a network file (YAML; tensors as flow-style nested lists)."""
    import yaml

    return yaml.safe_dump(variant.document, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=100)


def answer_key(variants: dict[str, Variant], source: str) -> dict[str, Any]:
    """The teacher's key: per variant file, the student, per target the right answer (float64
    nested lists) and its points, and the total."""
    entries = {}
    for file_name, variant in variants.items():
        exercise = variant.exercise
        tensors = run(exercise.network).tensors()
        entries[file_name] = {
            "student": variant.student,
            "targets": {target: {"answer": tensors[target], "points": exercise.points_of(target)}
                        for target in exercise.targets},
            "total_points": exercise.total_points,
        }
    return {"schema": SCHEMA_KEY, "source": source, "variants": entries}
