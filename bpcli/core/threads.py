"""Matrix products on the BLAS's own threads when cores are idle, on one when they are not.

OpenBLAS shares even a middling product well between idle cores (measured here: a dense layer's
128 × 784 × 64 in 0.50 of its one-thread time, a convolution tile's 16 × 27 × 4854 in 0.64), but
its threads spin while they wait for a core, so on a busy machine a second one loses many times
over (dense 784-128-10 at m = 64 under load: 1.2 ms on one thread, 92 ms on two). So a product
runs on the threads the user allows when ``parallel.thread_count`` finds idle cores for them, and
on one BLAS thread otherwise, and always inside work bpcli already shares among its own threads.
Products small enough that OpenBLAS keeps them on one thread itself need none of this.
"""

from __future__ import annotations

import numpy as np

from bpcli.core import blas
from bpcli.core.parallel import thread_count

#: OpenBLAS runs a product of at most this many multiply-adds (m·k·n) on one thread by itself,
#: so smaller ones need nothing from here (and threadpoolctl is never imported for them)
BLAS_SINGLE_THREAD_WORK = 65536 * 4


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n), into ``out`` if given (m, n)."""
    (m, k), n = a.shape, b.shape[1]
    if m * k * n <= BLAS_SINGLE_THREAD_WORK or thread_count() > 1:
        return np.matmul(a, b, out=out)
    with blas.one_blas_thread():
        return np.matmul(a, b, out=out)
