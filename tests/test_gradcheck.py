"""`bpcli check` without false alarms: right gradients pass on any valid network, however small
they are against the loss; a gradient wrong by 1e-4 of one entry fails; entries next to a kink
(relu crossing 0, a max-pool window changing its winner) are reported as kinks, not failures.

The random networks come from ``valid_networks`` below: hypothesis draws the architecture, a
numpy generator seeded by hypothesis draws the numbers (sometimes rounded to 2 decimals, as
people write them, sometimes left to the file's seeded initialisation). More examples than the
default 300: BPCLI_FUZZ_EXAMPLES=3000.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpcli
from bpcli.core import gradcheck
from bpcli.core.gradcheck import DEFAULT_TOLERANCE, check
from bpcli.core.network import loss_at, run
from conftest import run_cli

EXAMPLES = int(os.environ.get("BPCLI_FUZZ_EXAMPLES", 300))
SMOOTH_ACTIVATIONS = ("sigmoid", "tanh", "linear")
#: (output activation, loss): every valid pairing of the smooth activations
SMOOTH_OUTPUTS = [(a, loss) for a in SMOOTH_ACTIVATIONS for loss in ("mse", "sse")] + [
    ("sigmoid", "bce"), ("softmax", "softmax_ce")]
#: a gradient entry is planted wrong by this factor
PLANTED_ERROR = 1 + 1e-4


# -- random valid networks --------------------------------------------------------------------

@st.composite
def valid_networks(draw, with_kinks: bool = False) -> dict:
    """A valid network mapping. Without kinks: sigmoid, tanh, linear, softmax, conv2d and
    avgpool only, so the loss is smooth everywhere; with kinks, relu and maxpool too."""
    hidden = SMOOTH_ACTIVATIONS + (("relu",) if with_kinks else ())
    outputs = SMOOTH_OUTPUTS + ([("relu", "mse"), ("relu", "sse")] if with_kinks else [])
    pools = ("avgpool", "maxpool") if with_kinks else ("avgpool",)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    given_weights = draw(st.booleans())          # else the file's seed initialises them
    hand_sized = draw(st.booleans())             # numbers rounded to 2 decimals
    scale = 10 ** draw(st.floats(-1, 1))         # inputs from about 0.1 to about 10

    def numbers(array):
        return np.round(array, 2) if hand_sized else array

    layers = []
    if draw(st.booleans()):                      # column data
        n_prev, m = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        X = numbers(rng.normal(size=(n_prev, m)) * scale)
    else:                                        # images, then flatten
        m, C, H, W = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 6)),
                      draw(st.integers(2, 6)))
        X = numbers(rng.normal(size=(m, C, H, W)) * scale)
        for _ in range(draw(st.integers(1, 2))):
            kind = draw(st.sampled_from(("conv2d",) + pools))
            if kind == "conv2d":
                padding, stride = draw(st.integers(0, 1)), draw(st.integers(1, 2))
                kernel = draw(st.integers(1, min(H, W) + 2 * padding))
                filters = draw(st.integers(1, 3))
                layer = {"type": "conv2d", "filters": filters, "kernel": kernel, "stride": stride,
                         "padding": padding, "activation": draw(st.sampled_from(hidden))}
                if given_weights:
                    layer["W"] = numbers(rng.normal(0, 1 / np.sqrt(C * kernel**2), size=(filters, C, kernel, kernel)))
                    layer["b"] = numbers(rng.normal(0, 0.3, size=filters))
                H, W, C = (H + 2 * padding - kernel) // stride + 1, (W + 2 * padding - kernel) // stride + 1, filters
            else:
                size = draw(st.integers(1, min(H, W, 3)))
                layer = {"type": kind, "size": size}
                H, W = (H - size) // size + 1, (W - size) // size + 1
            layers.append(layer)
        layers.append({"type": "flatten"})
        n_prev = C * H * W
    activation, loss = draw(st.sampled_from(outputs))
    units = [draw(st.integers(1, 5)) for _ in range(draw(st.integers(0, 2)))]
    units.append(draw(st.integers(2 if activation == "softmax" else 1, 4)))
    for position, n in enumerate(units):
        last = position == len(units) - 1
        layer = {"type": "dense", "units": n, "activation": activation if last else draw(st.sampled_from(hidden))}
        if given_weights:
            gain = draw(st.sampled_from([0.3, 1.0, 2.0]))
            layer["W"] = numbers(rng.normal(0, gain / np.sqrt(n_prev), size=(n, n_prev)))
            layer["b"] = numbers(rng.normal(0, 0.5, size=(n, 1)))
        layers.append(layer)
        n_prev = n
    return {"input": {"X": X, "Y": targets(rng, loss, n_prev, m)}, "layers": layers, "loss": loss,
            "seed": draw(st.integers(0, 999))}


def targets(rng, loss: str, n: int, m: int) -> np.ndarray:
    if loss == "bce":
        return rng.uniform(0, 1, size=(n, m))
    if loss == "softmax_ce":
        return rng.dirichlet(np.ones(n), size=m).T
    return rng.normal(size=(n, m)) * rng.choice([0.1, 1.0, 3.0])


def failures(report) -> list:
    return [(t.name, t.relative_error, t.allowed_relative_error) for t in report.tensors if not t.ok]


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(spec=valid_networks())
def test_right_gradients_of_smooth_networks_always_pass(spec):
    report = check(bpcli.load(spec), sample=None)
    assert report.ok, failures(report)
    assert not any(t.kinks for t in report.tensors)  # a smooth loss has none


@settings(FUZZ, max_examples=max(1, EXAMPLES // 3))
@given(spec=valid_networks(with_kinks=True))
def test_right_gradients_pass_next_to_kinks_too(spec):
    # rounded numbers put relu inputs at or near 0 and max-pool windows at or near a tie often
    report = check(bpcli.load(spec), sample=None)
    assert report.ok, failures(report)


# -- networks the old fixed tolerance called WRONG ----------------------------------------------

#: gradients about 7e-4 (b1) under a loss about 10: round-off of the differences at ε = 1e-6 is
#: about 2e-6 of them, and the old check, relative error ≤ 1e-6, failed b1 and X
SMALL_AGAINST_THE_LOSS = yaml.safe_load("""
input:
  X: [[4.34, 6.05, -3.99], [-3.19, 3.98, 3.2], [-6.5, 7.07, -4.21], [-0.26, -6.03, 4.9]]
  Y: [[-0.22, 0.86, -4.83], [1.29, 3.24, -1.01], [1.12, -2.85, 5.18]]
