"""Generated exercises that can be done on paper: weights and inputs are small integers and
halves, activations are linear or relu, losses sse or mse, so every value is a short decimal.
Draws whose relu sits exactly at 0, whose max-pool window ties, or whose gradients are all 0, long
decimals or large are drawn again (``bpcli.quiz.draws``).

Levels (the sizes are drawn with the numbers, so seeds give different architectures):
1 one linear dense layer (sse); 2 two dense layers, relu then linear (mse);
3 a conv layer with relu, max or average pooling, flatten and a linear unit (sse).
"""

from __future__ import annotations

import numpy as np

from bpcli.core.network import Network
from bpcli.errors import UsageError
from bpcli.quiz.catalogue import Exercise, backward_targets, exercise_from_network
from bpcli.quiz.draws import clean, draw_values

LEVELS = (1, 2, 3)
MAX_ATTEMPTS = 400


def _values(rng: np.random.Generator, shape: tuple[int, ...]) -> list:
    return draw_values(rng, shape).tolist()


def _choose(rng: np.random.Generator, options: tuple) -> object:
    return options[int(rng.integers(len(options)))]


def _level_1(rng: np.random.Generator) -> dict:
    features, samples, units = _choose(rng, (1, 2, 3)), _choose(rng, (1, 2)), _choose(rng, (1, 1, 2))
    return {"input": {"X": _values(rng, (features, samples)), "Y": _values(rng, (units, samples))},
            "layers": [{"type": "dense", "units": units, "activation": "linear",
                        "W": _values(rng, (units, features)), "b": _values(rng, (units, 1))}],
            "loss": "sse"}


def _level_2(rng: np.random.Generator) -> dict:
    features, hidden, samples = _choose(rng, (1, 2, 3)), _choose(rng, (2, 3)), _choose(rng, (1, 2))
    return {"input": {"X": _values(rng, (features, samples)), "Y": _values(rng, (1, samples))},
            "layers": [{"type": "dense", "units": hidden, "activation": "relu", "W": _values(rng, (hidden, features)),
                        "b": _values(rng, (hidden, 1))},
                       {"type": "dense", "units": 1, "activation": "linear", "W": _values(rng, (1, hidden)),
                        "b": [[0.0]]}],
            "loss": "mse"}


def _level_3(rng: np.random.Generator) -> dict:
    side, kernel = _choose(rng, ((3, 2), (4, 2), (4, 3), (5, 3)))
    filters = _choose(rng, (1, 1, 2))
    conv_side = side - kernel + 1
    pool_size, pool_stride = _choose(rng, tuple((size, stride) for size in (2, 3) for stride in (1, 2)
                                                if size <= conv_side and (conv_side - size) % stride == 0))
    pooled = (conv_side - pool_size) // pool_stride + 1
    features = filters * pooled * pooled
    return {"input": {"X": _values(rng, (1, side, side)), "Y": _values(rng, (1, 1))},
            "layers": [{"type": "conv2d", "filters": filters, "kernel": kernel, "activation": "relu",
                        "W": _values(rng, (filters, 1, kernel, kernel)), "b": [0.5] * filters},
                       {"type": _choose(rng, ("maxpool", "avgpool")), "size": pool_size, "stride": pool_stride},
                       {"type": "flatten"},
                       {"type": "dense", "units": 1, "activation": "linear", "W": _values(rng, (1, features)),
                        "b": [[0.0]]}],
            "loss": "sse"}


#: each level's network; its title is the text ``generated.level<N>``
BUILDERS = {1: _level_1, 2: _level_2, 3: _level_3}


def generated_name(level: int, seed: int) -> str:
    """The name a generated exercise is listed and its progress kept under."""
    return f"random-level{level}-seed{seed}"


def generate_document(level: int, seed: int) -> dict:
    """The network file (as a mapping, with its ``exercise:`` section) of ``level`` (1..3) drawn with
    ``seed``: the same pair gives the same document. ``--export`` writes it."""
    from bpcli import spec
    from bpcli.texts import Msg, languages

    if level not in BUILDERS:
        raise UsageError(f"--level must be 1, 2 or 3, found {level}")
    rng = np.random.default_rng(seed)
    for _ in range(MAX_ATTEMPTS):
        document = BUILDERS[level](rng)
        network = spec.load(document)
        if clean(network, backward_targets(network), exact=True):
            break
    else:  # pragma: no cover - every level finds one within a few dozen draws
        raise UsageError(f"no hand-computable exercise found for level {level}, seed {seed}; try another seed")
    about = Msg(f"generated.level{level}")
    title, statement = (Msg(key, title=about, level=level, seed=seed)
                        for key in ("generated.title", "generated.statement"))
    return {"title": title.text(), **document,
            "exercise": {"title": {lang: title.text(lang) for lang in languages() if lang != "en"},
                         "statement": {lang: statement.text(lang) for lang in languages()},
                         "targets": backward_targets(network)}}


def generate(level: int, seed: int) -> Exercise:
    """The exercise of ``level`` (1..3) drawn with ``seed``: the same pair gives the same exercise."""
    from bpcli import spec

    network: Network = spec.load(generate_document(level, seed))
    return exercise_from_network(generated_name(level, seed), network)
