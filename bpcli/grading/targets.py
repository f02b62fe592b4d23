"""Targets: the tensor a question asks for (``dW2``, ``db1``, ``dZ3``, ``dA1``, ``dX``, and the
forward ``Z1``, ``A1``), what it means and what shape it has and why."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from bpcli.core.network import Network
from bpcli.formatting import shorten
from bpcli.grading.messages import Msg, usage_error

_TARGET = re.compile(r"^(?P<kind>dW|db|dZ|dA|Z|A)(?P<layer>[0-9]+)$")
#: given tensors are not targets: there is nothing to compute
GIVEN_PREFIXES = ("W", "b")
GIVEN_NAMES = ("X", "Y", "A0")


@dataclass(frozen=True)
class Target:
    """A tensor to compute: ``kind`` is dW, db, dZ, dA, dX, Z or A; ``layer`` its layer number
    (None for dX)."""

    name: str
    kind: str
    layer: int | None

    @property
    def is_gradient(self) -> bool:
        return self.kind.startswith("d")

    @property
    def base(self) -> str:
        """The tensor whose gradient this is and whose shape it has: W2 for dW2, X for dX."""
        return self.name[1:] if self.is_gradient else self.name


def parse_target(name: str, tensors: dict[str, np.ndarray]) -> Target:
    """The target called ``name`` among a run's ``tensors``; ``UsageError`` listing the valid
    targets when the network has no such tensor."""
    valid = valid_targets(tensors)
    if name not in valid:
        same_letters = [target for target in valid if target.lower() == name.lower()]  # dw2 -> dW2
        close = same_letters or difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
        if close:
            raise usage_error("target.unknown.close", name=shorten(name), close=close[0], targets=", ".join(valid))
        raise usage_error("target.unknown", name=shorten(name), targets=", ".join(valid))
    if name == "dX":
        return Target("dX", "dX", None)
    match = _TARGET.match(name)
    return Target(name, match.group("kind"), int(match.group("layer")))


def valid_targets(tensors: dict[str, np.ndarray]) -> list[str]:
    """Every tensor of a run a learner can be asked for, layer by layer, then dX."""
    names = [name for name in tensors if _TARGET.match(name) and name not in GIVEN_NAMES]
    layers = sorted({int(_TARGET.match(name).group("layer")) for name in names})
    order = ("Z", "A", "dA", "dZ", "dW", "db")
    ordered = [f"{kind}{layer}" for layer in layers for kind in order if f"{kind}{layer}" in tensors]
    return ordered + (["dX"] if "dX" in tensors else [])


def output_name(network: Network, k: int) -> str:
    """The name of A(k), layer k's output: X for k = 0 when X is column data (an image input is
    A0, the m × C × H × W the layers see), else A{k}."""
    return "X" if k == 0 and not network.image_input else f"A{k}"


def input_name(network: Network, layer: int) -> str:
    """The name of layer ``layer``'s input, A(layer − 1): X for the first layer (column data)."""
    return output_name(network, layer - 1)


def shape_words(shape: tuple[int, ...]) -> Msg:
    """(3, 2) -> '3 × 2'; (4,) -> 'a flat list of 4 numbers'; () -> 'a single number'."""
    if not shape:
        return Msg("shape.single")
    if len(shape) == 1:
        return Msg("shape.flat", count=shape[0])
    return Msg("shape.dims", dims=" × ".join(str(n) for n in shape))


def shape_meaning(target: Target, network: Network, shape: tuple[int, ...]) -> Msg | None:
    """What the axes of ``target``'s shape stand for, e.g. 'one row per unit of layer 1, …'."""
    layer = network.layers[target.layer - 1] if target.layer else None
    kind = target.kind.lstrip("d") if target.kind != "dX" else "X"
    if kind == "W" and layer.kind == "dense":
        return Msg("meaning.dense_W", layer=target.layer)
    if kind == "W":
        return Msg("meaning.conv_W")
    if kind == "b" and layer.kind == "dense":
        return Msg("meaning.dense_b", layer=target.layer)
    if kind == "b":
        return Msg("meaning.conv_b")
    if len(shape) == 2:
        return Msg("meaning.columns")
    if len(shape) == 4:
        return Msg("meaning.images")
    return None


def shape_message(target: Target, network: Network, shape: tuple[int, ...]) -> Msg:
    """The dimension analysis of a target: 'dW1 has the shape of W1, 3 × 2 (one row per …)'."""
    meaning = shape_meaning(target, network, shape)
    key = "shape.gradient" if target.is_gradient else "shape.tensor"
    params = {"name": target.name, "shape": shape_words(shape)}
    if target.is_gradient:
        params["base"] = target.base
    if meaning is None:
        return Msg(key + ".plain", **params)
    return Msg(key, meaning=meaning, **params)


def shape_sentence(target: Target, network: Network, shape: tuple[int, ...], lang: str = "en") -> str:
    """``shape_message`` in words."""
    return shape_message(target, network, shape).text(lang)
