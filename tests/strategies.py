"""Hypothesis strategies for network mappings (what a network file holds, as Python data).

``valid_networks()`` draws networks that bpcli must accept: dense and image networks with every
layer kind, activation and loss, W and b given or left to the seed, one sample or several.
``broken_networks()`` draws one mutation of a valid network (a wrong type, a wrong shape, a
missing or extra key, a huge number, NaN or infinity, text, nested junk, a key that is not text),
which bpcli may accept or refuse with ``SpecError``, never anything else.

Both return plain dicts and lists (``yaml.safe_dump`` writes ``valid_networks()`` as a file).
Numbers stay hand-sized (|x| ≤ 3, W and b ≤ 1), so a valid network's loss is finite.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import strategies as st

HIDDEN_ACTIVATIONS = ("sigmoid", "relu", "tanh", "linear")
#: (last activation, loss): the pairs a network file may end with
OUTPUTS = [("sigmoid", "bce"), ("softmax", "softmax_ce")] + [
    (activation, loss) for activation in HIDDEN_ACTIVATIONS for loss in ("mse", "sse")]


def _numbers(bound: float) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def _tensor(draw, shape: tuple[int, ...], bound: float) -> list:
    """Nested lists of SHAPE with numbers in [-bound, bound] (hand-sized ones now and then)."""
    if not shape:
        return draw(st.one_of(_numbers(bound), st.integers(-int(bound), int(bound))))
    return [_tensor(draw, shape[1:], bound) for _ in range(shape[0])]


def _targets(draw, loss: str, n_out: int, m: int) -> list[list[float]]:
    """Y (n_out × m) that LOSS accepts: in [0, 1] for bce, one probability column per sample
    for softmax_ce (one-hot, or exact binary fractions so the sum is exactly 1), any for mse/sse."""
    if loss == "bce":
        return [[draw(st.sampled_from([0, 1, 0.25, 0.5, 1.0])) for _ in range(m)] for _ in range(n_out)]
    if loss == "softmax_ce":
        columns = []
        for _ in range(m):
            hot = draw(st.integers(0, n_out - 1))
            column = [1.0 if unit == hot else 0.0 for unit in range(n_out)]
            if n_out > 1 and draw(st.booleans()):  # a soft target: split 0.5 of the hot unit
                column[hot], column[(hot + 1) % n_out] = 0.5, 0.5
            columns.append(column)
        return [[columns[sample][unit] for sample in range(m)] for unit in range(n_out)]
    return _tensor(draw, (n_out, m), 3.0)


def _dense_layer(draw, units: int, n_prev: int, activation: str) -> dict[str, Any]:
    layer: dict[str, Any] = {"type": "dense", "units": units, "activation": activation}
    if draw(st.booleans()):
        layer["W"] = _tensor(draw, (units, n_prev), 1.0)
    if draw(st.booleans()):
        layer["b"] = (_tensor(draw, (units, 1), 1.0) if draw(st.booleans())
                      else _tensor(draw, (units,), 1.0))  # a flat list of n_l is accepted
    return layer


def _dense_head(draw, n_in: int, min_layers: int) -> tuple[list[dict[str, Any]], str, int]:
    """Dense layers on N_IN inputs ending in an output activation and its loss; (layers, loss, n_L)."""
    activation, loss = draw(st.sampled_from(OUTPUTS))
    count = draw(st.integers(min_layers, 3))
    layers, n_prev = [], n_in
    for position in range(count):
        last = position == count - 1
        units = draw(st.integers(2 if last and activation == "softmax" else 1, 4))
        layers.append(_dense_layer(draw, units, n_prev,
                                   activation if last else draw(st.sampled_from(HIDDEN_ACTIVATIONS))))
        n_prev = units
    return layers, loss, n_prev


@st.composite
def _dense_network(draw) -> dict[str, Any]:
    n0, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    layers, loss, n_out = _dense_head(draw, n0, min_layers=1)
    return {"input": {"X": _tensor(draw, (n0, m), 3.0), "Y": _targets(draw, loss, n_out, m)},
            "layers": layers, "loss": loss}


def _image_layer(draw, shape: tuple[int, int, int, int]) -> tuple[dict[str, Any], tuple[int, int, int, int]]:
    """A conv2d, maxpool or avgpool layer that fits SHAPE (m, C, H, W), and its output shape."""
    m, C, H, W = shape
    kind = draw(st.sampled_from(["conv2d", "maxpool", "avgpool"]))
    if kind == "conv2d":
        padding = draw(st.integers(0, 1))
        kh = draw(st.integers(1, min(3, H + 2 * padding)))
        kw = draw(st.integers(1, min(3, W + 2 * padding)))
        stride, filters = draw(st.integers(1, 2)), draw(st.integers(1, 3))
        layer: dict[str, Any] = {"type": "conv2d", "filters": filters,
                                 "kernel": kh if kh == kw and draw(st.booleans()) else [kh, kw],
                                 "activation": draw(st.sampled_from(HIDDEN_ACTIVATIONS))}
        if stride != 1 or draw(st.booleans()):
            layer["stride"] = stride
        if padding or draw(st.booleans()):
            layer["padding"] = padding
        if draw(st.booleans()):
            layer["W"] = _tensor(draw, (filters, C, kh, kw), 1.0)
        if draw(st.booleans()):
            layer["b"] = _tensor(draw, (filters,), 1.0)
        return layer, (m, filters, (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1)
    size = draw(st.integers(1, min(2, H, W)))
    stride = draw(st.integers(1, size))
    layer = {"type": kind, "size": size}
    if stride != size or draw(st.booleans()):
        layer["stride"] = stride
    return layer, (m, C, (H - size) // stride + 1, (W - size) // stride + 1)


@st.composite
def _image_network(draw) -> dict[str, Any]:
    m, C = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    H, W = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    shape = (m, C, H, W)
    layers = []
    for _ in range(draw(st.integers(0, 3))):
        layer, shape = _image_layer(draw, shape)
        layers.append(layer)
    layers.append({"type": "flatten"})
    n_flat = shape[1] * shape[2] * shape[3]
    if draw(st.booleans()):  # the network ends with flatten: only mse and sse take its output
        loss = draw(st.sampled_from(["mse", "sse"]))
        n_out = n_flat
    else:
        head, loss, n_out = _dense_head(draw, n_flat, min_layers=1)
        layers += head
    X = _tensor(draw, (m, C, H, W), 3.0)
    if C == 1 and draw(st.booleans()):  # m × H × W is accepted when C = 1
        X = [sample[0] for sample in X]
    return {"input": {"X": X, "Y": _targets(draw, loss, n_out, m)}, "layers": layers, "loss": loss}


@st.composite
def valid_networks(draw) -> dict[str, Any]:
    """A network mapping bpcli must accept (see the module's docstring)."""
    network = draw(st.one_of(_dense_network(), _image_network()))
    if draw(st.booleans()):
        network["seed"] = draw(st.integers(0, 2**32))
    if draw(st.booleans()):
        network["title"] = draw(st.text(max_size=20))
    return network


# ---------------------------------------------------------------------------------------------
# broken networks: one mutation of a valid one

# (whole numbers too long for Python to write, 10**5000, are tried in YAML files and in
# test_spec_errors.py: hypothesis cannot print one in its report)
HUGE_NUMBERS = [10**400, -(10**400), 10**4000, 2**1024, 1e308, -1e308, math.nan, math.inf, -math.inf,
                2**63, -(2**63) - 1]

#: keys that are not text (a Python mapping may hold them; YAML ones come from `{[1, 2]: 3}`)
odd_keys = st.one_of(st.integers(), st.none(), st.booleans(), st.floats(),
                     st.tuples(st.integers(), st.integers()), st.text(max_size=3), st.text(min_size=200))

junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from(HUGE_NUMBERS),
              st.text(max_size=30), st.text(min_size=100, max_size=2000)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(odd_keys, inner, max_size=3)),
    max_leaves=12)


