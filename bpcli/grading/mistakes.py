"""The likely mistakes for a target: for each, the value a learner who made it would get.

A wrong answer is compared with these values (see ``diagnosis``). Each ``Mistake`` is computed
with the core's own layers, so it is exactly what the mistaken derivation gives: the layer's
``backward`` fed with a wrong dZ, a max pool's gradient spread like an average pool's, a conv
kernel not rotated, and so on. Slips found in the source texts are among them (dW⁽ᴸ⁾ with
A⁽ᴸ⁾ᵀ for A⁽ᴸ⁻¹⁾ᵀ, dW⁽ᴸ⁾ᵀ for W⁽ᴸ⁾ᵀ, g′(A) for g′(Z)).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from bpcli.core import activations
from bpcli.core.conv2d import Conv2D
from bpcli.core.dense import Dense
from bpcli.core.flatten import Flatten
from bpcli.core.network import LayerRecord, Run
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.grading.targets import Target

GRADIENT_KINDS = ("dA", "dZ", "dW", "db", "dX")


@dataclass(frozen=True)
class Mistake:
    """What an answer would be after one mistake.

    ``codes`` are the diagnosis codes it stands for, ``value`` the resulting tensor,
    ``explanation`` one sentence naming the mistake and the right rule. ``scalable`` lets the
    mistake combine with a sign or an m / 1/m factor (a derivation slip plus a lost 1/m).
    """

    codes: tuple[str, ...]
    value: np.ndarray
    explanation: str
    scalable: bool = True


def likely_mistakes(run: Run, target: Target) -> list[Mistake]:
    """Derivation mistakes specific to the target's kind, then every other tensor of the run
    with the target's shape (or its transpose), in that order of preference."""
    specific = {"dZ": _dZ_mistakes, "dA": _dA_mistakes, "dX": _dA_mistakes, "dW": _dW_mistakes,
                "db": _db_mistakes, "Z": _Z_mistakes, "A": lambda run, target: iter(())}[target.kind]
    mistakes = [mistake for mistake in specific(run, target) if np.all(np.isfinite(mistake.value))]
    if target.kind == "dX":  # the layers see an m × H × W input as m × 1 × H × W
        shape = run.network.X.shape
        mistakes = [dataclasses.replace(mistake, value=mistake.value.reshape(shape)) for mistake in mistakes
                    if mistake.value.size == run.dX.size]
    return mistakes + list(_other_tensors(run, target))


def _g(layer) -> str:
    return f"{layer.activation}′(Z{layer.index})"


def _input_name(run: Run, layer: int) -> str:
    """The name of layer ``layer``'s input: X for the first layer (when X is column data), else A(l−1)."""
    return "X" if layer == 1 and not run.network.image_input else f"A{layer - 1}"


def _layer_input(run: Run, layer: int) -> np.ndarray:
    """A(layer − 1), the input of ``layer`` (X for the first)."""
    return _layer_output(run, layer - 1)


def _layer_output(run: Run, k: int) -> np.ndarray:
    """A(k): X for k = 0 (as the layers see it), else layer k's output."""
    return run.network.X if k == 0 else run.records[k - 1].A


def _output_name(run: Run, k: int) -> str:
    return "X" if k == 0 and not run.network.image_input else f"A{k}"


def _record(run: Run, layer: int) -> LayerRecord:
    return run.records[layer - 1]


def _is_fused_output(run: Run, record: LayerRecord) -> bool:
    return record is run.records[-1] and run.network.loss in ("bce", "softmax_ce")


def _has_activation_factor(record: LayerRecord) -> bool:
    """True when dZ = dA ⊙ g′(Z) has a g′ that is not 1 and can be forgotten."""
    return record.layer.activation in ("sigmoid", "tanh", "relu")


# -- the dZ a learner might have used, per mistake ------------------------------------------------

