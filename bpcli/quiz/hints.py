"""Progressive hints for a target: 1 the rule, 2 the shapes, 3 the formula with the network's
names (a formula ``bpcli grade`` accepts, where one can be written)."""

from __future__ import annotations

from bpcli import kinds
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import Network
from bpcli.grading.formula import parse_formula
from bpcli.grading.targets import Target, available_tensors, shape_message, shape_words
from bpcli.texts import Joined, Msg, say

HINT_LEVELS = 3

#: the rule behind each kind of target, when the exercise gives no hint of its own, is the
#: ``rule.<kind>`` sentence of ``bpcli.texts``, or the layer's own where its kind words one
#: (``rule``: a dA by the layer it comes back through, a conv Z or dW, a pooling or flatten A);
#: the labels of the levels are ``label.*`` there. What depends on the layer's kind comes from
#: its ``KindGrading``.


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
        return kinds.grading(following.kind).input_gradient_formula(network, target, following)
    layer = layers[target.layer - 1]
    l = target.layer
    if target.kind == "dZ":
        if l == len(layers) and has_fused_output_gradient(network.loss):
            return f"(A{l} - Y) / m"
        if l == len(layers):
            # dA of the output written out from the loss: a quiz need not ask (or show) dA{l}
            # before dZ{l}, and 'dZ2 = dA2' taught nothing about where it comes from
            gradient = _output_gradient_formula(network, l)
            return gradient if layer.activation == "linear" else f"{gradient} * {layer.activation}_prime(Z{l})"
        if layer.activation == "linear":
            return f"dA{l}"
        return f"dA{l} * {layer.activation}_prime(Z{l})"
    if target.kind == "A" and layer.activation is not None:
        return f"Z{l}" if layer.activation == "linear" else f"{layer.activation}(Z{l})"
    return kinds.grading(layer.kind).formula(network, target, layer)


def _output_gradient_formula(network: Network, l: int) -> str:
    return {"bce": f"(-Y / A{l} + (1 - Y) / (1 - A{l})) / m", "mse": f"(A{l} - Y) / m",
            "sse": f"2 * (A{l} - Y)", "softmax_ce": f"-Y / (m * A{l})"}[network.loss]


def solution_in_words(network: Network, target: Target, lang: str) -> str:
    """The rule with names for the targets that have no formula: a dA or dX coming back through
    conv, pooling or flatten, a conv Z or dW, a pooling or flatten A."""
    l = target.layer or 0
    if target.kind in ("dA", "dX"):
        layer = network.layers[l]
        words = kinds.grading(layer.kind).input_gradient_words(network, target, layer)
    else:
        layer = network.layers[l - 1]
        words = kinds.grading(layer.kind).words(network, target, layer)
    if words is None:  # pragma: no cover - every target without a formula has words
        raise ValueError(f"no hint for {target.name} on a {layer.kind} layer")
    return words.text(lang)


def rule(network: Network, target: Target) -> Msg:
    """The level-1 rule for ``target``, said of its layer where the layer's kind words it: a dA
    (or dX) by the layer it comes back through ('layer 3 (flatten) only rearranged A2, …'), a
    target of a layer whose kind has its own rule (a conv Z or dW; a pooling or flatten A) by
    that layer; else ``rule.<kind>``. The output layer's dA comes from the loss
    (``rule.dA.output``), and so does its dZ where the loss has no shortcut to (A − Y)/m (mse,
    sse: ``rule.dZ.output``, with the loss's derivative)."""
    if target.kind in ("dA", "dX"):
        l = target.layer or 0
        if l == len(network.layers):
            return Msg("rule.dA.output")
        following = network.layers[l]
        return (kinds.grading(following.kind).input_gradient_rule(network, target, following)
                or Msg(f"rule.{target.kind}"))
    if target.kind == "dZ" and target.layer == len(network.layers) and not has_fused_output_gradient(network.loss):
        layer = network.layers[target.layer - 1]
        return Msg("rule.dZ.output.linear" if layer.activation == "linear" else "rule.dZ.output",
                   l=target.layer, loss=network.loss, derivative=Msg(f"rule.dA.output.{network.loss}", l=target.layer))
    if target.layer is not None and target.kind != "dZ":
        layer = network.layers[target.layer - 1]
        own = kinds.grading(layer.kind).rule(network, target, layer)
        if own is not None:
            return own
    return Msg(f"rule.{target.kind}")


def hint(network: Network, target: Target, level: int, lang: str, exercise_rule: str | None,
         tensors: dict | None = None) -> tuple[str, str]:
    """(label, text) of hint ``level`` (1..3) for ``target`` in ``lang``. ``tensors``
    are ``run(network).tensors()`` when the caller has them (the shapes hint needs them)."""
    if level <= 1:
        return say(lang, "label.rule"), exercise_rule or rule(network, target).text(lang)
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
    # the tensors the formula names that a learner has at this point (all of them: a test checks it)
    available = set(available_tensors(network, tensors, target))
    used = sorted(parse_formula(formula).names & available) if formula is not None else []
    if not used:
        return say(lang, "hint.shapes", shape_sentence=sentence)
    parts = Joined(Msg("hint.tensor_shape", name=name, shape=shape_words(tensors[name].shape)) for name in used)
    return say(lang, "hint.shapes.have", shape_sentence=sentence, tensors=parts)
