"""Grading and hints particular to conv2d layers: the kernel's rotation in dW and dA_prev (or its
transpose in dA_prev), the stride (dZ dilated by it in dA_prev, the windows moved by it in dW),
the padding of the full correlation that gives dA_prev, db summed over samples and positions, and
the rules in words where no formula can be written."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.grading.kind import KindGrading, redraw_weights_and_bias
from bpcli.grading.mistakes import Mistake, wrong_axes_sums
from bpcli.grading.targets import Target, shown_input_name
from bpcli.texts import Msg


class Conv2DGrading(KindGrading):
    own_rules = frozenset({"Z", "dW"})

    def parameter_mistakes(self, run: Run, record: LayerRecord, parameter: str) -> Iterator[Mistake]:
        l = record.layer.index
        dZ = record.dZ
        if parameter == "W":
            dW = record.gradients["W"]
            yield Mistake(("kernel_rotated",), dW[:, :, ::-1, ::-1], Msg("mistake.kernel_rotated", l=l))
            for flipped in (dW[:, :, ::-1, :], dW[:, :, :, ::-1]):
                yield Mistake(("kernel_wrongly_rotated",), flipped, Msg("mistake.dW_wrongly_rotated", l=l))
            layer = record.layer
            if layer.stride > 1:  # at stride 1 the windows do move by 1: the right dW
                shown = shown_input_name(l)
                yield Mistake(("wrong_stride",), _kernel_gradient(record.cache.padded, dZ, layer, stride=1),
                              Msg("mistake.dW_stride_ignored", l=l, stride=layer.stride,
                                  window=_window(layer, shown), padded=_padded(layer, shown)))
            return
        yield Mistake(("not_summed",), dZ, Msg("mistake.conv_db_not_summed", l=l))
        yield Mistake(("not_summed",), dZ.sum(axis=(2, 3)), Msg("mistake.conv_db_positions_only", l=l))
        yield Mistake(("not_summed",), dZ.sum(axis=0), Msg("mistake.conv_db_samples_only", l=l))
        yield from wrong_axes_sums(dZ, (0, 2, 3), f"dZ{l}", f"db{l}", f"db{l} = sum(dZ{l}, axis=(0, 2, 3))")

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        """dA_prev is the full correlation of dZ (dilated by the stride) with ROT180(W), cropped
        by the layer's padding: the kernel not rotated, turned the wrong way, transposed, the
        correlation padded by the wrong amount, or dZ not dilated."""
        layer = following.layer
        nxt = layer.index

        def through(kernel: np.ndarray) -> np.ndarray:
            # the layer's own backward with another kernel: the full correlation with ROT180(kernel)
            return dataclasses.replace(layer, W=kernel).backward(following.dZ, following.cache)[0]

        W = layer.W
        yield Mistake(("kernel_not_rotated",), through(W[:, :, ::-1, ::-1]),
                      Msg("mistake.kernel_not_rotated", name=name, next=nxt))
        wrong_turns = [W[:, :, ::-1, :], W[:, :, :, ::-1]]
        if layer.kernel_h == layer.kernel_w:
            wrong_turns += [np.rot90(W, 1, axes=(2, 3)), np.rot90(W, 3, axes=(2, 3))]
        for kernel in wrong_turns:
            yield Mistake(("kernel_wrongly_rotated",), through(kernel),
                          Msg("mistake.kernel_wrongly_rotated", name=name, next=nxt))
        if layer.kernel_h == layer.kernel_w:
            # the two reflections across a diagonal, which complete the kernel's eight turns and
            # flips: W's transpose scattered back onto each window (the dense rule Wᵀ · dZ carried
            # over), and the correlation with Wᵀ in the place of ROT180(W)
            transposed = W.swapaxes(2, 3)
            explanation = Msg("mistake.kernel_transposed", name=name, next=nxt)
            for kernel in (transposed, transposed[:, :, ::-1, ::-1]):
                yield Mistake(("kernel_transposed",), through(kernel), explanation)
        yield from _padding_mistakes(layer, following.dZ, following.cache.input_shape, name)
        yield from _stride_mistakes(layer, following.dZ, following.cache.input_shape, name)

    def formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        if target.kind == "db":
            return f"sum(dZ{layer.index}, axis=(0, 2, 3))"
        return None

    def rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        if target.kind not in self.own_rules:
            return None
        return Msg(f"rule.{target.kind}.conv2d", input=Msg("word.padded_input" if layer.padding else "word.input"))

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        shown = shown_input_name(l)
        if target.kind == "Z":
            return Msg("words.conv_Z", l=l, input=shown, window=_window(layer, shown), padded=_padded(layer, shown))
        if target.kind == "dW":
            return Msg("words.conv_dW", l=l, input=shown, window=_window(layer, shown), padded=_padded(layer, shown))
        return None

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.conv_dA", name=target.name, next=layer.index)

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.conv2d", name=target.name, base=target.base, next=layer.index)

    def parameter_meaning(self, parameter: str, layer: Layer) -> Msg | None:
        return Msg({"W": "meaning.conv_W", "b": "meaning.conv_b"}[parameter])

    def redraw(self, layer: Layer, rng: np.random.Generator) -> None:
        redraw_weights_and_bias(layer, rng)


def _window(layer: Layer, shown: str) -> Msg:
    """The input entry a kernel weight W[f, c, i, j] meets at output position (y, x), with this
    layer's stride written out (y + i at stride 1, 2·y + i at 2): X[n, c, y + i, x + j], or
    P[…] where the layer pads its input (P, ``_padded``)."""
    s = layer.stride
    row, column = ("y + i", "x + j") if s == 1 else (f"{s}·y + i", f"{s}·x + j")
    return Msg("words.conv_window", source="P" if layer.padding else shown, row=row, column=column)


def _padded(layer: Layer, shown: str) -> Msg | str:
    """What P is, where the layer pads its input; nothing where it does not."""
    return Msg("words.conv_padded", input=shown, count=layer.padding) if layer.padding else ""


def full_correlation(dZ: np.ndarray, W: np.ndarray, stride: int, pad_h: int, pad_w: int) -> np.ndarray | None:
    """dZ (m, F, Ho, Wo) dilated by ``stride`` (stride − 1 zeros between entries), padded with
    ``pad_h`` rows and ``pad_w`` columns of zeros on each side, and correlated with ROT180(W),
    summed over the filters: (m, C, ·, ·), as a learner computes the gradient of a conv layer's
    input by hand; None when the kernel does not fit."""
    m, F, Ho, Wo = dZ.shape
    _, C, kh, kw = W.shape
    dilated = np.zeros((m, F, stride * (Ho - 1) + 1, stride * (Wo - 1) + 1))
    dilated[:, :, ::stride, ::stride] = dZ
    padded = np.pad(dilated, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
    if out_h < 1 or out_w < 1:
        return None
    rotated = W[:, :, ::-1, ::-1]
    out = np.zeros((m, C, out_h, out_w))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nfyx,fc->ncyx", padded[:, :, i:i + out_h, j:j + out_w], rotated[:, :, i, j])
    return out


def _padding_mistakes(layer, dZ: np.ndarray, input_shape: tuple[int, ...], name: str) -> Iterator[Mistake]:
    """The full correlation padded with one ring too few or too many, or none ("valid"), then
    cropped by the layer's padding as the right rule does, or not cropped; and the right padding
    with the layer's own padding left in."""
    p, kh, kw = layer.padding, layer.kernel_h, layer.kernel_w
    right = f"{kh - 1}" if kh == kw else f"{kh - 1}, {kw - 1}"
    crop = Msg("mistake.wrong_padding.crop", padding=p) if p else ""
    if p:
        kept = full_correlation(dZ, layer.W, layer.stride, kh - 1, kw - 1)
        explanation = Msg("mistake.padding_not_removed", name=name, count=p)
        yield Mistake(("wrong_padding",), kept, explanation)
        # the same scattered window by window into the padded input
        yield Mistake(("wrong_padding",), _on_padded_input(kept, input_shape, p), explanation)
    for pad_h, pad_w in {(kh - 2, kw - 2), (kh, kw), (0, 0)} - {(kh - 1, kw - 1)}:
        if pad_h < 0 or pad_w < 0:
            continue
        value = full_correlation(dZ, layer.W, layer.stride, pad_h, pad_w)
        if value is None:
            continue
        padding = f"{pad_h}" if pad_h == pad_w else f"{pad_h}, {pad_w}"
        explanation = Msg("mistake.wrong_padding", name=name, next=layer.index, padding=padding, right=right,
                          crop=crop)
        yield Mistake(("wrong_padding",), value, explanation)
        if p and value.shape[2] > 2 * p and value.shape[3] > 2 * p:
            yield Mistake(("wrong_padding",), value[:, :, p:-p, p:-p], explanation)


