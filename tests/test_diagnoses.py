"""Diagnoses outside dense layers (issue 10, point 8), each on at least two networks: bundled
exercises and small networks written here.

Every wrong answer is built here by the mistake's own recipe, with plain loops over windows and
kernel offsets, never with bpcli's mistake code: a pool's gradient copied to every window entry,
written over (= for +=) where windows overlap, sent at a tied maximum to another entry than the
first, not divided by the window size; softmax differentiated element by element; the kernel not
rotated, flipped along one axis or transposed; dZ not dilated by the stride, dW's windows moved by
1; the full correlation padded wrongly; a sum over a wrong set of axes; flatten undone in
column-major order; a formula off by a constant.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpcli import spec
from bpcli.core.network import run
from bpcli.grading import grade
from bpcli.quiz.catalogue import load_bundled_network


def text(array: np.ndarray) -> str:
    return json.dumps(np.asarray(array).tolist())


def network(name_or_mapping):
    if isinstance(name_or_mapping, str):
        return load_bundled_network(name_or_mapping)
    return spec.load(name_or_mapping)


# small networks: windows that overlap, several samples and filters, a softmax with m = n
OVERLAPPING_MAX = {  # 3 × 3 image, the centre (9) is the largest of all four 2 × 2 windows
    "input": {"X": [[[1.0, 2.0, 0.5], [3.0, 9.0, 1.0], [0.0, 2.0, 4.0]]], "Y": [[1.0], [2.0], [0.0], [1.0]]},
    "layers": [{"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"}], "loss": "sse"}
TIED_RELU_CNN = {  # m = 1: relu's zeros and equal sums tie in the 2 × 2 windows (moved by 1) of A1
    "input": {"X": [[[1.0, 2.0, 0.0, -1.0, 1.0],
                     [0.0, 1.0, 0.0, -2.0, -1.0],
                     [1.0, 0.0, 1.0, -1.0, -2.0],
                     [2.0, 1.0, -3.0, 0.0, -1.0],
                     [0.0, 1.0, 2.0, -2.0, 1.0]]], "Y": [[1]]},
    "layers": [{"type": "conv2d", "filters": 1, "kernel": 2, "activation": "relu",
                "W": [[[[1.0, 0.0], [0.0, 1.0]]]], "b": [0.0]},
               {"type": "maxpool", "size": 2, "stride": 1},
               {"type": "flatten"},
               {"type": "dense", "units": 1, "activation": "sigmoid",
                "W": [[0.5, -1.0, 0.25, 1.5, -0.5, 0.75, -1.25, 1.0, 2.0]], "b": [[0.0]]}],
    "loss": "bce"}
TIED_MAX_POOL = {  # m = 2, C = 2, 4 × 4, 2 × 2 windows moved by 2: two, three and four equal maxima
    "input": {"X": [[[[3, 1, 2, 2], [2, 3, 2, 0], [0, 1, 1, 4], [5, 2, 4, 4]],
                     [[1, 1, 0, 2], [1, 1, 1, 0], [2, 0, 3, 1], [1, 2, 2, 0]]],
                    [[[0, 0, 1, 2], [0, 0, 3, 0], [6, 6, 1, 1], [6, 6, 0, 1]],
                     [[2, 1, 5, 5], [1, 2, 0, 1], [1, 0, 0, 0], [0, 2, 0, 0]]]],
              "Y": (np.arange(16, dtype=float).reshape(8, 2) % 3 - 1).tolist()},
    "layers": [{"type": "maxpool", "size": 2}, {"type": "flatten"}], "loss": "sse"}
OVERLAPPING_AVG = {
    "input": {"X": [[[1.0, 2.0, 0.5], [3.0, 9.0, 1.0], [0.0, 2.0, 4.0]]], "Y": [[1.0], [2.0], [0.0], [1.0]]},
    "layers": [{"type": "avgpool", "size": 2, "stride": 1}, {"type": "flatten"}], "loss": "sse"}
OVERLAPPING_AVG_TWO_CHANNELS = {  # m = 2, C = 2, 4 × 4, 3 × 3 windows moved by 1
    "input": {"X": np.arange(64, dtype=float).reshape(2, 2, 4, 4).tolist(),
              "Y": [[0.5, -1.0], [1.0, 0.0], [2.0, 1.0], [0.0, 3.0], [1.0, 1.0], [-2.0, 0.5], [0.0, 0.0],
                    [1.5, 2.5]]},
    "layers": [{"type": "avgpool", "size": 3, "stride": 1}, {"type": "flatten"}], "loss": "sse"}
SOFTMAX_M_EQUALS_N = {  # 2 classes, m = 2 samples: db1 (2 × 1) and a sum over units (1 × 2)
    "input": {"X": [[1.0, -0.5], [0.5, 2.0]], "Y": [[1, 0], [0, 1]]},
    "layers": [{"type": "dense", "units": 2, "activation": "softmax", "W": [[0.5, -1.0], [1.0, 0.5]],
                "b": [[0.1], [-0.2]]}], "loss": "softmax_ce"}
CONV_STRIDE_TWO = {  # m = 2, C = 2, F = 2, 5 × 5, 3 × 3 kernel (drawn from the seed), stride 2, no padding
    "input": {"X": (np.arange(100, dtype=float).reshape(2, 2, 5, 5) % 7 - 3).tolist(),
              "Y": (np.arange(16, dtype=float).reshape(8, 2) % 5 - 2).tolist()},
    "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "stride": 2, "activation": "linear",
                "b": [0.5, -0.5]},
               {"type": "flatten"}], "loss": "sse"}
CONV_TWO_FILTERS = {  # m = 2, C = 1, F = 2, 3 × 3 kernel (not symmetric), stride 1, padding 1
    "input": {"X": (np.arange(32, dtype=float).reshape(2, 4, 4) % 5 - 2).tolist(),
              "Y": (np.arange(64, dtype=float).reshape(32, 2) % 3 - 1).tolist()},
    "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "padding": 1, "activation": "linear",
                "W": [[[[1.0, 0.5, 0.0], [-1.0, 2.0, 0.5], [0.0, 1.0, -0.5]]],
                      [[[0.5, 0.0, -1.0], [1.0, 0.0, 0.5], [2.0, -0.5, 1.0]]]],
                "b": [0.5, -0.5]},
               {"type": "flatten"}], "loss": "sse"}


# -- the recipes of the mistakes -------------------------------------------------------------------

def windows(shape, size, stride):
    """(y, x, rows, columns) of every window of a pool, in row-major order."""
    Ho, Wo = (shape[2] - size) // stride + 1, (shape[3] - size) // stride + 1
    for y in range(Ho):
        for x in range(Wo):
            yield y, x, slice(y * stride, y * stride + size), slice(x * stride, x * stride + size)


def pool_input_and_gradient(net, layer_index):
    """(A_prev as the layer sees it, dA of the pool's output, size, stride)."""
    result = run(net)
    record = result.records[layer_index - 1]
    A_prev = net.input_for_layers() if layer_index == 1 else result.records[layer_index - 2].A
    return A_prev, record.dA, record.layer.size, record.layer.stride


def max_pool_gradient(A_prev, dA, size, stride, how):
    """how: 'route' (right), 'copy' (every entry gets the window's gradient), 'overwrite' (the
    largest entry set, not added to, window after window); at a tied maximum 'last' (the last
    largest entry gets it), 'split' (shared evenly by the largest entries), 'each' (every largest
    entry gets all of it)."""
    out = np.zeros(A_prev.shape)
    for n in range(A_prev.shape[0]):
        for c in range(A_prev.shape[1]):
            for y, x, rows, columns in windows(A_prev.shape, size, stride):
                window = A_prev[n, c, rows, columns]
                largest = [(i, j) for i in range(size) for j in range(size) if window[i, j] == window.max()]
                i, j = largest[0]  # first largest, row-major
                if how == "copy":
                    out[n, c, rows, columns] += dA[n, c, y, x]
                elif how == "overwrite":
                    out[n, c, rows, columns][i, j] = dA[n, c, y, x]
                elif how in ("last", "split", "each"):
                    chosen = largest[-1:] if how == "last" else largest
                    for i, j in chosen:
                        out[n, c, rows, columns][i, j] += dA[n, c, y, x] / (len(largest) if how == "split" else 1)
                else:
                    out[n, c, rows, columns][i, j] += dA[n, c, y, x]
    return out


def avg_pool_gradient(A_prev, dA, size, stride, how):
    """how: 'spread' (right), 'undivided' (the window's whole gradient to each entry), 'overwrite'
    (each window's share written over the earlier windows')."""
    out = np.zeros(A_prev.shape)
    share = 1.0 if how == "undivided" else 1.0 / (size * size)
    for n in range(A_prev.shape[0]):
        for c in range(A_prev.shape[1]):
            for y, x, rows, columns in windows(A_prev.shape, size, stride):
                if how == "overwrite":
                    out[n, c, rows, columns] = dA[n, c, y, x] * share
                else:
                    out[n, c, rows, columns] += dA[n, c, y, x] * share
    return out


def conv_input_gradient(net, kernel_of=lambda W: W, keep_padding=False, step=None):
    """dA_prev of layer 1 (conv) by scattering: every output position sends dZ · kernel back onto
    the padded input window it covered; then the padding ring is cut off (unless keep_padding).
    The right rule uses W itself here; ``kernel_of`` gives the mistaken one. The windows start
    every ``step`` rows and columns: the layer's stride unless a mistaken one is given."""
    result = run(net)
    record = result.records[0]
    layer = record.layer
    W, s, p = kernel_of(layer.W), step or layer.stride, layer.padding
    m, C, H, Wd = net.input_for_layers().shape
    dZ = record.dZ
    padded = np.zeros((m, C, H + 2 * p, Wd + 2 * p))
    for n in range(m):
        for f in range(W.shape[0]):
            for y in range(dZ.shape[2]):
                for x in range(dZ.shape[3]):
                    padded[n, :, y * s:y * s + layer.kernel_h, x * s:x * s + layer.kernel_w] += dZ[n, f, y, x] * W[f]
    return padded if keep_padding else padded[:, :, p:p + H, p:p + Wd]


def correlate(image, kernel):
    """Plain 2-D 'valid' correlation of one image with one kernel."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            out[y, x] = (image[y:y + kh, x:x + kw] * kernel).sum()
    return out


def grade_array(net, target, value):
    return grade(net, target, text(value))


# -- max pool: copied to every entry, overlapping windows written over -----------------------------

@pytest.mark.parametrize("name, target, layer", [("10", "dX", 1), ("12", "dA1", 2)])
def test_max_pool_gradient_copied_to_every_window_entry(name, target, layer):
    net = network(name)
    A_prev, dA, size, stride = pool_input_and_gradient(net, layer)
    right = max_pool_gradient(A_prev, dA, size, stride, "route")
    assert grade_array(net, target, right.reshape(run(net).tensors()[target].shape)).correct  # the recipe is right
    copied = max_pool_gradient(A_prev, dA, size, stride, "copy")
    result = grade_array(net, target, copied.reshape(run(net).tensors()[target].shape))
    assert result.diagnosis == ["copied_to_window"], result.message


@pytest.mark.parametrize("mapping, target, layer", [("12", "dA1", 2), (OVERLAPPING_MAX, "dX", 1)])
def test_max_pool_overlapping_windows_not_summed(mapping, target, layer):
    net = network(mapping)
    A_prev, dA, size, stride = pool_input_and_gradient(net, layer)
    assert stride < size
    written_over = max_pool_gradient(A_prev, dA, size, stride, "overwrite")
    result = grade_array(net, target, written_over.reshape(run(net).tensors()[target].shape))
    assert result.diagnosis == ["overlap_not_summed"], result.message
    assert "+=" in result.message


@pytest.mark.parametrize("mapping, target, layer", [(TIED_MAX_POOL, "dX", 1), (TIED_RELU_CNN, "dA1", 2)])
@pytest.mark.parametrize("how", ["last", "split", "each"])
def test_max_pool_tied_maximum_not_routed_to_the_first(mapping, target, layer, how):
    net = network(mapping)
    A_prev, dA, size, stride = pool_input_and_gradient(net, layer)
    shape = run(net).tensors()[target].shape
    assert grade_array(net, target, max_pool_gradient(A_prev, dA, size, stride, "route").reshape(shape)).correct
    result = grade_array(net, target, max_pool_gradient(A_prev, dA, size, stride, how).reshape(shape))
    assert result.diagnosis == ["wrong_tie_rule"], result.message
    assert "first of them in row-major order" in result.message


@pytest.mark.parametrize("how", ["last", "split", "each"])
def test_max_pool_tied_maximum_carried_into_the_relu_layer_before(how):
    net = network(TIED_RELU_CNN)  # dZ1 = dA1 ⊙ relu′(Z1): the ties of positive values stay
    A_prev, dA, size, stride = pool_input_and_gradient(net, 2)
    relu_prime = (run(net).tensors()["Z1"] > 0).astype(float)
    result = grade_array(net, "dZ1", max_pool_gradient(A_prev, dA, size, stride, how) * relu_prime)
    assert result.diagnosis == ["wrong_tie_rule"], result.message
    assert "按行优先顺序" in grade(net, "dZ1", text(max_pool_gradient(A_prev, dA, size, stride, how) * relu_prime),
                                 lang="zh").message


def test_max_pool_without_ties_names_no_tie_rule():
    net = network("10")  # no window ties: last, split and each are the right rule
    A_prev, dA, size, stride = pool_input_and_gradient(net, 1)
    assert run(net).records[0].cache.tied_windows == 0
    for how in ("last", "split", "each"):
        assert grade_array(net, "dX", max_pool_gradient(A_prev, dA, size, stride, how).reshape(net.X.shape)).correct


# -- average pool: not divided by the window, overlapping windows written over ---------------------

@pytest.mark.parametrize("mapping, target", [("11", "dX"), (OVERLAPPING_AVG, "dX"),
                                             (OVERLAPPING_AVG_TWO_CHANNELS, "dX")])
def test_average_pool_not_divided_by_the_window_size(mapping, target):
    net = network(mapping)
    A_prev, dA, size, stride = pool_input_and_gradient(net, 1)
    assert grade_array(net, target, avg_pool_gradient(A_prev, dA, size, stride, "spread").reshape(
        net.X.shape)).correct
    undivided = avg_pool_gradient(A_prev, dA, size, stride, "undivided").reshape(net.X.shape)
    result = grade_array(net, target, undivided)
    assert result.diagnosis == ["not_divided_by_window"], result.message


@pytest.mark.parametrize("mapping", [OVERLAPPING_AVG, OVERLAPPING_AVG_TWO_CHANNELS])
def test_average_pool_overlapping_windows_not_summed(mapping):
    net = network(mapping)
    A_prev, dA, size, stride = pool_input_and_gradient(net, 1)
    written_over = avg_pool_gradient(A_prev, dA, size, stride, "overwrite").reshape(net.X.shape)
    assert grade_array(net, "dX", written_over).diagnosis == ["overlap_not_summed"]


# -- softmax differentiated element by element -------------------------------------------------------

@pytest.mark.parametrize("mapping", ["06", SOFTMAX_M_EQUALS_N])
def test_softmax_differentiated_element_wise(mapping):
    net = network(mapping)
    tensors = run(net).tensors()
    A, Y, X, m = tensors["A1"], net.Y, net.X, net.m
    # ∂J/∂A = −Y/(m A); the element-wise "derivative" of softmax a(1 − a), as if it were a sigmoid
    elementwise = (-Y / (m * A)) * A * (1 - A)
    result = grade_array(net, "dZ1", elementwise)
    assert result.diagnosis == ["softmax_elementwise"], result.message
    # carried into the parameter gradients
    assert grade_array(net, "dW1", elementwise @ X.T).diagnosis == ["softmax_elementwise"]
    assert "softmax_elementwise" in grade(net, "dZ1", "dA1 * A1 * (1 - A1)").diagnosis


# -- the kernel: not rotated, flipped along one axis ---------------------------------------------------

@pytest.mark.parametrize("mapping", ["08", "09", CONV_TWO_FILTERS])
def test_kernel_not_rotated_and_wrongly_rotated(mapping):
    net = network(mapping)
    shape = net.X.shape
    assert grade_array(net, "dX", conv_input_gradient(net).reshape(shape)).correct  # the recipe is right
    # the full correlation with ROT180(W) is the scatter with W; with W itself it is the scatter
    # with ROT180(W); with W flipped along one axis, the scatter with W flipped along the other
    not_rotated = conv_input_gradient(net, lambda W: W[:, :, ::-1, ::-1]).reshape(shape)
    assert grade_array(net, "dX", not_rotated).diagnosis == ["kernel_not_rotated"]
    for flip in (lambda W: W[:, :, ::-1, :], lambda W: W[:, :, :, ::-1]):
        result = grade_array(net, "dX", conv_input_gradient(net, flip).reshape(shape))
        assert result.diagnosis == ["kernel_wrongly_rotated"], result.message


@pytest.mark.parametrize("mapping", ["08", CONV_TWO_FILTERS])
def test_kernel_transposed(mapping):
    net = network(mapping)
    shape = net.X.shape
    # Wᵀ scattered onto each window (a dense layer's Wᵀ · dZ carried over), and the correlation
    # with Wᵀ in the place of ROT180(W), which is the scatter with ROT180(Wᵀ)
    for transposed in (lambda W: W.swapaxes(2, 3), lambda W: W.swapaxes(2, 3)[:, :, ::-1, ::-1]):
        result = grade_array(net, "dX", conv_input_gradient(net, transposed).reshape(shape))
        assert result.diagnosis == ["kernel_transposed"], result.message
        assert "ROT180(W1)" in result.message
    assert "卷积核被转置" in grade(net, "dX", text(conv_input_gradient(net, lambda W: W.swapaxes(2, 3)).reshape(
        shape)), lang="zh").message


def test_kernel_transposed_not_named_where_the_kernel_is_symmetric():
    net = network("09")  # W1 equals its transpose: Wᵀ scattered back is the right dX
    W = run(net).records[0].layer.W
    assert np.array_equal(W, W.swapaxes(2, 3))
    assert grade_array(net, "dX", conv_input_gradient(net, lambda W: W.swapaxes(2, 3)).reshape(net.X.shape)).correct
    # and the correlation with Wᵀ is the correlation with W itself: the kernel not rotated
    corr_with_transpose = conv_input_gradient(net, lambda W: W.swapaxes(2, 3)[:, :, ::-1, ::-1]).reshape(net.X.shape)
    assert grade_array(net, "dX", corr_with_transpose).diagnosis == ["kernel_not_rotated"]


# -- the padding of the full correlation -----------------------------------------------------------------

def test_wrong_padding_single_filter_without_padding():
    net = network("08")  # 2 × 2 kernel, stride 1, no padding: the full correlation pads dZ1 by 1
    record = run(net).records[0]
    dZ, W = record.dZ[0, 0], record.layer.W[0, 0]
    rotated = W[::-1, ::-1]
    full = correlate(np.pad(dZ, 1), rotated)
    assert grade_array(net, "dX", full[None]).correct  # the recipe is right
    for padding in (0, 2):  # a 'valid' correlation (1 × 1), a ring too many (4 × 4)
        wrong = correlate(np.pad(dZ, padding), rotated)
        result = grade_array(net, "dX", wrong[None])
        assert "wrong_padding" in result.diagnosis, (padding, result.message)


@pytest.mark.parametrize("mapping", ["09", CONV_TWO_FILTERS])
def test_wrong_padding_layer_padding_kept(mapping):
    net = network(mapping)  # padding 1: the gradient of the padded input has one ring too many
    kept = conv_input_gradient(net, keep_padding=True)
    if net.X.ndim == 3:
        kept = kept[:, 0]
    result = grade_array(net, "dX", kept)
    assert "wrong_padding" in result.diagnosis and "shape" in result.diagnosis, result.message


# -- the stride: dZ not dilated, dW's windows moved by 1 ----------------------------------------------------

@pytest.mark.parametrize("mapping", ["09", CONV_STRIDE_TWO])
def test_stride_ignored_in_dX(mapping):
    net = network(mapping)
    assert run(net).records[0].layer.stride == 2
    shape = net.X.shape
    assert grade_array(net, "dX", conv_input_gradient(net).reshape(shape)).correct  # the recipe is right
    # each dZ[y, x] scattered onto the window at (y, x), not (2y, 2x): dZ not dilated
    result = grade_array(net, "dX", conv_input_gradient(net, step=1).reshape(shape))
    assert result.diagnosis == ["wrong_stride"], result.message
    assert "dilate dZ1" in result.message


def test_stride_ignored_in_dX_with_the_padding_kept():
    net = network("09")  # 4 × 4, 3 × 3 kernel, stride 2, padding 1: dZ1 is 2 × 2
    record = run(net).records[0]
    dZ, W = record.dZ[0, 0], record.layer.W[0, 0]
    # the full correlation of dZ1 itself, not dilated: 2 × 2 padded by 2 is 6 × 6, correlated with
    # a 3 × 3 kernel 4 × 4, the input's own shape, so nothing is cropped
    undilated = correlate(np.pad(dZ, 2), W[::-1, ::-1])
    assert undilated.shape == net.X.shape[1:]
    result = grade_array(net, "dX", undilated[None])
    assert result.diagnosis == ["wrong_stride", "wrong_padding"], result.message
    assert "kept the layer's padding" in result.message
    assert "扩张 dZ1" in grade(net, "dX", text(undilated[None]), lang="zh").message


@pytest.mark.parametrize("mapping", ["09", CONV_STRIDE_TWO])
def test_stride_ignored_in_dW(mapping):
    net = network(mapping)
    record = run(net).records[0]
    layer, dZ = record.layer, record.dZ
    p = layer.padding
    P = np.pad(net.input_for_layers(), ((0, 0), (0, 0), (p, p), (p, p)))

    def kernel_gradient(step):
        dW = np.zeros(layer.W.shape)
        for f in range(dW.shape[0]):
            for c in range(dW.shape[1]):
                for i in range(dW.shape[2]):
                    for j in range(dW.shape[3]):
                        for y in range(dZ.shape[2]):
                            for x in range(dZ.shape[3]):
                                dW[f, c, i, j] += (dZ[:, f, y, x] * P[:, c, step * y + i, step * x + j]).sum()
        return dW

    assert grade_array(net, "dW1", kernel_gradient(layer.stride)).correct  # the recipe is right
    result = grade_array(net, "dW1", kernel_gradient(1))
    assert result.diagnosis == ["wrong_stride"], result.message
    assert "by 2" in result.message


# -- a sum over a wrong set of axes, whatever the shapes ---------------------------------------------------

@pytest.mark.parametrize("mapping, target, formula", [
    ("07", "db2", "sum(dZ2, axis=0, keepdims=True)"),            # 2 units, m = 2: 1 × 2 for 2 × 1
    ("07", "db2", "sum(dZ2, axis=0)"),
    ("04", "db1", "np.sum(dZ1, axis=0)"),
    (SOFTMAX_M_EQUALS_N, "db1", "sum(dZ1, axis=0, keepdims=True)"),  # every column of dZ1 sums to 0
    (SOFTMAX_M_EQUALS_N, "db1", "dZ1.sum(axis=0)"),
    (CONV_TWO_FILTERS, "db1", "sum(dZ1, axis=(0, 1))"),
    (CONV_TWO_FILTERS, "db1", "sum(dZ1, axis=(1, 2, 3))"),
    (CONV_TWO_FILTERS, "db1", "sum(dZ1, axis=(2, 3), keepdims=True)"),
])
def test_sum_over_wrong_axes(mapping, target, formula):
    result = grade(network(mapping), target, formula)
    # not_summed: the code conv's db had for a sum over the positions only, before wrong_axis
    assert {"wrong_axis", "not_summed"} & set(result.diagnosis), result.message
    assert "transposed" not in result.diagnosis and "order of the factors" not in result.message


# -- flatten undone in the wrong order: one code everywhere ----------------------------------------------

def column_major(dA: np.ndarray, shape) -> np.ndarray:
    """Each sample's column put back into C × H × W in column-major (Fortran) order."""
    return np.stack([column.reshape(shape[1:], order="F") for column in dA.T])


@pytest.mark.parametrize("name, target, flatten_layer", [("08", "dZ1", 2), ("10", "dA1", 2), ("12", "dA2", 3),
                                                          ("09", "dZ1", 2)])
def test_flatten_in_the_wrong_order_is_always_wrong_reshape(name, target, flatten_layer):
    net = network(name)
    result_run = run(net)
    flatten = result_run.records[flatten_layer - 1]
    shape = result_run.records[flatten_layer - 2].A.shape
    wrong = column_major(flatten.dA, shape)
    if target.startswith("dZ"):  # through a linear activation: dZ = dA
        assert result_run.records[flatten_layer - 2].layer.activation == "linear"
    result = grade_array(net, target, wrong)
    assert result.diagnosis == ["wrong_reshape"], result.message


# -- a formula off by a constant ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, target, formula", [("04", "dW1", "dZ1 @ X.T + 0.5"),
                                                    ("07", "dA2", "W3.T @ dZ3 - 0.25")])
