"""The speed machinery must never change a result: work buffers reused between passes (a result
held by a caller, or a cache still to be read by backward, is never overwritten), the convolution
done a tile of output positions at a time (the same numbers, to 1e-12, whatever the tile size),
BLAS threads limited around a product and put back after.

Expected values come from the definitions, written here as plain loops (cross-correlation, the
pools' window rules), never from bpcli's own output.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import bpcli
from bpcli.core import blas, conv2d, threads
from bpcli.core.conv2d import Conv2D, tiles
from bpcli.core.dense import Dense
from bpcli.core.flatten import Flatten
from bpcli.core.network import run
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.core.workspace import MIN_POOLED_BYTES, Workspace
from conftest import cli_env

RTOL = 1e-12


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


# -- the definitions, as loops -----------------------------------------------------------------

def padded(A, p):
    m, C, H, W = A.shape
    out = np.zeros((m, C, H + 2 * p, W + 2 * p))
    out[:, :, p:p + H, p:p + W] = A
    return out


def conv_by_definition(layer, A, dZ):
    """Z[n,f,y,x] = b[f] + Σ W[f,c,i,j] P[n,c,s·y+i,s·x+j]; dW, db, dA_prev by the chain rule on
    that same sum (each product term sends dZ back to W and to P)."""
    s, p, (F, _, kh, kw) = layer.stride, layer.padding, layer.W.shape
    P = padded(A, p)
    m, _, Ho, Wo = layer.output_shape(A.shape)
    Z = np.zeros((m, F, Ho, Wo))
    dW, dP = np.zeros(layer.W.shape), np.zeros(P.shape)
    for n in range(m):
        for y in range(Ho):
            for x in range(Wo):
                field = P[n, :, s * y:s * y + kh, s * x:s * x + kw]
                Z[n, :, y, x] = (layer.W * field).sum(axis=(1, 2, 3)) + layer.b
                dW += dZ[n, :, y, x][:, None, None, None] * field
                dP[n, :, s * y:s * y + kh, s * x:s * x + kw] += (dZ[n, :, y, x][:, None, None, None] * layer.W).sum(axis=0)
    H, W = A.shape[2:]
    return Z, dP[:, :, p:p + H, p:p + W], dW, dZ.sum(axis=(0, 2, 3))


def pool_by_definition(layer, A, dA):
    """Max: the window's largest element, its gradient to the first largest (row-major); average:
    the mean, its gradient spread evenly."""
    k, s = layer.size, layer.stride
    m, C, Ho, Wo = layer.output_shape(A.shape)
    out, dA_prev = np.zeros((m, C, Ho, Wo)), np.zeros(A.shape)
    for n in range(m):
        for c in range(C):
            for y in range(Ho):
                for x in range(Wo):
                    window = A[n, c, s * y:s * y + k, s * x:s * x + k]
                    if layer.kind == "maxpool":
                        out[n, c, y, x] = window.max()
                        i, j = np.unravel_index(np.argmax(window), window.shape)  # argmax: the first
                        dA_prev[n, c, s * y + i, s * x + j] += dA[n, c, y, x]
                    else:
                        out[n, c, y, x] = window.mean()
                        dA_prev[n, c, s * y:s * y + k, s * x:s * x + k] += dA[n, c, y, x] / (k * k)
    return out, dA_prev


def conv_layer(rng, F=3, C=2, kh=3, kw=3, stride=1, padding=1):
    return Conv2D(index=1, filters=F, kernel_h=kh, kernel_w=kw, stride=stride, padding=padding,
                  activation="linear", W=rng.normal(size=(F, C, kh, kw)), b=rng.normal(size=F))


# Big enough that every array goes through the workspace (a shape under MIN_POOLED_BYTES would
# come from np.empty and prove nothing).
BIG = (6, 2, 40, 40)
assert np.prod(BIG) * 8 >= MIN_POOLED_BYTES


# -- reused buffers never overwrite what someone still holds ------------------------------------

def test_conv_second_forward_and_backward_leave_the_first_results_valid():
    rng = np.random.default_rng(1)
    layer = conv_layer(rng)
    A1, A2 = rng.normal(size=BIG), rng.normal(size=BIG)
    Z1, cache1 = layer.forward(A1)
    Z2, cache2 = layer.forward(A2)  # while Z1 and cache1 (its im2col matrix) are held
    dZ1, dZ2, dZ_wrong = (rng.normal(size=Z1.shape) for _ in range(3))
    dA1, grads1 = layer.backward(dZ1, cache1)
    dA2, grads2 = layer.backward(dZ2, cache2)
    # grading re-runs backward with a wrong dZ on a cache it keeps (grading/mistakes.py)
    dA_wrong, grads_wrong = layer.backward(dZ_wrong, cache1)
    for A, Z, dZ, dA, grads in ((A1, Z1, dZ1, dA1, grads1), (A2, Z2, dZ2, dA2, grads2),
                                (A1, Z1, dZ_wrong, dA_wrong, grads_wrong)):
        Z_ref, dA_ref, dW_ref, db_ref = conv_by_definition(layer, A, dZ)
        assert_close(Z, Z_ref)
        assert_close(dA, dA_ref)
        assert_close(grads["W"], dW_ref)
        assert_close(grads["b"], db_ref)


@pytest.mark.parametrize("pool", [MaxPool(1, 2, 2), MaxPool(1, 3, 2), AvgPool(1, 2, 2), AvgPool(1, 3, 1)],
                         ids=["max 2/2", "max 3/2", "avg 2/2", "avg 3/1"])
def test_pool_second_pass_leaves_the_first_results_valid(pool):
    rng = np.random.default_rng(2)
    A1, A2 = rng.normal(size=BIG), rng.normal(size=BIG)
    out1, cache1 = pool.forward(A1)
    out2, cache2 = pool.forward(A2)
    dA1, dA2 = rng.normal(size=out1.shape), rng.normal(size=out1.shape)
    dA_prev1, _ = pool.backward(dA1, cache1)
    dA_prev2, _ = pool.backward(dA2, cache2)
    other, _ = pool.backward(dA2, cache1)
    for A, out, dA, dA_prev in ((A1, out1, dA1, dA_prev1), (A2, out2, dA2, dA_prev2), (A1, out1, dA2, other)):
        out_ref, dA_prev_ref = pool_by_definition(pool, A, dA)
        assert_close(out, out_ref)
        assert_close(dA_prev, dA_prev_ref)


def test_dense_and_flatten_second_pass_leave_the_first_results_valid():
    rng = np.random.default_rng(3)
    dense = Dense(index=1, units=90, activation="linear", W=rng.normal(size=(90, 120)), b=rng.normal(size=(90, 1)))
    A1, A2 = rng.normal(size=(120, 100)), rng.normal(size=(120, 100))
    Z1, cache1 = dense.forward(A1)
    Z2, _ = dense.forward(A2)
    dZ1, dZ2 = rng.normal(size=Z1.shape), rng.normal(size=Z1.shape)
    dA_prev1, grads1 = dense.backward(dZ1, cache1)
    dense.backward(dZ2, cache1)
    assert_close(Z1, dense.W @ A1 + dense.b)
    assert_close(Z2, dense.W @ A2 + dense.b)
    assert_close(dA_prev1, dense.W.T @ dZ1)
    assert_close(grads1["W"], dZ1 @ A1.T)

    flatten = Flatten(index=1)
    images1, images2 = rng.normal(size=BIG), rng.normal(size=BIG)
    columns = images1.shape[1] * images1.shape[2] * images1.shape[3]
    back1, _ = flatten.backward(images1.reshape(BIG[0], columns).T.copy(), BIG)
    flatten.backward(images2.reshape(BIG[0], columns).T.copy(), BIG)
    assert np.array_equal(back1, images1)  # flatten only moves numbers


def test_compute_twice_leaves_the_first_result_as_it_was():
    rng = np.random.default_rng(4)
    def spec(X):
        return {"input": {"X": X, "Y": np.eye(4)[:, rng.integers(0, 4, BIG[0])]}, "loss": "softmax_ce",
                "layers": [{"type": "conv2d", "filters": 3, "kernel": 3, "padding": 1, "activation": "relu"},
                           {"type": "maxpool", "size": 2}, {"type": "flatten"},
                           {"type": "dense", "units": 4, "activation": "softmax"}]}
    first = bpcli.compute(spec(rng.normal(size=BIG)))
    kept = [{key: np.array(value, copy=True) for key, value in layer.items() if isinstance(value, np.ndarray)}
            for layer in first["layers"]]
    kept_dX = first["dX"].copy()
    bpcli.compute(spec(rng.normal(size=BIG)))  # other numbers, the same shapes
    for layer, copies in zip(first["layers"], kept):
        for key, value in copies.items():
            assert np.array_equal(layer[key], value), (layer["index"], key)
    assert np.array_equal(first["dX"], kept_dX)


def test_a_repeated_run_allocates_nothing_large(monkeypatch):
    """The point of the workspace: a second pass of the same network takes no new large array
    (traced by tracemalloc, which numpy reports its array memory to; before the workspace, this
    pass allocated ~10 MB of fresh arrays). On one thread: when threads share the convolution,
    the workspace holds one tile buffer per thread that has ever worked on it at the same moment
    as another, which a first pass may not have reached (CI saw an 884 KB tile added so)."""
    monkeypatch.setenv("BPCLI_NUM_THREADS", "1")
    rng = np.random.default_rng(5)
    network = bpcli.load({"input": {"X": rng.normal(size=(8, 3, 32, 32)), "Y": np.eye(10)[:, :8]},
                          "loss": "softmax_ce",
                          "layers": [{"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1, "activation": "relu"},
                                     {"type": "maxpool", "size": 2}, {"type": "flatten"},
                                     {"type": "dense", "units": 10, "activation": "softmax"}]})
    run(network)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        run(network)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < 1024 * 1024  # each large array of this pass is 1 MiB or more


# -- tiles: the same numbers whatever the tile size ---------------------------------------------

@pytest.mark.parametrize("m, Ho, Wo, per_tile", [(3, 4, 5, 1000), (3, 4, 5, 20), (3, 4, 5, 45), (3, 4, 5, 7),
                                                 (2, 3, 4, 3), (2, 3, 4, 1), (1, 1, 1, 1)])
def test_tiles_cover_every_output_position_once_in_order(m, Ho, Wo, per_tile):
    seen = []
    for tile in tiles(m, Ho, Wo, per_tile):
        positions = [(n, y, x) for n in range(m)[tile.samples] for y in range(Ho)[tile.rows]
                     for x in range(Wo)[tile.columns]]
        assert len(positions) == tile.positions.stop - tile.positions.start <= per_tile
        assert [n * Ho * Wo + y * Wo + x for n, y, x in positions] == list(range(m * Ho * Wo))[tile.positions]
        seen += positions
    assert seen == [(n, y, x) for n in range(m) for y in range(Ho) for x in range(Wo)]


@pytest.mark.parametrize("kernel, stride, padding", [((3, 3), 1, 1), ((2, 3), 2, 0), ((3, 2), 2, 2), ((1, 1), 1, 0)])
@pytest.mark.parametrize("tile_bytes", [1, 8 * 18 * 2, 8 * 18 * 30, 8 * 18 * 400, 1 << 30],
                         ids=["part of a row", "rows", "rows, part of a sample", "samples", "one tile"])
@pytest.mark.parametrize("kept_bytes", [0, 1 << 30], ids=["im2col built again", "im2col kept"])
def test_tiled_convolution_equals_the_definition(monkeypatch, kernel, stride, padding, tile_bytes, kept_bytes):
    monkeypatch.setattr(conv2d, "IM2COL_TILE_BYTES", tile_bytes)
    monkeypatch.setattr(conv2d, "KEPT_IM2COL_BYTES", kept_bytes)
    rng = np.random.default_rng(6)
    layer = conv_layer(rng, F=3, C=2, kh=kernel[0], kw=kernel[1], stride=stride, padding=padding)
    cache = assert_convolution_is_the_definition(layer, rng.normal(size=(3, 2, 9, 10)), rng)
    assert (cache.cols is not None) == bool(kept_bytes)


def test_the_im2col_matrix_is_kept_up_to_its_limit(monkeypatch):
    """Kept whole (every tile's, in plan order) when the whole matrix fits KEPT_IM2COL_BYTES,
    however many tiles it was built in; otherwise not kept at all."""
    rng = np.random.default_rng(16)
    layer = conv_layer(rng, F=2, C=2, kh=3, kw=3, stride=1, padding=1)
    A = rng.normal(size=(4, 2, 5, 5))
    matrix_bytes = 2 * 3 * 3 * 4 * 5 * 5 * 8
    monkeypatch.setattr(conv2d, "IM2COL_TILE_BYTES", matrix_bytes // 4)  # a sample a tile
    monkeypatch.setattr(conv2d, "KEPT_IM2COL_BYTES", matrix_bytes)
    _, cache = layer.forward(A)
    tiles_kept = [cols for group in cache.cols for cols in group]
    assert [cols.shape for cols in tiles_kept] == [(18, 25)] * 4
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(A, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), (2, 3))
    for n, cols in enumerate(tiles_kept):  # rows (c, i, j), columns (y, x)
        assert np.array_equal(cols, windows[n].transpose(0, 3, 4, 1, 2).reshape(18, 25))
    monkeypatch.setattr(conv2d, "KEPT_IM2COL_BYTES", matrix_bytes - 1)
    assert layer.forward(A)[1].cols is None


def assert_convolution_is_the_definition(layer, A, rng):
    """``layer``'s forward and backward pass on A (and a random dZ) against the loops; returns
    the forward pass's cache."""
    Z, cache = layer.forward(A)
    dZ = rng.normal(size=Z.shape)
    dA_prev, grads = layer.backward(dZ, cache)
    Z_ref, dA_ref, dW_ref, db_ref = conv_by_definition(layer, A, dZ)
    assert_close(Z, Z_ref)
    assert_close(dA_prev, dA_ref)
    assert_close(grads["W"], dW_ref)
    assert_close(grads["b"], db_ref)
    return cache


def test_network_larger_than_the_im2col_limit_is_accepted():
    """128 × 3 × 64 × 64 (1.6 · 10⁶ numbers) through conv 4 3×3 pad 1 (2.1 · 10⁶): the declared
    tensors hold 3.9 · 10⁶ numbers in all; the whole im2col matrix would be 27 × 524,288 = 1.4 · 10⁷,
    but it is never built."""
    network = bpcli.load({"input": {"X": np.zeros((128, 3, 64, 64)), "Y": np.full((1, 128), 0.5)}, "loss": "mse",
                          "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1, "activation": "relu"},
                                     {"type": "maxpool", "size": 4}, {"type": "flatten"},
                                     {"type": "dense", "units": 1, "activation": "linear"}]})
    assert network.layers[0].output_shape(network.X.shape) == (128, 4, 64, 64)


