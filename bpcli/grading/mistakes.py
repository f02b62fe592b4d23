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
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import LayerRecord, Run
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.texts import Msg
from bpcli.grading.targets import Target, input_name, output_name

GRADIENT_KINDS = ("dA", "dZ", "dW", "db", "dX")


@dataclass(frozen=True)
class Mistake:
    """What an answer would be after one mistake.

    ``codes`` are the diagnosis codes it stands for, ``value`` the resulting tensor,
    ``explanation`` one sentence (a ``Msg``) naming the mistake and the right rule. ``scalable`` lets the
    mistake combine with a sign or an m / 1/m factor (a derivation slip plus a lost 1/m).
    """

    codes: tuple[str, ...]
    value: np.ndarray
    explanation: Msg | None
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


def _layer_input(run: Run, layer: int) -> np.ndarray:
    """A(layer − 1), the input of ``layer`` (X for the first)."""
    return _layer_output(run, layer - 1)


def _layer_output(run: Run, k: int) -> np.ndarray:
    """A(k): X for k = 0 (as the layers see it), else layer k's output."""
    return run.network.X if k == 0 else run.records[k - 1].A


def _record(run: Run, layer: int) -> LayerRecord:
    return run.records[layer - 1]


def _is_fused_output(run: Run, record: LayerRecord) -> bool:
    return record is run.records[-1] and has_fused_output_gradient(run.network.loss)


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
                      Msg("mistake.missing_g", l=l, g=_g(layer)))
        if layer.activation in ("sigmoid", "tanh"):
            at_A = record.dA * activations.derivative(layer.activation, record.A)
            yield Mistake(("derivative_at_A",), at_A,
                          Msg(f"mistake.derivative_at_A.{layer.activation}", l=l, g=_g(layer),
                              **({"activation": layer.activation} if layer.activation == "sigmoid" else {})))
    if _has_activation_factor(record):
        yield from _wrong_derivatives(record)
    if _is_fused_output(run, record):
        factor = record.A * (1 - record.A)
        yield Mistake(("extra_activation_derivative",), record.dZ * factor,
                      Msg("mistake.extra_g", activation=layer.activation, l=l, g=_g(layer)))
    if l < len(run.records) and not _is_fused_output(run, record):
        following = run.records[l]
        if isinstance(following.layer, Dense) and following.dZ is not None:
            dA_with_dW = following.dW.T @ following.dZ
            factor = (activations.derivative(layer.activation, record.Z)
                      if layer.activation in activations.DERIVATIVE else 1.0)
            yield Mistake(("used_dW_for_W",), dA_with_dW * factor,
                          Msg("mistake.used_dW_for_W.dZ", l=l, next=l + 1))


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
                  Msg("mistake.g_itself", l=l, activation=name, rule=right))
    if name in _DERIVATIVE_WITH_A:
        words, with_A = _DERIVATIVE_WITH_A[name]
        words_l = words.replace('A', f'A{l}')
        yield Mistake(("wrong_activation_derivative",), record.dA * with_A(record.Z),
                      Msg("mistake.g_fed_Z", activation=name, words=words, l=l, rule=right, words_l=words_l))
        for other, (other_words, other_with_A) in _DERIVATIVE_WITH_A.items():
            if other == name:
                continue
            explanation = Msg("mistake.other_derivative", other=other, l=l, activation=name, rule=right,
                              words_l=words_l)
            yield Mistake(("wrong_activation_derivative",),
                          record.dA * activations.derivative(other, record.Z), explanation)
            yield Mistake(("wrong_activation_derivative",), record.dA * other_with_A(record.A), explanation)


def _dZ_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    return _dZ_variants(run, _record(run, target.layer))


def _carried_dZ_mistakes(run: Run, record: LayerRecord, gradient: int) -> Iterator[Mistake]:
    """Each likely dZ mistake carried through the layer's own backward pass, keeping output
    ``gradient`` of it (1: dW, 2: db): a wrong dZ makes the parameter gradients wrong the same way."""
    for variant in _dZ_variants(run, record):
        yield dataclasses.replace(variant, value=record.layer.backward(variant.value, record.cache)[gradient])


def _dW_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    l = layer.index
    yield from _carried_dZ_mistakes(run, record, 1)
    if isinstance(layer, Dense):
        yield Mistake(("wrong_input",), record.dZ @ record.A.T,
                      Msg("mistake.output_for_input", l=l, input=input_name(run.network, l)))
        if l > 1 and _record(run, l - 1).Z is not None:
            yield Mistake(("wrong_input",), record.dZ @ _record(run, l - 1).Z.T,
                          Msg("mistake.Z_for_A", prev=l - 1, l=l))
        prev = input_name(run.network, l)
        A_prev = _layer_input(run, l)
        if A_prev.ndim == 2 and A_prev.shape[0] == record.dZ.shape[1]:
            yield Mistake(("missing_transpose",), record.dZ @ A_prev,
                          Msg("mistake.input_not_transposed", input=prev, l=l))
        for k in range(len(run.records) + 1):
            if k in (l - 1, l):
                continue
            other = _layer_output(run, k)
            if other.ndim == 2 and other.shape[1] == record.dZ.shape[1]:
                other_name = output_name(run.network, k)
                yield Mistake(("wrong_input",), record.dZ @ other.T,
                              Msg("mistake.other_input", other=other_name, input=prev, l=l))
    elif isinstance(layer, Conv2D):
        yield Mistake(("kernel_rotated",), record.dW[:, :, ::-1, ::-1], Msg("mistake.kernel_rotated", l=l))