def _dZ_variants(run: Run, record: LayerRecord) -> Iterator[Mistake]:
    """Wrong versions of dZ of ``record``'s layer, with the explanation of each."""
    layer = record.layer
    l = layer.index
    if _has_activation_factor(record):
        yield Mistake(("missing_activation_derivative",), record.dA,
                      f"The factor g′(Z{l}) is missing: dZ{l} = dA{l} ⊙ {_g(layer)}, element by element")
        if layer.activation in ("sigmoid", "tanh"):
            at_A = record.dA * activations.derivative(layer.activation, record.A)
            yield Mistake(("derivative_at_A",), at_A,
                          f"The derivative g′ was evaluated at A{l} instead of Z{l}: dZ{l} = dA{l} ⊙ {_g(layer)}"
                          + (f" (and {layer.activation}′(Z) = A(1 − A) when written with A)"
                             if layer.activation == "sigmoid" else f" (= 1 − A{l}² when written with A)"))
    if _has_activation_factor(record):
        yield from _wrong_derivatives(record)
    if _is_fused_output(run, record):
        factor = record.A * (1 - record.A)
        yield Mistake(("extra_activation_derivative",), record.dZ * factor,
                      f"The factor {layer.activation}′ was applied twice: with cross-entropy, dZ{l} = (A{l} − Y)/m "
                      f"already is dA{l} ⊙ {_g(layer)} simplified, so it takes no further A{l}(1 − A{l})")
    if l < len(run.records) and not _is_fused_output(run, record):
        following = run.records[l]
        if isinstance(following.layer, Dense) and following.dZ is not None:
            dA_with_dW = following.dW.T @ following.dZ
            factor = (activations.derivative(layer.activation, record.Z)
                      if layer.activation in activations.DERIVATIVE else 1.0)
            yield Mistake(("used_dW_for_W",), dA_with_dW * factor,
                          f"You used dW{l + 1}ᵀ where W{l + 1}ᵀ belongs: dA{l} = W{l + 1}ᵀ · dZ{l + 1} "
                          "passes the gradient back through the weights themselves")


#: the derivative of each activation written with its output A (what texts write as g′)
_DERIVATIVE_WITH_A = {"sigmoid": ("A(1 − A)", lambda a: a * (1 - a)), "tanh": ("1 − A²", lambda a: 1 - a * a)}


def _wrong_derivatives(record: LayerRecord) -> Iterator[Mistake]:
    """dZ with something else in the place of g′(Z): g itself, g′ written with A but fed Z, or
    the derivative of another activation."""
    layer = record.layer
    l = layer.index
    name = layer.activation
    right = f"dZ{l} = dA{l} ⊙ {_g(layer)}"
    yield Mistake(("wrong_activation_derivative",), record.dA * record.A,
                  f"You multiplied by the activation A{l} = {name}(Z{l}) itself, not by its derivative: {right}")
    if name in _DERIVATIVE_WITH_A:
        words, with_A = _DERIVATIVE_WITH_A[name]
        yield Mistake(("wrong_activation_derivative",), record.dA * with_A(record.Z),
                      f"{name}′ written with A is {words}, but you put Z{l} in place of A{l}: "
                      f"{right} = dA{l} ⊙ {words.replace('A', f'A{l}')}")
        for other, (other_words, other_with_A) in _DERIVATIVE_WITH_A.items():
            if other == name:
                continue
            explanation = (f"That is the derivative of {other}, but layer {l} uses {name}: {right} = "
                           f"dA{l} ⊙ {words.replace('A', f'A{l}')}")
            yield Mistake(("wrong_activation_derivative",),
                          record.dA * activations.derivative(other, record.Z), explanation)
            yield Mistake(("wrong_activation_derivative",), record.dA * other_with_A(record.A), explanation)


def _dZ_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    return _dZ_variants(run, _record(run, target.layer))


