"""The batchnorm core (bpcli/core/batchnorm.py): worked by hand, against central finite
differences, against PyTorch (tests/data/batchnorm_reference.json, written by
benchmarks/make_batchnorm_reference.py), and at its edges (σ² = 0, m = 2, large values).

Notation as in the module: per unit, N values, μ, σ² (biased), s = 1/√(σ² + eps), x̂ = (x − μ) s,
Z = γ x̂ + β; compact backward dX = (γ s / N)(N dZ − dβ − x̂ dγ).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcli.core.batchnorm import BatchNorm, dmean, dvar, dX_staged, dxhat

REFERENCE = Path(__file__).parent / "data" / "batchnorm_reference.json"
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def layer(gamma, beta, eps: float) -> BatchNorm:
    return BatchNorm(index=1, activation="linear", gamma=np.array(gamma, dtype=float),
                     beta=np.array(beta, dtype=float), eps=eps)


def backward(bn: BatchNorm, dZ: np.ndarray, cache) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """(dX, (dγ, dβ)) from the layer's backward pass."""
    dX, gradients = bn.backward(dZ, cache)
    assert list(gradients) == ["gamma", "beta"]
    return dX, (gradients["gamma"], gradients["beta"])


def staged_dX(bn: BatchNorm, dZ: np.ndarray, cache) -> np.ndarray:
    """dX along CS231n's staged path dx̂ → dσ² → dμ → dX."""
    dxhat_ = dxhat(dZ, bn.gamma)
    dvar_ = dvar(dxhat_, cache)
    return dX_staged(dxhat_, dvar_, dmean(dxhat_, dvar_, cache), cache)


# ---------------------------------------------------------------------------------------------
# Worked by hand
# ---------------------------------------------------------------------------------------------