def test_formula_off_by_a_constant(name, target, formula):
    result = grade(network(name), target, formula)
    assert result.diagnosis == ["offset"], result.message
    assert "digits" not in result.message


@pytest.mark.parametrize("name, target, formula", [("04", "dW1", "dZ1 @ X.T + 0.001"),
                                                    ("07", "dW3", "dZ3 @ A2.T + 0.001")])
def test_small_constant_caught_on_other_draws_is_not_told_to_round(name, target, formula):
    result = grade(network(name), target, formula)
    assert not result.correct and "right_by_coincidence" in result.diagnosis, result.message
    assert "digits" not in result.message and "offset" in result.diagnosis


def test_typed_numbers_close_to_the_right_value_are_still_told_to_keep_digits():
    net = network("04")
    value = run(net).tensors()["dW1"].copy()
    # one entry rounded to too few decimals to pass (outside rtol·|e| + rtol·max|e|, rtol 1e-2),
    # not to 0 (a 0 beside entries typed to 8 decimals shows no rounding): not an offset of every entry
    allowed = 0.01 * (np.abs(value) + np.abs(value).max())
    index, decimals = next((index, d) for index in np.ndindex(value.shape) for d in range(6, -1, -1)
                           if round(value[index], d) != 0 and abs(round(value[index], d) - value[index]) > allowed[index])
    value[index] = round(value[index], decimals)
    result = grade_array(net, "dW1", value)
    assert result.diagnosis == ["entries"] and "digits" in result.message


