"""Work on image batches shared among the cores: groups of samples, taken in turn by the caller
and by worker threads; and single passes over a large array (an activation, a warning's count)
cut into a part per thread (``in_parts``).

numpy releases the GIL inside its loops of over 500 elements and its matrix products (np.matmul
only for results of over 500 entries: ``threads.product`` uses np.dot), so threads run a layer's
sample groups at the same time; the caller works too, and takes back every group no worker has
started. Each chunk of samples is also sized to stay in the processor's cache while a layer makes
its several passes over it (a max pool reads every window offset, then writes).

What it gains, measured on an idle 2-core machine: the benchmark convolution's forward pass
1.60 -> 1.29 ms at 32 × 3 × 32², its backward pass 4.9 -> 3.4 ms; a max pool's backward pass
0.97 -> 0.80 ms. Sharing has a cost per hand-over, which decides the thresholds: on the virtual
machines measured, waking a sleeping worker costs the waking thread ~40 µs (a submit to an idle
pool 47 µs, the task done ~110 µs later), and each numpy call that must wait for the GIL the
other thread holds may cost as much again: the 8 × 32² convolution cut in two tasks of 4 samples
(some fifteen numpy calls each) took 1.3 (backward) to 2 (forward) times as long per task as one
thread alone took for it. Small work is not shared, and neither is work on a busy machine: a
worker waiting for a core, or preempted while it holds the GIL, holds up the layer (under a load
of 2.5 on 2 cores the 8 × 32² CNN took 7.8 ms shared against 2.4 ms on one thread), so the cores
other processes keep busy right now are left to them (Linux: /proc/loadavg's runnable threads,
less this process's own).

Threads: one per core this process may run on, but never more than the user allows: their
BLAS thread limit (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, or a
``threadpoolctl.threadpool_limits`` around the call) or ``BPCLI_NUM_THREADS``. While groups run
on several threads, each one's matrix products run on one BLAS thread.
"""

from __future__ import annotations

import math
import os
import threading
import time
from functools import partial
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

T = TypeVar("T")

#: the bytes a chunk of samples should touch: with the chunk's other arrays, well inside a
#: core's 1 MiB level-2 cache here (measured: max pool at m = 128 × 16 × 32², 512 KiB chunks
#: 2.2 ms, whole batch 3.2 ms)
CHUNK_BYTES = 512 * 1024
#: work touching fewer bytes than this runs on the caller's thread alone: measured on a max pool,
#: sharing 1 MiB of input (8 × 16 × 32²) made both passes slower (forward 0.08 -> 0.13 ms), 4 MiB
#: made the backward pass faster (0.97 -> 0.80 ms) and the forward no slower
MIN_SHARED_BYTES = 4 * 1024 * 1024
#: how long after bpcli last shared work among its threads a matrix product still keeps to one
#: BLAS thread (``shared_recently``): OpenBLAS's idle threads spin for ~110 ms after a product
#: they shared (measured here), on the core bpcli's own workers need, and work that was shared
#: once comes back with the next pass of the same network
BLAS_QUIET_AFTER_SHARING = 0.5
#: how long a reading of the other processes' load is used (2 µs to read on an idle machine,
#: ~50 µs when this process's own threads must be counted too)
LOAD_READ_INTERVAL = 0.01
#: set by the command line when it started OpenBLAS on one thread itself, to save start-up time:
#: that limit is its own, not the user's
blas_limited_by_command_line = False

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_workers = 0
_executor_pid = 0
_in_shared_task = threading.local()
_last_shared_at = -math.inf  # time.monotonic() when run_tasks last handed work to a worker
_load_lock = threading.Lock()  # held by the thread reading the load (the descriptors below)
_loadavg: int | None = None  # an open descriptor of /proc/loadavg, read afresh each time
_elsewhere, _elsewhere_read_at = 0, -1.0
_own_stats: _ThreadStats | None = None