layers:
- {type: dense, units: 1, activation: tanh}
- {type: dense, units: 3, activation: linear}
loss: mse
seed: 222
""")

#: a loss about 77 (sse) against gradients of W2 about 4e-3: the old check failed W2
LARGE_SSE = yaml.safe_load("""
input:
  X: [[0.01, -0.3, 0.02]]
  Y: [[-4.38, -0.14, 2.34], [-1.9, -0.37, 6.92]]
layers:
- {type: dense, units: 3, activation: tanh}
- {type: dense, units: 2, activation: sigmoid}
- {type: dense, units: 2, activation: tanh}
loss: sse
seed: 519
""")

FALSE_ALARMS = {"small_against_the_loss": SMALL_AGAINST_THE_LOSS, "large_sse": LARGE_SSE}


def richardson_gradient(network, tensor: np.ndarray, index: tuple[int, ...], step: float = 1e-3) -> float:
    """An estimate independent of bpcli's checker: central differences at h and 2h combined so
    that the h² error cancels, (4·D(h) − D(2h)) / 3, with a step large enough for round-off
    (about 1e-16·J/h) to stay far below 1e-6 of these gradients."""
    def central(h):
        original = tensor[index]
        tensor[index] = original + h
        plus = loss_at(network)
        tensor[index] = original - h
        minus = loss_at(network)
        tensor[index] = original
        return (plus - minus) / (2 * h)
    return (4 * central(step) - central(2 * step)) / 3


@pytest.mark.parametrize("name", sorted(FALSE_ALARMS))
def test_networks_the_fixed_tolerance_called_wrong_pass(name):
    network = bpcli.load(FALSE_ALARMS[name])
    result = run(network)
    # the gradients are right: an independent, more precise estimate agrees to the tolerance
    gradients = {f"W{r.layer.index}": (r.layer.W, r.dW) for r in result.records} | {"X": (network.X, result.dX)}
    for label, (tensor, gradient) in gradients.items():
        largest = np.abs(gradient).max()
        for index in np.ndindex(*tensor.shape):
            estimate = richardson_gradient(network, tensor, index)
            assert abs(estimate - gradient[index]) <= DEFAULT_TOLERANCE * largest, (label, index)
    report = check(network, sample=None)
    assert report.ok, failures(report)
    # and the case is a hard one: for some tensor the differences' own error bound is larger
    # than the tolerance alone would allow
    assert any(t.numeric_error_bound > DEFAULT_TOLERANCE * t.scale for t in report.tensors)


# -- a planted bug still fails ----------------------------------------------------------------

CONV = yaml.safe_load("""
input:
  X: [[[0.2, -1.1, 0.7], [1.3, 0.4, -0.6], [-0.9, 0.8, 0.1]],
      [[-0.3, 0.5, 1.2], [0.0, -1.4, 0.9], [0.6, -0.2, -0.8]]]
  Y: [[0.3, -0.4]]