def _dW_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    l = layer.index
    for variant in _dZ_variants(run, record):
        _, dW, _ = layer.backward(variant.value, record.cache)
        yield dataclasses.replace(variant, value=dW)
    if isinstance(layer, Dense):
        yield Mistake(("wrong_input",), record.dZ @ record.A.T,
                      f"You used A{l} (the output of layer {l}) where {_input_name(run, l)} (its input) belongs: "
                      f"dW{l} = dZ{l} · {_input_name(run, l)}ᵀ")
        if l > 1 and _record(run, l - 1).Z is not None:
            yield Mistake(("wrong_input",), record.dZ @ _record(run, l - 1).Z.T,
                          f"You used Z{l - 1} where A{l - 1} belongs: layer {l} takes the activations "
                          f"A{l - 1} = g(Z{l - 1}), so dW{l} = dZ{l} · A{l - 1}ᵀ")
        prev = _input_name(run, l)
        A_prev = _layer_input(run, l)
        if A_prev.ndim == 2 and A_prev.shape[0] == record.dZ.shape[1]:
            yield Mistake(("missing_transpose",), record.dZ @ A_prev,
                          f"{prev} was used without its transpose: dW{l} = dZ{l} · {prev}ᵀ, so that each entry "
                          "sums over the m samples")
        for k in range(len(run.records) + 1):
            if k in (l - 1, l):
                continue
            other = _layer_output(run, k)
            if other.ndim == 2 and other.shape[1] == record.dZ.shape[1]:
                other_name = _output_name(run, k)
                yield Mistake(("wrong_input",), record.dZ @ other.T,
                              f"You used {other_name} where {prev} (the input of layer {l}) belongs: "
                              f"dW{l} = dZ{l} · {prev}ᵀ")
    elif isinstance(layer, Conv2D):
        yield Mistake(("kernel_rotated",), record.dW[:, :, ::-1, ::-1],
                      f"Your dW{l} is rotated by 180°: dW{l} is the plain correlation of the (padded) input with "
                      f"dZ{l}, dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j]; ROT180 belongs "
                      "in the gradient of the input only")


def _db_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    l = layer.index
    for variant in _dZ_variants(run, record):
        _, _, db = layer.backward(variant.value, record.cache)
        yield dataclasses.replace(variant, value=db)
    if isinstance(layer, Dense):
        yield Mistake(("not_summed",), record.dZ,
                      f"The bias gradient is dZ{l} summed over the m samples (axis 1): db{l} = "
                      f"sum(dZ{l}, axis=1, keepdims=True); b{l} is shared by every sample")
        yield Mistake(("not_summed", "wrong_axis"), record.dZ.sum(axis=0, keepdims=True),
                      f"The sum ran over the units (axis 0) instead of the samples (axis 1): "
                      f"db{l} = sum(dZ{l}, axis=1, keepdims=True)")
        if record.dZ.shape[0] > 1:
            yield Mistake(("not_summed", "wrong_axis"), np.asarray(record.dZ.sum()),
                          f"You summed all of dZ{l}, over the units too: each unit has its own bias, so "
                          f"db{l} = sum(dZ{l}, axis=1, keepdims=True) keeps one entry per unit")
    else:
        yield Mistake(("not_summed",), record.dZ,
                      f"The bias gradient sums dZ{l} over the samples and all positions: db{l} = sum(dZ{l}, axis=(0, 2, 3))")
        yield Mistake(("not_summed",), record.dZ.sum(axis=(2, 3)),
                      f"You summed dZ{l} over the positions but not over the samples: "
                      f"db{l} = sum(dZ{l}, axis=(0, 2, 3))")
        yield Mistake(("not_summed",), record.dZ.sum(axis=0),
                      f"You summed dZ{l} over the samples but not over the positions: each filter's bias "
                      f"is added at every position, so db{l} = sum(dZ{l}, axis=(0, 2, 3))")


