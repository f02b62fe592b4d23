"""The run's warnings: what triggers each kind, the English of the JSON, and the learner's language."""

from __future__ import annotations

import bpcli
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
    assert "(A - Y)/m" in warning and "1 of 1" in warning
    assert infinite_dA == "dA1 has values that are not finite"


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

