"""Progressive hints for a target: 1 the rule, 2 the shapes, 3 the formula with the network's
names (a formula ``bpcli grade`` accepts, where one can be written)."""

from __future__ import annotations

from bpcli.core.conv2d import Conv2D
from bpcli.core.dense import Dense
from bpcli.core.flatten import Flatten
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import Network
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.grading.formula import parse_formula
from bpcli.grading.targets import Target, input_name, shape_message, shape_words
from bpcli.texts import Joined, Msg, say

HINT_LEVELS = 3

#: the rule behind each kind of target, when the exercise gives no hint of its own, is the
#: ``rule.<kind>`` sentence of ``bpcli.texts`` (``rule.<kind>.<layer kind>`` where the layer
#: changes the rule: a conv Z or dW, a pooling or flatten A); the labels of the levels are
#: ``label.*`` there


def solution_formula(network: Network, target: Target) -> str | None:
    """The target as a formula over the network's names (accepted by ``bpcli grade``), or None
    where none can be written in formula syntax (conv, pooling and flatten: see
    ``solution_in_words``)."""
    layers = network.layers
    if target.kind in ("dA", "dX"):
        l = target.layer or 0
        if l == len(layers):
            return _output_gradient_formula(network, l)
        following = layers[l]
        if isinstance(following, Dense):
            return f"W{l + 1}.T @ dZ{l + 1}"
        return None
    layer = layers[target.layer - 1]
    l = target.layer
    if target.kind == "dZ":
        if l == len(layers) and has_fused_output_gradient(network.loss):
            return f"(A{l} - Y) / m"
        if layer.activation == "linear":
            return f"dA{l}"
        return f"dA{l} * {layer.activation}_prime(Z{l})"
    if target.kind == "dW" and isinstance(layer, Dense):
        return f"dZ{l} @ {input_name(network, l)}.T"
    if target.kind == "db":
        axes = "axis=1, keepdims=True" if isinstance(layer, Dense) else "axis=(0, 2, 3)"
        return f"sum(dZ{l}, {axes})"
    if target.kind == "Z" and isinstance(layer, Dense):
        return f"W{l} @ {input_name(network, l)} + b{l}"
    if target.kind == "A" and layer.activation is not None:
        return f"Z{l}" if layer.activation == "linear" else f"{layer.activation}(Z{l})"
    return None


def _output_gradient_formula(network: Network, l: int) -> str:
    return {"bce": f"(-Y / A{l} + (1 - Y) / (1 - A{l})) / m", "mse": f"(A{l} - Y) / m",
            "sse": f"2 * (A{l} - Y)", "softmax_ce": f"-Y / (m * A{l})"}[network.loss]


def solution_in_words(network: Network, target: Target, lang: str) -> str:
    """The rule with names for the targets that have no formula: a dA or dX coming back through
    conv, pooling or flatten, a conv Z or dW, a pooling or flatten A."""
    l = target.layer or 0
    if target.kind in ("dA", "dX"):
        following = network.layers[l]
        name = target.name
        nxt = following.index
        if isinstance(following, Flatten):
            return say(lang, "words.flatten", name=name, next=nxt)
        if isinstance(following, MaxPool):
            return say(lang, "words.maxpool", name=name, next=nxt)
        if isinstance(following, Conv2D):
            return say(lang, "words.conv_dA", name=name, next=nxt)
        return say(lang, "words.avgpool", name=name, next=nxt, size=following.size * following.size)
    layer = network.layers[l - 1]
    source = input_name(network, l)
    if target.kind == "Z" and isinstance(layer, Conv2D):
        return say(lang, "words.conv_Z", l=l, input=source)
    if target.kind == "A" and isinstance(layer, Flatten):
        return say(lang, "words.flatten_A", l=l, input=source)
    if target.kind == "A" and isinstance(layer, MaxPool):
        return say(lang, "words.maxpool_A", l=l, input=source, size=layer.size)
    if target.kind == "A" and isinstance(layer, AvgPool):
        return say(lang, "words.avgpool_A", l=l, input=source, size=layer.size, count=layer.size * layer.size)
    if target.kind == "dW" and isinstance(layer, Conv2D):
        return say(lang, "words.conv_dW", l=l, input=source)
    raise ValueError(f"no hint for {target.name} on a {layer.kind} layer")  # pragma: no cover


def rule_key(network: Network, target: Target) -> str:
    """The key of the level-1 rule for ``target``: ``rule.<kind>``, or ``rule.<kind>.<layer
    kind>`` where the layer changes the rule (a conv Z or dW; a pooling or flatten A), or
    ``rule.dA.output`` for the output layer's dA, which comes from the loss."""
    if target.kind == "dA" and target.layer == len(network.layers):
        return "rule.dA.output"
    if target.kind in ("Z", "A", "dW"):
        kind = network.layers[target.layer - 1].kind
        if (target.kind, kind) in (("Z", "conv2d"), ("dW", "conv2d"), ("A", "maxpool"), ("A", "avgpool"),
                                   ("A", "flatten")):
            return f"rule.{target.kind}.{kind}"
    return f"rule.{target.kind}"


def hint(network: Network, target: Target, level: int, lang: str, exercise_rule: str | None,
         tensors: dict | None = None) -> tuple[str, str]:
    """(label, text) of hint ``level`` (1..3) for ``target`` in ``lang``. ``tensors``
    are ``run(network).tensors()`` when the caller has them (the shapes hint needs them)."""
    if level <= 1:
        return say(lang, "label.rule"), exercise_rule or say(lang, rule_key(network, target))
    if level == 2:
        if tensors is None:
            from bpcli.core.network import run

            tensors = run(network).tensors()
        return say(lang, "label.shapes"), _shapes_hint(network, target, tensors, lang)
    formula = solution_formula(network, target)
    if formula is not None:
        return say(lang, "label.formula"), f"{target.name} = {formula}"
    return say(lang, "label.no_formula"), solution_in_words(network, target, lang)


def _shapes_hint(network: Network, target: Target, tensors: dict, lang: str = "en") -> str:
    sentence = shape_message(target, network, tensors[target.name].shape)
    formula = solution_formula(network, target)
    used = sorted(parse_formula(formula).names & tensors.keys()) if formula is not None else []
    if not used:
        return say(lang, "hint.shapes", shape_sentence=sentence)
    parts = Joined(Msg("hint.tensor_shape", name=name, shape=shape_words(tensors[name].shape)) for name in used)
    return say(lang, "hint.shapes.have", shape_sentence=sentence, tensors=parts)