def test_a_wrong_number_that_no_rounding_gives_is_not_called_close():
    """1 for a right 0 is within 10 times the tolerance of a tensor whose largest entry is 12.5,
    but no rounding of 0 gives 1."""
    net = network("08")
    value = run(net).tensors()["dX"].copy()
    zero = tuple(np.argwhere(value == 0)[0])
    value[zero] = 1.0
    result = grade_array(net, "dX", value)
    assert result.diagnosis == ["entries"] and "digits" not in result.message


@pytest.mark.parametrize("answer", ["0 0; 0 0; 0 0", "[[0, 0], [0, 0], [0, 0]]", "0.0 0.00; 0 0; 0 0"])
def test_an_all_zero_answer_is_not_called_close(answer):
    """Every entry of 04's dW1 is below 0.5 in size, so each is 0 'rounded to no decimals'; but
    a blank template shows no rounding at all (0.00 is read as the number 0, whose decimals are
    not kept)."""
    net = network("04")
    assert np.all(np.abs(run(net).tensors()["dW1"]) < 0.5)
    for lang, words in (("en", "digits"), ("zh", "小数")):
        result = grade(net, "dW1", answer, lang=lang)
        assert result.diagnosis == ["entries"] and words not in result.message, result.message


#: one linear unit, sse, J = (a − y)² with a = W·x + b = 0 and y = 0.5: dZ1 = 2(a − y) = −1, so
#: dW1 = dZ1·xᵀ = −xᵀ = [[−1.2, −0.03]]
SMALL_ENTRY = {"input": {"X": [[1.2], [0.03]], "Y": [[0.5]]},
               "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[0.0, 0.0]], "b": [[0.0]]}],
               "loss": "sse"}


