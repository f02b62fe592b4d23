"""What grading and the quiz's hints know about one layer kind (``KindGrading``).

``mistakes`` and ``quiz.hints`` hold what is the same for every kind (dZ and its activation,
the loss's gradient, other tensors of the right shape, the hint levels) and ask the kind of the
layer concerned, found through ``bpcli.kinds.grading``, for the rest. Every hook has a default
that means "nothing particular to this kind", so a kind implements only what it has.

Names used below: ``record`` is the layer's ``LayerRecord``; ``following`` the record of the
layer after the one whose dA is asked for (dA⁽ˡ⁾ comes back through layer l + 1); ``parameter``
a name of ``layer.parameters()`` (``W``, ``b``, ``gamma``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from bpcli.core.layer import Layer
    from bpcli.core.network import LayerRecord, Network, Run
    from bpcli.texts import Msg
    from bpcli.grading.mistakes import Mistake
    from bpcli.grading.targets import Target


class KindGrading:
    #: target kinds whose level-1 rule is worded for this kind: the rule key is then
    #: ``rule.<target kind>.<layer kind>`` (a conv Z), else ``rule.<target kind>``
    own_rules: frozenset[str] = frozenset()

    # -- likely mistakes (see ``mistakes.likely_mistakes``) -------------------------------------

    def parameter_mistakes(self, run: Run, record: LayerRecord, parameter: str) -> Iterable[Mistake]:
        """Mistakes in d<parameter> of ``record``'s layer besides a wrong dZ carried through (which
        ``mistakes`` adds for every kind)."""
        return ()

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterable[Mistake]:
        """Mistakes in the dA (called ``name``: dA2, dX) that comes back through ``following``."""
        return ()

    def previous_dZ_mistakes(self, run: Run, record: LayerRecord, following: LayerRecord) -> Iterable[Mistake]:
        """Mistakes in dZ of ``record``'s layer that come from this kind's layer after it: by
        default each mistake in the dA coming back through it, times g′(Z) (a flatten undone in
        the wrong order is the same mistake in dA1 and in dZ1 = dA1 ⊙ g′(Z1))."""
        from bpcli.core import activations

        layer = record.layer
        if layer.activation not in activations.DERIVATIVE:
            return
        factor = activations.derivative(layer.activation, record.Z)
        for mistake in self.input_gradient_mistakes(run, following, f"dA{layer.index}"):
            yield dataclasses.replace(mistake, value=mistake.value * factor)

    def output_mistakes(self, run: Run, record: LayerRecord) -> Iterable[Mistake]:
        """Mistakes in the forward output Z of ``record``'s layer."""
        return ()

    # -- hints (see ``quiz.hints``) -------------------------------------------------------------

    def rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        """The level-1 rule for ``target`` of this layer where this kind words it (a kind of
        ``own_rules``: ``rule.<target kind>.<layer kind>``), or None for the general
        ``rule.<target kind>``."""
        from bpcli.texts import Msg

        return Msg(f"rule.{target.kind}.{layer.kind}") if target.kind in self.own_rules else None

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        """The level-1 rule for the dA ``target`` (dA2, dX) coming back through ``layer``, said of
        this layer ('layer 3 (flatten) only rearranged A2, …'), or None for the general rule."""
        return None

    def formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        """``target`` (this layer's Z, a parameter gradient, or A of a layer without activation)
        as a formula ``bpcli grade`` accepts, or None where none can be written."""
        return None

    def input_gradient_formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        """The dA ``target`` coming back through ``layer`` as a formula, or None."""
        return None

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        """The rule with the network's names for a target of this layer that has no formula."""
        return None

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        """The rule with names for the dA ``target`` coming back through ``layer``, where it has
        no formula."""
        return None

    # -- shapes and other draws -----------------------------------------------------------------

    def parameter_meaning(self, parameter: str, layer: Layer) -> Msg | None:
        """What the axes of ``parameter``'s shape stand for ('one row per unit of layer 1, …')."""
        return None

    def redraw(self, layer: Layer, rng: np.random.Generator) -> None:
        """Draw the layer's parameters afresh, in place (``grading.redraw``): standard normal
        numbers unless the kind knows better."""
        for value in layer.parameters().values():
            value[...] = rng.normal(0.0, 1.0, size=value.shape)


def redraw_weights_and_bias(layer: Layer, rng: np.random.Generator) -> None:
    """W with standard deviation 1/√fan_in (fan_in: every axis of W but the first), then b with
    0.5: weights of the usual size, and biases large enough to move units off 0."""
    parameters = layer.parameters()
    W, b = parameters["W"], parameters["b"]
    fan_in = int(np.prod(W.shape[1:]))
    W[...] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=W.shape)
    b[...] = rng.normal(0.0, 0.5, size=b.shape)
