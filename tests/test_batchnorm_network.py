"""Batch normalisation as a layer of a network (the core alone is tests/test_batchnorm.py): whole
networks against PyTorch (tests/data/batchnorm_networks.json, written by
benchmarks/make_batchnorm_networks.py), the hand-worked 2 × 2 case through bpcli.compute, finite
differences through networks, the network file's rules, the JSON, explain, grading and hints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import bpcli
from bpcli import spec
from bpcli.core.gradcheck import check
from bpcli.core.network import run
from bpcli.errors import SpecError
from bpcli.grading import grade, parse_target
from bpcli.narrate import explain
from bpcli.narrate.methods import METHOD_NAMES
from bpcli.quiz.hints import hint, solution_formula
from conftest import REPO_ROOT, run_cli

NETWORKS = Path(__file__).parent / "data" / "batchnorm_networks.json"
DENSE_EXERCISE = REPO_ROOT / "exercises" / "13_dense_batchnorm.yaml"
CONV_EXERCISE = REPO_ROOT / "exercises" / "14_conv_batchnorm.yaml"


def network_cases() -> list[dict]:
    return json.loads(NETWORKS.read_text(encoding="utf-8"))["cases"]


# ---------------------------------------------------------------------------------------------
# PyTorch, float64, whole networks
# ---------------------------------------------------------------------------------------------

def assert_relative(actual, expected, floor: float = 0.0, rtol: float = 1e-10) -> None:
    """Every entry within rtol of the tensor's largest entry, or of FLOOR where that is larger."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= rtol * max(np.abs(expected).max(), floor)


@pytest.mark.parametrize("case", network_cases(), ids=lambda case: case["name"])
def test_networks_agree_with_pytorch(case):
    result = bpcli.compute(case["network"])
    expected = case["expected"]
    assert result["loss"] == pytest.approx(expected["loss"], rel=1e-10)
    assert_relative(result["dX"], expected["dX"])
    for got, want in zip(result["layers"], expected["layers"], strict=True):
        # a gradient that is 0 in exact arithmetic (the bias of a layer whose output batchnorm
        # normalises) is rounding noise on both sides: compared at a thousandth of the layer's dZ
        floor = 1e-3 * np.abs(np.asarray(want["dZ"])).max() if "dZ" in want else 0.0
        for name, value in want.items():
            if name != "index":
                assert_relative(got[name], value, floor=floor if name.startswith("d") else 0.0)


def test_reference_networks_cover_dense_and_conv_and_the_range_of_m():
    cases = network_cases()
    kinds_before = set()
    samples = []
    for case in cases:
        layers = case["network"]["layers"]
        kinds_before |= {layers[i - 1]["type"] for i, layer in enumerate(layers) if layer["type"] == "batchnorm"}
        samples.append(np.shape(case["network"]["input"]["Y"])[1])
    assert kinds_before == {"dense", "conv2d"}
    assert min(samples) == 2 and max(samples) == 16


@pytest.mark.parametrize("case", network_cases(), ids=lambda case: case["name"])
def test_networks_agree_with_finite_differences(case):
    report = check(bpcli.load(case["network"]))
    assert report.ok, [(t.name, t.relative_error) for t in report.tensors if not t.ok]
    assert {"gamma2", "beta2"} <= {t.name for t in report.tensors}


# ---------------------------------------------------------------------------------------------
# A bias whose shift batchnorm takes away: J does not depend on it, its gradient is exactly 0
# ---------------------------------------------------------------------------------------------

def _loss_with_bias_shifted(network: dict, position: int, name: str, amount: float) -> float:
    shifted = json.loads(json.dumps(network))
    layer = shifted["layers"][position]
    layer[name] = (np.asarray(layer[name], dtype=float) + amount).tolist()
    return bpcli.compute(shifted)["loss"]


@pytest.mark.parametrize("case", network_cases(), ids=lambda case: case["name"])
def test_the_bias_of_a_linear_layer_before_batchnorm_has_gradient_exactly_zero(case):
    network = case["network"]
    result = bpcli.compute(network)
    layers = network["layers"]
    for position, layer in enumerate(layers[:-1]):
        if layers[position + 1]["type"] != "batchnorm":
            continue
        db, dZ = result["layers"][position]["db"], result["layers"][position]["dZ"]
        if layer["activation"] == "linear":
            assert np.all(db == 0)
            # the reason, on the numbers: J is the same with every entry of b moved by 0.7
            assert _loss_with_bias_shifted(network, position, "b", 0.7) == pytest.approx(result["loss"], rel=1e-12)
        else:  # through tanh a shift of b reaches batchnorm unevenly: db is the sum of dZ
            summed = dZ.sum(axis=1, keepdims=True) if dZ.ndim == 2 else dZ.sum(axis=(0, 2, 3))
            assert_relative(db, summed, floor=np.abs(dZ).max(), rtol=1e-12)
            assert _loss_with_bias_shifted(network, position, "b", 0.7) != pytest.approx(result["loss"], rel=1e-6)


