"""The likely mistakes for a target: for each, the value a learner who made it would get.

A wrong answer is compared with these values (see ``diagnosis``). Each ``Mistake`` is computed
with the core's own layers, so it is exactly what the mistaken derivation gives: the layer's
``backward`` fed with a wrong dZ, a max pool's gradient spread like an average pool's, a conv
kernel not rotated, and so on. Slips found in the source texts are among them (dW⁽ᴸ⁾ with
A⁽ᴸ⁾ᵀ for A⁽ᴸ⁻¹⁾ᵀ, dW⁽ᴸ⁾ᵀ for W⁽ᴸ⁾ᵀ, g′(A) for g′(Z)).

This module holds what is the same for every layer kind (dZ and its activation, the loss's
gradient, a wrong dZ carried into the parameter gradients, other tensors of the right shape);
what belongs to one kind comes from its ``KindGrading`` (``bpcli.kinds.grading``).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from bpcli import kinds
from bpcli.core import activations
from bpcli.core.losses import has_fused_output_gradient
from bpcli.core.network import LayerRecord, Run
from bpcli.grading.targets import Target
from bpcli.texts import Joined, Msg


@dataclass(frozen=True)
class Mistake:
    """What an answer would be after one mistake.

    ``codes`` are the diagnosis codes it stands for, ``value`` the resulting tensor,
    ``explanation`` one sentence (a ``Msg``) naming the mistake and the right rule. ``scalable`` lets the
    mistake combine with a sign or an m / 1/m factor (a derivation slip plus a lost 1/m);
    ``transposable`` lets it be recognised transposed too.
    """

    codes: tuple[str, ...]
    value: np.ndarray
    explanation: Msg | None
    scalable: bool = True
    transposable: bool = True


def likely_mistakes(run: Run, target: Target) -> list[Mistake]:
    """Derivation mistakes specific to the target's kind, then every other tensor of the run
    with the target's shape (or its transpose), in that order of preference."""
    specific = {"dZ": _dZ_mistakes, "dA": _dA_mistakes, "dX": _dA_mistakes, "Z": _Z_mistakes,
                "A": lambda run, target: iter(())}.get(target.kind, _parameter_mistakes)
    mistakes = [mistake for mistake in specific(run, target) if np.all(np.isfinite(mistake.value))]
    if target.kind == "dX" and run.network.X.ndim == 3:  # the layers see an m × H × W input as m × 1 × H × W
        mistakes = [dataclasses.replace(mistake, value=mistake.value[:, 0]) for mistake in mistakes
                    if mistake.value.ndim == 4 and mistake.value.shape[1] == 1]
    return mistakes + list(_other_tensors(run, target))


def activation_derivative_text(layer) -> str:
    """g′ of the layer as the mistakes name it: 'tanh′(Z2)'."""
    return f"{layer.activation}′(Z{layer.index})"


def layer_input(run: Run, layer: int) -> np.ndarray:
    """A(layer − 1), the input of ``layer`` (X for the first)."""
    return layer_output(run, layer - 1)


def layer_output(run: Run, k: int) -> np.ndarray:
    """A(k): X for k = 0 (as the layers see it), else layer k's output."""
    return run.network.X if k == 0 else run.records[k - 1].A


def record_of(run: Run, layer: int) -> LayerRecord:
    return run.records[layer - 1]


def _is_fused_output(run: Run, record: LayerRecord) -> bool:
    return record is run.records[-1] and has_fused_output_gradient(run.network.loss)


def has_activation_factor(record: LayerRecord) -> bool:
    """True when dZ = dA ⊙ g′(Z) has a g′ that is not 1 and can be forgotten."""
    return record.layer.activation in ("sigmoid", "tanh", "relu")


# -- the dZ a learner might have used, per mistake ------------------------------------------------

def _dZ_variants(run: Run, record: LayerRecord) -> Iterator[Mistake]:
    """Wrong versions of dZ of ``record``'s layer, with the explanation of each."""
    layer = record.layer
    l = layer.index
    g = activation_derivative_text(layer)
    if has_activation_factor(record):
        yield Mistake(("missing_activation_derivative",), record.dA,
                      Msg("mistake.missing_g", l=l, g=g))
        if layer.activation in ("sigmoid", "tanh"):
            at_A = record.dA * activations.derivative(layer.activation, record.A)
            yield Mistake(("derivative_at_A",), at_A,
                          Msg(f"mistake.derivative_at_A.{layer.activation}", l=l, g=g,
                              **({"activation": layer.activation} if layer.activation == "sigmoid" else {})))
    if has_activation_factor(record):
        yield from _wrong_derivatives(record)
    if layer.activation == "softmax":
        with np.errstate(all="ignore"):  # a dA of inf (A underflowed) is filtered out with the rest
            elementwise = record.dA * record.A * (1 - record.A)
        yield Mistake(("softmax_elementwise",), elementwise, Msg("mistake.softmax_elementwise", l=l))
    if _is_fused_output(run, record):
        factor = record.A * (1 - record.A)
        yield Mistake(("extra_activation_derivative",), record.dZ * factor,
                      Msg("mistake.extra_g", activation=layer.activation, l=l, g=g))
    if l < len(run.records) and not _is_fused_output(run, record):
        following = run.records[l]
        yield from kinds.grading(following.layer.kind).previous_dZ_mistakes(run, record, following)


