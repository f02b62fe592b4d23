"""Narration of max and average pooling (no parameters, so one forward and one backward step).

maxpool: each window's gradient goes to its largest element (the first in row-major order when
several tie), the argmax mask; avgpool: spread evenly, 1/size² to each element. Where windows
overlap (stride < size) an element collects the shares of every window it belongs to: they add.
The routing is recomputed here window by window and compared with the core's dA_prev.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bpcli.core.network import LayerRecord
from bpcli.narrate.context import Context, largest_index, reindex, shown_sources, traced, worked_sum
from bpcli.narrate.expr import SuchThat, WindowRange, atom, frac, max_over, operator, set_of, sum_over
from bpcli.narrate.model import Highlight, Index, IdentityCheck, Sources, Step
from bpcli.narrate.notation import offset, shape_of, symbol


#: a window (y, x) of the output, the input entry (i, j), and the window's entries 𝒲(y, x)
WINDOW_POSITION = atom("(y,x)")
INPUT_POSITION = atom("(i,j)")
WINDOW = atom(r"\mathcal{W}(y,x)", "𝒲(y,x)")
ARGMAX = operator(r"\operatorname{argmax}", "argmax")


def windows(A_prev: np.ndarray, size: int, stride: int, out_hw: tuple[int, int]) -> np.ndarray:
    """(m, C, Ho, Wo, size, size): every pooling window of A_prev (a view, no copy)."""
    Ho, Wo = out_hw
    view = sliding_window_view(A_prev, (size, size), axis=(2, 3))
    return view[:, :, :stride * (Ho - 1) + 1:stride, :stride * (Wo - 1) + 1:stride]


def window_positions(index: int, size: int, stride: int, count: int) -> list[int]:
    """The window positions (along one axis) whose window covers input position ``index``."""
    return [y for y in range(count) if stride * y <= index < stride * y + size]


def route(A_prev: np.ndarray, upstream: np.ndarray, size: int, stride: int,
          kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(dA_prev, routing count): each window's upstream gradient to its first maximum (maxpool) or
    spread as 1/size² (avgpool), added where windows overlap. Both (m, C, H, W); the count is an
    integer tensor (how many windows send gradient to each element)."""
    m, C, Ho, Wo = upstream.shape
    dA_prev = np.zeros(A_prev.shape)
    count = np.zeros(A_prev.shape, dtype=np.int64)
    n, c, y, x = np.meshgrid(np.arange(m), np.arange(C), np.arange(Ho), np.arange(Wo), indexing="ij")
    if kind == "maxpool":
        flat = windows(A_prev, size, stride, (Ho, Wo)).reshape(m, C, Ho, Wo, size * size).argmax(axis=-1)
        rows, cols = stride * y + flat // size, stride * x + flat % size
        np.add.at(dA_prev, (n, c, rows, cols), upstream)
        np.add.at(count, (n, c, rows, cols), 1)
        return dA_prev, count
    for i in range(size):
        for j in range(size):
            np.add.at(dA_prev, (n, c, stride * y + i, stride * x + j), upstream / (size * size))
            np.add.at(count, (n, c, stride * y + i, stride * x + j), 1)
    return dA_prev, count


def forward(ctx: Context, record: LayerRecord) -> list[Step]:
    """A⁽ˡ⁾ = max or mean of each window of A⁽ˡ⁻¹⁾."""
    layer, l = record.layer, record.layer.index
    k, s, kind = layer.size, layer.stride, layer.kind
    A_prev = ctx.layer_input(record)
    A, A_in = symbol("A", l), symbol("A", l - 1)
    H, W = A_prev.shape[2], A_prev.shape[3]
    Ho, Wo = record.A.shape[2], record.A.shape[3]
    n, c, y, x = largest_index(record.A)
    window = A_prev[n, c, s * y:s * y + k, s * x:s * x + k]
    in_window = A_in["n", "c", offset(s, "y", "i"), offset(s, "x", "j")]
    pooled = (max_over(WindowRange(k), in_window) if kind == "maxpool"
              else frac(1, k * k) @ sum_over(WindowRange(k), in_window))
    value = window.max() if kind == "maxpool" else window.mean()
    sources = forward_sources(A_prev, A_in.name, k, s, kind)
    return [Step(
        section="forward", title=ctx.say(f"title.{kind}_forward", layer=l),
        explanation=[ctx.say(f"forward.{kind}", k=k, s=s)],
        formula=A["n", "c", "y", "x"].eq(pooled),
        shapes=(f"{shape_of(A_prev.shape)} → {shape_of(record.A.shape)};  ⌊({H} − {k})/{s}⌋ + 1 = {Ho},  "
                f"⌊({W} − {k})/{s}⌋ + 1 = {Wo}"),
        operands=[A_in.tensor(A_prev)], result=A.tensor(record.A), target=A.name, layer=l, sources=sources,
        focus=(n, c, y, x),
        checks=[IdentityCheck(ctx.say("check.window", index=f"[{n},{c},{y},{x}]"), value, record.A[n, c, y, x])])]


def _entry_to_explain(count: np.ndarray, core: np.ndarray) -> tuple[int, ...]:
    """An element that several windows feed, if there is one with a non-zero gradient (the
    'gradients add' case); else the element with the largest gradient."""
    overlapping = (count >= 2) & (core != 0)
    if overlapping.any():
        return tuple(int(i) for i in np.argwhere(overlapping)[0])
    return largest_index(core)