def test_beta_of_a_linear_batchnorm_before_another_batchnorm_has_gradient_exactly_zero():
    rng = np.random.default_rng(5)
    network = {"input": {"X": rng.normal(size=(3, 6)).tolist(), "Y": rng.normal(size=(1, 6)).tolist()},
               "layers": [{"type": "dense", "units": 2, "activation": "tanh"},
                          {"type": "batchnorm", "activation": "linear", "beta": [[0.3], [-0.2]]},
                          {"type": "batchnorm", "activation": "sigmoid"},
                          {"type": "dense", "units": 1, "activation": "linear"}],
               "loss": "mse"}
    result = bpcli.compute(network)
    assert np.all(result["layers"][1]["dbeta"] == 0)
    assert np.abs(result["layers"][2]["dbeta"]).max() > 1e-6  # the second one's β is shifted by sigmoid
    assert _loss_with_bias_shifted(network, 1, "beta", -1.5) == pytest.approx(result["loss"], rel=1e-12)


def _image_chain(*middle):
    rng = np.random.default_rng(3)
    first = {"type": "conv2d", "filters": 2, "kernel": 2, "padding": 1, "activation": "linear",
             "W": rng.normal(size=(2, 1, 2, 2)).round(2).tolist(), "b": [0.4, -0.3]}
    return {"input": {"X": rng.normal(size=(3, 5, 5)).round(2).tolist(), "Y": rng.normal(size=(1, 3)).round(2).tolist()},
            "layers": [first, *middle, {"type": "batchnorm", "activation": "tanh"}, {"type": "flatten"},
                       {"type": "dense", "units": 1, "activation": "linear"}], "loss": "mse"}


def _dense_chain(second_activation):
    rng = np.random.default_rng(1)
    return {"input": {"X": rng.normal(size=(3, 6)).round(2).tolist(), "Y": rng.normal(size=(2, 6)).round(2).tolist()},
            "layers": [{"type": "dense", "units": 3, "activation": "linear", "b": [[0.1], [0.2], [0.3]]},
                       {"type": "dense", "units": 2, "activation": second_activation},
                       {"type": "batchnorm", "activation": "tanh"}], "loss": "mse"}


@pytest.mark.parametrize("network, absorbed", [
    (_dense_chain("linear"), True),  # a sample-constant shift through W2 stays sample-constant
    (_dense_chain("relu"), False),  # relu bends it
    (_image_chain({"type": "maxpool", "size": 2, "stride": 1}), True),  # max(x + c) = max(x) + c
    (_image_chain({"type": "avgpool", "size": 2}), True),
    (_image_chain({"type": "conv2d", "filters": 2, "kernel": 2, "activation": "linear"}), True),
    (_image_chain({"type": "conv2d", "filters": 2, "kernel": 2, "padding": 1, "activation": "linear"}), False),
], ids=["dense-linear", "dense-relu", "maxpool", "avgpool", "conv-unpadded", "conv-padded"])
def test_a_bias_shift_passed_on_to_a_batchnorm_through_other_layers_has_gradient_exactly_zero(network, absorbed):
    """A bias two linear layers before a batchnorm came out as rounding noise (-1.1e-16, with
    digits that changed with the thread count), where it is exactly 0; padding or an activation
    in between keeps it a real gradient. J itself says which: moved by 0.7, the same or not."""
    result = bpcli.compute(network)
    db = result["layers"][0]["db"]
    same = _loss_with_bias_shifted(network, 0, "b", 0.7) == pytest.approx(result["loss"], rel=1e-12)
    assert same == absorbed
    if absorbed:
        assert np.all(db == 0)
    else:
        assert np.abs(db).max() > 1e-6


@pytest.mark.parametrize("lang, words", [("en", "is exactly 0"), ("zh", "恰好为 0")])
@pytest.mark.parametrize("path", [DENSE_EXERCISE, CONV_EXERCISE], ids=["dense", "conv"])
def test_explain_says_why_the_bias_before_batchnorm_has_no_gradient(path, lang, words):
    explanation = explain(spec.load(path), lang=lang)
    step = explanation.step_for("db1")
    notes = [note for note in step.notes if note.kind == "note.bias_without_effect"]
    assert len(notes) == 1 and words in notes[0].text and "b⁽¹⁾" in notes[0].text
    assert step.worked[0].as_text(4).endswith(" = 0.0000")  # not the 1e-17 the sum of dZ1 gives
    others = [step for step in explanation.steps if step.target != "db1"]
    assert not [step.target for step in others for note in step.notes if note.kind == "note.bias_without_effect"]


