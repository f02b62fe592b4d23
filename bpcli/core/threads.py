"""Matrix products on as many BLAS threads as pay off: one for a product that only streams memory,
the user's own number for one big enough to share.

A product with a short side (a convolution's 16 filters, its 27 = 3·3·3 input values per window, a
batch of 8) uses each number it reads only a few times, so one core already waits on memory; a
second OpenBLAS thread adds nothing but start-up and spinning. A product of less than about a
millisecond of work gains at most a fraction of that from a second thread on an idle machine, and
on a busy one, where the second thread waits for a core while the first spins, loses many times
over (measured on 2 cores under load: dense 784-128-10 at m = 64 took 1.2 ms with one thread and
92 ms with two). Products large on every side get the threads the user has. The limit is set with
``threadpoolctl``, made for exactly this, around the products that need it; the user's own limit
(``OPENBLAS_NUM_THREADS``, their own ``threadpool_limits``) is read then and put back after,
never raised. threadpoolctl is imported only for such a product (its import costs ~10 % of
numpy's), and not at all where the environment already runs the BLAS on one thread (the command
line does).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

#: OpenBLAS runs a product of at most this many multiply-adds (m·k·n) on one thread by itself,
#: so smaller ones need nothing from here (and threadpoolctl is never imported for them)
BLAS_SINGLE_THREAD_WORK = 65536 * 4
#: a product of at least this many multiply-adds (about a millisecond on one core) whose every
#: side is at least MIN_SIDE_FOR_THREADS long is left to the user's threads
MIN_WORK_FOR_THREADS = 2 ** 24
MIN_SIDE_FOR_THREADS = 64
#: the variables with which OpenBLAS, MKL or OpenMP are told their thread count at start
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n), into ``out`` if given (m, n)."""
    (m, k), n = a.shape, b.shape[1]
    work = m * k * n
    if work <= BLAS_SINGLE_THREAD_WORK or (work >= MIN_WORK_FOR_THREADS and min(m, k, n) >= MIN_SIDE_FOR_THREADS):
        return np.matmul(a, b, out=out)
    with one_blas_thread():
        return np.matmul(a, b, out=out)


_lock = threading.Lock()
_depth = 0  # how many callers, in any thread, are inside one_blas_thread
_saved: list[tuple[object, int]] = []  # (BLAS library, its thread count before the outermost caller)
_blas_libraries: list | None = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with every loaded BLAS on one thread; the counts are put back when the last
    caller (of any thread) leaves, so concurrent callers never restore each other's 1."""
    global _depth
    if any(os.environ.get(name) == "1" for name in THREAD_VARIABLES):
        yield  # started on one thread: nothing to limit, nothing to import
        return
    with _lock:
        if _depth == 0:
            _saved[:] = [(library, library.get_num_threads()) for library in _blas()]
            for library, threads in _saved:
                if threads != 1:
                    library.set_num_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for library, threads in _saved:
                    if threads != 1:
                        library.set_num_threads(threads)


def _blas() -> list:
    """threadpoolctl's controllers of the BLAS libraries this process has loaded (looked up once:
    numpy loads its BLAS at import, and the look-up walks every loaded library)."""
    global _blas_libraries
    if _blas_libraries is None:
        from threadpoolctl import ThreadpoolController

        _blas_libraries = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _blas_libraries
