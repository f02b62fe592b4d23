"""Matrix products on the BLAS's own threads when they pay off and cores are idle, else on one.

OpenBLAS shares a large product well between idle cores (measured here: a dense layer's
128 × 784 × 64 in 0.50 of its one-thread time; a convolution's 27 × 16 × 8192 too: the
8 × 32² CNN, whose layers are too small to share, 3.57 -> 3.33 ms a pass), but its threads spin
for ~110 ms after a product while they wait for more work, on the core bpcli's own threads need
when they share a layer (``parallel``). Medians of a pass at 128 × 32², where the convolution,
the pool and the activations are shared: 43 -> 64 ms when the 10-row dense products took the
BLAS threads; with a 128-unit dense layer after the convolution, 48 ms when its products keep
to one thread against 67 ms when they take two.
So BLAS threads and bpcli's own are not mixed: a product takes the BLAS threads the user
allows only when it has MIN_WORK_FOR_THREADS multiply-adds, ``parallel.thread_count`` finds
idle cores for them, and bpcli shared no work lately (``parallel.shared_recently``: a network
that shares once shares in every pass). On a busy machine a second BLAS thread loses many
times over (dense 784-128-10 at m = 64 under load: 1.2 ms on one thread, 92 ms on two).
Every other product, and every product inside work bpcli shares, runs on one BLAS thread;
products small enough that OpenBLAS keeps them on one thread itself need none of this. (The
BLAS's thread count can move a product's last bits, ~1e-13 for 10 × 4096 × 128; the
convolution's 16 × 27 × n and 27 × 16 × n products came out the same bit for bit.)
"""

from __future__ import annotations

import numpy as np

from bpcli.core import blas
from bpcli.core.parallel import shared_recently, thread_count

#: OpenBLAS runs a product of at most this many multiply-adds (m·k·n) on one thread by itself,
#: so smaller ones need nothing from here (and threadpoolctl is never imported for them)
BLAS_SINGLE_THREAD_WORK = 65536 * 4
#: about 0.1 ms of work on one core: waking a second BLAS thread costs a few microseconds
MIN_WORK_FOR_THREADS = 2 ** 21


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n), into ``out`` if given (m, n)."""
    (m, k), n = a.shape, b.shape[1]
    if k == 1:
        # an outer product (a dense layer's dW from one sample): each entry is one product, the
        # same bits as the BLAS's, where np.matmul took 110 µs for 10 × 1 × 4096 and this 15 µs
        return np.multiply(a, b, out=out)
    work = m * k * n
    if work <= BLAS_SINGLE_THREAD_WORK or (work >= MIN_WORK_FOR_THREADS and not shared_recently()
                                          and thread_count() > 1):
        return _multiply(a, b, out)
    with blas.one_blas_thread():
        return _multiply(a, b, out)


def _multiply(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """a @ b that lets other threads run meanwhile. np.matmul keeps the GIL for a result of at
    most 500 entries (numpy's threshold for releasing it, NPY_BEGIN_THREADS_THRESHOLDED, counts the
    result, not the work), so a convolution's dW (16 × 27 = 432 entries from 16 × 4096 × 27
    multiply-adds) would hold up the thread sharing the convolution: measured here, two threads
    each doing that product ran no faster than one doing both. np.dot releases it for any 2-D
    product; out= stays with np.matmul, as np.dot takes only a C-contiguous ``out``."""
    if out is None:
        return np.dot(a, b)
    return np.matmul(a, b, out=out)