@pytest.mark.parametrize("path, formula", [(DENSE_EXERCISE, "sum(dZ1, axis=1, keepdims=True)"),
                                           (CONV_EXERCISE, "sum(dZ1, axis=(0, 2, 3))")], ids=["dense", "conv"])
def test_the_sum_of_dz_is_still_a_right_answer_for_the_exact_zero(path, formula):
    # the learner's formula gives the rounding noise the exact 0 replaced; 0 typed as numbers too
    network = spec.load(path)
    assert grade(network, "db1", formula).correct
    assert grade(network, "db1", "0 0" if path == CONV_EXERCISE else "0; 0").correct
    assert not grade(network, "db1", "0.1 0" if path == CONV_EXERCISE else "0.1; 0").correct


def test_no_bias_note_without_batchnorm():
    explanation = explain(spec.load(REPO_ROOT / "exercises" / "12_small_cnn.yaml"))
    assert not [step.target for step in explanation.steps for note in step.notes
                if note.kind == "note.bias_without_effect"]


# ---------------------------------------------------------------------------------------------
# The hand-worked 2 × 2 case (tests/test_batchnorm.py works it), through bpcli.compute
# ---------------------------------------------------------------------------------------------

def test_two_by_two_by_hand_through_compute():
    # X = [[-1, 5], [7, 7]] straight into batchnorm: γ = [2, 3], β = [1, -1], eps = 16, linear.
    # Unit 1: μ = 2, σ² = 9, √(σ² + eps) = 5, x̂ = [-3/5, 3/5], Z = [-1/5, 11/5];
    # unit 2: μ = 7, σ² = 0, √eps = 4, x̂ = 0, Z = β = [-1, -1].
    # sse with Y = Z − dZ/2 makes dZ = 2(Z − Y) = [[1, 2], [3, -1]] and J = Σ (dZ/2)² = 15/4.
    # Then (worked in tests/test_batchnorm.py): dβ = [3, 2], dγ = [3/5, 0],
    # dX = [[-16/125, 16/125], [3/2, -3/2]].
    Z = np.array([[-0.2, 2.2], [-1.0, -1.0]])
    dZ = np.array([[1.0, 2.0], [3.0, -1.0]])
    network = {"input": {"X": [[-1.0, 5.0], [7.0, 7.0]], "Y": (Z - dZ / 2).tolist()},
               "layers": [{"type": "batchnorm", "activation": "linear", "gamma": [2.0, 3.0], "beta": [[1.0], [-1.0]],
                           "eps": 16}],
               "loss": "sse"}
    result = bpcli.compute(network)
    layer = result["layers"][0]
    assert result["loss"] == pytest.approx(15 / 4, rel=1e-14)
    np.testing.assert_allclose(layer["mean"], [[2], [7]], rtol=1e-15)
    np.testing.assert_allclose(layer["var"], [[9], [0]], rtol=1e-15)
    np.testing.assert_allclose(layer["xhat"], [[-0.6, 0.6], [0, 0]], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(layer["Z"], Z, rtol=1e-15)
    np.testing.assert_allclose(layer["dZ"], dZ, rtol=1e-14)
    np.testing.assert_allclose(layer["dbeta"], [[3], [2]], rtol=1e-14)
    np.testing.assert_allclose(layer["dgamma"], [[0.6], [0]], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(result["dX"], [[-16 / 125, 16 / 125], [1.5, -1.5]], rtol=1e-13)
    # the JSON's keys (CONVENTIONS.md): the values used, W and b null, eps as given
    assert layer["gamma"].tolist() == [[2.0], [3.0]] and layer["beta"].tolist() == [[1.0], [-1.0]]
    assert all(layer[key] is None for key in ("W", "b", "dW", "db")) and layer["eps"] == 16.0


def test_compute_json_on_the_command_line():
    code, out, _ = run_cli(["compute", DENSE_EXERCISE, "--json"])
    assert code == 0
    layer = json.loads(out)["layers"][1]
    assert layer["type"] == "batchnorm" and layer["activation"] == "relu"
    assert {"gamma", "beta", "mean", "var", "xhat", "Z", "A", "dA", "dZ", "dgamma", "dbeta"} <= set(layer)
    assert layer["W"] is None and layer["dW"] is None and layer["b"] is None and layer["db"] is None
    # exercise 13's numbers were chosen by hand: A1 rows [-0.7, -0.1, 1.1, 1.7] and [0.6, -1.2, 1.2,
    # -0.6], μ = [0.5, 0], σ² = 0.9 for both (deviations ±1.2, ±0.6), so √(σ² + 0.1) = 1 and x̂ = x − μ
    assert np.allclose(layer["mean"], [[0.5], [0.0]]) and np.allclose(layer["var"], [[0.9], [0.9]])
    assert np.allclose(layer["xhat"], [[-1.2, -0.6, 0.6, 1.2], [0.6, -1.2, 1.2, -0.6]])


def test_check_and_the_compute_summary_name_gamma_and_beta():
    code, out, _ = run_cli(["check", DENSE_EXERCISE])
    assert code == 0 and "gamma2" in out and "beta2" in out
    code, out, _ = run_cli(["compute", CONV_EXERCISE])
    assert code == 0 and all(f" {name} " in out for name in ("dW1", "db1", "dgamma2", "dbeta2", "dW4"))


# ---------------------------------------------------------------------------------------------
# The network file
# ---------------------------------------------------------------------------------------------

def dense_then_batchnorm(**batchnorm) -> dict:
    layer = {"type": "batchnorm", "activation": "linear", **batchnorm}
    return {"input": {"X": [[1.0, 2.0, 4.0]], "Y": [[0.0, 1.0, 0.0]]},
            "layers": [{"type": "dense", "units": 2, "activation": "tanh"}, layer,
                       {"type": "dense", "units": 1, "activation": "sigmoid"}], "loss": "bce"}


def spec_error(mapping: dict) -> SpecError:
    with pytest.raises(SpecError) as raised:
        spec.load(mapping)
    return raised.value


def test_defaults_and_flat_lists():
    layer = spec.load(dense_then_batchnorm()).layers[1]
    assert layer.gamma.tolist() == [[1.0], [1.0]] and layer.beta.tolist() == [[0.0], [0.0]] and layer.eps == 1e-5
    layer = spec.load(dense_then_batchnorm(gamma=[2, 3], beta=[0.5, 0], eps=1)).layers[1]
    assert layer.gamma.tolist() == [[2.0], [3.0]] and layer.eps == 1.0
    assert str(layer.describe()) == "batchnorm 2 linear"


def test_a_batchnorm_layer_takes_no_draws_from_the_seeded_generator():
    without = dense_then_batchnorm()
    del without["layers"][1]
    plain, with_batchnorm = spec.load(without), spec.load(dense_then_batchnorm())
    np.testing.assert_array_equal(plain.layers[0].W, with_batchnorm.layers[0].W)
    np.testing.assert_array_equal(plain.layers[1].W, with_batchnorm.layers[2].W)


@pytest.mark.parametrize("batchnorm, path, code, words", [
    ({"gamma": [[1.0], [2.0], [3.0]]}, "layers[1].gamma", "shape_mismatch", "gamma of layer 2 must be 2 × 1"),
    ({"beta": [[[0.0]]]}, "layers[1].beta", "wrong_shape", "beta of layer 2 must be 1-D or 2-D"),
    ({"eps": 0}, "layers[1].eps", "bad_value", "eps must be positive"),
    ({"eps": "small"}, "layers[1].eps", "wrong_type", "eps must be a number"),
    ({"eps": float("nan")}, "layers[1].eps", "not_finite", "eps must be a finite number"),
    ({"eps": True}, "layers[1].eps", "wrong_type", "found the boolean true"),
    ({"momentum": 0.9}, "layers[1].momentum", "unknown_key", "unknown key 'momentum' in a batchnorm layer"),
])
def test_bad_batchnorm_entries(batchnorm, path, code, words):
    error = spec_error(dense_then_batchnorm(**batchnorm))
    assert (error.path, error.code) == (path, code) and words in error.message and "\n" not in error.message


def test_activation_is_required_and_softmax_only_last():
    mapping = dense_then_batchnorm()
    del mapping["layers"][1]["activation"]
    error = spec_error(mapping)
    assert (error.path, error.code) == ("layers[1].activation", "missing_key")
    error = spec_error(dense_then_batchnorm(activation="softmax"))
    assert (error.path, error.code) == ("layers[1].activation", "softmax_not_last")


def test_at_least_two_values_per_unit():
    mapping = dense_then_batchnorm()
    mapping["input"] = {"X": [[1.0]], "Y": [[1.0]]}
    error = spec_error(mapping)
    assert (error.path, error.code) == ("layers[1]", "too_few_values") and "m samples" in error.message
    # images: one sample of a 1 × 1 map is one value per channel; two samples are enough
    image = {"input": {"X": [[[1.0]]], "Y": [[1.0]]}, "layers": [{"type": "batchnorm", "activation": "linear"},
                                                                 {"type": "flatten"}], "loss": "mse"}
    error = spec_error(image)
    assert (error.path, error.code) == ("layers[0]", "too_few_values") and "m × H × W" in error.message
    image["input"] = {"X": [[[1.0]], [[3.0]]], "Y": [[1.0, 0.0]]}
    assert spec.load(image).layers[0].gamma.shape == (1,)


def test_images_take_a_flat_gamma_per_channel():
    image = {"input": {"X": np.arange(16.0).reshape(2, 2, 2, 2).tolist(), "Y": [[1.0, 0.0]]},
             "layers": [{"type": "batchnorm", "activation": "linear", "gamma": [[1.0], [2.0]]}, {"type": "flatten"},
                        {"type": "dense", "units": 1, "activation": "sigmoid"}], "loss": "bce"}
    error = spec_error(image)
    assert (error.path, error.code) == ("layers[0].gamma", "wrong_shape")
    image["layers"][0]["gamma"] = [1.0, 2.0, 3.0]
    error = spec_error(image)
    assert (error.path, error.code) == ("layers[0].gamma", "shape_mismatch") and "2 channels" in error.message


def test_an_input_error_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(dense_then_batchnorm(eps=-1)), encoding="utf-8")
    code, _, err = run_cli(["compute", path])
    assert code == 2 and err.count("\n") == 1 and "layers[1].eps" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# Explain, grading, hints
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHOD_NAMES)
@pytest.mark.parametrize("path", [DENSE_EXERCISE, CONV_EXERCISE], ids=["dense", "conv"])
def test_explain_shows_the_staged_and_the_compact_dx_agreeing(method, path):
    explanation = explain(spec.load(path), method=method, layer=2)
    titles = [step.title for step in explanation.steps]
    assert sum("staged path" in title for title in titles) == 4
    compact = explanation.step_for("dA1")
    agreement = [c for c in compact.checks if "staged path" in c.description]
    assert len(agreement) == 1 and agreement[0].ok and agreement[0].difference < 1e-12
    assert compact.derivation and all(check.ok for step in explanation.steps for check in step.checks)
    assert [s.target for s in explanation.steps if s.section == "backward" and s.target] == \
        ["dZ2", "dbeta2", "dgamma2", "dA1"]