#: the derivative of each activation written with its output A (what texts write as g′)
_DERIVATIVE_WITH_A = {"sigmoid": ("A(1 − A)", lambda a: a * (1 - a)), "tanh": ("1 − A²", lambda a: 1 - a * a)}


def _wrong_derivatives(record: LayerRecord) -> Iterator[Mistake]:
    """dZ with something else in the place of g′(Z): g itself, g′ written with A but fed Z, or
    the derivative of another activation."""
    layer = record.layer
    l = layer.index
    name = layer.activation
    right = f"dZ{l} = dA{l} ⊙ {activation_derivative_text(layer)}"
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


def wrong_axes_sums(gradient: np.ndarray, right_axes: tuple[int, ...], name: str, target: str,
                    rule: str) -> Iterator[Mistake]:
    """``gradient`` (called ``name``) summed over every other set of its axes than ``right_axes``,
    with and without keepdims: a sum over the wrong axes, named whatever shape it gives (on a
    network with as many samples as units, a sum over the units has the transposed shape)."""
    right = set(right_axes)
    words = _axes_words(right_axes)
    for count in range(1, gradient.ndim + 1):
        for axes in itertools.combinations(range(gradient.ndim), count):
            if set(axes) == right:
                continue
            explanation = Msg("mistake.sum_wrong_axes", name=name, axes=_axes_words(axes), target=target,
                              right=words, rule=rule)
            for keepdims in (True, False):
                yield Mistake(("wrong_axis",), gradient.sum(axis=axes, keepdims=keepdims), explanation)


def _axes_words(axes: tuple[int, ...]) -> Msg:
    if len(axes) == 1:
        return Msg("mistake.sum_wrong_axes.one", axes=axes[0])
    return Msg("mistake.sum_wrong_axes.several", axes="(" + ", ".join(map(str, axes)) + ")")


def _dZ_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    return _dZ_variants(run, record_of(run, target.layer))


def _parameter_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    """A parameter gradient (dW, db, dgamma): each likely dZ mistake carried through the layer's
    own backward pass (a wrong dZ makes the parameter gradients wrong the same way), then the
    mistakes of the layer's kind."""
    record = record_of(run, target.layer)
    parameter = target.parameter
    for variant in _dZ_variants(run, record):
        _, gradients = record.layer.backward(variant.value, record.cache)
        yield dataclasses.replace(variant, value=gradients[parameter])
    yield from kinds.grading(record.layer.kind).parameter_mistakes(run, record, parameter)


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
    yield from kinds.grading(following.layer.kind).input_gradient_mistakes(run, following, name)


def _Z_mistakes(run: Run, target: Target) -> Iterator[Mistake]:
    record = record_of(run, target.layer)
    return kinds.grading(record.layer.kind).output_mistakes(run, record)


def _other_tensors(run: Run, target: Target) -> Iterator[Mistake]:
    """Every other named tensor: first those with the target's shape or its transpose (the
    gradient of a neighbouring tensor, dZ given for dA, another layer's, or a forward value), then
    the others, whose shape the answer may have too (dZ2, 1 × m, given for dW2 stops a step
    short; an all-zero one, or a single number, is left out: a one-number answer would match any
    1 × 1 tensor within the tolerance, which names nothing). Tensors with the same numbers
    are named together (dA1 = dZ1 under a linear activation): which one the learner meant, the
    numbers cannot tell."""
    tensors = run.tensors()
    expected = tensors[target.name]

    def fits(value: np.ndarray) -> bool:
        return value.shape == expected.shape or (value.ndim == 2 and value.T.shape == expected.shape)

    candidates = [(name, value) for name, value in tensors.items() if name not in (target.name, "A0")]
    candidates = ([(name, value) for name, value in candidates if fits(value)]
                  + [(name, value) for name, value in candidates if not fits(value) and value.size > 1 and np.any(value)])
    groups: list[list[tuple[str, np.ndarray]]] = []
    for name, value in candidates:
        same = next((group for group in groups if group[0][1].shape == value.shape
                     and np.array_equal(group[0][1], value)), None)
        if same is None:
            groups.append([(name, value)])
        else:
            same.append((name, value))
    theirs = Msg("tensor.gradient", name=target.name, base=target.base) if target.is_gradient else \
        Msg("tensor.plain", name=target.name)
    for group in groups:
        names = [_tensor_name(name) for name, _ in group]
        yours = names[0] if len(names) == 1 else Joined(names, separator="sep.equal")
        explanation = Msg("mistake.other_tensor", yours=yours, target=theirs)
        # a tensor of another shape only as it is: "dZ2 transposed" is a guess, not a diagnosis
        yield Mistake(("other_tensor",), group[0][1], explanation, scalable=False,
                      transposable=fits(group[0][1]))


def _tensor_name(name: str) -> Msg:
    return Msg("tensor.gradient", name=name, base=name[1:]) if name.startswith("d") else Msg("tensor.plain", name=name)
