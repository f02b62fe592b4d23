"""Progressive hints for a target: 1 the rule, 2 the shapes, 3 the formula with the network's
names (a formula ``bpcli grade`` accepts, where one can be written)."""

from __future__ import annotations

from bpcli.core.conv2d import Conv2D
from bpcli.core.dense import Dense
from bpcli.core.flatten import Flatten
from bpcli.core.network import Network
from bpcli.core.pool import MaxPool
from bpcli.grading.targets import Target, shape_sentence

HINT_LEVELS = 3

#: the rule behind each kind of target, when the exercise gives no hint of its own
GENERIC_RULES = {
    "en": {
        "dZ": "dZ = dA ⊙ g′(Z), element by element; for sigmoid + bce or softmax + softmax_ce at the output it collapses to (A − Y)/m.",
        "dA": "A feeds the next layer, so its gradient comes back from there: through Wᵀ for a dense layer, back into place for flatten and pooling, by full correlation with the rotated kernel for conv.",
        "dW": "Z = W·A_prev + b, so dW = dZ · A_prevᵀ: one term per sample, summed by the product. No extra 1/m: dZ already is ∂J/∂Z.",
        "db": "b is added to every sample (and, in conv, every position), so db adds up dZ over them.",
        "dX": "X is A0, the input of layer 1: dX comes back from layer 1 like any dA.",
        "Z": "Z = W·A_prev + b, with b added to every column.",
        "A": "A = g(Z), the activation applied entry by entry.",
    },
    "zh": {
        "dZ": "dZ = dA ⊙ g′(Z)，逐元素相乘；输出层为 sigmoid + bce 或 softmax + softmax_ce 时化简为 (A − Y)/m。",
        "dA": "A 是下一层的输入，所以它的梯度从下一层传回：全连接层经 Wᵀ，flatten 和池化层放回原位，卷积层与旋转后的卷积核做完全互相关。",
        "dW": "Z = W·A_prev + b，所以 dW = dZ · A_prevᵀ：每个样本一项，由矩阵乘法求和。不要再乘 1/m：dZ 已经是 ∂J/∂Z。",
        "db": "b 加到每个样本上（卷积中还加到每个位置上），所以 db 是 dZ 在这些维度上的和。",
        "dX": "X 就是 A0，即第 1 层的输入：dX 像其他 dA 一样从第 1 层传回。",
        "Z": "Z = W·A_prev + b，b 加到每一列上。",
        "A": "A = g(Z)，逐元素应用激活函数。",
    },
}

LABELS = {
    "en": {"rule": "Rule", "shapes": "Shapes", "formula": "Formula", "no_formula": "In words"},
    "zh": {"rule": "规则", "shapes": "形状", "formula": "公式", "no_formula": "说明"},
}


def _input_name(network: Network, layer: int) -> str:
    return "X" if layer == 1 and not network.image_input else f"A{layer - 1}"


def solution_formula(network: Network, target: Target) -> str | None:
    """The target as a formula over the network's names (accepted by ``bpcli grade``), or None
    where none can be written in formula syntax (conv, pooling and flatten gradients)."""
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
        if l == len(layers) and network.loss in ("bce", "softmax_ce"):
            return f"(A{l} - Y) / m"
        if layer.activation == "linear":
            return f"dA{l}"
        return f"dA{l} * {layer.activation}_prime(Z{l})"
    if target.kind == "dW" and isinstance(layer, Dense):
        return f"dZ{l} @ {_input_name(network, l)}.T"
    if target.kind == "db":
        axes = "axis=1, keepdims=True" if isinstance(layer, Dense) else "axis=(0, 2, 3)"
        return f"sum(dZ{l}, {axes})"
    if target.kind == "Z" and isinstance(layer, Dense):
        return f"W{l} @ {_input_name(network, l)} + b{l}"
    if target.kind == "A" and layer.activation is not None:
        return f"Z{l}" if layer.activation == "linear" else f"{layer.activation}(Z{l})"
    return None


def _output_gradient_formula(network: Network, l: int) -> str:
    return {"bce": f"(-Y / A{l} + (1 - Y) / (1 - A{l})) / m", "mse": f"(A{l} - Y) / m",
            "sse": f"2 * (A{l} - Y)", "softmax_ce": f"-Y / (m * A{l})"}[network.loss]


def solution_in_words(network: Network, target: Target, lang: str) -> str:
    """The rule with names for targets that have no formula (conv, pooling, flatten)."""
    l = target.layer or 0
    zh = lang == "zh"
    if target.kind in ("dA", "dX"):
        following = network.layers[l]
        name = target.name
        nxt = following.index
        if isinstance(following, Flatten):
            return (f"{name} = dA{nxt}ᵀ 重排成 m × C × H × W（每列放回一个样本）" if zh else
                    f"{name} = dA{nxt}ᵀ reshaped to m × C × H × W (each column back into one sample)")
        if isinstance(following, MaxPool):
            return (f"{name}：每个窗口的 dA{nxt} 全部给窗口里最大的元素，其余为 0" if zh else
                    f"{name}: each window's dA{nxt} goes whole to the window's largest element, 0 elsewhere")
        if isinstance(following, Conv2D):
            return (f"{name} = dZ{nxt} 与 ROT180(W{nxt}) 的完全互相关" if zh else
                    f"{name} = the full correlation of dZ{nxt} with ROT180(W{nxt})")
        size = following.size * following.size
        return (f"{name}：每个窗口的 dA{nxt} 平均分给窗口里的 {size} 个元素（各 1/{size}）" if zh else
                f"{name}: each window's dA{nxt} shared evenly, 1/{size} to each of its {size} elements")
    prev = _input_name(network, l)
    return (f"dW{l} = {prev} ⋆ dZ{l}：dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j]" if zh else
            f"dW{l} = {prev} ⋆ dZ{l}: dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j] "
            f"(P = {prev} padded)")


def hint(network: Network, target: Target, level: int, lang: str, exercise_rule: str | None) -> tuple[str, str]:
    """(label, text) of hint ``level`` (1..3) for ``target`` in ``lang`` (en or zh)."""
    labels = LABELS.get(lang, LABELS["en"])
    if level <= 1:
        kind = target.kind
        return labels["rule"], exercise_rule or GENERIC_RULES.get(lang, GENERIC_RULES["en"])[kind]
    if level == 2:
        return labels["shapes"], _shapes_hint(network, target)
    formula = solution_formula(network, target)
    if formula is not None:
        return labels["formula"], f"{target.name} = {formula}"
    return labels["no_formula"], solution_in_words(network, target, lang)


def _shapes_hint(network: Network, target: Target) -> str:
    from bpcli.core.network import run
    from bpcli.grading.targets import shape_words

    tensors = run(network).tensors()
    sentence = shape_sentence(target, network, tensors[target.name].shape) + "."
    formula = solution_formula(network, target)
    if formula is None:
        return sentence
    used = [name for name in sorted(tensors, key=len, reverse=True) if name in formula]
    seen: list[str] = []
    for name in used:
        if not any(name in other for other in seen):
            seen.append(name)
    parts = ", ".join(f"{name} is {shape_words(tensors[name].shape)}" for name in sorted(seen))
    return f"{sentence} You have: {parts}." if parts else sentence
