"""The registry of layer kinds: for each ``type`` of the network file, where its parts live.

Only module names are held here, and a module is imported the first time a part of it is asked
for: a dense-only network never imports the convolution or pooling code, which keeps start-up
fast (see PERFORMANCE_NOTES). A new layer kind is one entry in ``KINDS`` plus its own modules:

- ``core``: the layer class (``bpcli.core.layer.Layer``), as "module:Class"; its ``KEYS`` and
  ``from_spec`` are the kind's schema in network files (``bpcli.spec.LayerSpec``);
- ``narrate``: a module with ``forward(ctx, record)`` and ``backward(ctx, record)``, each a list
  of explain steps (forward up to Z, or A for a layer without an activation; backward from dZ,
  or dA, to the parameter gradients and dA_prev);
- ``grading``: a ``bpcli.grading.kind.KindGrading`` as "module:object", its likely mistakes,
  formulas, hints in words and rule keys.

Kinds that differ only in a detail (maxpool, avgpool) may share modules.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    core: str
    narrate: str
    grading: str


KINDS: dict[str, Kind] = {
    "dense": Kind(core="bpcli.core.dense:Dense", narrate="bpcli.narrate.dense",
                  grading="bpcli.grading.dense:DENSE"),
    "conv2d": Kind(core="bpcli.core.conv2d:Conv2D", narrate="bpcli.narrate.conv2d",
                   grading="bpcli.grading.conv2d:CONV2D"),
    "maxpool": Kind(core="bpcli.core.pool:MaxPool", narrate="bpcli.narrate.pool",
                    grading="bpcli.grading.pool:MAXPOOL"),
    "avgpool": Kind(core="bpcli.core.pool:AvgPool", narrate="bpcli.narrate.pool",
                    grading="bpcli.grading.pool:AVGPOOL"),
    "flatten": Kind(core="bpcli.core.flatten:Flatten", narrate="bpcli.narrate.flatten",
                    grading="bpcli.grading.flatten:FLATTEN"),
    "batchnorm": Kind(core="bpcli.core.batchnorm:BatchNorm", narrate="bpcli.narrate.batchnorm",
                      grading="bpcli.grading.batchnorm:BATCHNORM"),
}


def names() -> tuple[str, ...]:
    """Every layer ``type`` a network file may use, in the order the documentation lists them."""
    return tuple(KINDS)


def core_class(kind: str) -> type:
    """The layer class of ``kind`` (``core_class("dense")`` is ``Dense``)."""
    return _attribute(KINDS[kind].core)


def narrator(kind: str) -> Any:
    """The narration module of ``kind`` (its ``forward`` and ``backward`` functions)."""
    return importlib.import_module(KINDS[kind].narrate)


def grading(kind: str) -> Any:
    """The ``KindGrading`` of ``kind``: its mistakes, formulas, hints in words and rule keys."""
    return _attribute(KINDS[kind].grading)


#: "module:name" -> the object, found once: the loader asks for a kind's class several times per
#: network, and importlib's look-up costs more than the rest of a small network's validation
_FOUND: dict[str, Any] = {}


def _attribute(reference: str) -> Any:
    found = _FOUND.get(reference)
    if found is None:
        module, _, name = reference.partition(":")
        found = _FOUND[reference] = getattr(importlib.import_module(module), name)
    return found
