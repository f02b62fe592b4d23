"""Hand-worked cases: small numbers whose every expected value was worked out by hand (the
derivation is in the comments) or taken from a published source. None is pasted from bpcli's
output, and none is computed here with the formula bpcli uses.

Image tests often end in flatten with loss mse and m = 1 and choose Y = Z − G, so that the
upstream gradient dZ = (A − Y)/m is a hand-picked integer pattern G; dW, db and dX then follow by
summing products by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import bpcli

EXACT = dict(rtol=1e-12, atol=1e-12)
LN2 = math.log(2)
LN3 = math.log(3)


def layer(result: dict, number: int) -> dict:
    entry = result["layers"][number - 1]
    assert entry["index"] == number
    return entry


def assert_equal(actual, expected, **tolerance) -> None:
    expected = np.asarray(expected, dtype=float)
    assert np.shape(actual) == expected.shape, f"shape {np.shape(actual)}, expected {expected.shape}"
    np.testing.assert_allclose(actual, expected, **(tolerance or EXACT))


# ---------------------------------------------------------------------------------------------
# Matt Mazur, "A Step by Step Backpropagation Example" (2015): 2-2-2 sigmoid network, E = ½Σ(t − o)²
# (bpcli's mse with m = 1). His net_h1 = w1·i1 + w2·i2 + b1, so bpcli's W1 = [[w1, w2], [w3, w4]]
# (rows = units) and W2 = [[w5, w6], [w7, w8]]; the shared biases become b = [[b], [b]].

MAZUR = {
    "title": "Mazur's 2-2-2 example",
    "input": {"X": [[0.05], [0.10]], "Y": [[0.01], [0.99]]},
    "layers": [
        {"type": "dense", "units": 2, "activation": "sigmoid", "W": [[0.15, 0.20], [0.25, 0.30]], "b": [[0.35], [0.35]]},
        {"type": "dense", "units": 2, "activation": "sigmoid", "W": [[0.40, 0.45], [0.50, 0.55]], "b": [[0.60], [0.60]]},
    ],
    "loss": "mse",
}
PUBLISHED_9 = dict(rtol=0, atol=6e-10)  # published to 9 decimals
PUBLISHED_8 = dict(rtol=0, atol=6e-9)   # published to 8 decimals


def test_mazur_forward_pass():
    result = bpcli.compute(MAZUR)
    h, o = layer(result, 1), layer(result, 2)
    assert h["Z"][0, 0] == pytest.approx(0.3775, abs=1e-12)  # net_h1 = .15·.05 + .2·.1 + .35
    assert_equal(h["A"], [[0.593269992], [0.596884378]], **PUBLISHED_9)  # out_h1, out_h2
    assert o["Z"][0, 0] == pytest.approx(1.105905967, abs=6e-10)  # net_o1
    assert_equal(o["A"], [[0.75136507], [0.772928465]], **PUBLISHED_8)  # out_o1, out_o2
    # E_o1 = 0.274811083, E_o2 = 0.023560026, E_total = 0.298371109
    assert result["loss"] == pytest.approx(0.298371109, abs=6e-10)


def test_mazur_output_layer_gradients():
    result = bpcli.compute(MAZUR)
    o = layer(result, 2)
    # ∂E/∂out_o1 = −(target − out) = 0.74136507; ∂out_o1/∂net_o1 = 0.186815602
    assert o["dA"][0, 0] == pytest.approx(0.74136507, abs=6e-9)
    assert o["dZ"][0, 0] == pytest.approx(0.74136507 * 0.186815602, abs=6e-9)  # = 0.138498562
    assert o["db"][0, 0] == pytest.approx(0.138498562, abs=6e-9)
    # ∂E/∂w5 = 0.082167041; w6, w7, w8 from his updated weights (η = 0.5): w6⁺ = 0.408666186,
    # w7⁺ = 0.511301270, w8⁺ = 0.561370121, so ∂E/∂w = (w − w⁺)/0.5
    expected = [[0.082167041, (0.45 - 0.408666186) / 0.5],
                [(0.50 - 0.511301270) / 0.5, (0.55 - 0.561370121) / 0.5]]
    assert_equal(o["dW"], expected, rtol=0, atol=3e-9)
    assert o["dW"][0, 0] == pytest.approx(0.082167041, abs=6e-10)


def test_mazur_hidden_layer_gradients():
    result = bpcli.compute(MAZUR)
    h = layer(result, 1)
    # ∂E_o1/∂out_h1 = 0.055399425, ∂E_o2/∂out_h1 = −0.019049119, sum 0.036350306
    assert h["dA"][0, 0] == pytest.approx(0.036350306, abs=6e-10)
    # ∂out_h1/∂net_h1 = 0.241300709
    assert h["dZ"][0, 0] == pytest.approx(0.036350306 * 0.241300709, abs=1e-9)
    # ∂E/∂w1 = 0.000438568; w2⁺ = 0.19956143, w3⁺ = 0.24975114, w4⁺ = 0.29950229 (η = 0.5)
    assert h["dW"][0, 0] == pytest.approx(0.000438568, abs=6e-10)
    expected = [[0.000438568, (0.20 - 0.19956143) / 0.5],
                [(0.25 - 0.24975114) / 0.5, (0.30 - 0.29950229) / 0.5]]
    assert_equal(h["dW"], expected, rtol=0, atol=2e-8)


# ---------------------------------------------------------------------------------------------
# dense, linear, integers

LINEAR = {
    "input": {"X": [[1, 2], [3, -1]], "Y": [[0, 1], [1, 0]]},  # n0 = 2, m = 2
    "layers": [{"type": "dense", "units": 2, "activation": "linear", "W": [[1, 2], [0, -1]], "b": [[1], [0]]}],
}


def test_dense_linear_integers_sse():
    result = bpcli.compute({**LINEAR, "loss": "sse"})
    d = layer(result, 1)
    # Z = W X + b: row 0: [1·1 + 2·3, 1·2 + 2·(−1)] + 1 = [8, 1]; row 1: [−3, 1]
    assert_equal(d["Z"], [[8, 1], [-3, 1]])
    assert_equal(d["A"], [[8, 1], [-3, 1]])
    # A − Y = [[8, 0], [−4, 1]]; sse J = 64 + 0 + 16 + 1 = 81
    assert result["loss"] == pytest.approx(81, rel=1e-14)
    # sse: dA = 2(A − Y) = [[16, 0], [−8, 2]] = dZ (linear)
    assert_equal(d["dA"], [[16, 0], [-8, 2]])
    assert_equal(d["dZ"], [[16, 0], [-8, 2]])
    # dW = dZ Xᵀ, Xᵀ = [[1, 3], [2, −1]]: row 0 [16·1 + 0·2, 16·3 + 0·(−1)] = [16, 48];
    # row 1 [−8·1 + 2·2, −8·3 + 2·(−1)] = [−4, −26]
    assert_equal(d["dW"], [[16, 48], [-4, -26]])
    assert_equal(d["db"], [[16], [-6]])  # row sums of dZ, a column
    # dX = Wᵀ dZ, Wᵀ = [[1, 0], [2, −1]]: [[16, 0], [2·16 + 8, 0 − 2]] = [[16, 0], [40, −2]]
    assert_equal(result["dX"], [[16, 0], [40, -2]])


def test_dense_linear_integers_mse_is_sse_over_2m():
    # mse: J = (1/(2m)) Σ(a − y)² = 81/4, dA = (A − Y)/m: every gradient is sse's divided by 2m = 4
    result = bpcli.compute({**LINEAR, "loss": "mse"})
    d = layer(result, 1)
    assert result["loss"] == pytest.approx(81 / 4, rel=1e-14)
    assert_equal(d["dA"], [[4, 0], [-2, 0.5]])
    assert_equal(d["dW"], [[4, 12], [-1, -6.5]])
    assert_equal(d["db"], [[4], [-1.5]])
    assert_equal(result["dX"], [[4, 0], [10, -0.5]])


def test_flat_list_b_is_accepted_as_a_column():
    spec = {**LINEAR, "loss": "sse"}
    spec["layers"] = [{**LINEAR["layers"][0], "b": [1, 0]}]
    d = layer(bpcli.compute(spec), 1)
    assert_equal(d["Z"], [[8, 1], [-3, 1]])
    assert d["db"].shape == (2, 1)


# ---------------------------------------------------------------------------------------------
# conv2d


def test_conv2d_padding_0_two_samples():
    # sample 1: X = [[1,2,0],[0,1,3],[2,1,1]], sample 2 = −X; W = [[1,0],[−1,2]], b = 1, stride 1.
    # Sample 1 windows · W (+1):
    #   (0,0) [[1,2],[0,1]]: 1 + 0 + 0 + 2 = 3 → 4     (0,1) [[2,0],[1,3]]: 2 + 0 − 1 + 6 = 7 → 8
    #   (1,0) [[0,1],[2,1]]: 0 + 0 − 2 + 2 = 0 → 1     (1,1) [[1,3],[1,1]]: 1 + 0 − 1 + 2 = 2 → 3
    # Sample 2 (−X): −[[3,7],[0,2]] + 1 = [[−2,−6],[1,−1]]
    # Wanted dZ: G1 = [[1,0],[2,−1]], G2 = [[0,1],[0,0]]. With mse and m = 2, dZ = (A − Y)/2, so
    # Y = Z − 2G: sample 1 [[4,8],[1,3]] − [[2,0],[4,−2]] = [[2,8],[−3,5]];
    #             sample 2 [[−2,−6],[1,−1]] − [[0,2],[0,0]] = [[−2,−8],[1,−1]]
    X1 = [[1, 2, 0], [0, 1, 3], [2, 1, 1]]
    spec = {
        "input": {"X": [X1, [[-v for v in row] for row in X1]],  # m × H × W (C = 1)
                  "Y": [[2, -2], [8, -8], [-3, 1], [5, -1]]},  # flatten: one column per sample
        "layers": [{"type": "conv2d", "filters": 1, "kernel": 2, "activation": "linear",
                    "W": [[[[1, 0], [-1, 2]]]], "b": [1]},
                   {"type": "flatten"}],
        "loss": "mse",
    }
    result = bpcli.compute(spec)
    conv = layer(result, 1)
    assert_equal(conv["Z"], [[[[4, 8], [1, 3]]], [[[-2, -6], [1, -1]]]])
    assert_equal(conv["dZ"], [[[[1, 0], [2, -1]]], [[[0, 1], [0, 0]]]])
    # J = (1/(2m)) Σ (2G)² = Σ G² = (1 + 0 + 4 + 1) + 1 = 7
    assert result["loss"] == pytest.approx(7, rel=1e-14)
    # dW[i,j] = Σ G[y,x] X[y+i, x+j]. Sample 1:
    #   dW00 = 1·1 + 0·2 + 2·0 − 1·1 = 0      dW01 = 1·2 + 0·0 + 2·1 − 1·3 = 1
    #   dW10 = 1·0 + 0·1 + 2·2 − 1·1 = 3      dW11 = 1·1 + 0·3 + 2·1 − 1·1 = 2
    # Sample 2: only G2[0,1] = 1, times −X's window at (0,1) = −[[2,0],[1,3]]
    # dW = [[0,1],[3,2]] + [[−2,0],[−1,−3]] = [[−2,1],[2,−1]]; db = ΣG = 2 + 1 = 3
    assert_equal(conv["dW"], [[[[-2, 1], [2, -1]]]])
    assert_equal(conv["db"], [3])
    # dX: each G[y,x] adds G·W into X[y:y+2, x:x+2].
    # Sample 1: 1·W at (0,0), 2·W at (1,0), −1·W at (1,1):
    #   row 0 [1, 0, 0]; row 1 [−1 + 2, 2 + 0 − 1, 0] = [1, 1, 0]; row 2 [−2, 4 + 1, −2]
    # Sample 2: 1·W at (0,1): [[0,1,0],[0,−1,2],[0,0,0]]
    assert_equal(result["dX"], [[[1, 0, 0], [1, 1, 0], [-2, 5, -2]],
                                [[0, 1, 0], [0, -1, 2], [0, 0, 0]]])  # m × H × W, as given


def test_conv2d_padding_1_stride_2_rectangular_kernel():
    # X = [[1,2,3],[4,5,6],[7,8,9]], padding 1 → P (5 × 5) with the zeros around it.
    # kernel 2 × 3 (kh = 2, kw = 3), W = [[1,0,−1],[2,1,0]], b = 0, stride 2.
    # Ho = (3 + 2 − 2)//2 + 1 = 2, Wo = (3 + 2 − 3)//2 + 1 = 2.
    #   Z00: P rows 0–1, cols 0–2 = [[0,0,0],[0,1,2]] → 2·0 + 1·1 + 0·2 = 1
    #   Z01: rows 0–1, cols 2–4 = [[0,0,0],[2,3,0]] → 2·2 + 1·3 = 7
    #   Z10: rows 2–3, cols 0–2 = [[0,4,5],[0,7,8]] → 0 + 0 − 5 + 0 + 7 + 0 = 2
    #   Z11: rows 2–3, cols 2–4 = [[5,6,0],[8,9,0]] → 5 + 0 + 0 + 16 + 9 + 0 = 30
    # G = dZ = [[1,−1],[2,1]] via Y = Z − G (mse, m = 1): [0, 8, 0, 29]; J = ½(1+1+4+1) = 3.5
    spec = {
        "input": {"X": [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], "Y": [[0], [8], [0], [29]]},
        "layers": [{"type": "conv2d", "filters": 1, "kernel": [2, 3], "stride": 2, "padding": 1,
                    "activation": "linear", "W": [[[[1, 0, -1], [2, 1, 0]]]], "b": [0]},
                   {"type": "flatten"}],
        "loss": "mse",
    }
    result = bpcli.compute(spec)
    conv = layer(result, 1)
    assert_equal(conv["Z"], [[[[1, 7], [2, 30]]]])
    assert result["loss"] == pytest.approx(3.5, rel=1e-14)
    # dW[i,j] = Σ G[y,x] P[2y+i, 2x+j]:
    #   dW00: P00,P02,P20,P22 = 0,0,0,5 → 1·5 = 5      dW01: P01,P03,P21,P23 = 0,0,4,6 → 8 + 6 = 14
    #   dW02: P02,P04,P22,P24 = 0,0,5,0 → 10           dW10: P10,P12,P30,P32 = 0,2,0,8 → −2 + 8 = 6
    #   dW11: P11,P13,P31,P33 = 1,3,7,9 → 1 − 3 + 14 + 9 = 21
    #   dW12: P12,P14,P32,P34 = 2,0,8,0 → 2 + 16 = 18
    assert_equal(conv["dW"], [[[[5, 14, 10], [6, 21, 18]]]])
    assert_equal(conv["db"], [3])
    # dP: G[y,x]·W added at P[2y:2y+2, 2x:2x+3]:
    #   row 0 [1, 0, −1 − 1, 0, 1]    row 1 [2, 1, 0 − 2, −1, 0]
    #   row 2 [2, 0, −2 + 1, 0, −1]   row 3 [4, 2, 0 + 2, 1, 0]   (row 4 no window reaches)
    # dX = dP without the padding: rows 1–3, cols 1–3
    assert_equal(result["dX"], [[[[1, -2, -1], [0, -1, 0], [2, 2, 1]]]])


def test_conv2d_two_channels_two_filters():
    # X (1 × 2 × 2 × 3): ch0 [[1,0,2],[0,1,1]], ch1 [[2,1,0],[1,0,1]]; kernel 2 → Z is 1 × 2 per filter
    # filter 0: ch0 [[1,0],[0,1]], ch1 [[0,1],[1,0]], b 0; filter 1: ch0 [[1,1],[0,0]], ch1 [[0,0],[−1,1]], b 1
    #   f0 x0: ch0 [[1,0],[0,1]]·→ 2, ch1 [[2,1],[1,0]]·→ 1 + 1 = 2; Z = 4
    #   f0 x1: ch0 [[0,2],[1,1]]·→ 0 + 1 = 1, ch1 [[1,0],[0,1]]·→ 0; Z = 1
    #   f1 x0: ch0 → 1 + 0 = 1, ch1 [[2,1],[1,0]]·→ −1 + 0 = −1; +1 → 1
    #   f1 x1: ch0 [[0,2],[1,1]]·→ 0 + 2 = 2, ch1 [[1,0],[0,1]]·→ 0 + 1 = 1; +1 → 4
    # flatten (C·H·W row-major: filter 0's row, then filter 1's): [4, 1, 1, 4]
    # G = f0 [[1, 0]], f1 [[0, −1]] via Y = Z − G = [3, 1, 1, 5]; J = ½(1 + 1) = 1
    spec = {
        "input": {"X": [[[[1, 0, 2], [0, 1, 1]], [[2, 1, 0], [1, 0, 1]]]], "Y": [[3], [1], [1], [5]]},
        "layers": [{"type": "conv2d", "filters": 2, "kernel": 2, "activation": "linear",
                    "W": [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]],
                          [[[1, 1], [0, 0]], [[0, 0], [-1, 1]]]],
                    "b": [0, 1]},
                   {"type": "flatten"}],
        "loss": "mse",
    }
    result = bpcli.compute(spec)
    conv = layer(result, 1)
    assert_equal(conv["Z"], [[[[4, 1]], [[1, 4]]]])
    assert_equal(layer(result, 2)["A"], [[4], [1], [1], [4]])
    assert result["loss"] == pytest.approx(1, rel=1e-14)
    # dW[f,c] = Σ_x G[f,x] · X[c][:, x:x+2]: filter 0 gets X's window at x = 0,
    # filter 1 gets −(window at x = 1)
    assert_equal(conv["dW"], [[[[1, 0], [0, 1]], [[2, 1], [1, 0]]],
                              [[[0, -2], [-1, -1]], [[-1, 0], [0, -1]]]])
    assert_equal(conv["db"], [1, -1])
    # dX[c]: +W[0,c] at cols 0–1, −W[1,c] at cols 1–2
    #   ch0: [[1, 0 − 1, −1], [0, 1 + 0, 0]]     ch1: [[0, 1 + 0, 0], [1, 0 + 1, −1]]
    assert_equal(result["dX"], [[[[1, -1, -1], [0, 1, 0]], [[0, 1, 0], [1, 1, -1]]]])


# ---------------------------------------------------------------------------------------------
# pooling, with Y = A − G (mse, m = 1) so that the gradient reaching the pool is G


def pool_spec(X, pool: dict, Y) -> dict:
    return {"input": {"X": X, "Y": Y}, "layers": [pool, {"type": "flatten"}], "loss": "mse"}


def test_maxpool_ties_go_to_the_first_in_row_major_order():
    # X = [[7,1,3],[0,3,3],[6,6,2]], size 2, stride 1 (overlapping windows):
    #   (0,0) [[7,1],[0,3]] → 7 at (0,0)
    #   (0,1) [[1,3],[3,3]] → 3, tied at (0,2), (1,1), (1,2): row-major first is (0,2)
    #        (column-major first would be (1,1))
    #   (1,0) [[0,3],[6,6]] → 6, tied at (2,0), (2,1): first is (2,0)
    #   (1,1) [[3,3],[6,2]] → 6 at (2,1)
    # A = [[7,3],[6,6]]; G = [[1,2],[3,4]] → Y = A − G = [[6,1],[3,2]] → [6, 1, 3, 2]
    result = bpcli.compute(pool_spec([[[7, 1, 3], [0, 3, 3], [6, 6, 2]]], {"type": "maxpool", "size": 2, "stride": 1},
                                     [[6], [1], [3], [2]]))
    assert_equal(layer(result, 1)["A"], [[[[7, 3], [6, 6]]]])
    assert_equal(layer(result, 1)["dA"], [[[[1, 2], [3, 4]]]])
    assert_equal(result["dX"], [[[1, 0, 2], [0, 0, 0], [3, 4, 0]]])
    assert any("tie" in w for w in result["warnings"]), result["warnings"]


def test_maxpool_overlapping_windows_add_their_gradients():
    # X = [[1,2,0],[3,6,4],[0,5,8]], size 2, stride 1:
    #   (0,0) [[1,2],[3,6]] → 6 at (1,1)   (0,1) [[2,0],[6,4]] → 6 at (1,1)
    #   (1,0) [[3,6],[0,5]] → 6 at (1,1)   (1,1) [[6,4],[5,8]] → 8 at (2,2)
    # G = [[1,2],[3,4]]: dX(1,1) = 1 + 2 + 3 = 6, dX(2,2) = 4; Y = A − G = [[5,4],[3,4]]
    result = bpcli.compute(pool_spec([[[1, 2, 0], [3, 6, 4], [0, 5, 8]]], {"type": "maxpool", "size": 2, "stride": 1},
                                     [[5], [4], [3], [4]]))
    assert_equal(layer(result, 1)["A"], [[[[6, 6], [6, 8]]]])
    assert_equal(result["dX"], [[[0, 0, 0], [0, 6, 0], [0, 0, 4]]])
    assert result["warnings"] == []
    # J = ½ Σ G² = ½(1 + 4 + 9 + 16) = 15
    assert result["loss"] == pytest.approx(15, rel=1e-14)


def test_maxpool_window_leaving_a_row_and_column_out():
    # 3 × 3 input, size 2, stride 2 (the default): one window, rows 0–1 and cols 0–1.
    # The 9s in row 2 and column 2 are larger but no window reaches them: zero gradient.
    # A = max(1,5,2,3) = 5 at (0,1); G = 2 → Y = 3
    result = bpcli.compute(pool_spec([[[1, 5, 9], [2, 3, 9], [9, 9, 9]]], {"type": "maxpool", "size": 2}, [[3]]))
    assert_equal(layer(result, 1)["A"], [[[[5]]]])
    assert_equal(result["dX"], [[[0, 2, 0], [0, 0, 0], [0, 0, 0]]])


def test_avgpool_spreads_evenly_and_leaves_out_what_no_window_reaches():
    # X (3 × 5) = [[1,2,3,4,5],[5,6,7,8,9],[9,9,9,9,9]], size 2, stride 2 → 1 × 2 windows
    # (cols 0–1 and 2–3; row 2 and col 4 left out):
    #   A00 = (1 + 2 + 5 + 6)/4 = 3.5     A01 = (3 + 4 + 7 + 8)/4 = 5.5
    # G = [4, −8]: each element of window 0 gets 4/4 = 1, of window 1 gets −8/4 = −2
    result = bpcli.compute(pool_spec([[[1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [9, 9, 9, 9, 9]]],
                                     {"type": "avgpool", "size": 2}, [[3.5 - 4], [5.5 + 8]]))
    assert_equal(layer(result, 1)["A"], [[[[3.5, 5.5]]]])
    assert_equal(result["dX"], [[[1, 1, -2, -2, 0], [1, 1, -2, -2, 0], [0, 0, 0, 0, 0]]])


def test_avgpool_overlapping_windows_add():
    # X = [[0,4,8],[4,0,4]], size 2, stride 1 → A = [(0+4+4+0)/4, (4+8+0+4)/4] = [2, 4]
    # G = [4, 8] → shares 1 and 2; the middle column is in both windows: 1 + 2 = 3
    result = bpcli.compute(pool_spec([[[0, 4, 8], [4, 0, 4]]], {"type": "avgpool", "size": 2, "stride": 1},
                                     [[2 - 4], [4 - 8]]))
    assert_equal(layer(result, 1)["A"], [[[[2, 4]]]])
    assert_equal(result["dX"], [[[1, 3, 2], [1, 3, 2]]])


# ---------------------------------------------------------------------------------------------
# flatten


def test_flatten_column_order():
    # X (m = 2, C = 2, H = 2, W = 2) holds 1..16 in row-major order: sample 0 is 1..8, sample 1
    # is 9..16. Each sample's C, H, W values in row-major order become one column:
    # A = [[1, 9], [2, 10], ..., [8, 16]]. With sse and Y = 0: J = Σ k² (k = 1..16) = 16·17·33/6
    # = 1496, dA = 2A, and dX = 2X put back in place.
    X = [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[9, 10], [11, 12]], [[13, 14], [15, 16]]]]
    result = bpcli.compute({"input": {"X": X, "Y": [[0, 0]] * 8}, "layers": [{"type": "flatten"}], "loss": "sse"})
    assert_equal(layer(result, 1)["A"], [[k, k + 8] for k in range(1, 9)])
    assert result["loss"] == pytest.approx(1496, rel=1e-14)
    assert_equal(result["dX"], [[[[2 * v for v in row] for row in ch] for ch in sample] for sample in X])


def test_flatten_of_m_by_h_by_w_input():
    # X (m = 2, H = 2, W = 3), C = 1: sample 0 = [[1,2,3],[4,5,6]], sample 1 = [[−1,−2,−3],[−4,−5,−6]]
    # columns: [1..6] and [−1..−6]; Y = A − 1 everywhere (mse, m = 2) → dA = 1/2, dX = 1/2 in X's shape
    X = [[[1, 2, 3], [4, 5, 6]], [[-1, -2, -3], [-4, -5, -6]]]
    Y = [[k - 1, -k - 1] for k in range(1, 7)]
    result = bpcli.compute({"input": {"X": X, "Y": Y}, "layers": [{"type": "flatten"}], "loss": "mse"})
    assert_equal(layer(result, 1)["A"], [[k, -k] for k in range(1, 7)])
    assert_equal(result["dX"], [[[0.5] * 3] * 2] * 2)


# ---------------------------------------------------------------------------------------------
# losses: softmax_ce, bce, sse


def test_softmax_ce_by_hand():
    # one input row X = [[1, 2]] (m = 2), W = [[0], [ln 3]], b = 0:
    #   Z col 0 = [0, ln 3] → softmax [1/4, 3/4];  col 1 = [0, 2 ln 3 = ln 9] → [1/10, 9/10]
    # Y one-hot [[1, 0], [0, 1]]: J = −½[ln ¼ + ln(9/10)] = ½ ln(40/9)
    spec = {"input": {"X": [[1, 2]], "Y": [[1, 0], [0, 1]]},
            "layers": [{"type": "dense", "units": 2, "activation": "softmax", "W": [[0], [LN3]], "b": [[0], [0]]}],
            "loss": "softmax_ce"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert_equal(d["A"], [[1 / 4, 1 / 10], [3 / 4, 9 / 10]])
    assert result["loss"] == pytest.approx(0.5 * math.log(40 / 9), rel=1e-13)
    # dZ = (A − Y)/m = [[(¼ − 1)/2, (1/10)/2], [(¾)/2, (9/10 − 1)/2]] = [[−3/8, 1/20], [3/8, −1/20]]
    assert_equal(d["dZ"], [[-3 / 8, 1 / 20], [3 / 8, -1 / 20]])
    # dA = −Y/(m·A), 0 where Y = 0: [[−1/(2·¼), 0], [0, −1/(2·9/10)]] = [[−2, 0], [0, −5/9]]
    assert_equal(d["dA"], [[-2, 0], [0, -5 / 9]])
    # dW = dZ Xᵀ = [[−3/8 + 2/20], [3/8 − 2/20]] = [[−11/40], [11/40]]; db = [[−13/40], [13/40]]
    assert_equal(d["dW"], [[-11 / 40], [11 / 40]])
    assert_equal(d["db"], [[-13 / 40], [13 / 40]])
    # dX = Wᵀ dZ = [0·(−3/8) + ln3·(3/8), 0·(1/20) + ln3·(−1/20)]
    assert_equal(result["dX"], [[3 * LN3 / 8, -LN3 / 20]])


def test_bce_by_hand_with_a_soft_target():
    # X = [[1, 2]], W = [[ln 3]], b = 0: Z = [ln 3, ln 9], A = σ(Z) = [3/4, 9/10]; Y = [[1, 1/2]]
    # J = −½[ln ¾ + ½ ln(9/10) + ½ ln(1/10)] = −½[ln ¾ + ln(3/10)] = ½ ln(40/9)
    spec = {"input": {"X": [[1, 2]], "Y": [[1, 0.5]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[LN3]], "b": [[0]]}],
            "loss": "bce"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert_equal(d["A"], [[3 / 4, 9 / 10]])
    assert result["loss"] == pytest.approx(0.5 * math.log(40 / 9), rel=1e-13)
    # dZ = (A − Y)/m = [(¾ − 1)/2, (9/10 − ½)/2] = [−1/8, 1/5]
    assert_equal(d["dZ"], [[-1 / 8, 1 / 5]])
    # dA = (1/m)(−Y/A + (1 − Y)/(1 − A)): col 0 ½(−4/3 + 0) = −2/3; col 1 ½(−5/9 + 5) = 20/9
    # (consistent: dA·A(1 − A) = −2/3·3/16 = −1/8 and 20/9·9/100 = 1/5)
    assert_equal(d["dA"], [[-2 / 3, 20 / 9]])
    # dW = −1/8·1 + 1/5·2 = 11/40; db = −1/8 + 1/5 = 3/40; dX = ln3·dZ
    assert_equal(d["dW"], [[11 / 40]])
    assert_equal(d["db"], [[3 / 40]])
    assert_equal(result["dX"], [[-LN3 / 8, LN3 / 5]])


def test_sse_gradient_is_twice_the_error_with_no_1_over_m():
    # sigmoid output with Z = 0 → A = ½ for both samples; Y = [[0, 1]]:
    # J = (½)² + (½)² = ½; dA = 2(A − Y) = [1, −1] (no 1/m); dZ = dA·σ'(0) = dA/4
    spec = {"input": {"X": [[1, -1]], "Y": [[0, 1]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0]], "b": [[0]]}],
            "loss": "sse"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert result["loss"] == pytest.approx(0.5, rel=1e-14)
    assert_equal(d["dA"], [[1, -1]])
    assert_equal(d["dZ"], [[0.25, -0.25]])
    assert_equal(d["dW"], [[0.25 * 1 + (-0.25) * (-1)]])


def test_tanh_by_hand():
    # X = [[1, −1]] (m = 2), W = [[ln 2]], b = 0, tanh, sse, Y = [[1, 0]]
    # Z = [ln 2, −ln 2]; tanh(ln 2) = (2 − ½)/(2 + ½) = 3/5, so A = [3/5, −3/5]
    # A − Y = [−2/5, −3/5]; J = 4/25 + 9/25 = 13/25
    # dA = 2(A − Y) = [−4/5, −6/5]; tanh′ = 1 − A² = 1 − 9/25 = 16/25 for both samples
    # dZ = [−4/5 · 16/25, −6/5 · 16/25] = [−64/125, −96/125]
    # dW = −64/125 · 1 + (−96/125)(−1) = 32/125; db = −160/125 = −32/25; dX = ln 2 · dZ
    spec = {"input": {"X": [[1, -1]], "Y": [[1, 0]]},
            "layers": [{"type": "dense", "units": 1, "activation": "tanh", "W": [[LN2]], "b": [[0]]}],
            "loss": "sse"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert_equal(d["A"], [[3 / 5, -3 / 5]])
    assert result["loss"] == pytest.approx(13 / 25, rel=1e-14)
    assert_equal(d["dA"], [[-4 / 5, -6 / 5]])
    assert_equal(d["dZ"], [[-64 / 125, -96 / 125]])
    assert_equal(d["dW"], [[32 / 125]])
    assert_equal(d["db"], [[-32 / 25]])
    assert_equal(result["dX"], [[-64 * LN2 / 125, -96 * LN2 / 125]])


# ---------------------------------------------------------------------------------------------
# saturation and kinks


def test_saturated_sigmoid_gives_a_finite_loss_and_dz_with_a_warning():
    # X = [[800, −800]], W = [[1]], b = 0: Z = ±800, σ rounds to exactly 1 and 0 in float64.
    # Y = [[0, 1]]: both samples confidently wrong. Per sample −[y log a + (1 − y) log(1 − a)]
    # = softplus(z) − y·z: 800 + log(1 + e⁻⁸⁰⁰) ≈ 800 and e⁻⁸⁰⁰ + 800 ≈ 800, so J = 800.
    # dZ = (A − Y)/m = [(1 − 0)/2, (0 − 1)/2] = [½, −½]; dW = ½·800 + (−½)(−800) = 800;
    # db = 0; dX = W·dZ = [½, −½].
    spec = {"input": {"X": [[800, -800]], "Y": [[0, 1]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]], "b": [[0]]}],
            "loss": "bce"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert result["loss"] == pytest.approx(800, rel=1e-14)
    assert_equal(d["dZ"], [[0.5, -0.5]])
    assert_equal(d["dW"], [[800]])
    assert_equal(d["db"], [[0]])
    assert_equal(result["dX"], [[0.5, -0.5]])
    assert any("saturated" in w for w in result["warnings"]), result["warnings"]


def test_saturated_sigmoid_predicting_right_has_zero_loss():
    # same net, Y = [[1, 0]]: both samples right; J = softplus(800) − 800 + softplus(−800) ≈ 0
    spec = {"input": {"X": [[800, -800]], "Y": [[1, 0]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]], "b": [[0]]}],
            "loss": "bce"}
    result = bpcli.compute(spec)
    assert result["loss"] == pytest.approx(0, abs=1e-300)
    assert_equal(layer(result, 1)["dZ"], [[0, 0]])
    # saturated towards the targets: dA = (1/m)(−Y/A + (1 − Y)/(1 − A)) = (−1/2, 1/2), ordinary
    # numbers, so nothing is warned of (the warning is for A ≈ 0 where Y > 0 or A ≈ 1 where Y < 1)
    assert_equal(layer(result, 1)["dA"], [[-0.5, 0.5]])
    assert result["warnings"] == []


def test_saturated_softmax_gives_a_finite_loss_and_dz_with_a_warning():
    # X = [[1]] (m = 1), W = [[800], [0]], b = 0: Z = [800, 0]; e⁻⁸⁰⁰ underflows, so the softmax
    # is exactly [1, 0] in float64. Y = [[0], [1]]: confidently wrong.
    # J = −log softmax(Z)₂ = log(e⁸⁰⁰ + 1) − 0 = 800 + log(1 + e⁻⁸⁰⁰) ≈ 800 (from the logits; log(0)
    # would be −∞). dZ = (A − Y)/m = [1, −1]; dW = dZ Xᵀ = [[1], [−1]] = db; dX = Wᵀ dZ = 800.
    # dA = −Y/(m·A) is −1/0 = −∞ for the second unit: reported as a warning, never a NaN.
    spec = {"input": {"X": [[1]], "Y": [[0], [1]]},
            "layers": [{"type": "dense", "units": 2, "activation": "softmax", "W": [[800], [0]], "b": [[0], [0]]}],
            "loss": "softmax_ce"}
    result = bpcli.compute(spec)
    d = layer(result, 1)
    assert result["loss"] == pytest.approx(800, rel=1e-14)
    assert_equal(d["A"], [[1], [0]])
    assert_equal(d["dZ"], [[1], [-1]])
    assert_equal(d["dW"], [[1], [-1]])
    assert_equal(d["db"], [[1], [-1]])
    assert_equal(result["dX"], [[800]])
    assert not np.isnan(d["dA"]).any()
    assert result["warnings"], "a saturated softmax must be reported"
    # the same net predicting right: J = log(1 + e⁻⁸⁰⁰) ≈ 0 and dZ = [1 − 1, 0 − 0] = 0
    spec["input"]["Y"] = [[1], [0]]
    result = bpcli.compute(spec)
    assert result["loss"] == pytest.approx(0, abs=1e-300)
    assert_equal(layer(result, 1)["dZ"], [[0], [0]])


def test_saturated_sigmoid_in_json_has_no_nan(tmp_path):
    import json

    from conftest import run_cli, write_network

    spec = {"input": {"X": [[800, -800]], "Y": [[0, 1]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]], "b": [[0]]}],
            "loss": "bce"}
    code, out, err = run_cli(["compute", write_network(tmp_path, spec), "--json"])
    assert code == 0, err
    assert "NaN" not in out and "Infinity" not in out
    document = json.loads(out)
    assert document["loss"] == pytest.approx(800, rel=1e-14)
    assert document["layers"][0]["dZ"] == [[0.5, -0.5]]
    assert document["warnings"] and "saturated" in err


def test_relu_at_exactly_zero_takes_derivative_0_and_warns():
    # layer 1: relu, X = [[1, 2]], W = [[1]], b = [[−1]] → Z1 = [0, 1], A1 = [0, 1]
    # layer 2: linear, W = [[2]], b = 0 → A2 = [0, 2]; Y = [[−1, 0]], mse, m = 2
    # J = (1/4)(1² + 2²) = 5/4; dZ2 = (A2 − Y)/2 = [½, 1]; dA1 = 2·dZ2 = [1, 2]
    # dZ1 = dA1·relu'(Z1) = [1·0, 2·1] = [0, 2] (relu'(0) = 0); dW1 = 0·1 + 2·2 = 4; db1 = 2
    spec = {"input": {"X": [[1, 2]], "Y": [[-1, 0]]},
            "layers": [{"type": "dense", "units": 1, "activation": "relu", "W": [[1]], "b": [[-1]]},
                       {"type": "dense", "units": 1, "activation": "linear", "W": [[2]], "b": [[0]]}],
            "loss": "mse"}
    result = bpcli.compute(spec)
    assert result["loss"] == pytest.approx(5 / 4, rel=1e-14)
    first = layer(result, 1)
    assert_equal(first["dA"], [[1, 2]])
    assert_equal(first["dZ"], [[0, 2]])
    assert_equal(first["dW"], [[4]])
    assert_equal(first["db"], [[2]])
    assert any("relu" in w and "0" in w for w in result["warnings"]), result["warnings"]


# ---------------------------------------------------------------------------------------------
# initialisation (CONVENTIONS: default_rng(seed), N(0, 1/fan_in) rounded to 2 decimals,
# layer by layer in file order, a given W draws nothing, b not given is 0, seed defaults to 0)


def draw(rng, shape, fan_in):
    return np.round(rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=shape), 2)


def test_initialisation_of_a_two_layer_dense_network():
    spec = {"input": {"X": [[1, 2, 3], [0, 1, 0], [2, 2, 1]], "Y": [[0, 1, 1]]},
            "layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}],
            "loss": "bce", "seed": 7}
    result = bpcli.compute(spec)
    rng = np.random.default_rng(7)
    W1 = draw(rng, (4, 3), 3)  # fan_in = n0 = 3
    W2 = draw(rng, (1, 4), 4)  # then layer 2, fan_in = 4
    assert np.array_equal(layer(result, 1)["W"], W1)
    assert np.array_equal(layer(result, 2)["W"], W2)
    assert np.array_equal(layer(result, 1)["b"], np.zeros((4, 1)))
    assert np.array_equal(layer(result, 2)["b"], np.zeros((1, 1)))
    # hand-sized: two decimals
    assert np.array_equal(layer(result, 1)["W"], np.round(layer(result, 1)["W"] * 100) / 100)
    # seed defaults to 0
    default = bpcli.compute({k: v for k, v in spec.items() if k != "seed"})
    rng0 = np.random.default_rng(0)
    assert np.array_equal(layer(default, 1)["W"], draw(rng0, (4, 3), 3))
    assert not np.array_equal(layer(default, 1)["W"], W1)


def test_initialisation_skips_given_weights_without_drawing():
    # layer 1's W is given, so layer 2's W is the generator's FIRST draw; layer 1's b is drawn
    # from nothing (0) even though W was given, and a given b is kept as written
    spec = {"input": {"X": [[1, 2], [3, 4]], "Y": [[0, 1]]},
            "layers": [{"type": "dense", "units": 3, "activation": "relu", "W": [[1, 0], [0, 1], [1, 1]]},
                       {"type": "dense", "units": 2, "activation": "tanh", "b": [[0.5], [-0.5]]},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}],
            "loss": "bce", "seed": 3}
    result = bpcli.compute(spec)
    rng = np.random.default_rng(3)
    assert np.array_equal(layer(result, 2)["W"], draw(rng, (2, 3), 3))
    assert np.array_equal(layer(result, 3)["W"], draw(rng, (1, 2), 2))
    assert np.array_equal(layer(result, 1)["b"], np.zeros((3, 1)))
    assert np.array_equal(layer(result, 2)["b"], [[0.5], [-0.5]])


def test_initialisation_of_a_conv_network():
    # conv2d 3 filters 2 × 3 on 2 channels: W (3, 2, 2, 3), fan_in = C·kh·kw = 12;
    # maxpool draws nothing; input 4 × 4 → conv 3 × 2 → maxpool 2 → 1 × 1, so the dense layer
    # after flatten has fan_in = 3 filters · 1 · 1 = 3
    X = np.arange(2 * 2 * 4 * 4, dtype=float).reshape(2, 2, 4, 4) / 10
    spec = {"input": {"X": X.tolist(), "Y": [[1, 0]]},
            "layers": [{"type": "conv2d", "filters": 3, "kernel": [2, 3], "activation": "relu"},
                       {"type": "maxpool", "size": 2},
                       {"type": "flatten"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}],
            "loss": "bce", "seed": 12}
    result = bpcli.compute(spec)
    rng = np.random.default_rng(12)
    assert np.array_equal(layer(result, 1)["W"], draw(rng, (3, 2, 2, 3), 2 * 2 * 3))
    assert np.array_equal(layer(result, 1)["b"], np.zeros(3))
    assert np.array_equal(layer(result, 4)["W"], draw(rng, (1, 3), 3))
    assert np.array_equal(layer(result, 4)["b"], np.zeros((1, 1)))
