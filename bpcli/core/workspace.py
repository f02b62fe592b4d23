"""Large arrays kept for reuse from one pass to the next, so a repeated pass page-faults nothing.

glibc hands megabyte-sized freed blocks back to the kernel, and a fresh array of that size is
then faulted in page by page on the next pass: ~2,400 page faults per pass of the benchmark CNN,
which made it 3x slower. The command line can raise glibc's thresholds (``allocator.py``); the
library must not change its host process's allocator, so the layers take their large arrays,
work buffers and results alike, from here instead of from ``np.empty``.

An array is handed out again only when nothing outside the workspace refers to it any more: not
the layer cache that holds an im2col matrix for the backward pass, not a result the caller still
holds, not even a view into it (a numpy view keeps its base array alive, so it counts as a
reference too). That is read from the array's reference count, as numpy itself does to reuse
temporaries. So a result stays valid for as long as anybody can see it, whatever runs meanwhile,
and once dropped, its memory serves the next pass without a fault.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections import OrderedDict

import numpy as np

#: arrays smaller than this come from np.empty: glibc serves them from its heap without faults,
#: and the bookkeeping here would cost more than it saves
MIN_POOLED_BYTES = 64 * 1024
#: the most memory kept for reuse (a pass of 128 × 3 × 32 × 32 through the benchmark CNN uses
#: ~100 MiB); arrays beyond it are allocated and freed as usual
MAX_POOLED_BYTES = 128 * 1024 * 1024

_Key = tuple[tuple[int, ...], str]


def _reference_count(buffers: list[np.ndarray], position: int) -> int:
    return sys.getrefcount(buffers[position])


# What the count reads for an array that only the workspace's list holds, measured here rather
# than assumed: interpreters differ in how many references a call's argument adds.
_UNUSED_COUNT = _reference_count([np.empty(1)], 0)


class Workspace:
    """Arrays by shape and dtype, each handed out whenever nobody else refers to it."""

    def __init__(self, max_bytes: int = MAX_POOLED_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buffers: OrderedDict[_Key, list[np.ndarray]] = OrderedDict()  # least recently used first
        self._bytes = 0
        self._lock = threading.Lock()  # layers may run in several threads at once

    @property
    def pooled_bytes(self) -> int:
        return self._bytes

    def empty(self, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        """An array of ``shape`` whose values are whatever they were: write all of it."""
        # most arrays of a small network are small and float64: np.empty at once, for them
        itemsize = 8 if dtype is np.float64 else np.dtype(dtype).itemsize
        nbytes = itemsize * math.prod(shape)
        if nbytes < MIN_POOLED_BYTES:
            return np.empty(shape, dtype)
        dtype = np.dtype(dtype)
        shape = tuple(int(n) for n in shape)
        key = (shape, dtype.str)
        with self._lock:
            buffers = self._buffers.get(key)
            if buffers is not None:
                self._buffers.move_to_end(key)
                for position in range(len(buffers)):
                    if _reference_count(buffers, position) <= _UNUSED_COUNT:
                        return buffers[position]
            array = np.empty(shape, dtype)
            if self._make_room(nbytes):
                self._buffers.setdefault(key, []).append(array)
                self._bytes += nbytes
            return array

    def empty_like(self, array: np.ndarray, dtype: type | None = None) -> np.ndarray:
        """An array of ``array``'s shape (and dtype unless given), its axes laid out in memory in
        the same order (a convolution's Z is a transposed view, and an element-wise step on it
        should stream through both in memory order)."""
        if (array.nbytes if dtype is None else array.size * np.dtype(dtype).itemsize) < MIN_POOLED_BYTES:
            return np.empty_like(array, dtype)  # numpy's own keeps the layout too
        dtype = np.dtype(dtype or array.dtype)
        if array.flags.c_contiguous:  # most arrays: the layout below is the shape's own order
            return self.empty(array.shape, dtype)
        memory_order = sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis]))
        buffer = self.empty(tuple(array.shape[axis] for axis in memory_order), dtype)
        # the inverse permutation, in Python: np.argsort of a short list cost ~5 µs
        axes = [0] * array.ndim
        for position, axis in enumerate(memory_order):
            axes[axis] = position
        return buffer.transpose(axes)

    def zeros(self, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        array = self.empty(shape, dtype)
        array.fill(0)
        return array

    def _after_fork_in_child(self) -> None:
        # a thread of the parent may have held the lock when another forked: it does not exist
        # here to let go of it (the arrays it was handed stay in use, never handed out again)
        self._lock = threading.Lock()

    def release(self) -> None:
        """Forget every array (those still in use stay valid: their users hold them)."""
        with self._lock:
            self._buffers.clear()
            self._bytes = 0

    def _make_room(self, nbytes: int) -> bool:
        """Drop unused arrays, least recently asked-for shapes first, until ``nbytes`` more fit;
        False if they cannot (the rest is in use, or ``nbytes`` alone is over the limit)."""
        if self._bytes + nbytes <= self.max_bytes:
            return True
        for key in list(self._buffers):
            buffers = self._buffers[key]
            for position in range(len(buffers) - 1, -1, -1):
                if _reference_count(buffers, position) <= _UNUSED_COUNT:
                    self._bytes -= buffers[position].nbytes
                    del buffers[position]
            if not buffers:
                del self._buffers[key]
            if self._bytes + nbytes <= self.max_bytes:
                return True
        return False


#: the one workspace of the process, shared by every layer (and every network)
WORKSPACE = Workspace()
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=WORKSPACE._after_fork_in_child)


def release_buffers() -> None:
    """Let the memory kept for reuse go (a long-running host that is done with bpcli may call it)."""
    WORKSPACE.release()