def test_two_units_two_samples_by_hand():
    # x = [[-1, 5], [7, 7]] (n = 2 units, m = 2 samples), eps = 16, γ = [2, 3], β = [1, -1].
    # Unit 1: μ = 2, x − μ = [-3, 3], σ² = (9 + 9)/2 = 9, σ² + eps = 25, s = 1/5, x̂ = [-3/5, 3/5],
    #         Z = 2 x̂ + 1 = [-1/5, 11/5].
    # Unit 2: μ = 7, σ² = 0 (all equal), σ² + eps = 16, s = 1/4, x̂ = [0, 0], Z = β = [-1, -1].
    bn = layer([[2], [3]], [[1], [-1]], eps=16.0)
    Z, cache = bn.forward(np.array([[-1.0, 5.0], [7.0, 7.0]]))
    np.testing.assert_allclose(cache.mean, [[2], [7]], rtol=1e-15)
    np.testing.assert_allclose(cache.var, [[9], [0]], rtol=1e-15)
    np.testing.assert_allclose(cache.inv_std, [[1 / 5], [1 / 4]], rtol=1e-15)
    np.testing.assert_allclose(cache.xhat, [[-3 / 5, 3 / 5], [0, 0]], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(Z, [[-1 / 5, 11 / 5], [-1, -1]], rtol=1e-15)

    # Upstream dZ = [[1, 2], [3, -1]].
    # dβ = Σ dZ = [3, 2]; dγ = Σ dZ x̂ = [1·(-3/5) + 2·(3/5), 0] = [3/5, 0].
    # dX without the module's formulas: with m = 2 write x = (a, b), d = (b − a)/2, so σ² = d² and
    # x̂ = (−d, d)/√(d² + eps); J = Σ dZ Z = γ (dZ₂ − dZ₁) d/√(d² + eps) + terms free of a, b, so
    # ∂J/∂d = γ (dZ₂ − dZ₁) eps/(d² + eps)^(3/2), ∂d/∂a = −½, ∂d/∂b = ½:
    #   unit 1: d = 3: ∂J/∂d = 2·(2 − 1)·16/125 = 32/125, dX = [-16/125, 16/125]
    #   unit 2: d = 0: ∂J/∂d = 3·(−1 − 3)·16/64 = −3,     dX = [3/2, -3/2]
    dZ = np.array([[1.0, 2.0], [3.0, -1.0]])
    dX, (dgamma, dbeta) = backward(bn, dZ, cache)
    np.testing.assert_allclose(dbeta, [[3], [2]], rtol=1e-15)
    np.testing.assert_allclose(dgamma, [[3 / 5], [0]], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(dX, [[-16 / 125, 16 / 125], [3 / 2, -3 / 2]], rtol=1e-14)

    # The staged path, by hand (CS231n): dx̂ = γ dZ = [[2, 4], [9, -3]]
    #   dσ² = Σ dx̂ (x − μ) · (−½)(σ² + eps)^(−3/2): unit 1 (−6 + 12)(−½)/125 = −3/125; unit 2 0
    #   dμ = −s Σ dx̂ + dσ² (−2/N) Σ (x − μ): unit 1 −(1/5)·6 = −6/5; unit 2 −(1/4)·6 = −3/2
    #   dX = dx̂ s + dσ² 2(x − μ)/N + dμ/N:
    #     unit 1 [2/5, 4/5] + (−3/125)[−3, 3] − 3/5 = [−16/125, 16/125]
    #     unit 2 [9/4, −3/4] + 0 − 3/4 = [3/2, −3/2]     (the same as the compact formula)
    dxhat_ = dxhat(dZ, bn.gamma)
    np.testing.assert_allclose(dxhat_, [[2, 4], [9, -3]], rtol=1e-15)
    dvar_ = dvar(dxhat_, cache)
    np.testing.assert_allclose(dvar_, [[-3 / 125], [0]], rtol=1e-14, atol=1e-15)
    dmean_ = dmean(dxhat_, dvar_, cache)
    np.testing.assert_allclose(dmean_, [[-6 / 5], [-3 / 2]], rtol=1e-14)
    np.testing.assert_allclose(dX_staged(dxhat_, dvar_, dmean_, cache),
                               [[-16 / 125, 16 / 125], [3 / 2, -3 / 2]], rtol=1e-14)


def test_two_samples_without_eps_give_zero_dx_by_hand():
    # With m = 2 and eps = 0, x̂ = (x − μ)/|d| = ±1 whatever x is (d = half the gap), so Z does
    # not depend on x at all and dX = 0 for any dZ. x = [1, 3]: μ = 2, σ² = 1, s = 1, x̂ = [-1, 1];
    # γ = 2, β = 0.5: Z = [-1.5, 2.5]. dZ = [1, 0]: dβ = 1, dγ = -1,
    # dX = (2·1/2)([2, 0] − 1 − [-1, 1]·(−1)) = [0, 0].
    bn = layer([[2]], [[0.5]], eps=0.0)
    Z, cache = bn.forward(np.array([[1.0, 3.0]]))
    np.testing.assert_array_equal(cache.xhat, [[-1, 1]])
    np.testing.assert_array_equal(Z, [[-1.5, 2.5]])
    dX, (dgamma, dbeta) = backward(bn, np.array([[1.0, 0.0]]), cache)
    np.testing.assert_array_equal(dbeta, [[1]])
    np.testing.assert_array_equal(dgamma, [[-1]])
    np.testing.assert_array_equal(dX, [[0, 0]])


def test_image_two_channels_by_hand():
    # x: m = 2 samples, C = 2 channels, H = 1, W = 2; eps = 0; each channel is normalised over
    # its N = m·H·W = 4 values, listed [sample 1 (w1, w2), sample 2 (w1, w2)].
    # Channel 1: [1, 3, 3, 1]: μ = 2, x − μ = [-1, 1, 1, -1], σ² = 1, s = 1, x̂ = [-1, 1, 1, -1];
    #   γ = 2, β = -1: Z = [-3, 1, 1, -3].
    # Channel 2 = 10·channel 1 + 7 = [17, 37, 37, 17]: μ = 27, σ² = 100, s = 1/10, the same x̂;
    #   γ = 1, β = 0: Z = x̂.
    x = np.array([[[[1.0, 3.0]], [[17.0, 37.0]]],
                  [[[3.0, 1.0]], [[37.0, 17.0]]]])
    bn = layer([2, 1], [-1, 0], eps=0.0)
    Z, cache = bn.forward(x)
    assert Z.shape == x.shape and cache.mean.shape == cache.var.shape == (2,)
    np.testing.assert_allclose(cache.mean, [2, 27], rtol=1e-15)
    np.testing.assert_allclose(cache.var, [1, 100], rtol=1e-15)
    np.testing.assert_allclose(Z[:, 0].ravel(), [-3, 1, 1, -3], rtol=1e-15)
    np.testing.assert_allclose(Z[:, 1].ravel(), [-1, 1, 1, -1], rtol=1e-15)

    # dZ: channel 1 [1, 2, 0, -1], channel 2 [0, 0, 0, 1].
    # Channel 1: dβ = 2, dγ = Σ dZ x̂ = -1 + 2 + 0 + 1 = 2,
    #   dX = (2·1/4)(4 dZ − 2 − 2 x̂) = ½([4, 8, 0, -4] − 2 − [-2, 2, 2, -2]) = [2, 2, -2, -2].
    #   Staged check: dx̂ = [2, 4, 0, -2], dσ² = (−2 + 4 + 0 + 2)(−½) = −2, dμ = −4,
    #   dX = dx̂ − (x − μ) − 1 = [2, 2, -2, -2].
    # Channel 2: dβ = 1, dγ = -1, dX = (1·(1/10)/4)([0, 0, 0, 4] − 1 + x̂) = [-1/20, 0, 0, 1/20].
    #   Staged check: dx̂ = dZ, dσ² = (−10)(−½)/1000 = 1/200, dμ = −1/10,
    #   dX = dx̂/10 + (1/400)(x − μ) − 1/40 = [-2/40, 0, 0, 2/40].
    dZ = np.zeros_like(x)
    dZ[:, 0] = np.array([[1.0, 2.0], [0.0, -1.0]])[:, None, :]
    dZ[:, 1] = np.array([[0.0, 0.0], [0.0, 1.0]])[:, None, :]
    dX, (dgamma, dbeta) = backward(bn, dZ, cache)
    np.testing.assert_allclose(dbeta, [2, 1], rtol=1e-15)
    np.testing.assert_allclose(dgamma, [2, -1], rtol=1e-15)
    np.testing.assert_allclose(dX[:, 0].ravel(), [2, 2, -2, -2], rtol=1e-14)
    np.testing.assert_allclose(dX[:, 1].ravel(), [-1 / 20, 0, 0, 1 / 20], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(staged_dX(bn, dZ, cache), dX, rtol=1e-14, atol=1e-16)


# ---------------------------------------------------------------------------------------------
# Central finite differences (float64), hypothesis-chosen shapes
# ---------------------------------------------------------------------------------------------

@st.composite
def batchnorm_cases(draw):
    """(x, γ, β, eps, R): column data (n, m) or image data (m, C, H, W), m = 2 … 16."""
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.integers(2, 16))
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 4)), m)
        units = shape[0]
        per_unit = (units, 1)
    else:
        shape = (m, draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        units = shape[1]
        per_unit = (units,)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * rng.uniform(0.5, 3.0) + rng.normal()
    gamma = rng.normal(size=per_unit) * 1.5
    beta = rng.normal(size=per_unit)
    eps = float(10.0 ** rng.uniform(-5, -1))
    R = rng.normal(size=shape)  # J = Σ R ⊙ Z is a scalar with dZ = R
    return x, gamma, beta, eps, R


def numeric_gradient(loss, tensor: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of loss() in every entry of tensor, nudged in place and put back."""
    grad = np.zeros(tensor.shape)
    for index in np.ndindex(*tensor.shape):
        keep = tensor[index]
        tensor[index] = keep + h
        plus = loss()
        tensor[index] = keep - h
        minus = loss()
        tensor[index] = keep
        grad[index] = (plus - minus) / (2 * h)
    return grad


def assert_close_to_numeric(analytic: np.ndarray, numeric: np.ndarray) -> None:
    # truncation (h² f‴) and rounding (~1e-16·|J|/h) stay well below 1e-6 of the gradient's scale
    scale = max(1.0, float(np.abs(numeric).max()))
    assert analytic.shape == numeric.shape
    assert np.abs(analytic - numeric).max() <= 1e-6 * scale


@pytest.mark.parametrize("through_tanh", [False, True], ids=["linear_loss", "tanh_then_loss"])
@SETTINGS
@given(case=batchnorm_cases())
def test_gradients_match_central_differences(case, through_tanh):
    x, gamma, beta, eps, R = case
    bn = BatchNorm(index=1, activation="linear", gamma=gamma, beta=beta, eps=eps)

    def loss() -> float:  # J = Σ R ⊙ Z, or Σ R ⊙ tanh(Z)
        Z, _ = bn.forward(x)
        return float(np.sum(R * (np.tanh(Z) if through_tanh else Z)))

    Z, cache = bn.forward(x)
    dZ = R * (1 - np.tanh(Z) ** 2) if through_tanh else R
    dX, (dgamma, dbeta) = backward(bn, dZ, cache)
    assert_close_to_numeric(dX, numeric_gradient(loss, x))
    assert_close_to_numeric(dgamma, numeric_gradient(loss, bn.gamma))
    assert_close_to_numeric(dbeta, numeric_gradient(loss, bn.beta))
    # the staged path gives the compact formula's numbers (what the narration will show)
    np.testing.assert_allclose(staged_dX(bn, dZ, cache), dX, rtol=0,
                               atol=1e-12 * max(1.0, float(np.abs(dX).max())))


# ---------------------------------------------------------------------------------------------
# PyTorch, float64
# ---------------------------------------------------------------------------------------------

def reference_cases() -> list[dict]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]


def assert_relative(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-10) -> None:
    """Every entry within rtol of the tensor's largest entry (a gradient summing to 0 over a unit
    has entries near 0 that only agree to the tensor's scale)."""
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= rtol * np.abs(expected).max()


@pytest.mark.parametrize("case", reference_cases(), ids=lambda case: case["name"])
def test_agrees_with_pytorch(case):
    bn = layer(case["gamma"], case["beta"], case["eps"])
    x = np.array(case["x"])
    Z, cache = bn.forward(x)
    dX, (dgamma, dbeta) = backward(bn, np.array(case["dZ"]), cache)
    assert_relative(Z, np.array(case["Z"]))
    assert_relative(dX, np.array(case["dX"]))
    assert_relative(dgamma, np.array(case["dgamma"]))
    assert_relative(dbeta, np.array(case["dbeta"]))


def test_reference_file_covers_both_layouts_and_the_range_of_m():
    cases = reference_cases()
    assert {case["layout"] for case in cases} == {"column", "image"}
    samples = [len(case["x"][0]) if case["layout"] == "column" else len(case["x"]) for case in cases]
    assert min(samples) == 2 and max(samples) == 16


# ---------------------------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------------------------

def test_unit_with_all_values_equal_has_zero_xhat_and_finite_gradients():
    # Unit 2 is 0.1 six times: σ² = 0 and x̂ = 0 exactly (numpy's plain mean of six 0.1s is not
    # 0.1), Z = β, dγ = Σ dZ·0 = 0; dX = (γ s/N)(N dZ − Σ dZ) with s = 1/√eps: dZ minus its mean,
    # times γ/√eps. With eps = 1/4, γ = 3: dX = 6 (dZ − mean dZ), and unit 2's dZ has mean 3.5.
    x = np.array([[0.3, -1.2, 2.0, 0.7, 0.0, 1.5], [0.1] * 6])
    bn = layer([[1.0], [3.0]], [[0.0], [0.25]], eps=0.25)
    Z, cache = bn.forward(x)
    assert cache.var[1, 0] == 0.0
    np.testing.assert_array_equal(cache.xhat[1], np.zeros(6))
    np.testing.assert_array_equal(Z[1], np.full(6, 0.25))
    dZ = np.array([[1.0, 0.0, -1.0, 2.0, 0.5, 0.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    dX, (dgamma, _) = backward(bn, dZ, cache)
    assert np.isfinite(dX).all()
    assert dgamma[1, 0] == 0.0
    np.testing.assert_allclose(dX[1], 6 * np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), rtol=1e-14)


@pytest.mark.parametrize("scale", [1e-6, 1e6, 1e12])
def test_scaling_the_input_and_eps_together_changes_only_dx(scale):
    # (c x − c μ)/√(c² σ² + c² eps) = x̂: Z, dγ and dβ stay, and dX = ∂J/∂(c x) is dX(x)/c.
    # Independent of the formulas, and it reaches large values without overflowing σ².
    rng = np.random.default_rng(zlib.crc32(b"batchnorm scale"))
    x, dZ = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    gamma, beta = rng.normal(size=(3, 1)), rng.normal(size=(3, 1))
    small = BatchNorm(1, "linear", gamma, beta, eps=1e-3)
    large = BatchNorm(1, "linear", gamma, beta, eps=1e-3 * scale**2)
    Z, cache = small.forward(x)
    Z_scaled, cache_scaled = large.forward(x * scale)
    assert_relative(Z_scaled, Z, rtol=1e-13)
    (dX_scaled, scaled_gradients), (dX, gradients) = backward(large, dZ, cache_scaled), backward(small, dZ, cache)
    assert_relative(dX_scaled, dX / scale, rtol=1e-13)
    for scaled, plain in zip(scaled_gradients, gradients):
        assert_relative(scaled, plain, rtol=1e-13)


def test_large_common_offset_is_removed_without_cancellation():
    # x and x + c have the same x − μ. With c = 2**50 and x in quarters (|x| < 8), every x + c is
    # exact (the float64 spacing near 2**50 is 1/4), but a sum of eight of them (near 2**53) is
    # not, so a plain mean would be off by about 1 = σ. Measured from each unit's first value,
    # x + c − (x₁ + c) = x − x₁ exactly, and the two runs must agree to rounding.
    rng = np.random.default_rng(zlib.crc32(b"batchnorm offset"))
    x = np.clip(np.round(rng.normal(size=(2, 8)) * 4) / 4, -7.75, 7.75)
    bn = layer([[1.0], [2.0]], [[0.0], [1.0]], eps=1e-5)
    Z, cache = bn.forward(x)
    Z_offset, cache_offset = bn.forward(x + 2.0**50)
    assert_relative(Z_offset, Z, rtol=1e-13)
    dZ = rng.normal(size=x.shape)
    (dX_offset, offset_gradients), (dX, gradients) = backward(bn, dZ, cache_offset), backward(bn, dZ, cache)
    for offset, plain in zip((dX_offset, *offset_gradients), (dX, *gradients)):
        assert_relative(offset, plain, rtol=1e-13)


def test_output_shape_and_cache_shapes_follow_the_layout():
    column = layer(np.ones((3, 1)), np.zeros((3, 1)), eps=1e-5)
    image = layer(np.ones(2), np.zeros(2), eps=1e-5)
    assert column.output_shape((3, 4)) == (3, 4)
    assert image.output_shape((5, 2, 3, 3)) == (5, 2, 3, 3)
    _, cache = column.forward(np.arange(12.0).reshape(3, 4))
    assert cache.mean.shape == cache.var.shape == cache.inv_std.shape == (3, 1) and cache.count == 4
    _, cache = image.forward(np.arange(90.0).reshape(5, 2, 3, 3))
    assert cache.mean.shape == cache.var.shape == cache.inv_std.shape == (2,) and cache.count == 45
    assert column.kind == "batchnorm" and column.has_parameters


def test_forward_leaves_its_input_unchanged():
    x = np.array([[1.0, 2.0, 4.0]])
    layer([[1.0]], [[0.0]], eps=1e-5).forward(x)
    np.testing.assert_array_equal(x, [[1.0, 2.0, 4.0]])
