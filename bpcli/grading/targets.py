"""Targets: the tensor a question asks for (``dW2``, ``db1``, ``dZ3``, ``dA1``, ``dX``, and the
forward ``Z1``, ``A1``), what it means and what shape it has and why.

A layer's parameter gradients are targets by the names its kind gives its parameters: ``dW2``
and ``db2`` for W and b, ``dgamma3`` for gamma. The targets of a run follow from its tensors:
Z and A of every layer, and every gradient dT whose tensor T the run has."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from bpcli import kinds
from bpcli.core.network import Network
from bpcli.texts import Msg, usage_error

#: a tensor of one layer: its name without the number (``dW``, ``Z``, ``dgamma``), then the number
_LAYER_TENSOR = re.compile(r"^(?P<kind>[A-Za-z_]+)(?P<layer>[0-9]+)$")
#: the targets every layer with an activation has, in the order they are listed (a layer's
#: parameter gradients follow them); the forward ones are those without a leading d
LAYER_TARGETS = ("Z", "A", "dA", "dZ")
FORWARD_TARGETS = ("Z", "A")
#: given tensors are not targets: there is nothing to compute
GIVEN_NAMES = ("X", "Y", "A0")


@dataclass(frozen=True)
class Target:
    """A tensor to compute: ``kind`` is Z, A, dA, dZ, dX or a parameter gradient (dW, db,
    dgamma, …); ``layer`` its layer number (None for dX)."""

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

    @property
    def parameter(self) -> str | None:
        """The parameter whose gradient this is (W for dW2, gamma for dgamma3), else None."""
        if not self.is_gradient or self.kind in ("dA", "dZ", "dX"):
            return None
        return self.kind[1:]


def parse_target(name: str, tensors: dict[str, np.ndarray]) -> Target:
    """The target called ``name`` among a run's ``tensors``; ``UsageError`` listing the valid
    targets when the network has no such tensor."""
    valid = valid_targets(tensors)
    if name not in valid:
        same_letters = [target for target in valid if target.lower() == name.lower()]  # dw2 -> dW2
        close = same_letters or difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
        if close:
            raise usage_error("target.unknown.close", name=name, close=close[0], targets=", ".join(valid))
        raise usage_error("target.unknown", name=name, targets=", ".join(valid))
    if name == "dX":
        return Target("dX", "dX", None)
    match = _LAYER_TENSOR.match(name)
    return Target(name, match.group("kind"), int(match.group("layer")))


def valid_targets(tensors: dict[str, np.ndarray]) -> list[str]:
    """Every tensor of a run a learner can be asked for, layer by layer (Z, A, dA, dZ, then the
    parameter gradients in the order the run lists them), then dX."""
    by_layer: dict[int, list[str]] = {}
    for name in tensors:
        match = _LAYER_TENSOR.match(name)
        if match is None or name in GIVEN_NAMES:
            continue
        kind = match.group("kind")
        if kind in FORWARD_TARGETS or (kind.startswith("d") and name[1:] in tensors):
            by_layer.setdefault(int(match.group("layer")), []).append(kind)
    ordered = []
    for layer in sorted(by_layer):
        found = by_layer[layer]
        ordered += [f"{kind}{layer}" for kind in LAYER_TARGETS if kind in found]
        ordered += [f"{kind}{layer}" for kind in found if kind not in LAYER_TARGETS]
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
    if target.parameter is not None:
        layer = network.layers[target.layer - 1]
        return kinds.grading(layer.kind).parameter_meaning(target.parameter, layer)
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