def test_each_method_derives_dx_its_own_way():
    network = spec.load(DENSE_EXERCISE)
    derivations = {method: " ".join(line.text for line in explain(network, method=method).step_for("dA1").derivation)
                   for method in METHOD_NAMES}
    assert "tr(" in derivations["trace"] or "Σᵢ" in derivations["trace"]
    assert "∂x̂ᵢ/∂xᵢ" in derivations["kron"]
    assert derivations["shapes"] == derivations["chain"]  # shapes falls back to the chain rule, and says so
    kron = explain(network, method="kron").step_for("dA1")
    assert any(tensor.name == "jacobian2" and tensor.shape == (4, 4) for tensor in kron.operands)


def _exercise_13_dX(gamma, dZ, centered, variance) -> np.ndarray:
    """(γ s/m)(m dZ − Σ dZ − x̂ Σ dZ ⊙ x̂) with s = 1/√VARIANCE and x̂ = CENTERED·s, per row."""
    s = 1 / np.sqrt(variance)
    xhat = centered * s
    m = dZ.shape[1]
    return gamma * s / m * (m * dZ - dZ.sum(axis=1, keepdims=True) - xhat * (dZ * xhat).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("mistake, code", [
    # exercise 13: γ = [2, 0.5], σ² = 0.9, eps = 0.1, so s = 1 and the direct path is γ ⊙ dZ2
    (lambda t: t["gamma2"] * t["dZ2"], "missing_mean_variance_paths"),
    (lambda t: t["gamma2"] * (t["dZ2"] - t["dZ2"].mean(axis=1, keepdims=True)), "missing_variance_path"),
    # σ² alone, 0.9, where σ² + eps = 1 belongs
    (lambda t: _exercise_13_dX(t["gamma2"], t["dZ2"], t["A1"] - t["mean2"], 0.9), "missing_eps"),
    # the unbiased variance 0.9·4/3 = 1.2, plus eps
    (lambda t: _exercise_13_dX(t["gamma2"], t["dZ2"], t["A1"] - t["mean2"], 1.3), "unbiased_variance"),
])
def test_dx_diagnoses(mistake, code):
    network = spec.load(DENSE_EXERCISE)
    answer = mistake(run(network).tensors())
    result = grade(network, "dA1", np.round(answer, 8).tolist())
    assert not result.correct and code in result.diagnosis, result.diagnosis


def test_unbiased_variance_and_dgamma_without_xhat():
    network = spec.load(DENSE_EXERCISE)
    tensors = run(network).tensors()
    # by hand with N − 1 = 3: σ²ᵤ = 0.9·4/3 = 1.2, s = 1/√1.3, x̂ᵤ = (x − μ)/√1.3
    xhat_unbiased = (tensors["A1"] - tensors["mean2"]) / np.sqrt(1.3)
    dgamma_unbiased = (tensors["dZ2"] * xhat_unbiased).sum(axis=1, keepdims=True)
    result = grade(network, "dgamma2", np.round(dgamma_unbiased, 6).tolist())
    assert not result.correct and "unbiased_variance" in result.diagnosis
    result = grade(network, "dgamma2", "sum(dZ2, axis=1, keepdims=True)")
    assert not result.correct and "dgamma_without_xhat" in result.diagnosis
    assert grade(network, "dgamma2", "sum(dZ2, axis=1, keepdims=True)", lang="zh").message


def test_targets_formulas_and_hints():
    for path, axes in ((DENSE_EXERCISE, "axis=1, keepdims=True"), (CONV_EXERCISE, "axis=(0, 2, 3)")):
        network = spec.load(path)
        tensors = run(network).tensors()
        for name in ("dgamma2", "dbeta2"):
            formula = solution_formula(network, parse_target(name, tensors))
            assert axes in formula and grade(network, name, formula).correct
        for lang in ("en", "zh"):
            for level in (1, 2, 3):
                assert hint(network, parse_target("dA1", tensors), level, lang, None, tensors)[1]
    dense = spec.load(DENSE_EXERCISE)
    tensors = run(dense).tensors()
    assert grade(dense, "dA1", solution_formula(dense, parse_target("dA1", tensors))).correct
    assert grade(dense, "Z2", solution_formula(dense, parse_target("Z2", tensors))).correct
    assert solution_formula(spec.load(CONV_EXERCISE), parse_target("dA1", run(spec.load(CONV_EXERCISE)).tensors())) is None


def test_a_formula_may_take_the_square_root_of_the_variance():
    """Formulas may name var2 and eps2, but 'np.sqrt(var2 + eps2)', the way every text writes
    1/√(σ² + eps), could not be read (only '** 0.5' could): a batch gave the row invalid_answer.
    Here σ² + eps is not 1, so a square root left out would show."""
    network = {"input": {"X": [[1.0, 2.0, -1.0, 0.5], [0.5, 0.0, 1.5, -2.0]], "Y": [[1, 0, 1, 0]]},
               "layers": [{"type": "dense", "units": 3, "activation": "linear", "W": [[1, 2], [-1, 0.5], [-1, -1.5]],
                           "b": [[0], [0], [0]]},
                          {"type": "batchnorm", "activation": "tanh", "gamma": [[1.5], [0.5], [1.0]],
                           "beta": [[0.1], [0.0], [-0.2]]},
                          {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.5, -1, 1]], "b": [[0]]}],
               "loss": "bce"}
    network = spec.from_mapping(network, "net")
    var = run(network).tensors()["var2"]
    assert not np.allclose(var + 1e-5, 1, rtol=0.1)
    # the compact backward of CS231n: (γ/(m√(σ² + eps)))(m dZ − Σ dZ − x̂ Σ dZ ⊙ x̂)
    compact = ("gamma2 / (m * {root}) * (m * dZ2 - sum(dZ2, axis=1, keepdims=True)"
               " - xhat2 * sum(dZ2 * xhat2, axis=1, keepdims=True))")
    for root in ("np.sqrt(var2 + eps2)", "sqrt(var2 + eps2)", "numpy.sqrt(var2 + eps2)", "(var2 + eps2) ** 0.5"):
        assert grade(network, "dA1", compact.format(root=root)).correct, root
    assert not grade(network, "dA1", compact.format(root="(var2 + eps2)")).correct
    assert grade(network, "Z2", "gamma2 * (A1 - mean2) / np.sqrt(var2 + eps2) + beta2").correct


