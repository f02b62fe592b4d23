"""Generated exercises that can be done on paper: weights and inputs are small integers and
halves, activations are linear or relu, losses sse or mse, so every value is a short decimal.
Draws whose relu sits exactly at 0, whose max-pool window ties, or whose gradients are all 0, long
decimals or large are drawn again.

Levels: 1 one linear unit (sse); 2 two dense layers, relu then linear (mse, m = 2);
3 a conv filter with relu, 2 × 2 max pooling, flatten and a linear unit (sse).
"""

from __future__ import annotations

import numpy as np

from bpcli.core.network import Network, run
from bpcli.errors import UsageError
from bpcli.quiz.catalogue import Exercise, exercise_from_network

LEVELS = (1, 2, 3)
#: hand-computable values: halves between −2 and 2, without 0
VALUES = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
MAX_ATTEMPTS = 200


def _values(rng: np.random.Generator, shape: tuple[int, ...]) -> list:
    return rng.choice(VALUES, size=shape).tolist()


def _level_1(rng: np.random.Generator) -> dict:
    return {"input": {"X": _values(rng, (2, 1)), "Y": _values(rng, (1, 1))},
            "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": _values(rng, (1, 2)),
                        "b": _values(rng, (1, 1))}],
            "loss": "sse"}


def _level_2(rng: np.random.Generator) -> dict:
    return {"input": {"X": _values(rng, (2, 2)), "Y": _values(rng, (1, 2))},
            "layers": [{"type": "dense", "units": 2, "activation": "relu", "W": _values(rng, (2, 2)),
                        "b": _values(rng, (2, 1))},
                       {"type": "dense", "units": 1, "activation": "linear", "W": _values(rng, (1, 2)),
                        "b": [[0.0]]}],
            "loss": "mse"}


def _level_3(rng: np.random.Generator) -> dict:
    return {"input": {"X": _values(rng, (1, 3, 3)), "Y": _values(rng, (1, 1))},
            "layers": [{"type": "conv2d", "filters": 1, "kernel": 2, "activation": "relu",
                        "W": _values(rng, (1, 1, 2, 2)), "b": [0.5]},
                       {"type": "maxpool", "size": 2},
                       {"type": "flatten"},
                       {"type": "dense", "units": 1, "activation": "linear", "W": _values(rng, (1, 1)),
                        "b": [[0.0]]}],
            "loss": "sse"}


#: each level's network; its title is the text ``generated.level<N>``
BUILDERS = {1: _level_1, 2: _level_2, 3: _level_3}


def backward_targets(network: Network) -> list[str]:
    """The gradients to ask, output layer first: per layer dZ, dW, db, then dA of the layer below."""
    targets: list[str] = []
    tensors = run(network).tensors()
    for layer in reversed(network.layers):
        l = layer.index
        targets += [name for name in (f"dZ{l}", f"dW{l}", f"db{l}") if name in tensors]
        if l > 1:
            targets.append(f"dA{l - 1}")
    return targets


def generate(level: int, seed: int) -> Exercise:
    """The exercise of ``level`` (1..3) drawn with ``seed``: the same pair gives the same exercise."""
    from bpcli import spec
    from bpcli.texts import Msg, languages

    if level not in BUILDERS:
        raise UsageError(f"--level must be 1, 2 or 3, found {level}")
    rng = np.random.default_rng(seed)
    for _ in range(MAX_ATTEMPTS):
        document = BUILDERS[level](rng)
        network = spec.load(document)
        if _hand_computable(network):
            break
    else:  # pragma: no cover - every level finds one within a few dozen draws
        raise UsageError(f"no hand-computable exercise found for level {level}, seed {seed}; try another seed")
    name = f"random-level{level}-seed{seed}"
    about = Msg(f"generated.level{level}")
    title, statement = (Msg(key, title=about, level=level, seed=seed)
                        for key in ("generated.title", "generated.statement"))
    network.extras["exercise"] = {
        "statement": {lang: statement.text(lang) for lang in languages()},
        "targets": backward_targets(network),
        "title": {lang: title.text(lang) for lang in languages()},
    }
    network.title = title.text()
    return exercise_from_network(name, network)


#: every asked value is a multiple of this (at most three decimals, 0.125) ...
GRID = 0.125
#: ... and no larger than this in size
MAX_VALUE = 20.0


def _hand_computable(network: Network) -> bool:
    """No relu exactly at 0, no tied max-pool window, a non-zero output error, and every asked
    gradient short on paper: not all 0 (a layer of dead relu units asks nothing), at most three
    decimals (multiples of 1/8) and at most ``MAX_VALUE`` in size."""
    result = run(network)
    if result.warnings:
        return False
    if not np.abs(result.records[-1].A - network.Y).min() > 0:
        return False
    tensors = result.tensors()
    for target in backward_targets(network):
        value = tensors[target]
        if not np.abs(value).max() > 0 or np.abs(value).max() > MAX_VALUE:
            return False
        if not np.allclose(value / GRID, np.round(value / GRID), rtol=0, atol=1e-9):
            return False
    return True