@pytest.mark.parametrize("answer, close", [
    ("-1.2 0", True),    # 0 is −0.03 rounded to one decimal, the decimals of −1.2
    ("-1.2 0.1", False),  # no rounding of −0.03 gives 0.1
    ("-1 0", True),      # −1 is −1.2 rounded to no decimals, and so is 0 for −0.03
])
def test_a_zero_is_read_to_the_decimals_of_the_other_entries(answer, close):
    net = network(SMALL_ENTRY)
    np.testing.assert_allclose(run(net).tensors()["dW1"], [[-1.2, -0.03]])
    result = grade(net, "dW1", answer)
    assert result.diagnosis == ["entries"], result.message
    assert ("digits" in result.message) == close, result.message


def test_a_small_value_rounded_to_the_decimals_typed_is_still_close():
    """05's dW1 is about 0.0004 to 0.001: 0.0004 typed for 0.000439 is rounding to four decimals."""
    net = network("05")
    right = run(net).tensors()["dW1"]
    typed = np.round(right, 4)
    assert np.all(typed != 0) and not grade_array(net, "dW1", typed).correct
    result = grade_array(net, "dW1", typed)
    assert result.diagnosis == ["entries"] and "digits" in result.message, result.message




ONE_NUMBER_MSE = {"input": {"X": [[1.0], [2.0]], "Y": [[0.5]]},
                  "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[0.5, 1.0]], "b": [[0.25]]}],
                  "loss": "mse"}