def _places(value: Any, here: tuple = ()) -> list[tuple]:
    """Every place inside VALUE as a tuple of keys and indices (the root is ())."""
    places = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            places += _places(item, here + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places += _places(item, here + (index,))
    return places


def _parent(root: Any, place: tuple) -> Any:
    for step in place[:-1]:
        root = root[step]
    return root


@st.composite
def broken_networks(draw) -> dict[str, Any]:
    """A valid network with one thing changed (see the module's docstring); it may still be valid."""
    network = copy.deepcopy(draw(valid_networks()))
    mutation = draw(st.sampled_from(["replace", "number", "delete", "extra_key", "wrap", "drop", "duplicate"]))
    places = _places(network)[1:]
    if mutation == "number":  # a number of a tensor or a size: the likeliest place for a huge one
        places = [place for place in places if isinstance(_parent(network, place)[place[-1]], (int, float))]
    place = draw(st.sampled_from(places))
    parent, step = _parent(network, place), place[-1]
    if mutation == "number":
        parent[step] = draw(st.one_of(st.sampled_from(HUGE_NUMBERS), st.integers(), st.floats()))
    elif mutation == "replace":
        parent[step] = draw(junk)
    elif mutation == "delete":
        del parent[step]
    elif mutation == "extra_key":
        target = parent if isinstance(parent, dict) else network
        target[draw(odd_keys)] = draw(junk)
    elif mutation == "wrap":  # one more level of nesting: a wrong rank
        parent[step] = [parent[step]]
    elif mutation == "drop" and isinstance(parent[step], list) and parent[step]:  # a wrong shape
        parent[step].pop(draw(st.integers(0, len(parent[step]) - 1)))
    elif mutation == "duplicate" and isinstance(parent[step], list) and parent[step]:
        parent[step].append(copy.deepcopy(parent[step][-1]))
    return network