# -- the workspace ------------------------------------------------------------------------------

def test_workspace_hands_out_an_array_again_only_when_nobody_holds_it_or_a_view_of_it():
    workspace = Workspace()
    shape = (MIN_POOLED_BYTES // 8,)
    first = workspace.empty(shape)
    address = first.ctypes.data
    view = first[10:20]
    del first
    second = workspace.empty(shape)
    assert not np.shares_memory(second, view)  # the view keeps its base in use
    del view
    third = workspace.empty(shape)
    assert third.ctypes.data == address  # nobody holds it now: the same memory again
    assert not np.shares_memory(third, second)


def test_workspace_keeps_no_more_than_its_limit():
    shape = (MIN_POOLED_BYTES // 8,)
    workspace = Workspace(max_bytes=3 * MIN_POOLED_BYTES)
    held = [workspace.empty(shape) for _ in range(5)]  # all in use: two are not kept
    assert workspace.pooled_bytes == 3 * MIN_POOLED_BYTES
    del held
    workspace.empty((2 * MIN_POOLED_BYTES // 8,))  # another shape: unused ones make room
    assert workspace.pooled_bytes <= 3 * MIN_POOLED_BYTES


# -- BLAS threads --------------------------------------------------------------------------------

def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


@pytest.fixture
def threads_from_the_machine(monkeypatch):
    """No thread-count variable in the environment (a CI may set OPENBLAS_NUM_THREADS=1)."""
    for name in blas.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_one_blas_thread_inside_and_the_users_count_after(threads_from_the_machine):
    from threadpoolctl import threadpool_limits

    assert _blas_threads(), "threadpoolctl does not see numpy's BLAS (threadpoolctl < 3.5 with numpy >= 2)"
    for users_limit in (None, 1, 2):
        with threadpool_limits(limits=users_limit, user_api="blas"):
            users = _blas_threads()
            with blas.one_blas_thread():
                assert set(_blas_threads()) == {1}
            assert _blas_threads() == users


def test_one_blas_thread_in_concurrent_threads_restores_the_count_once_all_are_done(threads_from_the_machine):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        users = _blas_threads()
        inside, release = threading.Barrier(2), threading.Event()

        def worker():
            with blas.one_blas_thread():
                inside.wait()
                release.wait()

        workers = [threading.Thread(target=worker) for _ in range(2)]
        for worker_thread in workers:
            worker_thread.start()
        release.set()
        for worker_thread in workers:
            worker_thread.join()
        assert _blas_threads() == users


@pytest.mark.parametrize("m, k, n, may_share", [
    (2, 3, 4, None),  # OpenBLAS keeps it on one thread by itself
    (16, 27, 8192, True),  # a convolution's product: short sides, 3.5 · 10⁶ multiply-adds
    (128, 784, 64, True),  # a dense layer: 6.4 · 10⁶ multiply-adds
    (64, 64, 80, False),  # 3.3 · 10⁵ multiply-adds: about 20 µs of work
    (10, 27, 2048, False),  # a small convolution's: 5.5 · 10⁵
    (256, 256, 256, True),
], ids=["tiny", "skinny", "dense layer", "small", "small skinny", "large"])
@pytest.mark.parametrize("idle_threads", [1, 2], ids=["busy machine", "idle cores"])
@pytest.mark.parametrize("shared_lately", [False, True], ids=["nothing shared", "work shared lately"])
def test_product_uses_blas_threads_only_when_large_cores_are_idle_and_bpcli_shares_nothing(
        monkeypatch, m, k, n, may_share, idle_threads, shared_lately):
    limited = []

    @contextlib.contextmanager
    def recording():
        limited.append((m, k, n))
        yield

    monkeypatch.setattr(blas, "one_blas_thread", recording)
    monkeypatch.setattr(threads, "thread_count", lambda: idle_threads)
    monkeypatch.setattr(threads, "shared_recently", lambda: shared_lately)
    a, b = np.arange(m * k, dtype=float).reshape(m, k), np.ones((k, n))
    assert_close(threads.product(a, b), np.repeat(a.sum(axis=1, keepdims=True), n, axis=1))  # rows summed
    one_thread = may_share is not None and not (may_share and idle_threads > 1 and not shared_lately)
    assert bool(limited) == one_thread


def test_threadpoolctl_is_imported_only_when_a_product_needs_it():
    code = ("import sys, numpy as np\n"
            "from bpcli.core.threads import product\n"
            "product(np.ones((16, 27)), np.ones((27, 64)))\n"  # small: OpenBLAS's own single thread
            "small = 'threadpoolctl' in sys.modules\n"
            "product(np.ones((16, 27)), np.ones((27, 8192)))\n"
            "print(small, 'threadpoolctl' in sys.modules)")
    for variable, expected in ((None, "False True"), ("1", "False False")):
        env = cli_env()
        for name in blas.THREAD_VARIABLES:
            env.pop(name, None)
        if variable:
            env["OPENBLAS_NUM_THREADS"] = variable  # as the command line starts: nothing to limit
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.split() == expected.split()


def test_product_is_the_matrix_product_for_every_kind_of_shape():
    rng = np.random.default_rng(7)
    for m, k, n in ((2, 3, 4), (16, 27, 8192), (70, 80, 90)):  # tiny, skinny, large on every side
        a, b = rng.normal(size=(m, k)), rng.normal(size=(k, n))
        expected = np.einsum("ik,kj->ij", a, b)
        assert_close(threads.product(a, b), expected)
        out = np.empty((m, n))
        assert threads.product(a, b, out=out) is out
        assert_close(out, expected)


@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed views"])
def test_a_product_over_one_term_is_the_outer_product_bit_for_bit(transposed):
    """k = 1 (a dense layer's dW from one sample, dZ (n, 1) times A_prev^T (1, n_prev)): every
    entry is the single product a_i b_j, rounded once, exactly as the BLAS gives it."""
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(10, 1)), rng.normal(size=(1, 300))
    if transposed:  # as dense.backward passes them: dZ.T of (1, 10), A_prev.T of a (300, 1) column
        a, b = np.ascontiguousarray(a.T).T, np.ascontiguousarray(b.T).T
    expected = np.array([[a[i, 0] * b[0, j] for j in range(300)] for i in range(10)])
    assert np.array_equal(threads.product(a, b), expected)
    out = np.full((10, 300), np.nan)
    assert threads.product(a, b, out=out) is out
    assert np.array_equal(out, expected)
    assert np.array_equal(out, np.matmul(a, b))


@pytest.mark.parametrize("bad, finite", [(None, True), (np.nan, False), (np.inf, False), (-np.inf, False), (1e308, True)],
                         ids=["finite", "nan", "inf", "-inf", "sum overflows"])
def test_large_tensor_finite_check_without_a_mask(bad, finite):
    """A large tensor is read through its sum (and its extremes when the sum is not finite): one
    NaN or infinity must still be found, and finite values whose sum overflows must not be."""
    from bpcli.core.network import SMALL_TENSOR, all_finite

    tensor = np.ones((4, SMALL_TENSOR))
    if bad is not None:
        tensor[2, 77] = bad
        tensor[3, 5] = bad
    with np.errstate(all="raise"):  # a host's strict settings must not turn the check into an error
        assert all_finite(tensor) is finite
        assert all_finite(tensor.T) is finite