@pytest.mark.parametrize("loss, formula, codes", [
    ("mse", "2 * (A1 - Y)", ["scaled"]),  # the 2 of the square kept, mse's ½ forgotten
    ("mse", "(A1 - Y) / 2", ["scaled"]),
    ("mse", "-2 * (A1 - Y)", ["sign", "scaled"]),
    ("mse", "3 * (A1 - Y)", ["scaled"]),  # a formula's 3 holds on every draw of the network
    ("mse", "6.75", ["entries"]),  # typed, 3 × 2.25: no loss explains a 3, and one number is a multiple of any
    ("sse", "(A1 - Y)", ["scaled"]),  # sse keeps the 2
])
def test_a_single_number_off_by_the_squares_factor_is_scaled(loss, formula, codes):
    result = grade(network({**ONE_NUMBER_MSE, "loss": loss}), "dZ1", formula)
    assert not result.correct and result.diagnosis == codes, result.message


ONE_SIGMOID_AT_ZERO = {"input": {"X": [[1.0]], "Y": [[1.0]]},  # Z = 0, A = 0.5, dZ = A − Y = −0.5
                       "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.0]], "b": [[0.0]]}],
                       "loss": "bce"}


def test_a_formula_is_not_named_a_mistake_its_value_matches_on_these_numbers_only():
    """'A1 + Y' is 1.5 here, which is also minus a tanh's dZ: dA = −Y/A + (1 − Y)/(1 − A) = −2,
    times tanh′ = 1 − A² = 0.75, is −1.5. On other numbers the two differ: the learner wrote a
    sign slip on Y, not a tanh derivative, and the verdict names no mistake it cannot stand by."""
    assert 0.5 + 1.0 == -(-1.0 / 0.5 * (1 - 0.5 ** 2))  # the coincidence the old verdict read
    result = grade(network(ONE_SIGMOID_AT_ZERO), "dZ1", "A1 + Y")
    assert not result.correct and result.diagnosis == ["entries"], result.message
    assert "tanh" not in result.message and "sign" not in result.message
    typed = grade(network(ONE_SIGMOID_AT_ZERO), "dZ1", "1.5")  # typed numbers are read as numbers
    assert "wrong_activation_derivative" in typed.diagnosis, typed.message


