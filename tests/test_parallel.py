"""Work shared among threads must give the numbers one thread gives, report floating-point events
as the caller would, never leave a task running when it returns, and respect the user's limits.

The layers are checked against the definitions written as loops in test_buffers.py (never against
bpcli's own output), with sharing forced on at every size: chunks of one sample, tiles of a few
positions, products inside shared work on one BLAS thread.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import bpcli
from bpcli.core import blas, conv2d, parallel, threads
from bpcli.core.pool import AvgPool, MaxPool
from conftest import cli_env
from test_buffers import assert_close, assert_convolution_is_the_definition, conv_layer, pool_by_definition

TWO_THREADS_MEET = 10  # seconds a task waits for the other thread before the test fails
READ_THE_LOAD = parallel._runnable_elsewhere  # before a fixture replaces it


@pytest.fixture
def shared_at_every_size(monkeypatch):
    """Two threads allowed, and every convolution and pool shared, in small chunks."""
    monkeypatch.setenv("BPCLI_NUM_THREADS", "2")
    monkeypatch.setattr(parallel, "MIN_SHARED_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 1)  # one sample per chunk
    monkeypatch.setattr(conv2d, "MIN_WORK_TO_SHARE", 1)
    monkeypatch.setattr(threads, "BLAS_SINGLE_THREAD_WORK", 0)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel, "_runnable_elsewhere", lambda: 0)  # the machine may be busy


# -- run_tasks -----------------------------------------------------------------------------------

def test_tasks_run_on_two_threads_at_once_and_results_come_in_order(shared_at_every_size):
    both_running = threading.Barrier(2, timeout=TWO_THREADS_MEET)
    names = []

    def task(position):
        if position < 2:  # the first two must be running at the same time, or the barrier breaks
            both_running.wait()
        names.append(threading.current_thread().name)
        return position * position

    assert parallel.run_tasks([lambda p=p: task(p) for p in range(6)]) == [0, 1, 4, 9, 16, 25]
    assert len(set(names)) == 2


def test_a_task_shared_again_runs_on_its_own_thread(shared_at_every_size):
    inner = []

    def outer(position):
        inner.append(parallel.thread_count())
        return parallel.run_tasks([lambda: threading.current_thread().name] * 3)

    for names in parallel.run_tasks([lambda p=p: outer(p) for p in range(4)]):
        assert len(set(names)) == 1
    assert set(inner) == {1}


def test_an_error_in_a_task_is_raised_after_every_task_has_stopped(shared_at_every_size):
    both_running = threading.Barrier(2, timeout=TWO_THREADS_MEET)
    finished = []

    def slow():
        both_running.wait()
        threading.Event().wait(0.2)
        finished.append("slow")

    def failing():
        both_running.wait()
        raise ArithmeticError("in a task")

    with pytest.raises(ArithmeticError, match="in a task"):
        parallel.run_tasks([slow, failing])
    assert finished == ["slow"]


def test_floating_point_events_in_a_worker_reach_the_callers_handler(shared_at_every_size):
    both_running = threading.Barrier(2, timeout=TWO_THREADS_MEET)
    events = []

    def overflow():
        both_running.wait()
        return np.multiply(np.array([1e308]), 10.0)

    with np.errstate(over="call", call=lambda message, flag: events.append(threading.current_thread().name)):
        parallel.run_tasks([overflow, overflow])
    assert len(events) == 2 and len(set(events)) == 2


def test_work_shared_among_threads_keeps_products_on_one_blas_thread_for_a_while(monkeypatch):
    """Once bpcli has shared work, products stay on one BLAS thread for BLAS_QUIET_AFTER_SHARING
    seconds (OpenBLAS's idle threads would spin on the cores the next shared layer needs); work
    run on the caller alone (a busy machine) does not count as shared."""
    monkeypatch.setattr(parallel, "_last_shared_at", -math.inf)
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    parallel.run_tasks([lambda: 1, lambda: 2])
    assert not parallel.shared_recently()
    monkeypatch.setattr(parallel, "thread_count", lambda: 2)
    assert parallel.run_tasks([lambda: 1, lambda: 2]) == [1, 2]
    assert parallel.shared_recently()
    quiet = parallel.BLAS_QUIET_AFTER_SHARING
    monkeypatch.setattr(parallel, "_last_shared_at", time.monotonic() - 0.8 * quiet)
    assert parallel.shared_recently()
    monkeypatch.setattr(parallel, "_last_shared_at", time.monotonic() - 1.2 * quiet)
    assert not parallel.shared_recently()


def test_a_product_with_a_small_result_lets_other_threads_run(monkeypatch):
    """A convolution's dW (16 × 27 = 432 entries) is computed while another thread shares the
    layer: the product must release the GIL, which np.matmul does only for results of over 500
    entries. The GIL is passed on here only when a thread gives it up (the switch interval is
    set far beyond the test), so the watcher sees the flag up only if the product let it run."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # one_blas_thread then calls no library (ctypes lets go of the GIL)
    a, b = np.ones((16, 1 << 17)), np.ones((1 << 17, 27))
    state = {"inside": False, "stop": False, "seen": 0}

    def watch() -> None:
        while not state["stop"]:
            state["seen"] += state["inside"]
            time.sleep(0)  # lets go of the GIL, so the main thread can start its product

    interval = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        watcher = threading.Thread(target=watch)
        watcher.start()
        for _ in range(20):
            state["inside"] = True
            result = threads.product(a, b)
            state["inside"] = False
        state["stop"] = True
        watcher.join()
    finally:
        sys.setswitchinterval(interval)
    assert result.shape == (16, 27) and result[0, 0] == 1 << 17
    assert state["seen"] > 0


def test_sample_chunks_cover_the_batch_once_in_order():
    for m, per_sample, chunk_bytes in [(1, 10, 1), (7, 10, 25), (8, 10, 80), (9, 1000, 1 << 20), (5, 0, 1)]:
        chunks = parallel.sample_chunks(m, per_sample, chunk_bytes)
        assert [n for chunk in chunks for n in range(m)[chunk]] == list(range(m))
        assert all(chunk.stop - chunk.start >= 1 for chunk in chunks)


@pytest.mark.parametrize("memory_shape, to_memory_order", [
    ((5, 3, 4, 2), (0, 1, 2, 3)),  # C order
    ((3, 5, 4, 2), (1, 0, 2, 3)),  # filter-major, as a convolution's Z: axis 1 outermost in memory
    ((3, 1, 4, 2), (1, 0, 2, 3)),  # one sample, filter-major: axes 0 and 1 have the same stride
], ids=["C order", "filter-major", "one sample filter-major"])
def test_parts_cover_an_array_once_each_a_block_of_its_memory(shared_at_every_size, memory_shape, to_memory_order):
    memory = np.arange(np.prod(memory_shape), dtype=float).reshape(memory_shape)
    array = memory.transpose(to_memory_order)
    parts = parallel.in_parts(lambda part: part, array)
    assert len(parts) == 2  # one per thread allowed
    outermost = to_memory_order[0]
    assert_close(np.concatenate([array[part] for part in parts], axis=outermost), array)
    for part in parts:
        assert array[part].transpose(to_memory_order).flags.c_contiguous


def test_a_small_array_is_one_part(monkeypatch):
    monkeypatch.setenv("BPCLI_NUM_THREADS", "2")
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    array = np.ones((4, 4))  # far under MIN_SHARED_BYTES
    assert parallel.in_parts(lambda part: part, array) == [(...,)]


# -- the user's limits ---------------------------------------------------------------------------

@pytest.fixture
def two_cores_no_variables(monkeypatch):
    for name in (*blas.THREAD_VARIABLES, "BPCLI_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel, "_runnable_elsewhere", lambda: 0)
    monkeypatch.setattr(parallel, "blas_limited_by_command_line", False)


@pytest.mark.parametrize("variable, value, expected", [
    ("BPCLI_NUM_THREADS", "1", 1), ("BPCLI_NUM_THREADS", "8", 2), ("OPENBLAS_NUM_THREADS", "1", 1),
    ("OMP_NUM_THREADS", "1", 1), ("MKL_NUM_THREADS", "1", 1), ("OPENBLAS_NUM_THREADS", "2", 2),
    ("BPCLI_NUM_THREADS", "lots", 1)])
def test_thread_count_follows_the_users_variables(two_cores_no_variables, monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    assert parallel.thread_count() == expected


def test_thread_count_follows_the_users_threadpool_limits(two_cores_no_variables):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        assert parallel.thread_count() == 1


def test_the_command_lines_own_blas_setting_is_not_taken_for_the_users(two_cores_no_variables, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert parallel.thread_count() == 1
    monkeypatch.setattr(parallel, "blas_limited_by_command_line", True)
    assert parallel.thread_count() == 2


@pytest.mark.parametrize("variable", ["OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_the_users_other_blas_variables_still_limit_the_command_line(two_cores_no_variables, monkeypatch, variable):
    # the command line set OPENBLAS_NUM_THREADS=1 itself; the user's own OpenMP or MKL limit of 1
    # is still theirs (README: these variables cap the threads)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setattr(parallel, "blas_limited_by_command_line", True)
    monkeypatch.setenv(variable, "1")
    assert parallel.thread_count() == 1


@pytest.mark.parametrize("elsewhere, expected", [(0, 2), (1, 1), (5, 1)])
def test_cores_busy_with_other_work_are_left_to_it(two_cores_no_variables, monkeypatch, elsewhere, expected):
    monkeypatch.setattr(parallel, "_runnable_elsewhere", lambda: elsewhere)
    assert parallel.thread_count() == expected


def test_the_systems_count_of_runnable_threads_is_read_afresh(monkeypatch, tmp_path):
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("2.47 2.29 1.71 4/101 2949\n")
    descriptor = os.open(loadavg, os.O_RDONLY)
    try:
        monkeypatch.setattr(parallel, "_loadavg", descriptor)
        assert parallel._runnable_in_system() == 4
        loadavg.write_text("0.00 0.01 0.05 1/99 2950\n")
        assert parallel._runnable_in_system() == 1
        loadavg.write_text("garbled\n")
        assert parallel._runnable_in_system() == 1
    finally:
        os.close(descriptor)


def test_this_processes_own_runnable_threads_are_not_other_work(monkeypatch):
    monkeypatch.setattr(parallel, "_elsewhere_read_at", -1.0)
    monkeypatch.setattr(parallel, "_runnable_in_system", lambda: 3)  # this thread, a spinning BLAS worker, one other
    monkeypatch.setattr(parallel, "_runnable_in_this_process", lambda: 2)
    assert parallel._runnable_elsewhere() == 1
    monkeypatch.setattr(parallel, "_runnable_in_system", lambda: 1)
    assert parallel._runnable_elsewhere() == 1  # read at most every LOAD_READ_INTERVAL
    monkeypatch.setattr(parallel, "_elsewhere_read_at", -1.0)
    assert parallel._runnable_elsewhere() == 0


def test_threads_reading_the_load_at_once_never_close_a_descriptor_twice(monkeypatch):
    """Several threads computing at once all read the load; the descriptors of /proc's stat files
    are shared, and a thread closing them while another reopens them could close a descriptor
    twice, the second time one that by then names another file of the process."""
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("no /proc")
    failed_closes = []

    class RecordingOs:  # the os module, with every close that fails (EBADF: already closed) recorded
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def close(descriptor):
            try:
                os.close(descriptor)
            except OSError as error:
                failed_closes.append(error.errno)
                raise

    monkeypatch.setattr(parallel, "os", RecordingOs())
    monkeypatch.setattr(parallel, "_own_stats", None)
    monkeypatch.setattr(parallel, "LOAD_READ_INTERVAL", 0.0)  # every call reads
    monkeypatch.setattr(parallel, "_runnable_in_system", lambda: 3)  # so this process's threads are read too
    stop, start = threading.Event(), threading.Barrier(5, timeout=TWO_THREADS_MEET)
    errors = []

    def come_and_go():  # the process's thread count keeps changing: the stat files are reopened
        start.wait()
        while not stop.is_set():
            short_lived = threading.Thread(target=lambda: None)
            short_lived.start()
            short_lived.join()

    def read_load():
        start.wait()
        try:
            for _ in range(500):
                parallel._runnable_elsewhere()
        except Exception as error:  # noqa: BLE001 - any error here is the failure
            errors.append(error)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        churn = threading.Thread(target=come_and_go)
        readers = [threading.Thread(target=read_load) for _ in range(4)]
        for thread in (churn, *readers):
            thread.start()
        for reader in readers:
            reader.join()
    finally:
        stop.set()
        churn.join()
        sys.setswitchinterval(switch_interval)
        stats = parallel._own_stats
        if stats is not None:
            for descriptor in (stats.process, *stats.threads):
                try:
                    os.close(descriptor)
                except OSError:
                    pass
    assert errors == []
    assert failed_closes == []


def test_this_process_counts_at_least_the_thread_that_asks():
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("no /proc")
    assert 1 <= parallel._runnable_in_this_process() <= len(os.listdir("/proc/self/task"))


def test_one_thread_runs_everything_on_the_caller(monkeypatch):
    monkeypatch.setenv("BPCLI_NUM_THREADS", "1")
    monkeypatch.setattr(parallel, "MIN_SHARED_BYTES", 0)
    names = parallel.run_tasks([lambda: threading.current_thread().name] * 4)
    assert set(names) == {threading.current_thread().name}


# -- the layers, shared, against their definitions ----------------------------------------------

@pytest.mark.parametrize("kernel, stride, padding", [((3, 3), 1, 1), ((2, 3), 2, 0), ((3, 2), 2, 2), ((1, 1), 1, 0)])
@pytest.mark.parametrize("tile_bytes", [1, 8 * 18 * 30, 1 << 30], ids=["part of a row", "rows", "samples"])
@pytest.mark.parametrize("kept_bytes", [0, 1 << 30], ids=["im2col built again", "im2col kept"])
def test_shared_convolution_equals_the_definition(shared_at_every_size, monkeypatch, kernel, stride, padding,
                                                  tile_bytes, kept_bytes):
    monkeypatch.setattr(conv2d, "IM2COL_TILE_BYTES", tile_bytes)
    monkeypatch.setattr(conv2d, "KEPT_IM2COL_BYTES", kept_bytes)
    rng = np.random.default_rng(7)
    layer = conv_layer(rng, F=3, C=2, kh=kernel[0], kw=kernel[1], stride=stride, padding=padding)
    cache = assert_convolution_is_the_definition(layer, rng.normal(size=(5, 2, 9, 10)), rng)
    assert cache.plan.shared and len(cache.plan.groups) >= 2


@pytest.mark.parametrize("pool_class", [MaxPool, AvgPool])
@pytest.mark.parametrize("size, stride", [(2, 2), (3, 1), (2, 1), (3, 2), (2, 3)],
                         ids=["tiling", "overlapping 3/1", "overlapping 2/1", "overlapping 3/2", "gaps"])
def test_shared_pooling_equals_the_definition_with_ties(shared_at_every_size, pool_class, size, stride):
    rng = np.random.default_rng(8)
    A = rng.integers(-2, 3, size=(5, 3, 8, 9)).astype(float)  # few values: many tied maxima
    pool = pool_class(index=1, size=size, stride=stride)
    out, cache = pool.forward(A)
    dA = rng.normal(size=out.shape)
    dA_prev, _ = pool.backward(dA, cache)
    out_ref, dA_ref = pool_by_definition(pool, A, dA)
    assert_close(out, out_ref)
    assert_close(dA_prev, dA_ref)
    if pool_class is MaxPool:
        windows = [A[n, c, stride * y:stride * y + size, stride * x:stride * x + size]
                   for n in range(5) for c in range(3) for y in range(out.shape[2]) for x in range(out.shape[3])]
        assert cache.tied_windows == sum((window == window.max()).sum() > 1 for window in windows)


def cnn(X, Y):
    return {"input": {"X": X, "Y": Y}, "loss": "softmax_ce", "seed": 3, "layers": [
        {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1, "stride": 1, "activation": "relu"},
        {"type": "maxpool", "size": 3, "stride": 2},
        {"type": "conv2d", "filters": 3, "kernel": 2, "stride": 2, "activation": "tanh"},
        {"type": "avgpool", "size": 2, "stride": 1}, {"type": "flatten"},
        {"type": "dense", "units": 3, "activation": "softmax"}]}


def test_a_shared_network_pass_gives_the_one_thread_numbers(shared_at_every_size, monkeypatch):
    rng = np.random.default_rng(10)
    X = rng.integers(-3, 4, size=(6, 2, 11, 11)).astype(float)  # ties in the max pool
    Y = np.eye(3)[:, rng.integers(0, 3, 6)]
    shared = bpcli.compute(cnn(X, Y))
    monkeypatch.setenv("BPCLI_NUM_THREADS", "1")
    alone = bpcli.compute(cnn(X, Y))
    assert shared["warnings"] == alone["warnings"]
    assert_close(shared["loss"], alone["loss"])
    assert_close(shared["dX"], alone["dX"])
    for ours, theirs in zip(shared["layers"], alone["layers"]):
        for name in ("Z", "A", "dA", "dZ", "dW", "db"):
            if theirs[name] is not None:
                assert_close(ours[name], theirs[name])


def test_an_overflow_in_a_shared_chunk_is_a_run_warning_not_a_numpy_warning(shared_at_every_size, recwarn):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(6, 2, 11, 11))
    X[4, 1, 5, 5] = 1e307  # one sample, in a chunk a worker may take: 1e307 · 50 overflows
    network = cnn(X, np.eye(3)[:, [0, 1, 2, 0, 1, 2]])
    network["layers"][0]["W"] = np.full((4, 2, 3, 3), 50.0)
    result = bpcli.compute(network)
    assert any("overflow" in warning for warning in result["warnings"])
    assert not [warning for warning in recwarn if issubclass(warning.category, RuntimeWarning)]


def test_networks_computed_in_several_threads_at_once_give_their_own_numbers(shared_at_every_size, monkeypatch):
    rng = np.random.default_rng(12)
    cases = []
    for seed in range(4):
        X = rng.normal(size=(5, 2, 11, 11))
        cases.append(cnn(X, np.eye(3)[:, rng.integers(0, 3, 5)]))
    monkeypatch.setenv("BPCLI_NUM_THREADS", "1")
    alone = [bpcli.compute(case) for case in cases]
    monkeypatch.setenv("BPCLI_NUM_THREADS", "2")
    together = [None] * len(cases)
    start = threading.Barrier(len(cases), timeout=TWO_THREADS_MEET)

    def compute(position):
        start.wait()
        together[position] = bpcli.compute(cases[position])

    callers = [threading.Thread(target=compute, args=(position,)) for position in range(len(cases))]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    for ours, theirs in zip(together, alone):
        assert_close(ours["dX"], theirs["dX"])
        for layer, expected in zip(ours["layers"], theirs["layers"]):
            assert_close(layer["A"], expected["A"])
            if expected["dW"] is not None:
                assert_close(layer["dW"], expected["dW"])


@pytest.mark.skipif(not hasattr(os, "fork") or not os.path.isdir("/proc/self/task"), reason="needs fork and /proc")
def test_a_forked_child_counts_its_own_threads_and_shares_with_its_own_workers(shared_at_every_size, monkeypatch):
    parallel._runnable_in_this_process()  # descriptors opened in this process
    parallel.run_tasks([lambda: 1, lambda: 2])  # this process's workers exist
    child = os.fork()
    if child == 0:  # the child reports through its exit status only, and never returns to pytest
        ok = False
        try:
            ok = parallel._runnable_in_this_process() == 1  # one thread: the forked one
            ok = ok and parallel._own_stats.pid == os.getpid()
            ok = ok and parallel.run_tasks([lambda p=p: p * 10 for p in range(4)]) == [0, 10, 20, 30]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_child_forked_while_another_thread_holds_bpclis_locks_computes(shared_at_every_size, monkeypatch):
    """A script may fork (multiprocessing's default on Linux) while another of its threads is
    inside bpcli, holding one of its locks: the child, where that thread does not exist, must not
    wait for it. The child computes a network that takes every lock: the workspace's, the BLAS
    count's, the worker pool's and the load reading's."""
    from bpcli.core.workspace import WORKSPACE

    for name in blas.THREAD_VARIABLES:  # one_blas_thread takes its lock only when it has a count to change
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(parallel, "LOAD_READ_INTERVAL", 0)

    def read_the_load_and_share_anyway() -> int:
        READ_THE_LOAD()  # under its lock, in the child too
        return 0  # a busy machine would share nothing, and take fewer locks

    monkeypatch.setattr(parallel, "_runnable_elsewhere", read_the_load_and_share_anyway)
    rng = np.random.default_rng(17)
    X = rng.normal(size=(6, 2, 24, 24))  # arrays over the workspace's 64 KiB, a product given one BLAS thread
    Y = np.eye(3)[:, rng.integers(0, 3, 6)]
    expected = bpcli.compute(cnn(X, Y))["loss"]
    locks = [WORKSPACE._lock, blas._lock, parallel._lock, parallel._load_lock]
    held, release = threading.Event(), threading.Event()

    def hold_every_lock() -> None:
        for lock in locks:
            lock.acquire()
        held.set()
        release.wait()
        for lock in locks:
            lock.release()

    holder = threading.Thread(target=hold_every_lock)
    holder.start()
    held.wait()
    try:
        child = os.fork()
        if child == 0:  # reports through its exit status only, and never returns to pytest
            ok = False
            try:
                ok = bpcli.compute(cnn(X, Y))["loss"] == expected
            finally:
                os._exit(0 if ok else 1)
        deadline = time.monotonic() + TWO_THREADS_MEET
        while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        if done[0] == 0:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("the forked child waited for a lock held by a thread it does not have")
        assert os.waitstatus_to_exitcode(done[1]) == 0
    finally:
        release.set()
        holder.join()


# Sharing while the interpreter shuts down, where no thread may start: after the main thread has
# returned (a thread still running) and in an atexit handler (after the pool's workers were told
# to stop). Each script forces sharing on and prints whether the shared loss is the one-thread one.
_SHARING_FORCED = """
    import atexit, math, os, threading
    import numpy as np
    import bpcli
    from bpcli.core import conv2d, parallel
    parallel._cores = lambda: 2
    parallel._runnable_elsewhere = lambda: 0
    parallel.MIN_SHARED_BYTES = 0
    conv2d.MIN_WORK_TO_SHARE = 1
    rng = np.random.default_rng(13)
    spec = {"input": {"X": rng.normal(size=(4, 2, 7, 7)), "Y": np.eye(2)[:, [0, 1, 1, 0]]}, "loss": "softmax_ce",
            "layers": [{"type": "conv2d", "filters": 3, "kernel": 3, "activation": "tanh"},
                       {"type": "maxpool", "size": 2}, {"type": "flatten"},
                       {"type": "dense", "units": 2, "activation": "softmax"}]}
    os.environ["BPCLI_NUM_THREADS"] = "1"
    alone = bpcli.compute(spec)["loss"]
    os.environ["BPCLI_NUM_THREADS"] = "2"

    def shared_again():
        print("same" if math.isclose(bpcli.compute(spec)["loss"], alone, rel_tol=1e-12) else "different")
"""
_WHILE_SHUTTING_DOWN = {
    # no worker thread exists yet when the main thread returns
    "thread after main": "threading.Thread(target=lambda: (threading.main_thread().join(), shared_again())).start()",
    # the workers exist, and have been stopped when the handler runs
    "atexit": "shared_again()\natexit.register(shared_again)",
}


@pytest.mark.parametrize("when", list(_WHILE_SHUTTING_DOWN))
def test_sharing_while_the_interpreter_shuts_down_runs_on_the_caller(when):
    code = textwrap.dedent(_SHARING_FORCED) + _WHILE_SHUTTING_DOWN[when] + "\n"
    done = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["same"] * (2 if when == "atexit" else 1), done.stderr


def test_a_busy_machine_gives_the_same_numbers_as_an_idle_one(shared_at_every_size, monkeypatch):
    """How a convolution's batch is cut into groups (and so the order dW is summed in) must not
    depend on how busy the machine is at the time: the same network computed twice gives the same
    bits, whether its layers were shared or, under load, run on one thread."""
    monkeypatch.setattr(conv2d, "IM2COL_TILE_BYTES", 2 * 1024 * 1024)  # tiles of several samples
    rng = np.random.default_rng(14)
    X = rng.normal(size=(32, 2, 24, 24))
    Y = np.eye(3)[:, rng.integers(0, 3, 32)]
    idle = bpcli.compute(cnn(X, Y))
    monkeypatch.setattr(parallel, "_runnable_elsewhere", lambda: 1)  # one core busy: nothing shared
    busy = bpcli.compute(cnn(X, Y))
    assert busy["loss"] == idle["loss"]
    assert np.array_equal(busy["dX"], idle["dX"])
    for ours, theirs in zip(busy["layers"], idle["layers"]):
        for name in ("Z", "A", "dA", "dZ", "dW", "db"):
            if theirs[name] is not None:
                assert np.array_equal(ours[name], theirs[name]), (ours["index"], name)
