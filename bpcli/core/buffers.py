"""The working arrays a layer allocates during a pass, declared so that their sizes can be
refused before anything is allocated (the spec loader counts them against its limit)."""

from __future__ import annotations

from typing import NamedTuple

from bpcli.texts import Msg


class Buffer(NamedTuple):
    """An array a layer's forward or backward pass allocates besides its output and gradients."""

    what: Msg  # as a message names it: "the zero-padded input"
    shape: tuple[int, ...]
    kept: bool  # held from the forward pass to the backward pass (else freed within the pass)