def test_a_coincidental_reading_gives_way_to_the_one_true_in_general():
    """With two inputs 1 and 2: dZ1 = −0.5 and dW1 = dZ1 Xᵀ = [−0.5, −1]. '2 * (dZ1 @ X.T)' is
    [−1, −2], which on these numbers is also dW1 from dA1 ⊙ A1 (the activation for its
    derivative: −2 · 0.5 = −1 = 2 dZ1, as σ′(0) = 0.25 is half of σ(0)); on other numbers only
    'twice the right value' stays true."""
    net = network({**ONE_SIGMOID_AT_ZERO, "input": {"X": [[1.0], [2.0]], "Y": [[1.0]]},
                   "layers": [{**ONE_SIGMOID_AT_ZERO["layers"][0], "W": [[0.0, 0.0]]}]})
    assert -2.0 * 0.5 == 2 * (0.5 - 1.0)  # dA1 ⊙ A1 against 2 dZ1 at A1 = 0.5, Y = 1
    result = grade(net, "dW1", "2 * (dZ1 @ X.T)")
    assert result.diagnosis == ["scaled"] and "2 times" in result.message, result.message
    offset = grade(net, "dW1", "dZ1 @ X.T + 0.5")
    assert offset.diagnosis == ["offset"] and "+0.5" in offset.message, offset.message
    # Y is 1 here, so this is '+1' on these numbers and another offset on every other draw
    varying = grade(net, "dW1", "dZ1 @ X.T + Y.sum()")
    assert varying.diagnosis == ["entries"] and "+1" not in varying.message, varying.message


