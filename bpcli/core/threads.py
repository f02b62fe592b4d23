"""Matrix products on as many threads as pay off, by size.

- Small (OpenBLAS keeps these on one thread by itself): a plain product.
- Middling: a product with a short side (a convolution's 16 filters, its 27 = 3·3·3 input values
  per window, a batch of 8), or under about a millisecond of work. A second OpenBLAS thread
  gains little there on an idle machine and, on a busy one, loses many times over: its threads
  spin while they wait for a core (measured on 2 cores under load: dense 784-128-10 at m = 64
  took 1.2 ms with one thread and 92 ms with two). These run on one BLAS thread; from
  MIN_WORK_TO_SHARE multiply-adds up, in blocks of the result shared among bpcli's own threads
  (``parallel``), where the caller takes back any block no worker has started, so a busy machine
  costs at most the one-thread time.
- Large on every side: the user's BLAS threads, which share such a product well.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from bpcli.core import blas
from bpcli.core.parallel import run_tasks, thread_count

#: OpenBLAS runs a product of at most this many multiply-adds (m·k·n) on one thread by itself,
#: so smaller ones need nothing from here (and threadpoolctl is never imported for them)
BLAS_SINGLE_THREAD_WORK = 65536 * 4
#: a product of at least this many multiply-adds (about a millisecond on one core) whose every
#: side is at least MIN_SIDE_FOR_THREADS long is left to the user's threads
MIN_WORK_FOR_THREADS = 2 ** 24
MIN_SIDE_FOR_THREADS = 64
#: a product between the two is done in blocks shared among bpcli's own threads (``parallel``),
#: each block on one BLAS thread; below this many multiply-adds (about 0.2 ms on one core) the
#: hand-over (~30 µs to wake a worker) would eat most of what the second core saves
MIN_WORK_TO_SHARE = 2 ** 22


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n), into ``out`` if given (m, n)."""
    (m, k), n = a.shape, b.shape[1]
    work = m * k * n
    if work <= BLAS_SINGLE_THREAD_WORK or (work >= MIN_WORK_FOR_THREADS and min(m, k, n) >= MIN_SIDE_FOR_THREADS):
        return np.matmul(a, b, out=out)
    if work >= MIN_WORK_TO_SHARE:
        parts = thread_count()
        if parts > 1:
            return _shared_product(a, b, np.empty((m, n)) if out is None else out, parts)
    with blas.one_blas_thread():
        return np.matmul(a, b, out=out)


def _shared_product(a: np.ndarray, b: np.ndarray, out: np.ndarray, parts: int) -> np.ndarray:
    """a @ b into ``out`` in ``parts`` blocks of out's rows or columns (whichever it has more of),
    each on one BLAS thread, shared among threads as ``parallel.run_tasks`` does."""
    rows = out.shape[0] >= out.shape[1]
    size = out.shape[0] if rows else out.shape[1]
    step = -(-size // parts)
    blocks = [slice(start, min(start + step, size)) for start in range(0, size, step)]
    if rows:
        tasks = [partial(np.matmul, a[block], b, out=out[block]) for block in blocks]
    else:
        tasks = [partial(np.matmul, a, b[:, block], out=out[:, block]) for block in blocks]
    run_tasks(tasks)
    return out