@pytest.mark.parametrize("lang, words", [("en", "square root of a negative"), ("zh", "开平方")])
def test_a_square_root_of_a_negative_variance_is_named_as_a_cause(lang, words):
    """sqrt(−σ²) is NaN (σ² > 0 here): the refusal guessed an overflow, a division by 0 or the
    log of 0, none of which the formula has."""
    network = spec.load(DENSE_EXERCISE)
    assert (run(network).tensors()["var2"] > 0).all()
    code, _, err = run_cli(["grade", str(DENSE_EXERCISE), "--target", "dgamma2", "--answer", "sqrt(-var2)",
                            "--lang", lang])
    assert code == 2 and words in err, err


def _exercise_13_as(loss: str) -> dict:
    import yaml

    mapping = yaml.safe_load(DENSE_EXERCISE.read_text(encoding="utf-8"))
    mapping["loss"] = loss
    return mapping


@pytest.mark.parametrize("loss", ["mse", "sse"])
@pytest.mark.parametrize("factor, code, key", [(4, "missing_1_over_m", "factor.bn.missing"),
                                               (1 / 4, "extra_1_over_m", "factor.bn.extra")])
def test_a_dx_off_by_batchnorms_n_names_its_1_over_n(loss, factor, code, key):
    # exercise 13: σ² + eps = 1, N = m = 4. dA1 without the 1/N of the compact formula is N times
    # the right value; with sse the loss has no 1/m, so "m appears nowhere in its gradients" is
    # false there: the N of batch normalisation is an m
    network = spec.load(_exercise_13_as(loss))
    t = run(network).tensors()
    right = _exercise_13_dX(t["gamma2"], t["dZ2"], t["A1"] - t["mean2"], 1.0)
    for lang in ("en", "zh"):
        result = grade(network, "dA1", np.round(factor * right, 10).tolist(), lang=lang)
        assert not result.correct and code in result.diagnosis, result.diagnosis
        keys = [getattr(part, "key", None) for part in result.parts]
        if loss == "sse":
            which = "missing" if factor > 1 else "extra"
            assert f"factor.{which}_1_over_n.sum" in keys and not any(k and "_1_over_m.sum" in k for k in keys)
        else:
            assert key in keys
    # before the batch normalisation only: dβ2 is not passed back through it
    result = grade(network, "dbeta2", (factor * t["dZ2"].sum(axis=1, keepdims=True)).tolist())
    assert not any(getattr(part, "key", "").startswith("factor.bn") for part in result.parts)