def test_a_formula_for_a_single_number_may_be_read_as_a_factor_that_holds_on_every_draw():
    """One number is some multiple of any other, so typed numbers get no factor; a formula's
    factor is checked on the other draws: 2 (A1 − Y) is twice dZ1 = A1 − Y (m = 1) on every draw,
    A1 + Y is −3 times it here (1.5 against −0.5) and other multiples elsewhere."""
    net = network(ONE_SIGMOID_AT_ZERO)
    twice = grade(net, "dZ1", "2 * (A1 - Y)")
    assert twice.diagnosis == ["scaled"] and "2 times" in twice.message, twice.message
    assert grade(net, "dZ1", "A1 + Y").diagnosis == ["entries"]
    plus_one = grade(net, "dZ1", "A1 - Y + 1")  # 0.5: also −1 times −0.5 here, but +1 on every draw
    assert plus_one.diagnosis == ["offset"] and "+1" in plus_one.message, plus_one.message
    assert "Your number is the right value +1" in plus_one.message  # one number, not 'every entry'
    assert "scaled" not in grade(net, "dZ1", "-1").diagnosis  # typed: a single number is no factor


@pytest.mark.parametrize("mapping, formula, codes", [
    (ONE_SIGMOID_AT_ZERO, "Y - A1", ["sign"]),
    ({**ONE_SIGMOID_AT_ZERO, "input": {"X": [[1.0, -2.0]], "Y": [[1.0, 0.0]]}}, "A1 - Y", ["missing_1_over_m"]),
    ("04", "W2.T @ dZ2", ["missing_activation_derivative"]),
    ("04", "dA1 * A1", ["wrong_activation_derivative"]),
])
def test_a_formula_whose_mistake_holds_on_other_numbers_keeps_its_name(mapping, formula, codes):
    target = "dZ1"
    result = grade(network(mapping), target, formula)
    assert not result.correct and result.diagnosis == codes, result.message


