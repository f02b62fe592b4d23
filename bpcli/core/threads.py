"""Matrix products on the BLAS's own threads when they pay off and cores are idle, else on one.

OpenBLAS shares a product large on every side well between idle cores (measured here: a dense
layer's 128 × 784 × 64 in 0.50 of its one-thread time), but its threads spin while they wait
for work: on a busy machine a second one loses many times over (dense 784-128-10 at m = 64
under load: 1.2 ms on one thread, 92 ms on two), and after a product it keeps the other core
busy for a while, where bpcli's own threads then wait (``parallel``: a convolution shares its
sample groups itself). Its products have a short side, 16 filters or 27 = 3·3·3 values per
window: given a second BLAS thread, they took half the time alone, but the 8 × 32² CNN was no
faster and 128 × 32² went from 41 to 51 ms, the spinning workers in the way of bpcli's own
(the dense layer's 10-row products got threads too). So only a product of MIN_WORK_FOR_THREADS
multiply-adds, every side at least MIN_SIDE_FOR_THREADS, gets the threads the user allows, and
only when ``parallel.thread_count`` finds idle cores for them; every other product, and every
product inside work bpcli already shares, runs on one BLAS thread. Products small enough that
OpenBLAS keeps them on one thread itself need none of this.
"""

from __future__ import annotations

import numpy as np

from bpcli.core import blas
from bpcli.core.parallel import thread_count

#: OpenBLAS runs a product of at most this many multiply-adds (m·k·n) on one thread by itself,
#: so smaller ones need nothing from here (and threadpoolctl is never imported for them)
BLAS_SINGLE_THREAD_WORK = 65536 * 4
#: about 0.1 ms of work on one core: waking a second BLAS thread costs a few microseconds
MIN_WORK_FOR_THREADS = 2 ** 21
MIN_SIDE_FOR_THREADS = 64


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n), into ``out`` if given (m, n)."""
    (m, k), n = a.shape, b.shape[1]
    if k == 1:
        # an outer product (a dense layer's dW from one sample): each entry is one product, the
        # same bits as the BLAS's, where np.matmul took 110 µs for 10 × 1 × 4096 and this 15 µs
        return np.multiply(a, b, out=out)
    work = m * k * n
    if work <= BLAS_SINGLE_THREAD_WORK or (work >= MIN_WORK_FOR_THREADS and min(m, k, n) >= MIN_SIDE_FOR_THREADS
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
