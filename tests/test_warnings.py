"""The run's warnings: what triggers each kind, the English of the JSON, and the learner's language."""

from __future__ import annotations

import numpy as np
import pytest

import bpcli
from bpcli.core import activations
from bpcli.core.network import run

# one sigmoid unit at z = 40·1 = 40: σ(40) = 1 − 4e−18, so σ′(40) ≈ 4e−18 < 1e−8
SATURATED_OUTPUT = {"input": {"X": [[1.0]], "Y": [[0]]},
                    "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[40]], "b": [0]}],
                    "loss": "bce"}
# the same unit under mse: there dZ = dA ⊙ σ′(Z) really is ~0
SATURATED_HIDDEN = {"input": {"X": [[1.0]], "Y": [[0]]},
                    "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[40]], "b": [0]}],
                    "loss": "mse"}


def test_a_saturated_sigmoid_output_under_bce_still_passes_its_gradient_back():
    result = bpcli.compute(SATURATED_OUTPUT)
    # dZ = (A − Y)/m = (1 − 4e−18 − 0)/1 ≈ 1, so the warning must not say that no gradient flows
    assert abs(result["layers"][0]["dZ"][0][0] - 1) < 1e-12
    # σ(40) rounds to exactly 1.0, so dA = (1 − Y)/(1 − A) = 1/0: reported, not hidden
    warning, infinite_dA = result["warnings"]
    assert "saturated" in warning and "almost no gradient" not in warning
    assert "(A − Y)/m" in warning and "1 of 1" in warning
    assert infinite_dA == "dA1 has values that are not finite"


def test_a_softmax_output_saturated_away_from_its_target_is_said_as_the_sigmoids_is():
    # logits z = (40, −40, 0)·1: A = softmax(z) = (1 − 4e−18, 2e−35, 4e−18); A(1 − A) < 1e−8 for all
    # three, but only A₁ ≈ 2e−35, where Y₁ = 1, makes dA₁ = −Y₁/(m A₁) = −5e34 (dA is 0 where Y is)
    network = {"input": {"X": [[1.0]], "Y": [[0.0], [1.0], [0.0]]},
               "layers": [{"type": "dense", "units": 3, "activation": "softmax", "W": [[40.0], [-40.0], [0.0]],
                           "b": [0, 0, 0]}], "loss": "softmax_ce"}
    result = bpcli.compute(network)
    # dZ = (A − Y)/m ≈ (1, −1, 0): the gradient flows, as the warning says
    np.testing.assert_allclose(result["layers"][0]["dZ"], [[1.0], [-1.0], [0.0]], atol=1e-15)
    (warning,) = result["warnings"]
    assert warning.startswith("layer 1 (softmax output): 1 of 3 entries of Z are saturated away from Y")
    assert "(A − Y)/m" in warning
    # saturated towards the target (a confident right answer: dA = (−1/A₀, 0, 0) ≈ (−1, 0, 0)) or
    # moderate logits: nothing to warn of
    for W in ([[-40.0], [40.0], [0.0]], [[2.0], [-2.0], [0.0]]):
        network["layers"][0]["W"] = W
        assert bpcli.compute(network)["warnings"] == []


def test_a_sigmoid_output_saturated_towards_its_target_is_not_warned_of():
    # σ(40) = 1 − 4e−18 with y = 1: dA = −1/A ≈ −1, an ordinary number (with y = 0 it is 1/(1 − A))
    towards = {**SATURATED_OUTPUT, "input": {"X": [[1.0]], "Y": [[1]]}}
    assert bpcli.compute(towards)["warnings"] == []


def test_a_saturated_unit_under_mse_is_said_to_pass_almost_nothing_back():
    result = bpcli.compute(SATURATED_HIDDEN)
    assert abs(result["layers"][0]["dZ"][0][0]) < 1e-15
    (warning,) = result["warnings"]
    assert "almost no gradient" in warning and "1 of 1 entries of Z" in warning


def test_warnings_are_data_worded_by_the_narration_in_chinese():
    (warning,) = run(bpcli.load(SATURATED_HIDDEN)).warnings
    assert (warning.kind, warning.layer, warning.count, warning.total, warning.subject) == ("saturated", 1, 1, 1, "sigmoid")
    explanation = bpcli.explain(SATURATED_HIDDEN, lang="zh")
    (sentence,) = explanation.warnings
    assert "饱和" in sentence and "saturated" not in sentence
    assert bpcli.explain(SATURATED_HIDDEN).warnings == [str(warning)]



# -- warnings a whole pass must still give when most of it is proved finite at once -------------

