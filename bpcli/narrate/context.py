"""What every narration function needs: the run, the sentences of one language, the method,
and the few helpers they all use (a layer's input, an entry worth working out, a sum written out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpcli.core import losses
from bpcli.core.network import LayerRecord, Run, shift_absorbed_by
from bpcli.formatting import largest_magnitude, round_off_bound
from bpcli.narrate.model import Formula, Index, Note, Sources, WorkedEntry
from bpcli.narrate.notation import symbol

#: terms of an index sum written out with their numbers before '… (N terms)'
SHOWN_TERMS = 6

#: ``bpcli.texts.say`` bound to the learner's language: ``say(key, **fields)``
Say = Callable[..., str]


@dataclass
class Context:
    run: Run
    say: Say
    method: str

    @property
    def network(self):
        return self.run.network

    @property
    def m(self) -> int:
        return self.run.network.m

    @property
    def has_one_over_m(self) -> bool:
        """Whether the loss averages over the samples, so that its 1/m is inside every dZ (not
        sse's, a sum), and there is a 1/m a learner might add twice (not with one sample)."""
        return self.m > 1 and self.run.network.loss in losses.AVERAGING

    @property
    def last(self) -> LayerRecord:
        return self.run.records[-1]

    def note(self, key: str, *, about: str | None = None, kind: str | None = None, **fields) -> Note:
        """The note ``key`` in the learner's language. ``about``: the text ('002') whose slip or
        convention it concerns. ``kind``: what counts as saying the same thing again (the key,
        unless a fact about one layer, such as relu at 0 there, is its own kind)."""
        return Note(kind or key, self.say(key, **fields), about)

    def passed_back(self, layer: int) -> str:
        """What the gradient a layer passes back (dA of the layer before, ``layer`` − 1 ≥ 1) is
        for: the dZ of that layer, through its g′; a pool or flatten has no g′ and takes dA
        itself back to its own input (saying 'its g′' there was wrong)."""
        before = self.network.layers[layer - 2]
        if before.activation is None:
            return self.say("backward.dA_prev.next_without_activation", prev=layer - 1, kind=before.kind)
        return self.say("backward.dA_prev.next", prev=layer - 1)

    def position(self, record: LayerRecord) -> int:
        return record.layer.index - 1

    def bias_notes(self, record: LayerRecord) -> list[Note]:
        """For the step of a bias's gradient: why it is exactly 0 when J does not depend on the
        bias (``shift_absorbed_by``: a linear layer whose shifts reach a batch normalisation, next
        to it or through layers that pass them on); else none."""
        normalising = shift_absorbed_by(self.network, self.position(record))
        if normalising is None:
            return []
        l = record.layer.index
        bias = record.layer.UNIT_BIAS
        fields = dict(gradient=symbol("d" + bias, l).text, bias=symbol(bias, l).text, next=normalising,
                      dZ=symbol("dZ", l).text)
        if normalising == l + 1:
            return [self.note("note.bias_without_effect", **fields)]
        # through layers between, the shift reaches the normalising layer as shifts of its units
        return [self.note("note.bias_without_effect.through", kind="note.bias_without_effect", **fields)]

    def layer_input(self, record: LayerRecord) -> np.ndarray:
        """A⁽ˡ⁻¹⁾ as layer l took it: X in the layers' shape for layer 1 (m×1×H×W for m×H×W)."""
        position = self.position(record)
        if position == 0:
            return self.network.input_for_layers()
        return self.run.records[position - 1].A

    def input_gradient(self, record: LayerRecord) -> np.ndarray:
        """dA⁽ˡ⁻¹⁾ as the core computed it: the next record's dA, or dX in the layers' shape."""
        position = self.position(record)
        if position == 0:
            return self.run.dX.reshape(self.network.input_for_layers().shape)
        return self.run.records[position - 1].dA

    def input_gradient_result(self, record: LayerRecord):
        """The result tensor of a dA⁽ˡ⁻¹⁾ step, in the layers' shape: one shape per tensor in the
        narration (an m×H×W input is m×1×H×W throughout, said once in the network step)."""
        return symbol("dA", record.layer.index - 1).tensor(self.input_gradient(record))


def largest_index(array: np.ndarray) -> tuple[int, ...]:
    """The index of the entry with the largest magnitude (the first such), the entry most worth
    working out by hand; index 0… for an all-zero tensor."""
    array = np.asarray(array)
    magnitudes = np.where(np.isfinite(array), np.abs(array), -1.0)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(magnitudes)), array.shape))


def worked_sum(label: Formula, symbolic: Formula, factors: np.ndarray,
               expected: float, constant: float | None = None) -> WorkedEntry:
    """A WorkedEntry for an index sum: ``factors`` is (terms × factors per term), each row
    multiplied and the rows added, then ``constant`` (a bias) if given, always shown. Only the
    first SHOWN_TERMS terms are kept for display, the non-zero ones first when there are more (a
    learner following the sum learns nothing from a row of 0·x); the sum uses them all. A factor
    that is round-off of an exact 0 beside the largest finite factor of its column (all the sum
    reads of one tensor) is written 0, as the tensor's table shows it (``round_off_bound``)."""
    factors = np.asarray(factors, dtype=float).reshape(len(factors), -1)
    value = float(np.prod(factors, axis=1).sum()) if len(factors) else 0.0
    if len(factors):
        bounds = [round_off_bound(largest_magnitude(column)) for column in factors.T]
        factors = np.where(np.abs(factors) <= bounds, 0.0, factors)  # inf and nan are never at most a bound
    products = np.prod(factors, axis=1)
    order = np.arange(len(factors))
    if len(factors) > SHOWN_TERMS:
        order = np.concatenate([order[products != 0], order[products == 0]])
    positions = tuple(int(k) for k in order[:SHOWN_TERMS])
    terms = [tuple(float(x) for x in factors[k]) for k in positions]
    if constant is not None:
        value += float(constant)
    return WorkedEntry(label, symbolic, terms, len(factors), value, float(expected),
                       constant=None if constant is None else float(constant), term_positions=positions)


def traced(entry: WorkedEntry, index: Index, sources: Sources) -> WorkedEntry:
    """``entry`` with its place in the step's result and what it was computed from (``sources``
    at that place), so a page can mark the entries the worked sum used."""
    entry.index = tuple(int(i) for i in index)
    entry.highlight = sources(entry.index)
    return entry


def reindex(index: Index, shape: tuple[int, ...], shown_shape: tuple[int, ...]) -> Index:
    """The same entry in a tensor of the same size shown in another shape (dX as X was given:
    m×H×W where the layers see m×1×H×W)."""
    if tuple(shape) == tuple(shown_shape):
        return tuple(index)
    return tuple(int(i) for i in np.unravel_index(np.ravel_multi_index(index, shape), shown_shape))


def shown_sources(sources: Sources, shape: tuple[int, ...], shown_shape: tuple[int, ...]) -> Sources:
    """``sources`` written for a result of ``shape``, asked about the result as shown."""
    if tuple(shape) == tuple(shown_shape):
        return sources
    return lambda index: sources(reindex(index, shown_shape, shape))