def test_a_conv_dx_off_by_n_names_batchnorms_1_over_n():
    # exercise 14: N = m·H·W = 2·2·2 = 8 values per channel, m = 2; 8 × the right dA1 is no 1/m
    network = spec.load(CONV_EXERCISE)
    t = run(network).tensors()
    x, dZ, gamma = t["A1"], t["dZ2"], t["gamma2"].reshape(1, -1, 1, 1)
    axes, N = (0, 2, 3), 8
    s = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + 0.01)
    xhat = (x - x.mean(axis=axes, keepdims=True)) * s
    right = gamma * s / N * (N * dZ - dZ.sum(axis=axes, keepdims=True)
                             - xhat * (dZ * xhat).sum(axis=axes, keepdims=True))
    result = grade(network, "dA1", np.round(N * right, 10).tolist())
    assert not result.correct and "scaled" in result.diagnosis
    assert "factor.bn.missing" in [getattr(part, "key", None) for part in result.parts]
    assert "N = 8" in result.message


def _constant_unit_network(eps: float) -> dict:
    """Unit 2 of X is constant (σ² = 0): its x̂ is 0 and its dx is (γ s/N)(N dZ − dβ), s = 1/√eps."""
    return {"input": {"X": [[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], "Y": [[1.0, 0.0, 1.0]]},
            "layers": [{"type": "batchnorm", "activation": "linear", "eps": eps},
                       {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1.0, 2.0]], "b": [0.0]}],
            "loss": "bce"}