def _db_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    l = layer.index
    yield from _carried_dZ_mistakes(run, record, 2)
    if isinstance(layer, Dense):
        yield Mistake(("not_summed",), record.dZ, Msg("mistake.db_not_summed", l=l))
        yield Mistake(("not_summed", "wrong_axis"), record.dZ.sum(axis=0, keepdims=True),
                      Msg("mistake.db_wrong_axis", l=l))
        if record.dZ.shape[0] > 1:
            yield Mistake(("wrong_axis",), np.asarray(record.dZ.sum()),
                          Msg("mistake.db_summed_all", l=l))
    else:
        yield Mistake(("not_summed",), record.dZ, Msg("mistake.conv_db_not_summed", l=l))
        yield Mistake(("not_summed",), record.dZ.sum(axis=(2, 3)), Msg("mistake.conv_db_positions_only", l=l))
        yield Mistake(("not_summed",), record.dZ.sum(axis=0), Msg("mistake.conv_db_samples_only", l=l))


def _dA_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    """dA of layer l (or dX, l = 0) comes from layer l + 1; its mistakes depend on that layer."""
    l = target.layer or 0
    name = target.name
    if l >= len(run.records):
        if l == len(run.records) and run.network.loss == "bce":
            A, Y = run.records[-1].A, run.network.Y
            yield Mistake(("term_sign",), (-Y / A - (1 - Y) / (1 - A)) / run.network.m,
                          Msg("mistake.bce_term_sign", name=name, l=l))
        return
    following = run.records[l]
    layer = following.layer
    nxt = layer.index
    if isinstance(layer, Dense) and layer.W.shape[0] == layer.W.shape[1]:
        yield Mistake(("missing_transpose",), layer.W @ following.dZ,
                      Msg("mistake.W_not_transposed", next=nxt, name=name))
    if isinstance(layer, Dense):
        yield Mistake(("used_dW_for_W",), following.dW.T @ following.dZ,
                      Msg("mistake.used_dW_for_W", next=nxt, name=name))
        if _has_activation_factor(following):
            yield Mistake(("missing_activation_derivative",), layer.W.T @ following.dA,
                          Msg("mistake.dA_missing_g", next=nxt, g=_g(layer), name=name))
    elif isinstance(layer, Conv2D):
        unrotated = dataclasses.replace(layer, W=layer.W[:, :, ::-1, ::-1])
        yield Mistake(("kernel_not_rotated",), unrotated.backward(following.dZ, following.cache)[0],
                      Msg("mistake.kernel_not_rotated", name=name, next=nxt))
    elif isinstance(layer, MaxPool):
        spread = AvgPool(layer.index, layer.size, layer.stride)
        yield Mistake(("wrong_pool_rule",), spread.backward(following.dA, following.cache),
                      Msg("mistake.spread_like_avg"))
    elif isinstance(layer, AvgPool):
        routed = MaxPool(layer.index, layer.size, layer.stride)
        _, cache = routed.forward(following.cache.A_prev)
        yield Mistake(("wrong_pool_rule",), routed.backward(following.dA, cache),
                      Msg("mistake.routed_like_max", size=layer.size * layer.size))
    elif isinstance(layer, Flatten):
        shape = following.cache
        per_sample = tuple(shape[1:])
        column_major = np.stack([column.reshape(per_sample, order="F") for column in following.dA.T])
        yield Mistake(("wrong_reshape",), column_major.reshape(shape),
                      Msg("mistake.column_major", next=nxt, name=name))
        if following.dA.shape[1] > 1:
            yield Mistake(("wrong_reshape",), following.dA.reshape(shape),
                          Msg("mistake.reshape_without_columns", next=nxt, name=name))


def _Z_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = _record(run, target.layer)
    layer = record.layer
    if isinstance(layer, Dense):
        yield Mistake(("missing_bias",), record.Z - layer.b,
                      Msg("mistake.missing_bias", l=layer.index, input=input_name(run.network, layer.index)))


def _other_tensors(run: Run, target: Target) -> Iterator[Mistake]:
    """Every other named tensor with the target's shape or its transpose: the gradient of a
    neighbouring tensor (dZ given for dA, another layer's), or a forward value."""
    tensors = run.tensors()
    expected = tensors[target.name]
    for name, value in tensors.items():
        if name in (target.name, "A0"):
            continue
        if value.shape == expected.shape or (value.ndim == 2 and value.T.shape == expected.shape):
            yours = Msg("tensor.gradient", name=name, base=name[1:]) if name.startswith("d") else \
                Msg("tensor.plain", name=name)
            theirs = Msg("tensor.gradient", name=target.name, base=target.base) if target.is_gradient else \
                Msg("tensor.plain", name=target.name)
            explanation = Msg("mistake.other_tensor", yours=yours, target=theirs)
            yield Mistake(("other_tensor",), value, explanation, scalable=False)