W1_GIVEN_AS_X = {"input": {"X": [[1.0, 2.0], [3.0, 4.0]], "Y": [[1.0, 0.0]]},
                 "layers": [{"type": "dense", "units": 2, "activation": "tanh",
                             "W": [[1.0, 2.0], [3.0, 4.0]], "b": [[0.5], [-0.5]]},
                            {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.5, -0.5]], "b": [[0.0]]}],
                 "loss": "bce"}


@pytest.mark.parametrize("formula, codes", [("W1", ["other_tensor"]), ("W1.T", ["transposed", "other_tensor"])])
def test_a_tensor_named_with_its_equals_on_these_numbers_is_still_named(formula, codes):
    """W1 is given with X's numbers, so here 'W1' for dW1 is read as 'X = W1' (the numbers cannot
    tell which); on other draws W1 and X differ and the reading names W1 alone. It is the same
    mistake (the learner's W1 is W1 on every draw): it was refused as a coincidence and the
    answer told it 'matches none of the usual mistakes'."""
    assert W1_GIVEN_AS_X["input"]["X"] == W1_GIVEN_AS_X["layers"][0]["W"]
    result = grade(network(W1_GIVEN_AS_X), "dW1", formula)
    assert not result.correct and result.diagnosis == codes, result.message
    assert "W1, not dW1" in result.message and "none of the usual" not in result.message


@pytest.mark.parametrize("padding, words", [(1, "the 1 padded row and column on each side"),
                                            (2, "the 2 padded rows and columns on each side")])
def test_padding_kept_counts_its_rows_in_words(padding, words):
    mapping = {**CONV_TWO_FILTERS, "layers": [{**CONV_TWO_FILTERS["layers"][0], "padding": padding},
                                              CONV_TWO_FILTERS["layers"][1]]}
    mapping["input"] = {**CONV_TWO_FILTERS["input"],
                        "Y": np.zeros((2 * (4 + 2 * padding - 2) ** 2, 2)).tolist()}
    net = network(mapping)
    result = grade_array(net, "dX", conv_input_gradient(net, keep_padding=True)[:, 0])
    assert "wrong_padding" in result.diagnosis and words in result.message, result.message