def test_an_infinity_in_a_middle_tensor_with_a_finite_loss_is_named_wherever_it_is():
    # Z1 = 1e200·1e200 overflows to inf, A1 = inf (linear); Z2 = 1·inf = inf, A2 = σ(inf) = 1, so
    # J = (1 − 0)²/2 = 0.5 is finite. Backward: dA2 = (A2 − Y)/m = 1, dZ2 = 1·σ'(inf) = 1·(1·(1 − 1)) = 0,
    # dW2 = dZ2·A1ᵀ = 0·inf = NaN (invalid), db2 = 0, dA1 = W2ᵀdZ2 = 0, dZ1 = dW1 = db1 = dX = 0.
    network = {"input": {"X": [[1e200]], "Y": [[0.0]]},
               "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1e200]], "b": [0]},
                          {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1.0]], "b": [0]}],
               "loss": "mse"}
    result = bpcli.compute(network)
    assert result["loss"] == 0.5
    assert [warning.split(":")[0] for warning in result["warnings"]] == [
        "floating-point overflow in Z1", "invalid operation in dW2", "Z1 has values that are not finite",
        "A1 has values that are not finite", "layer 2 (sigmoid)", "Z2 has values that are not finite",
        "dW2 has values that are not finite"]
    assert "1 of 1 entries of Z are saturated" in result["warnings"][4]


def test_a_nan_first_made_in_dz_is_reported_there():
    # σ(40) = 1/(1 + 4.2e-18) rounds to exactly 1, so A1 = 1 and σ'(Z1) = 1·(1 − 1) = 0. Z2 = A2 =
    # 1e300 (linear), J = (1e300)²/2 overflows to inf. dA2 = dZ2 = dW2 = 1e300 (m = 1, A1 = 1),
    # dA1 = W2ᵀdZ2 = 1e300·1e300 = inf, dZ1 = inf·σ'(Z1) = inf·0 = NaN: the first NaN of the pass,
    # in dZ1 although dA1 above it holds none; dW1, db1 and dX = W1ᵀdZ1 are NaN too.
    network = {"input": {"X": [[1.0]], "Y": [[0.0]]},
               "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[40.0]], "b": [0]},
                          {"type": "dense", "units": 1, "activation": "linear", "W": [[1e300]], "b": [0]}],
               "loss": "mse"}
    warnings = bpcli.compute(network)["warnings"]
    assert [warning.split(":")[0] for warning in warnings] == [
        "floating-point overflow in J", "invalid operation in dZ1", "layer 1 (sigmoid)",
        "dA1 has values that are not finite", "dZ1 has values that are not finite",
        "dW1 has values that are not finite", "db1 has values that are not finite",
        "J has values that are not finite", "dX has values that are not finite"]


def test_finite_values_whose_sum_overflows_are_not_reported():
    # Z1 = A1 = 1e308 in all four entries (W1 = [[1], [1]], X = [[1e308, 1e308]]): finite, though
    # their sum is not. Z2 = 1e-300·1e308 − 1e-300·1e308 = 0, A2 = σ(0) = 1/2, J = ln 2 under bce;
    # dZ2 = (1/2 − Y)/2 = [1/4, −1/4], dW2 = dZ2·A1ᵀ = 1e308/4 − 1e308/4 = 0, dA1 = W2ᵀdZ2 = ±2.5e-301,
    # dW1 = dZ1·Xᵀ = 2.5e-301·1e308 − 2.5e-301·1e308 = 0: every tensor finite, nothing to report.
    network = {"input": {"X": [[1e308, 1e308]], "Y": [[0.0, 1.0]]},
               "layers": [{"type": "dense", "units": 2, "activation": "linear", "W": [[1.0], [1.0]], "b": [0, 0]},
                          {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1e-300, -1e-300]],
                           "b": [0]}],
               "loss": "bce"}
    assert bpcli.compute(network)["warnings"] == []


def test_a_large_tensor_whose_sum_overflows_is_neither_an_event_nor_reported():
    # The same in a tensor summed rather than masked (over SMALL_TENSOR entries), summed as the pass
    # makes it: Z1 = 1e308 for each of 10,000 samples. That sum's overflow is the check's own, not
    # an event of the pass. Z2 = 1e-308·1e308 = 1, J finite under bce with Y = 1; dZ2 = (σ(1) − 1)/m,
    # dW2 = Σ dZ2·1e308 ≈ −2.7e307, dA1 = dZ1 ≈ −7e-313 (subnormal), dW1 = Σ dZ1·1e308 ≈ −0.27, all finite.
    from bpcli.core.network import PassChecks, _FloatEvents, backward, forward

    m = 10_000
    spec = {"input": {"X": np.full((1, m), 1e308), "Y": np.ones((1, m))},
            "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1.0]], "b": [0]},
                       {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1e-308]], "b": [0]}],
            "loss": "bce"}
    result = bpcli.compute(spec)
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(result["layers"][0]["Z"]))  # the sum does overflow
    assert result["warnings"] == []
    network, events = bpcli.load(spec), _FloatEvents()
    checks = PassChecks(network, events)
    with np.errstate(divide="call", over="call", invalid="call", under="ignore", call=events):
        backward(network, forward(network, checks=checks)[0], checks=checks)
    assert events.kinds == []
    assert not checks.sums.all_finite()  # not proved: collect_warnings then looks at each tensor