def _dA_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    """dA of layer l (or dX, l = 0) comes from layer l + 1; its mistakes depend on that layer."""
    l = target.layer or 0
    name = target.name
    if l >= len(run.records):
        if l == len(run.records) and run.network.loss == "bce":
            A, Y = run.records[-1].A, run.network.Y
            yield Mistake(("term_sign",), (-Y / A - (1 - Y) / (1 - A)) / run.network.m,
                          f"The second term has the wrong sign: d/da log(1 − a) = −1/(1 − a), so "
                          f"{name} = (1/m)(−Y/A{l} + (1 − Y)/(1 − A{l}))")
        return
    following = run.records[l]
    layer = following.layer
    nxt = layer.index
    if isinstance(layer, Dense) and layer.W.shape[0] == layer.W.shape[1]:
        yield Mistake(("missing_transpose",), layer.W @ following.dZ,
                      f"W{nxt} was used without its transpose: {name} = W{nxt}ᵀ · dZ{nxt} (the gradient goes "
                      f"back along the weights, from each unit of layer {nxt} to its inputs)")
    if isinstance(layer, Dense):
        yield Mistake(("used_dW_for_W",), following.dW.T @ following.dZ,
                      f"You used dW{nxt}ᵀ where W{nxt}ᵀ belongs: {name} = W{nxt}ᵀ · dZ{nxt}")
        if _has_activation_factor(following):
            yield Mistake(("missing_activation_derivative",), layer.W.T @ following.dA,
                          f"You passed dA{nxt} back without the factor {_g(layer)}: "
                          f"{name} = W{nxt}ᵀ · dZ{nxt} with dZ{nxt} = dA{nxt} ⊙ {_g(layer)}")
    elif isinstance(layer, Conv2D):
        unrotated = dataclasses.replace(layer, W=layer.W[:, :, ::-1, ::-1])
        yield Mistake(("kernel_not_rotated",), unrotated.backward(following.dZ, following.cache)[0],
                      f"The kernel was not rotated: {name} is the full correlation of dZ{nxt} with "
                      f"ROT180(W{nxt}) (each input pixel collects W{nxt}[i, j] · dZ{nxt} from every "
                      "window that covered it)")
    elif isinstance(layer, MaxPool):
        spread = AvgPool(layer.index, layer.size, layer.stride)
        yield Mistake(("wrong_pool_rule",), spread.backward(following.dA, following.cache),
                      f"The gradient was spread evenly as in average pooling; max pooling sends each "
                      f"window's gradient only to its largest element (the others get 0)")
    elif isinstance(layer, AvgPool):
        routed = MaxPool(layer.index, layer.size, layer.stride)
        _, cache = routed.forward(following.cache.A_prev)
        yield Mistake(("wrong_pool_rule",), routed.backward(following.dA, cache),
                      f"The gradient was routed to the largest element as in max pooling; average "
                      f"pooling spreads each window's gradient evenly, 1/{layer.size * layer.size} to each element")
    elif isinstance(layer, Flatten):
        shape = following.cache
        per_sample = tuple(shape[1:])
        column_major = np.stack([column.reshape(per_sample, order="F") for column in following.dA.T])
        yield Mistake(("wrong_reshape",), column_major.reshape(shape),
                      f"You put dA{nxt} back in column-major order: flatten takes each sample's values in "
                      f"row-major order (channel, then row, then column: along a row first), so {name} is "
                      f"dA{nxt}'s column for each sample filled back row by row")
        if following.dA.shape[1] > 1:
            yield Mistake(("wrong_reshape",), following.dA.reshape(shape),
                          f"You reshaped dA{nxt} without taking one column per sample: flatten makes each "
                          f"sample's C × H × W values one column, so {name} = dA{nxt}ᵀ reshaped to "
                          f"m × C × H × W")


def _Z_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    if isinstance(layer, Dense):
        yield Mistake(("missing_bias",), record.Z - layer.b,
                      f"The bias is missing: Z{layer.index} = W{layer.index} · {_input_name(run, layer.index)} + "
                      f"b{layer.index}, with b added to every column")


def _other_tensors(run: Run, target: Target) -> Iterator[Mistake]:
    """Every other named tensor with the target's shape or its transpose: the gradient of a
    neighbouring tensor (dZ given for dA, another layer's), or a forward value."""
    tensors = run.tensors()
    expected = tensors[target.name]
    for name, value in tensors.items():
        if name in (target.name, "A0"):
            continue
        if value.shape == expected.shape or (value.ndim == 2 and value.T.shape == expected.shape):
            is_gradient = name.startswith("d")
            explanation = (f"Your answer is {name}{' (∂J/∂' + name[1:] + ')' if is_gradient else ''}, "
                           f"not {target.name}" + (f" (∂J/∂{target.base})" if target.is_gradient else ""))
            yield Mistake(("other_tensor",), value, explanation, scalable=False)