@pytest.mark.parametrize("eps", [1e-20, 1e-30])
@pytest.mark.parametrize("method", METHOD_NAMES)
def test_sum_checks_are_relative_to_the_terms_when_dx_is_huge(eps, method):
    # by hand: A = Z1 (linear), dZ2 = (σ(W Z1) − Y)/3, dZ1 = Wᵀ dZ2; the constant unit's dx is
    # (1/√eps)(dZ1 − mean dZ1), entries of order 0.1/√eps (1e9, 1e14), summing to 0 up to round-off
    network = _constant_unit_network(eps)
    X, Y, W = (np.array(network["input"]["X"]), np.array(network["input"]["Y"]),
               np.array(network["layers"][1]["W"]))
    xhat = np.vstack([(X[0] - X[0].mean()) / np.sqrt(X[0].var() + eps), np.zeros(3)])
    dZ1 = W.T @ ((1 / (1 + np.exp(-(W @ xhat))) - Y) / 3)
    by_hand = (dZ1[1] - dZ1[1].mean()) / np.sqrt(eps)
    assert np.abs(by_hand).max() > 1e8
    explanation = explain(spec.load(network), method=method, layer=1)
    dX = explanation.step_for("dX").result.value
    assert np.allclose(dX[1], by_hand, rtol=1e-9, atol=0)
    failed = [check.description for step in explanation.steps for check in step.checks if not check.ok]
    assert failed == []