layers:
- {type: conv2d, filters: 2, kernel: 2, padding: 1, activation: tanh}
- {type: avgpool, size: 2}
- {type: flatten}
- {type: dense, units: 1, activation: linear}
loss: mse
seed: 3
""")

SOFTMAX = yaml.safe_load("""
input:
  X: [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]]
  Y: [[1, 0, 0.25], [0, 1, 0.25], [0, 0, 0.5]]
layers:
- {type: dense, units: 4, activation: sigmoid}
- {type: dense, units: 3, activation: softmax}
loss: softmax_ce
seed: 5
""")

BCE = yaml.safe_load("""
input:
  X: [[1.0, 2.0, -1.0, 0.5], [0.5, 0.0, 1.5, -2.0]]
  Y: [[1, 0, 1, 0]]
layers:
- {type: dense, units: 3, activation: tanh}
- {type: dense, units: 1, activation: sigmoid}
loss: bce
seed: 0
""")


def plant_bug(monkeypatch, layer: int) -> None:
    """From now on, the check's run of a network returns layer ``layer``'s dW with its largest
    entry multiplied by PLANTED_ERROR (the analytic gradient, not the loss, is wrong)."""
    honest_run = gradcheck.run

    def run_with_bug(network):
        result = honest_run(network)
        (record,) = [r for r in result.records if r.layer.index == layer]
        record.dW[np.unravel_index(np.abs(record.dW).argmax(), record.dW.shape)] *= PLANTED_ERROR
        return result

    monkeypatch.setattr(gradcheck, "run", run_with_bug)


@pytest.mark.parametrize("spec,layer", [
    (SMALL_AGAINST_THE_LOSS, 1), (SMALL_AGAINST_THE_LOSS, 2), (LARGE_SSE, 1), (LARGE_SSE, 2), (CONV, 1),
    (CONV, 4), (SOFTMAX, 1), (SOFTMAX, 2), (BCE, 1), (BCE, 2)],
    ids=["small-1", "small-2", "sse-1", "sse-2", "conv-1", "conv-4", "softmax-1", "softmax-2", "bce-1", "bce-2"])
def test_one_dW_entry_wrong_by_1e_4_fails(monkeypatch, spec, layer):
    assert check(bpcli.load(spec), sample=None).ok
    plant_bug(monkeypatch, layer)
    report = check(bpcli.load(spec), sample=None)
    assert [t.name for t in report.tensors if not t.ok] == [f"W{layer}"]


# -- kinks ------------------------------------------------------------------------------------

#: Z1 = W1·x + b1 = 1·1 − 0.9999999 = 1e-7 for the first sample: a nudge of 1e-6 to W1, b1 or
#: that x takes relu across 0; the gradients are small (W2 = 0.001), so the two one-sided slopes
#: differ by less than 1e-3 and the old check missed the kink and failed them
RELU_NEAR_ZERO = yaml.safe_load("""
input: {X: [[1.0, 2.0]], Y: [[1.0, 1.0]]}
layers:
- {type: dense, units: 1, activation: relu, W: [[1.0]], b: [[-0.9999999]]}
- {type: dense, units: 1, activation: linear, W: [[0.001]], b: [[0.0]]}
loss: mse
""")

#: one 2 × 2 window whose two top elements differ by 1e-7: nudging either by 1e-6 changes the
#: winner; the dense layer after it passes back little (W3 = 1e-4)
MAXPOOL_NEAR_TIE = yaml.safe_load("""
input: {X: [[[0.5, 0.5000001], [0.1, -0.2]]], Y: [[1.0]]}
layers:
- {type: maxpool, size: 2}
- {type: flatten}
- {type: dense, units: 1, activation: linear, W: [[0.0001]], b: [[0.0]]}
loss: mse
""")


def test_relu_next_to_zero_is_a_kink_whatever_the_gradient_size():
    report = check(bpcli.load(RELU_NEAR_ZERO), sample=None)
    assert report.ok, failures(report)
    assert {t.name: t.kinks for t in report.tensors} == {
        "W1": [(0, 0)], "b1": [(0, 0)], "W2": [], "b2": [], "X": [(0, 0)]}  # x = 2: Z1 = 1.0000001


def test_max_pool_near_tie_is_a_kink_whatever_the_gradient_size():
    report = check(bpcli.load(MAXPOOL_NEAR_TIE), sample=None)
    assert report.ok, failures(report)
    kinks = {t.name: t.kinks for t in report.tensors}
    assert kinks == {"W3": [], "b3": [], "X": [(0, 0, 0), (0, 0, 1)]}   # the two near-tied elements


def test_entries_at_a_kink_are_not_counted_as_compared():
    """A max pool whose windows tie: `check` showed 16/16 entries of X checked and, beside it,
    that the 10 at a kink were not compared."""
    network = bpcli.load({"input": {"X": [[[1, 1, 2, 0], [1, 1, 0, 3], [2, 2, 1, 1], [0, 4, 1, 1]]], "Y": [[1]]},
                          "layers": [{"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"},
                                     {"type": "dense", "units": 1, "activation": "sigmoid"}], "loss": "bce"})
    X = next(tensor for tensor in check(network).tensors if tensor.name == "X")
    assert len(X.indices) == 16 and X.kinks
    assert X.compared == 16 - len(set(X.kinks) & set(X.indices)) < 16


@pytest.mark.parametrize("options", [{"epsilon": 0}, {"epsilon": -1e-6}, {"epsilon": float("nan")}, {"epsilon": "a"},
                                     {"tolerance": None}, {"tolerance": -1}, {"sample": 0}, {"sample": -1},
                                     {"sample": 1.5}, {"seed": -1}, {"seed": "a"}, {"seed": True}])
def test_an_option_that_is_not_one_is_a_usage_error(options):
    """bpcli.check(net, epsilon=0) raised ZeroDivisionError, seed=-1 numpy's ValueError, sample=-1
    'negative dimensions'; epsilon=nan (also from `bpcli check --epsilon nan`) called right
    gradients wrong."""
    with pytest.raises(bpcli.UsageError):
        bpcli.check("04", **options)


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--epsilon", "nan"]])
def test_the_check_command_refuses_such_an_option_as_an_input_error(args):
    """`bpcli check 04 --seed -1` ended in an internal error (exit 70); `--epsilon nan` in exit 1,
    'an analytic gradient disagrees'."""
    code, out, err = run_cli(["check", "04", *args])
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_pass_that_is_not_finite_is_not_called_wrong(tmp_path):
    """Numbers near 1e200 overflow in the pass itself: J = inf, its differences NaN, and check
    called every tensor WRONG (exit 1, 'an analytic gradient disagrees'), when no gradient is
    wrong; it cannot be checked, and says why, with the run's warning as the cause (exit 2)."""
    spec = {"input": {"X": [[1e200, 2.0]], "Y": [[1e200, 0.0]]},
            "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1e200]]}], "loss": "mse"}
    with pytest.raises(bpcli.SpecError) as raised:
        bpcli.check(spec)
    assert raised.value.code == "not_finite" and "overflow in Z1" in raised.value.message
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    for lang, words in (("en", "needs J and every gradient to be finite"), ("zh", "要求 J 和每个梯度都是有限值")):
        code, out, err = run_cli(["check", path, "--lang", lang])
        assert code == 2 and "WRONG" not in out and "错误" not in out, out + err
        assert err.startswith(f"bpcli: error: {path}: ") and words in err and err.count("\n") == 1, err
    # explain still works the pass out, and its check section says why nothing was checked
    for lang, words in (("en", "No entry is checked"), ("zh", "没有检验任何元素")):
        code, out, err = run_cli(["explain", path, "--detail", "summary", "--lang", lang])
        assert code == 0 and words in out and "disagree" not in out and "不一致" not in out, out + err


def test_an_option_that_is_not_one_is_said_in_the_learners_language():
    code, _, err = run_cli(["check", "04", "--lang", "zh", "--epsilon", "nan"])
    assert code == 2 and "epsilon（有限差分的步长）必须是大于 0 的数" in err and "must be" not in err, err
    code, _, err = run_cli(["check", "04", "--seed", "-1"])
    assert code == 2 and "seed must be a whole number of at least 0, found -1" in err, err


CONSTANT_UNIT = {"input": {"X": [[0.5, 0.5, 0.5], [1.0, -1.0, 0.5]], "Y": [[1.0, 0.0, 1.0]]},
                 "layers": [{"type": "batchnorm", "activation": "linear", "eps": 1e-20},
                            {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.5, -1.0]],
                             "b": [[0.0]]}],
                 "loss": "bce"}


def test_a_batchnorm_bending_faster_than_the_step_is_a_kink_not_wrong():
    """Unit 0 is constant, so x̂ = 0 and s = 1/√ε = 1e10: dX there is γ s (dZ − mean dZ), about
    1e9, while a nudge of 1e-6 moves σ² + ε from 1e-20 to about 1e-13. The difference quotient
    measures nothing; the check called the right gradient WRONG (exit 1)."""
    network = bpcli.load(CONSTANT_UNIT)
    t = run(network).tensors()
    dZ = t["dZ1"]
    np.testing.assert_allclose(t["dX"][0], 1e10 * (dZ[0] - dZ[0].mean()), rtol=1e-9)  # γ = 1
    report = check(network)
    assert report.ok
    X = next(tensor for tensor in report.tensors if tensor.name == "X")
    assert sorted(X.kinks) == [(0, 0), (0, 1), (0, 2)]  # the constant unit's row; the other is compared
    ordinary = check(bpcli.load("13"))  # a batchnorm whose σ² + ε a nudge moves by about the step
    assert ordinary.ok and not any(tensor.kinks for tensor in ordinary.tensors)
