"""Targets: the tensor a question asks for (``dW2``, ``db1``, ``dZ3``, ``dA1``, ``dX``, and the
forward ``Z1``, ``A1``), what it means and what shape it has and why.

A layer's parameter gradients are targets by the names its kind gives its parameters: ``dW2``
and ``db2`` for W and b, ``dgamma3`` for gamma. The targets of a run follow from its tensors:
Z and A of every layer, and every gradient dT whose tensor T the run has."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bpcli import kinds
from bpcli.core.network import Network
from bpcli.formatting import closest_name, shorten
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
    targets when the network has no such tensor. Spaces around the name are not part of it, as
    a batch row's target is read."""
    if not isinstance(name, str):
        raise usage_error("target.not_text", kind=type(name).__name__, targets=", ".join(valid_targets(tensors)))
    name = name.strip()
    valid = valid_targets(tensors)
    if name not in valid:
        close = closest_name(name, valid, cutoff=0.5)
        if close:
            raise usage_error("target.unknown.close", name=shorten(name), close=close, targets=", ".join(valid))
        raise usage_error("target.unknown", name=shorten(name), targets=", ".join(valid))
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


def backward_order(tensors: dict[str, np.ndarray]) -> list[str]:
    """The gradients of a run in the order the backward pass computes them: from the output layer
    back, each layer's dA, dZ and parameter gradients (dW, db, …), then dX."""
    by_layer: dict[int, list[str]] = {}
    for name in valid_targets(tensors):
        match = _LAYER_TENSOR.match(name)
        if match is not None and match.group("kind").startswith("d"):
            by_layer.setdefault(int(match.group("layer")), []).append(name)
    order = [name for layer in sorted(by_layer, reverse=True) for name in by_layer[layer]]
    return order + (["dX"] if "dX" in tensors else [])


def forward_order(network: Network, tensors: dict[str, np.ndarray]) -> list[str]:
    """The values of the forward pass in the order it computes them: per layer, the values its kind
    exposes (batchnorm's mean, var, xhat), then Z, then A."""
    order = []
    for layer in network.layers:
        l = layer.index
        own = [name for name in tensors if (match := _LAYER_TENSOR.match(name)) is not None
               and int(match.group("layer")) == l and not match.group("kind").startswith("d")
               and match.group("kind") not in layer.parameters()]
        order += [name for name in own if name not in (f"Z{l}", f"A{l}")]
        order += [name for name in (f"Z{l}", f"A{l}") if name in tensors]
    return order


def given_tensors(network: Network, tensors: dict[str, np.ndarray]) -> list[str]:
    """What every formula may name: X, Y (and A0, X as the layers see it) and every parameter."""
    given = [name for name in GIVEN_NAMES if name in tensors]
    return given + [f"{name}{layer.index}" for layer in network.layers for name in layer.parameters()]


def available_tensors(network: Network, tensors: dict[str, np.ndarray], target: Target) -> list[str]:
    """The tensors a learner has when computing ``target``, in the order they were computed: the
    givens (X, Y, the parameters), the forward values before ``target`` (all of them for a
    gradient) and, for a gradient, the gradients before it in the backward order (the targets a
    quiz asks first: never ``target`` itself nor anything computed from it). A formula for
    ``target`` may name only these; the quiz's hints name the same."""
    forward = forward_order(network, tensors)
    if not target.is_gradient:
        before = forward[:forward.index(target.name)] if target.name in forward else forward
        return given_tensors(network, tensors) + before
    backward = backward_order(tensors)
    return given_tensors(network, tensors) + forward + backward[:backward.index(target.name)]


def output_name(network: Network, k: int) -> str:
    """The name of A(k), layer k's output: X for k = 0 when X is column data (an image input is
    A0, the m × C × H × W the layers see), else A{k}."""
    return "X" if k == 0 and not network.image_input else f"A{k}"


def input_name(network: Network, layer: int) -> str:
    """The name of layer ``layer``'s input, A(layer − 1): X for the first layer (column data)."""
    return output_name(network, layer - 1)


def shown_input_name(layer: int) -> str:
    """The name the quiz and explain show layer ``layer``'s input by, for hints in words: X for
    the first layer whatever its shape (a formula names an image input A0, the m × C × H × W the
    layers see: ``input_name``), else A{layer − 1}."""
    return "X" if layer == 1 else f"A{layer - 1}"


def shape_words(shape: tuple[int, ...]) -> Msg:
    """(3, 2) -> '3 × 2'; (4,) -> 'a flat list of 4 numbers'; () -> 'a single number'."""
    if not shape:
        return Msg("shape.single")
    if len(shape) == 1:
        return Msg("shape.flat", count=shape[0])
    return Msg("shape.dims", dims=" × ".join(str(n) for n in shape))


def slice_axes(name: str, ndim: int) -> Msg:
    """What the leading indices of a tensor's slices stand for (``name`` as grading names it,
    ``ndim`` its axes), as explain labels them: a conv kernel, W or dW of 4 axes, is
    [filter, channel]; an image input given as m × H × W (X, dX) is sliced by sample alone; any
    other image tensor by [sample, channel]."""
    match = _LAYER_TENSOR.match(name)
    if ndim == 4 and match is not None and match.group("kind") in ("W", "dW"):
        return Msg("axes.kernel")
    return Msg("axes.samples" if ndim == 3 else "axes.images")


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