def backward(ctx: Context, record: LayerRecord) -> list[Step]:
    """dA⁽ˡ⁻¹⁾ (dX for layer 1) routed (maxpool) or spread (avgpool) back through the windows."""
    layer, l = record.layer, record.layer.index
    k, s, kind = layer.size, layer.stride, layer.kind
    A_prev = ctx.layer_input(record)
    dA, dA_prev = symbol("dA", l), symbol("dA", l - 1)
    core = ctx.input_gradient(record)
    recomputed, count = route(A_prev, record.dA, k, s, kind)
    n, c, i, j = _entry_to_explain(count, core)
    Ho, Wo = record.dA.shape[2], record.dA.shape[3]
    feeding = [(y, x) for y in window_positions(i, k, s, Ho) for x in window_positions(j, k, s, Wo)]
    if kind == "maxpool":
        feeding = [(y, x) for y, x in feeding
                   if np.unravel_index(A_prev[n, c, s * y:s * y + k, s * x:s * x + k].argmax(), (k, k))
                   == (i - s * y, j - s * x)]
    factors = np.array([[record.dA[n, c, y, x]] + ([] if kind == "maxpool" else [1.0 / (k * k)])
                        for y, x in feeding]).reshape(len(feeding), -1)
    share = dA[n, c, "y", "x"] if kind == "maxpool" else frac(1, k * k) * dA[n, c, "y", "x"]
    entry = worked_sum(dA_prev[n, c, i, j], sum_over(WINDOW_POSITION.element_of(set_of(feeding)), share),
                       factors, core[n, c, i, j])
    mask_name = "mask" if kind == "maxpool" else "count"
    mask = symbol(mask_name, l).tensor(count)  # how many windows route their gradient to each element
    result = ctx.input_gradient_result(record)
    shown = shown_sources(backward_sources(A_prev, (symbol("A", l - 1).name, mask.name, dA.name), k, s, kind),
                          core.shape, result.shape)
    traced(entry, reindex((n, c, i, j), core.shape, result.shape), shown)
    explanation = [ctx.say(f"backward.{kind}.why", k=k, area=k * k)]
    if s < k:
        explanation.append(ctx.say("backward.pool.overlap", s=s, k=k))
    if kind == "maxpool":
        routed_here = SuchThat(WINDOW_POSITION, INPUT_POSITION.eq(ARGMAX(WINDOW)))
        gathered = sum_over(routed_here, dA["n", "c", "y", "x"])
    else:
        covering = SuchThat(WINDOW_POSITION, INPUT_POSITION.element_of(WINDOW))
        gathered = sum_over(covering, frac(1, k * k) * dA["n", "c", "y", "x"])
    notes = [ctx.note("note.tied_max", kind=f"note.tied_max.{l}")] if kind == "maxpool" and getattr(record.cache, "tied_windows", 0) else []
    return [Step(
        section="backward", title=ctx.say(f"title.{kind}_backward", layer=l, name=dA_prev.text),
        explanation=explanation, formula=dA_prev["n", "c", "i", "j"].eq(gathered),
        shapes=f"{shape_of(record.dA.shape)} → {shape_of(core.shape)}",
        operands=[symbol("A", l - 1).tensor(A_prev), mask, dA.tensor(record.dA)],
        result=result, notes=notes, target=dA_prev.name, layer=l, worked=[entry], sources=shown,
        checks=[IdentityCheck(ctx.say(f"check.{kind}_route", name=dA_prev.text), recomputed, core)])]


def _window_cells(n: int, c: int, y: int, x: int, size: int, stride: int) -> list[Index]:
    return [(n, c, stride * y + i, stride * x + j) for i in range(size) for j in range(size)]


def _first_maximum(A_prev: np.ndarray, n: int, c: int, y: int, x: int, size: int, stride: int) -> Index:
    """The element a max-pool window routes to: its first largest, in row-major order."""
    i, j = np.unravel_index(int(A_prev[n, c, stride * y:stride * y + size, stride * x:stride * x + size].argmax()),
                            (size, size))
    return (n, c, stride * y + int(i), stride * x + int(j))


def forward_sources(A_prev: np.ndarray, name: str, size: int, stride: int, kind: str) -> Sources:
    """A pooled entry comes from its window: the whole window (avgpool), or the window's maximum
    with the rest of the window around it (maxpool)."""
    def sources(index: Index) -> Highlight:
        cells = _window_cells(*index, size, stride)
        if kind == "avgpool":
            return Highlight({name: cells})
        top = _first_maximum(A_prev, *index, size, stride)
        return Highlight({name: [top]}, {name: [cell for cell in cells if cell != top]})
    return sources


def backward_sources(A_prev: np.ndarray, names: tuple[str, str, str], size: int, stride: int, kind: str) -> Sources:
    """An entry of dA_prev collects the gradient of the windows that route to it (the windows
    whose maximum it is, for maxpool; every window it lies in, for avgpool); ``names`` are the
    step's A_prev, mask (or count) and upstream dA. The windows it lies in are marked around."""
    A_name, mask_name, dA_name = names
    Ho = (A_prev.shape[2] - size) // stride + 1
    Wo = (A_prev.shape[3] - size) // stride + 1

    def sources(index: Index) -> Highlight:
        n, c, i, j = index
        covering = [(y, x) for y in window_positions(i, size, stride, Ho) for x in window_positions(j, size, stride, Wo)]
        feeding = covering if kind == "avgpool" else [
            (y, x) for y, x in covering if _first_maximum(A_prev, n, c, y, x, size, stride) == tuple(index)]
        around = list(dict.fromkeys(cell for y, x in covering for cell in _window_cells(n, c, y, x, size, stride)))
        used = {dA_name: [(n, c, y, x) for y, x in feeding], mask_name: [tuple(index)]}
        if feeding and kind == "maxpool":
            used[A_name] = [tuple(index)]
        return Highlight(used, {A_name: around})
    return sources