def test_staged_path_stays_finite_for_a_constant_unit_and_a_tiny_eps():
    # eps = 1e-300: s = 1/√eps = 1e150 and s³ = 1e450 overflows. The constant unit's x − μ is 0,
    # so dσ² = −½ s³ Σ dx̂ (x − μ) = 0 and ∂x̂/∂σ² = 0 there; dμ = −s Σ dx̂ (finite, ~1e149)
    network = _constant_unit_network(1e-300)
    explanation = explain(spec.load(network), method="chain", layer=1)
    staged = {step.result.name: step for step in explanation.steps if step.result is not None}
    dvar = np.asarray(staged["dvar1"].result.value).reshape(-1)
    assert dvar[1] == 0.0 and np.isfinite(dvar).all()
    local = [op for op in staged["dvar1"].operands if op.name == "dxhat_dvar1"][0]
    assert np.all(np.asarray(local.value)[1] == 0.0)
    dZ1 = np.asarray(staged["dxhat1"].result.value)  # γ = 1
    dmean = np.asarray(staged["dmean1"].result.value).reshape(-1)
    assert np.isclose(dmean[1], -dZ1[1].sum() * 1e150, rtol=1e-12)
    agreement = [c for c in explanation.step_for("dX").checks if "staged path" in c.description]
    assert agreement[0].ok


def test_dgamma_taken_with_the_input_for_xhat_is_named():
    """dγ = Σ dZ ⊙ x̂; a learner used to dW = dZ A_prevᵀ multiplies by the input A1 instead. Here
    μ ≠ 0 and σ² + eps ≠ 1, so A1 and x̂ differ in every unit."""
    network = spec.from_mapping(
        {"input": {"X": [[1.0, 2.0, -1.0, 0.5], [0.5, 0.0, 1.5, -2.0]], "Y": [[1, 0, 1, 0]]},
         "layers": [{"type": "dense", "units": 2, "activation": "linear", "W": [[1, 2], [-1, 0.5]], "b": [[1], [0]]},
                    {"type": "batchnorm", "activation": "tanh", "gamma": [[1.5], [0.5]], "beta": [[0.1], [0.0]]},
                    {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.5, -1]], "b": [[0]]}],
         "loss": "bce"}, "net")
    t = run(network).tensors()
    A1, dZ2 = t["A1"], t["dZ2"]
    xhat = (A1 - A1.mean(axis=1, keepdims=True)) / np.sqrt(A1.var(axis=1, keepdims=True) + 1e-5)
    assert not np.allclose(xhat, A1, atol=0.1)
    np.testing.assert_allclose(t["dgamma2"], (dZ2 * xhat).sum(axis=1, keepdims=True), rtol=1e-9)
    wrong = (dZ2 * A1).sum(axis=1, keepdims=True).tolist()
    for lang in ("en", "zh"):
        result = grade(network, "dgamma2", wrong, lang=lang)
        assert not result.correct and result.diagnosis == ["wrong_input"], result.message
        assert "A1" in result.message and "x̂2" in result.message
    formula = grade(network, "dgamma2", "sum(dZ2 * A1, axis=1, keepdims=True)")
    assert formula.diagnosis == ["wrong_input"], formula.message


@pytest.mark.parametrize("exercise, axes, wrong", [(DENSE_EXERCISE, 1, [(0,), ()]),
                                                   (CONV_EXERCISE, (0, 2, 3), [(0, 2), (1,), (2, 3)])])
def test_dbeta_and_dgamma_summed_over_the_wrong_axes_are_named(exercise, axes, wrong):
    """dβ = Σ dZ and dγ = Σ dZ ⊙ x̂ over each unit's values (the samples; on images every
    position too); a sum over other axes is named, as a dense or conv db's is."""
    network = spec.load(exercise)
    t = run(network).tensors()
    summands = {"dbeta2": t["dZ2"], "dgamma2": t["dZ2"] * t["xhat2"]}
    for target, summand in summands.items():
        np.testing.assert_allclose(t[target].reshape(-1), summand.sum(axis=axes).reshape(-1), rtol=1e-12)
        for other in wrong:
            answer = summand.sum(axis=other or None, keepdims=bool(other))
            result = grade(network, target, np.atleast_1d(answer).tolist())
            assert not result.correct and "wrong_axis" in result.diagnosis, (target, other, result.message)
