"""The BLAS library's own threads: held at one around work that bpcli shares among its own
threads or that is too small to share, and read as the user's limit. The count is set with
``threadpoolctl``, made for exactly this; the user's own limit (``OPENBLAS_NUM_THREADS``, their
own ``threadpool_limits``) is read then and put back after, never raised. threadpoolctl is
imported only when a count must change (its import costs ~10 % of numpy's), and not at all
where the environment already runs the BLAS on one thread (the command line does).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Iterator

#: the variables with which OpenBLAS, MKL or OpenMP are told their thread count at start
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")

_lock = threading.Lock()
_depth = 0  # how many callers, in any thread, are inside one_blas_thread
_saved: list[tuple[object, int]] = []  # (BLAS library, its thread count before the outermost caller)
_blas_libraries: list | None = None


def _after_fork_in_child() -> None:
    # a new lock: a thread of the parent holding it when another forked does not exist in the
    # child to let go of it (nor to leave one_blas_thread: the child's BLAS may then stay on one
    # thread, which costs speed, not numbers)
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


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


def blas_thread_count() -> int:
    """The threads the loaded BLAS would use for a product now: the user's limit, whether set by
    a variable at start or by their ``threadpool_limits`` around the call."""
    return max((library.num_threads for library in _blas()), default=1)