def test_a_saturated_tanh_unit_is_counted_from_its_output():
    # Z1 = 20·[1, 0] = [20, 0]: tanh(20) = 1 − 8.5e-18 rounds to 1, so tanh'(20) = 1 − 1² = 0 < 1e-8,
    # while tanh'(0) = 1: one saturated entry of two.
    network = {"input": {"X": [[1.0, 0.0]], "Y": [[0.0, 0.0]]},
               "layers": [{"type": "dense", "units": 1, "activation": "tanh", "W": [[20.0]], "b": [0]},
                          {"type": "dense", "units": 1, "activation": "linear", "W": [[1.0]], "b": [0]}],
               "loss": "mse"}
    (warning,) = run(bpcli.load(network)).warnings
    assert (warning.kind, warning.layer, warning.count, warning.total, warning.subject) == ("saturated", 1, 1, 2, "tanh")


# The whole-pass finiteness proof skips A = g(Z) and dZ = dA ⊙ g'(Z) on the strength of these.
EXTREME_Z = np.array([[-1.7976931348623157e308, -1e300, -745.2, -40.0, -1e-300, -0.0, 0.0, 5e-324, 1e-8, 0.5,
                       40.0, 710.0, 1e300, 1.7976931348623157e308]]).T  # one column: softmax over them too


@pytest.mark.parametrize("name", sorted(activations.FINITE_FOR_FINITE_Z))
def test_every_activation_maps_finite_z_to_finite_a(name):
    with np.errstate(all="ignore"):
        assert np.isfinite(activations.apply(name, EXTREME_Z)).all()
        assert np.isfinite(activations.apply(name, EXTREME_Z.T)).all()  # each entry its own softmax column


@pytest.mark.parametrize("name", sorted(activations.SLOPE_AT_MOST_ONE))
def test_slopes_trusted_to_keep_dz_finite_lie_between_0_and_1(name):
    with np.errstate(all="ignore"):
        slope = activations.derivative(name, EXTREME_Z)
    assert ((slope >= 0) & (slope <= 1)).all(), slope


@pytest.mark.parametrize("name", sorted(activations.SLOPE_FROM_OUTPUT))
def test_the_slope_from_the_output_is_the_slope_from_z_bit_for_bit(name):
    Z = np.concatenate([EXTREME_Z.ravel(), np.random.default_rng(0).normal(scale=10, size=1000)])
    with np.errstate(all="ignore"):
        assert np.array_equal(activations.slope_from_output(name, activations.apply(name, Z)),
                              activations.derivative(name, Z))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_the_whole_pass_test_finds_one_bad_value_among_many_tensors(layout, bad):
    from bpcli.core.network import SMALL_TENSOR, _every_value_finite

    big = np.ones((3, 4, SMALL_TENSOR))
    view = {"contiguous": big, "transposed": big.transpose(1, 0, 2), "sliced": big[:, 1:]}[layout]
    tensors = [np.ones((2, 1)), view, np.full((5, 5), -2.0), np.ones((2, SMALL_TENSOR))]
    assert _every_value_finite(tensors)
    big[2, 3, 77] = bad
    assert not _every_value_finite(tensors)
    big[2, 3, 77] = 1.0
    tensors[2][4, 4] = bad  # a small one, added up together with the others
    assert not _every_value_finite(tensors)


def test_an_infinity_among_many_finite_values_is_found_and_named():
    # the first test's network on 10,000 samples (tensors too large for np.isfinite's mask), all
    # X 0 but one 1e200: there Z1 = A1 = Z2 = inf and A2 = 1 (σ'(Z2) = 0, saturated); elsewhere
    # Z1 = Z2 = 0, A2 = 1/2. J = (9,999/4 + 1)/(2m) is finite; dZ2 = (A2/m)·σ'(Z2) is 0 at the
    # infinity, so dW2 = Σ dZ2·A1 takes 0·inf = NaN; dA1 = dZ1 = W2ᵀdZ2, dW1 = Σ dZ1·X = 0 and
    # dX = 1e200·dZ1 (at most 1e200·0.125/m) are finite.
    m = 10_000
    X = np.zeros((1, m))
    X[0, 1234] = 1e200
    network = {"input": {"X": X, "Y": np.zeros((1, m))},
               "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1e200]], "b": [0]},
                          {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1.0]], "b": [0]}],
               "loss": "mse"}
    warnings = bpcli.compute(network)["warnings"]
    assert [warning.split(":")[0] for warning in warnings] == [
        "floating-point overflow in Z1", "invalid operation in dW2", "Z1 has values that are not finite",
        "A1 has values that are not finite", "layer 2 (sigmoid)", "Z2 has values that are not finite",
        "dW2 has values that are not finite"]
    assert f"1 of {m} entries of Z are saturated" in warnings[4]


@pytest.mark.parametrize("name", sorted(activations.SLOPE_FROM_OUTPUT))
def test_the_slope_of_a_single_number_is_a_number(name):
    # formulas call the derivatives on numbers too: tanh_prime(0) = 1 - 0² = 1, sigmoid_prime(0) = 1/2·1/2
    assert float(activations.derivative(name, 0.0)) == {"tanh": 1.0, "sigmoid": 0.25}[name]
    assert float(activations.slope_from_output(name, np.float64(0.5))) == {"tanh": 0.75, "sigmoid": 0.25}[name]