def _after_fork_in_child() -> None:
    """New locks in a forked child: a thread of the parent holding one when another forked does
    not exist in the child to let go of it. (The workers and /proc descriptors are found to be
    the parent's by the process id, and made again.)"""
    global _lock, _load_lock
    _lock, _load_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def sample_chunks(m: int, bytes_per_sample: int, chunk_bytes: int = CHUNK_BYTES) -> list[slice]:
    """range(m) in consecutive slices of about ``chunk_bytes`` worth of samples (at least one)."""
    per_chunk = max(1, chunk_bytes // max(1, bytes_per_sample))
    return [slice(start, min(start + per_chunk, m)) for start in range(0, m, per_chunk)]


def over_samples(work: Callable[[slice], T], m: int, bytes_per_sample: int) -> list[T]:
    """``work(samples)`` for each chunk of ``sample_chunks(m, bytes_per_sample)``, shared among
    threads when the batch is large enough; the results in chunk order. The calls may run at
    the same time: each must write only its own samples' part of any shared array."""
    chunks = sample_chunks(m, bytes_per_sample)
    return run_tasks([partial(work, samples) for samples in chunks], share=m * bytes_per_sample >= MIN_SHARED_BYTES)


def in_parts(work: Callable[[tuple], T], array: np.ndarray) -> list[T]:
    """``work(part)`` for parts of ``array`` (``array[part]`` is one), shared among threads: one
    part per thread allowed, each a stretch of the axis outermost in memory, so that it is one
    block of memory in every array laid out as ``array`` is. An array of under MIN_SHARED_BYTES
    is one part, ``(...,)``. For a single pass through memory (an element-wise step, a sum, a
    count), which one core cannot make at the memory's speed: measured here, relu's backward
    step on 16 MiB 5.2 ms on one thread, 3.0 ms on two. The calls may run at the same time:
    each must write only its own part of any array."""
    threads = allowed_threads() if array.nbytes >= MIN_SHARED_BYTES else 1
    if threads == 1:
        return [work((...,))]
    # of axes with the same stride (one of them of length 1), the longer is cut
    axis = max(range(array.ndim), key=lambda axis: (abs(array.strides[axis]), array.shape[axis]))
    length = array.shape[axis]
    count = min(threads, length)
    bounds = [length * k // count for k in range(count + 1)]
    parts = [(slice(None),) * axis + (slice(start, stop),) for start, stop in zip(bounds, bounds[1:])]
    return run_tasks([partial(work, part) for part in parts])


def run_tasks(tasks: Sequence[Callable[[], T]], share: bool = True) -> list[T]:
    """Every task's result, in order. Unless ``share`` is false, there is one task or one thread
    allowed, or this is itself a task of a shared run, worker threads take tasks too, under the
    caller's numpy floating-point error settings (so events are reported as in the caller), each
    task's matrix products on one BLAS thread. An exception in a task is raised here once every
    task has stopped."""
    global _last_shared_at
    workers = thread_count() if share and len(tasks) > 1 else 1
    if workers == 1:
        return [task() for task in tasks]
    _last_shared_at = time.monotonic()
    import numpy as np

    from bpcli.core.blas import one_blas_thread

    results: list = [None] * len(tasks)
    claimed = iter(range(len(tasks)))
    claim_lock = threading.Lock()
    error_settings, error_call = np.geterr(), np.geterrcall()

    def take_tasks() -> None:
        _in_shared_task.active = True
        try:
            with np.errstate(**error_settings, call=error_call):
                while True:
                    with claim_lock:
                        position = next(claimed, None)
                    if position is None:
                        return
                    results[position] = tasks[position]()
        finally:
            _in_shared_task.active = False

    with one_blas_thread():
        helpers = _start_helpers(take_tasks, workers - 1)
        try:
            take_tasks()
        except BaseException:  # Ctrl-C or an error here: the workers take no further task
            with claim_lock:
                for _ in claimed:
                    pass
            raise
        finally:
            # a helper that has not started finds nothing left; one that has must finish before
            # the arrays it writes are handed on (or an error is raised)
            for helper in helpers:
                if not helper.cancel():
                    helper.exception()
    for helper in helpers:
        if not helper.cancelled() and helper.exception() is not None:
            raise helper.exception()
    return results


def _start_helpers(take_tasks: Callable[[], None], count: int) -> list:
    """Futures of ``count`` workers running ``take_tasks``; fewer, or none, where no thread may
    start: once the interpreter shuts down (a thread still running after the main thread has
    returned, an atexit handler), the pool cannot be made or given work, and the caller takes
    every task itself."""
    helpers = []
    try:
        pool = _pool(count)
        for _ in range(count):
            helpers.append(pool.submit(take_tasks))
    except RuntimeError:
        pass
    return helpers


def shared_recently() -> bool:
    """Whether bpcli shared work among its own threads within the last BLAS_QUIET_AFTER_SHARING
    seconds: its matrix products then stay on one BLAS thread (``threads.product``), as the
    BLAS's spinning threads would slow the shared work down more than they speed a product up."""
    return time.monotonic() - _last_shared_at < BLAS_QUIET_AFTER_SHARING


def thread_count() -> int:
    """The threads a layer may use: ``allowed_threads``, less the cores other work keeps busy
    right now."""
    allowed = allowed_threads()
    if allowed <= 1:
        return 1
    # A worker that must wait for a busy core holds up the whole layer, and if it is
    # preempted while it holds the GIL, the caller too: measured under a load of 2.5 on 2 cores,
    # the 8 x 32^2 CNN took 7.8 ms shared against 2.4 ms on one thread.
    return max(1, min(allowed, _cores() - _runnable_elsewhere()))


def allowed_threads() -> int:
    """The threads a layer may use on an idle machine: the cores this process may run on, within
    the user's limit; one inside a task that is already shared. Work is cut into parts for this
    many threads, so that its numbers do not depend on the machine's load at the time."""
    if getattr(_in_shared_task, "active", False):
        return 1
    cores = _cores()
    if cores == 1:
        return 1
    limit = os.environ.get("BPCLI_NUM_THREADS")
    return max(1, min(cores, _as_count(limit) if limit is not None else _users_blas_limit()))


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _runnable_elsewhere() -> int:
    """Threads of other processes runnable now (Linux; 0 where not known): the system's count
    less this process's own, whose idle OpenBLAS workers spin for a while after a product and
    would otherwise read as another program's load. Read at most every LOAD_READ_INTERVAL."""
    global _elsewhere, _elsewhere_read_at
    now = time.monotonic()
    # one reader at a time: the descriptors are shared, and one thread reopening them while
    # another reads or closes them would close some twice (the second time, maybe another file's)
    if now - _elsewhere_read_at >= LOAD_READ_INTERVAL and _load_lock.acquire(blocking=False):
        try:
            in_system = _runnable_in_system()  # 1 is this thread alone: nothing more to read
            _elsewhere = max(0, in_system - _runnable_in_this_process()) if in_system > 1 else 0
            _elsewhere_read_at = now
        finally:
            _load_lock.release()
    return _elsewhere  # while another thread reads, the last reading


def _runnable_in_system() -> int:
    """From /proc/loadavg ("0.52 0.61 0.70 2/345 6789": the fourth field is runnable/all),
    read again in place through a descriptor kept open; 1 (this thread) where unknown."""
    global _loadavg
    try:
        if _loadavg is None:
            _loadavg = os.open("/proc/loadavg", os.O_RDONLY)
        return int(os.pread(_loadavg, 128, 0).split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return 1


def _runnable_in_this_process() -> int:
    """This process's threads in state R (running or waiting for a core), at least this one.
    Each thread's /proc stat file is kept open and read again in place (opening them costs
    ~100 µs here); they are looked up again when the process's thread count changes."""
    global _own_stats
    try:
        if _own_stats is None:
            _own_stats = _ThreadStats()
        return max(1, _own_stats.runnable())
    except OSError:
        return 1


class _ThreadStats:
    """Open descriptors of /proc/self/stat and of every thread's stat file."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self._open_process()

    def _open_process(self) -> None:
        # /proc/self is resolved when opened: these descriptors name this process, not a child's
        self.process = os.open("/proc/self/stat", os.O_RDONLY)
        self.pid = os.getpid()
        self.count = -1

    def runnable(self) -> int:
        if self.pid != os.getpid():  # a forked child: its own threads, its own files
            os.close(self.process)
            self._open_process()
        count = int(_fields_after_name(os.pread(self.process, 1024, 0))[17])  # field 20, num_threads
        if count != self.count:
            self._open_threads()
            self.count = count
        runnable = 0
        for descriptor in self.threads:
            try:
                runnable += _fields_after_name(os.pread(descriptor, 1024, 0))[0] == b"R"
            except OSError:  # the thread has ended
                continue
        return runnable

    def _open_threads(self) -> None:
        for descriptor in self.threads:
            os.close(descriptor)
        self.threads = []
        for task in os.listdir("/proc/self/task"):
            try:
                self.threads.append(os.open(f"/proc/self/task/{task}/stat", os.O_RDONLY))
            except OSError:
                continue


def _fields_after_name(stat: bytes) -> list[bytes]:
    """The fields of a /proc stat line after "pid (name)", whose name may hold spaces or ")"."""
    return stat[stat.rindex(b")") + 2:].split()


def _as_count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 1


def _users_blas_limit() -> int:
    """The BLAS thread count the user allows: a variable they set, or what the loaded BLAS
    reports (it follows their ``threadpool_limits``); no limit when the command line set the
    BLAS's count and the user set none."""
    from bpcli.core.blas import THREAD_VARIABLES, blas_thread_count

    for name in THREAD_VARIABLES:
        if name == "OPENBLAS_NUM_THREADS" and blas_limited_by_command_line:
            continue  # the command line's own 1; the user's OpenMP or MKL variable still counts
        if name in os.environ:
            return _as_count(os.environ[name])
    return 1 << 30 if blas_limited_by_command_line else blas_thread_count()


def _pool(workers: int) -> ThreadPoolExecutor:
    """The process's worker threads (made again in a forked child, where they do not exist)."""
    global _executor, _executor_workers, _executor_pid
    from concurrent.futures import ThreadPoolExecutor  # ~15 ms to import: only when work is shared

    with _lock:
        if _executor is None or _executor_pid != os.getpid() or _executor_workers < workers:
            if _executor is not None and _executor_pid == os.getpid():
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bpcli")
            _executor_workers, _executor_pid = workers, os.getpid()
        return _executor