def _on_padded_input(value: np.ndarray, input_shape: tuple[int, ...], padding: int) -> np.ndarray:
    """A full correlation's ``value`` (m, C, ·, ·), which covers the padded input from its top-left
    corner, in the padded input's shape (m, C, H + 2p, W + 2p), as scattering window by window
    gives it: the last rows and columns, which no window reaches when the stride does not divide
    evenly (or when the windows are moved by 1 where they move by more), are 0."""
    m, C, H, W = input_shape
    padded = np.zeros((m, C, H + 2 * padding, W + 2 * padding))
    padded[:, :, :value.shape[2], :value.shape[3]] = value
    return padded


def _stride_mistakes(layer, dZ: np.ndarray, input_shape: tuple[int, ...], name: str) -> Iterator[Mistake]:
    """dZ not dilated by the stride, as if the windows moved by 1: the full correlation of dZ
    itself with ROT180(W), scattered into the padded input and cropped as the right rule is; or
    cropped as it comes out; or not cropped at all (it may then have the input's own shape, 4 × 4
    in exercise 09, which makes the crop look done). Nothing at stride 1, where it is the right
    rule."""
    s, p, kh, kw = layer.stride, layer.padding, layer.kernel_h, layer.kernel_w
    if s == 1:
        return
    _, _, H, W = input_shape
    undilated = full_correlation(dZ, layer.W, 1, kh - 1, kw - 1)  # never None: pads by the kernel's size − 1

    def explanation(kept: Msg | str = "") -> Msg:
        return Msg("mistake.dZ_not_dilated", name=name, next=layer.index, stride=s,
                   zeros=Msg("count.zeros", count=s - 1), kept=kept)

    scattered = _on_padded_input(undilated, input_shape, p)[:, :, p:p + H, p:p + W]
    yield Mistake(("wrong_stride",), scattered, explanation())
    cropped = undilated[:, :, p:undilated.shape[2] - p, p:undilated.shape[3] - p]
    if cropped.shape != scattered.shape and cropped.size:
        yield Mistake(("wrong_stride",), cropped, explanation())
    if p:
        yield Mistake(("wrong_stride", "wrong_padding"), undilated,
                      explanation(Msg("mistake.dZ_not_dilated.kept", name=name, count=p)))


def _kernel_gradient(padded: np.ndarray, dZ: np.ndarray, layer, stride: int) -> np.ndarray:
    """The plain correlation of the padded input with dZ, the windows moved by ``stride``:
    dW[f, c, i, j] = Σ dZ[n, f, y, x] · P[n, c, stride·y + i, stride·x + j] (F, C, kh, kw)."""
    Ho, Wo = dZ.shape[2], dZ.shape[3]
    dW = np.zeros(layer.W.shape)
    for i in range(layer.kernel_h):
        for j in range(layer.kernel_w):
            seen = padded[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]
            dW[:, :, i, j] = np.einsum("nfyx,ncyx->fc", dZ, seen)
    return dW


CONV2D = Conv2DGrading()
