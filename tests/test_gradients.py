"""Every layer kind, activation and loss against central finite differences in float64.

Hypothesis picks the architecture (sizes, kernels, strides, paddings, windows, m); the numbers
come from a numpy generator seeded by hypothesis, so they are continuous and ties or kinks have
probability ~0. Each network is checked twice: with ``bpcli.core.gradcheck.check`` (the function
``bpcli check`` uses) and with ``central_differences`` below, written independently of it.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpcli
from bpcli.core.gradcheck import check
from bpcli.core.network import loss_at, run

HIDDEN_ACTIVATIONS = ("sigmoid", "relu", "tanh", "linear")
#: (output activation, loss): every valid pairing
OUTPUT_PAIRS = [(a, loss) for a in HIDDEN_ACTIVATIONS for loss in ("mse", "sse")] + [
    ("sigmoid", "bce"), ("softmax", "softmax_ce")]
EPSILON = 1e-5
TOLERANCE = 1e-6

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def central_differences(network, epsilon: float = EPSILON):
    """{name: (numeric gradient, mask of entries next to a kink)} for every W, b and X, every
    entry nudged by ±ε in place (and put back exactly)."""
    base = loss_at(network)
    tensors = {}
    for layer in network.layers:
        if hasattr(layer, "W"):
            tensors[f"W{layer.index}"] = layer.W
            tensors[f"b{layer.index}"] = layer.b
    tensors["X"] = network.X
    out = {}
    for name, tensor in tensors.items():
        numeric = np.zeros(tensor.shape)
        kink = np.zeros(tensor.shape, dtype=bool)
        for index in np.ndindex(*tensor.shape):
            keep = tensor[index]
            tensor[index] = keep + epsilon
            plus = loss_at(network)
            tensor[index] = keep - epsilon
            minus = loss_at(network)
            tensor[index] = keep
            numeric[index] = (plus - minus) / (2 * epsilon)
            right, left = (plus - base) / epsilon, (base - minus) / epsilon
            kink[index] = abs(right - left) > 1e-3 * max(1.0, abs(right), abs(left))
        out[name] = (numeric, kink)
    return out


def analytic_gradients(network) -> dict[str, np.ndarray]:
    result = run(network)
    grads = {"X": result.dX}
    for rec in result.records:
        if rec.dW is not None:
            grads[f"W{rec.layer.index}"] = rec.dW
            grads[f"b{rec.layer.index}"] = rec.db
    return grads


def assert_gradients_match(spec: dict, allow_kinks: bool = False) -> None:
    network = bpcli.load(spec)
    # 1. bpcli's own checker, every entry
    report = check(network, sample=None)
    assert report.ok, [(t.name, t.relative_error) for t in report.tensors if not t.ok]
    if not allow_kinks:
        assert not any(t.kinks for t in report.tensors), "unexpected kink with continuous random data"
    # 2. the independent helper
    analytic = analytic_gradients(network)
    numeric = central_differences(network)
    assert set(analytic) == set(numeric)
    for name, (num, kink) in numeric.items():
        ana = analytic[name]
        assert ana.shape == num.shape, f"{name}: analytic shape {ana.shape}, numeric {num.shape}"
        keep = ~kink
        if not allow_kinks:
            assert keep.all()
        scale = max(np.abs(ana[keep]).max(initial=0.0), np.abs(num[keep]).max(initial=0.0))
        error = np.abs(ana[keep] - num[keep]).max(initial=0.0)
        assert error <= TOLERANCE * max(scale, 1e-8), f"{name}: error {error:.3g} (scale {scale:.3g})"


def targets(rng, loss: str, n: int, m: int) -> np.ndarray:
    if loss == "bce":
        return rng.uniform(0.05, 0.95, size=(n, m))  # soft targets exercise both log terms
    if loss == "softmax_ce":
        return rng.dirichlet(np.ones(n), size=m).T  # each column a distribution
    return rng.normal(size=(n, m))


def dense_head(rng, n_in: int, units: int, activation: str) -> dict:
    return {"type": "dense", "units": units, "activation": activation,
            "W": rng.normal(0, 1 / np.sqrt(n_in), size=(units, n_in)), "b": rng.normal(0, 0.5, size=(units, 1))}


# ---------------------------------------------------------------------------------------------
# dense networks: every hidden activation, every output activation and loss


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n0=st.integers(1, 4), hidden=st.lists(st.integers(1, 4), max_size=2),
       hidden_activation=st.sampled_from(HIDDEN_ACTIVATIONS), output=st.sampled_from(OUTPUT_PAIRS),
       n_out=st.integers(1, 3), m=st.integers(1, 4))
def test_dense_networks_match_finite_differences(seed, n0, hidden, hidden_activation, output, n_out, m):
    rng = np.random.default_rng(seed)
    activation, loss = output
    if activation == "softmax":
        n_out = max(n_out, 2)
    layers, n_prev = [], n0
    for units in hidden:
        layers.append(dense_head(rng, n_prev, units, hidden_activation))
        n_prev = units
    layers.append(dense_head(rng, n_prev, n_out, activation))
    spec = {"input": {"X": rng.normal(size=(n0, m)), "Y": targets(rng, loss, n_out, m)},
            "layers": layers, "loss": loss}
    assert_gradients_match(spec, allow_kinks=False)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUT_PAIRS, ids=lambda pair: "+".join(pair))
@pytest.mark.parametrize("m", [1, 3])
def test_every_activation_and_loss_pairing(activation, output, m):
    """The full grid (hypothesis samples it; this makes sure no pairing is ever skipped)."""
    rng = np.random.default_rng(zlib.crc32(f"{activation} {output} {m}".encode()))  # not hash(): salted per run
    out_activation, loss = output
    spec = {"input": {"X": rng.normal(size=(3, m)), "Y": targets(rng, loss, 2, m)},
            "layers": [dense_head(rng, 3, 4, activation), dense_head(rng, 4, 2, out_activation)],
            "loss": loss}
    assert_gradients_match(spec)


# ---------------------------------------------------------------------------------------------
# conv2d


@st.composite
def conv_shapes(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2))
    stride = draw(st.integers(1, 3))
    H = draw(st.integers(max(1, kh - 2 * padding), kh + 4))
    W = draw(st.integers(max(1, kw - 2 * padding), kw + 4))
    return dict(kh=kh, kw=kw, padding=padding, stride=stride, H=H, W=W,
                C=draw(st.integers(1, 3)), F=draw(st.integers(1, 3)), m=draw(st.integers(1, 3)))


def conv_layer(rng, shape: dict, activation: str) -> dict:
    C, F, kh, kw = shape["C"], shape["F"], shape["kh"], shape["kw"]
    kernel = kh if kh == kw else [kh, kw]
    return {"type": "conv2d", "filters": F, "kernel": kernel, "stride": shape["stride"],
            "padding": shape["padding"], "activation": activation,
            "W": rng.normal(0, 1 / np.sqrt(C * kh * kw), size=(F, C, kh, kw)), "b": rng.normal(0, 0.3, size=F)}


def conv_out(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=conv_shapes(), activation=st.sampled_from(HIDDEN_ACTIVATIONS),
       output=st.sampled_from(OUTPUT_PAIRS), image_3d=st.booleans())
def test_conv2d_matches_finite_differences(seed, shape, activation, output, image_3d):
    rng = np.random.default_rng(seed)
    m, C = shape["m"], shape["C"]
    X = rng.normal(size=(m, C, shape["H"], shape["W"]))
    if image_3d and C == 1:
        X = X[:, 0]  # m × H × W input
    Ho = conv_out(shape["H"], shape["kh"], shape["stride"], shape["padding"])
    Wo = conv_out(shape["W"], shape["kw"], shape["stride"], shape["padding"])
    out_activation, loss = output
    n_out = 2 if out_activation == "softmax" else 1
    flat = shape["F"] * Ho * Wo
    spec = {"input": {"X": X, "Y": targets(rng, loss, n_out, m)},
            "layers": [conv_layer(rng, shape, activation), {"type": "flatten"},
                       dense_head(rng, flat, n_out, out_activation)],
            "loss": loss}
    assert_gradients_match(spec)


@pytest.mark.parametrize("kernel,stride,padding,H,W", [
    ((3, 3), 1, 0, 5, 5),
    ((2, 3), 2, 1, 5, 6),    # rectangular kernel, stride 2, padding 1
    ((3, 1), 3, 2, 4, 3),    # stride 3, padding 2
    ((4, 2), 2, 0, 7, 5),    # stride leaves the last row and column unread
    ((3, 3), 1, 1, 1, 1),    # kernel larger than the input, fits only thanks to padding
])
@pytest.mark.parametrize("m", [1, 2])
def test_conv2d_named_geometries(kernel, stride, padding, H, W, m):
    rng = np.random.default_rng(H * 100 + W * 10 + stride + m)
    shape = dict(kh=kernel[0], kw=kernel[1], stride=stride, padding=padding, H=H, W=W, C=2, F=3, m=m)
    Ho, Wo = conv_out(H, kernel[0], stride, padding), conv_out(W, kernel[1], stride, padding)
    spec = {"input": {"X": rng.normal(size=(m, 2, H, W)), "Y": rng.normal(size=(1, m))},
            "layers": [conv_layer(rng, shape, "tanh"), {"type": "flatten"},
                       dense_head(rng, 3 * Ho * Wo, 1, "linear")],
            "loss": "mse"}
    assert_gradients_match(spec)


def test_two_conv_layers_in_a_row():
    rng = np.random.default_rng(7)
    first = dict(kh=3, kw=2, stride=1, padding=1, H=6, W=5, C=2, F=3, m=2)
    second = dict(kh=2, kw=2, stride=2, padding=0, C=3, F=2)
    H1, W1 = conv_out(6, 3, 1, 1), conv_out(5, 2, 1, 1)
    H2, W2 = conv_out(H1, 2, 2, 0), conv_out(W1, 2, 2, 0)
    spec = {"input": {"X": rng.normal(size=(2, 2, 6, 5)), "Y": rng.dirichlet([1, 1, 1], size=2).T},
            "layers": [conv_layer(rng, first, "sigmoid"), conv_layer(rng, second, "tanh"),
                       {"type": "flatten"}, dense_head(rng, 2 * H2 * W2, 3, "softmax")],
            "loss": "softmax_ce"}
    assert_gradients_match(spec)


# ---------------------------------------------------------------------------------------------
# pooling and flatten


@st.composite
def pool_shapes(draw):
    size = draw(st.integers(1, 3))
    stride = draw(st.one_of(st.just(None), st.integers(1, 4)))  # None: the default, = size
    H, W = draw(st.integers(size, size + 5)), draw(st.integers(size, size + 5))
    return dict(size=size, stride=stride, H=H, W=W, C=draw(st.integers(1, 3)), m=draw(st.integers(1, 3)))


def pool_layer(kind: str, size: int, stride: int | None) -> dict:
    layer = {"type": kind, "size": size}
    if stride is not None:
        layer["stride"] = stride
    return layer


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=pool_shapes(), kind=st.sampled_from(["maxpool", "avgpool"]),
       after_conv=st.booleans(), output=st.sampled_from(OUTPUT_PAIRS))
def test_pools_match_finite_differences(seed, shape, kind, after_conv, output):
    rng = np.random.default_rng(seed)
    m, C, H, W = shape["m"], shape["C"], shape["H"], shape["W"]
    layers = []
    if after_conv:  # conv 2×2 pad 1 keeps the pool's input H+1 × W+1; tanh: no ties from relu zeros
        layers.append(conv_layer(rng, dict(kh=2, kw=2, stride=1, padding=1, C=C, F=C), "tanh"))
        H, W = H + 1, W + 1
    size, stride = shape["size"], shape["stride"] or shape["size"]
    layers.append(pool_layer(kind, size, shape["stride"]))
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    out_activation, loss = output
    n_out = 2 if out_activation == "softmax" else 1
    layers += [{"type": "flatten"}, dense_head(rng, C * Ho * Wo, n_out, out_activation)]
    X = rng.normal(size=(m, C, shape["H"], shape["W"]))
    spec = {"input": {"X": X, "Y": targets(rng, loss, n_out, m)}, "layers": layers, "loss": loss}
    assert_gradients_match(spec)


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("size,stride,H,W", [
    (3, 2, 7, 7),   # overlapping windows (stride < size): gradients add
    (2, 3, 8, 8),   # gaps between windows (stride > size)
    (2, 2, 5, 5),   # windows leave the last row and column out
    (3, 1, 4, 6),   # maximal overlap, rectangular input
    (2, None, 4, 4),  # stride defaults to size
])
@pytest.mark.parametrize("m", [1, 2])
def test_pool_named_geometries(kind, size, stride, H, W, m):
    rng = np.random.default_rng(size * 1000 + (stride or 0) * 100 + H * 10 + m)
    s = stride or size
    Ho, Wo = (H - size) // s + 1, (W - size) // s + 1
    spec = {"input": {"X": rng.normal(size=(m, 2, H, W)), "Y": rng.normal(size=(2, m))},
            "layers": [pool_layer(kind, size, stride), {"type": "flatten"},
                       dense_head(rng, 2 * Ho * Wo, 2, "linear")],
            "loss": "sse"}
    assert_gradients_match(spec)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 3), C=st.integers(1, 3), H=st.integers(1, 4),
       W=st.integers(1, 4), image_3d=st.booleans(), output=st.sampled_from(OUTPUT_PAIRS))
def test_flatten_matches_finite_differences(seed, m, C, H, W, image_3d, output):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, C, H, W))
    if image_3d:
        C, X = 1, X[:, :1].reshape(m, H, W)
    out_activation, loss = output
    n_out = 3 if out_activation == "softmax" else 2
    spec = {"input": {"X": X, "Y": targets(rng, loss, n_out, m)},
            "layers": [{"type": "flatten"}, dense_head(rng, C * H * W, n_out, out_activation)], "loss": loss}
    assert_gradients_match(spec)


def test_flatten_last_with_mse():
    """flatten may itself be the output layer (column data): the loss applies to it directly."""
    rng = np.random.default_rng(3)
    spec = {"input": {"X": rng.normal(size=(2, 2, 2, 3)), "Y": rng.normal(size=(8, 2))},  # 2 filters × 2 × 2
            "layers": [{"type": "conv2d", "filters": 2, "kernel": [1, 2], "padding": 0, "activation": "sigmoid",
                        "W": rng.normal(size=(2, 2, 1, 2)), "b": rng.normal(size=2)},
                       {"type": "flatten"}],
            "loss": "mse"}
    assert_gradients_match(spec)


def test_full_cnn_with_every_layer_kind():
    rng = np.random.default_rng(11)
    spec = {"input": {"X": rng.normal(size=(3, 2, 9, 8)), "Y": rng.dirichlet([1, 1, 1], size=3).T},
            "layers": [conv_layer(rng, dict(kh=3, kw=2, stride=1, padding=1, C=2, F=3), "relu"),
                       pool_layer("avgpool", 2, 1),
                       conv_layer(rng, dict(kh=2, kw=2, stride=1, padding=0, C=3, F=2), "tanh"),
                       pool_layer("maxpool", 3, 2), {"type": "flatten"}],
            "loss": "softmax_ce"}
    # shapes: conv 9×8 → 9×9 (kh 3 pad 1: 9; kw 2 pad 1: 9); avgpool 2 s1 → 8×8; conv 2×2 → 7×7;
    # maxpool 3 s2 → 3×3; flatten → 2·3·3 = 18
    spec["layers"].append(dense_head(rng, 18, 3, "softmax"))
    assert_gradients_match(spec)  # relu before avgpool, continuous data: no entry sits on a kink


def test_a_gradient_that_is_zero_is_not_a_false_alarm():
    # A = X + b with X = [0.3, −0.1, −0.2] summing to 0 and Y = 0, mse: db = Σ (A − Y)/m = 0, which
    # float64 computes as about 1e-17; the central difference of J = (1/6) Σ (x + b)² is 0 up to
    # rounding in J, about 1e-12. Relative to the tensor's own size (1e-12) that used to be a
    # 100 % disagreement; both lie far below what rounding in J can make a slope show (~1e-8).
    network = bpcli.load({"input": {"X": [[0.3, -0.1, -0.2]], "Y": [[0.0, 0.0, 0.0]]},
                          "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1.0]],
                                      "b": [[0.0]]}], "loss": "mse"})
    report = check(network, sample=None)
    assert abs(run(network).tensors()["db1"][0, 0]) < 1e-15
    assert report.ok and [t.relative_error for t in report.tensors if t.name == "b1"] == [0.0]
    # a gradient of ordinary size is still compared relative to its own size
    assert [t.relative_error for t in report.tensors if t.name == "W1"][0] < 1e-6
