"""bpcli.narrate: the worked solution as data (steps, formulas, numbers, identities, languages,
filters), on the shared reference cases, the bundled exercises and hand-made networks."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import bpcli
from bpcli.core.activations import NAMES as ACTIVATIONS
from bpcli.core.losses import NAMES as LOSS_NAMES
from bpcli.core.network import WARNING_TEXT
from bpcli.core.network import run
from bpcli.errors import UsageError
from bpcli.grading.targets import valid_targets
from bpcli.narrate import explain
from bpcli.narrate.methods import METHOD_NAMES
from bpcli.texts import languages, templates
from conftest import REFERENCE_DIR, REPO_ROOT, reference_names

EXERCISES = sorted((REPO_ROOT / "exercises").glob("*.yaml"))
REFERENCES = reference_names() or [pytest.param(
    "missing", marks=pytest.mark.skip(reason=f"shared reference cases not found at {REFERENCE_DIR}"))]
NARRATE_DIR = REPO_ROOT / "bpcli" / "narrate"
EN, ZH = templates("en"), templates("zh")

#: the areas of keys only the narration uses (label, word and count are shared with grading and the quiz)
NARRATION_AREAS = {"title", "section", "conventions", "network", "table", "forward", "loss", "backward", "chain",
                   "trace", "kron", "shapes", "note", "check", "warning"}


def gradient_names(result) -> set[str]:
    """Every tensor of the run that a step must compute, the targets a quiz may ask for: Zl, Al,
    dAl, dZl, the parameter gradients (dWl, dbl, dgammal, …), dX; and J."""
    return set(valid_targets(result.tensors())) | {"J"}


def dense_net(activation="tanh", loss="bce", last="sigmoid", m=3, units=(2, 3, 1), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(units[0], m)).round(2)
    if loss == "softmax_ce":
        Y = np.eye(units[-1])[:, rng.integers(0, units[-1], m)]
    else:
        Y = (rng.random((units[-1], m)) > 0.5).astype(float)
    layers = [{"type": "dense", "units": n, "activation": activation} for n in units[1:-1]]
    layers.append({"type": "dense", "units": units[-1], "activation": last})
    return {"input": {"X": X.tolist(), "Y": Y.tolist()}, "layers": layers, "loss": loss, "seed": seed}


def image_net(layers, shape=(2, 1, 6, 6), loss="bce", units=1, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape).round(2)
    Y = (rng.random((units, shape[0])) > 0.5).astype(float)
    return {"input": {"X": X.tolist(), "Y": Y.tolist()}, "layers": layers, "loss": loss, "seed": seed}


def assert_complete_and_correct(network) -> None:
    """Exactly one step per tensor of the run, its result equal to the core's, every check ok."""
    result = run(network)
    for method in METHOD_NAMES:
        explanation = explain(network, method=method)
        targets = [s.target for s in explanation.steps if s.target is not None]
        assert sorted(targets) == sorted(gradient_names(result)), method
        tensors = result.tensors()
        for step in explanation.steps:
            if step.target is None or step.target == "J":
                continue
            expected = tensors[step.target]
            if step.target == "dX":  # the narration shows dX in the layers' shape (m×1×H×W for m×H×W)
                expected = expected.reshape(network.input_for_layers().shape)
            np.testing.assert_array_equal(step.result.value, expected)
            assert step.result.shape == expected.shape
        assert explanation.step_for("J").result.value == pytest.approx(result.loss)
        for step in explanation.steps:
            for check in step.checks:
                assert check.ok, (method, step.title, check.description, check.difference)
            for entry in step.worked:
                assert entry.ok, (method, step.title, entry.value, entry.expected)


@pytest.mark.parametrize("name", REFERENCES)
def test_reference_cases_complete_and_equal_to_the_core(name):
    network = bpcli.load(str(REFERENCE_DIR / f"{name}.yaml"))
    assert_complete_and_correct(network)
    expected = json.loads((REFERENCE_DIR / f"{name}.expected.json").read_text())
    explanation = explain(network)
    np.testing.assert_allclose(explanation.step_for("dX").result.value, np.asarray(expected["dX"]), rtol=1e-9, atol=1e-12)
    for layer in expected["layers"]:
        if layer.get("dW") is not None:
            step = explanation.step_for(f"dW{layer['index']}")
            np.testing.assert_allclose(step.result.value, np.asarray(layer["dW"]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_bundled_exercises_complete_and_equal_to_the_core(path):
    assert_complete_and_correct(bpcli.load(str(path)))


@pytest.mark.parametrize("spec", [
    dense_net("relu", "mse", "linear"), dense_net("sigmoid", "sse", "tanh"), dense_net("linear", "mse", "relu"),
    dense_net("tanh", "softmax_ce", "softmax", units=(3, 4, 3)),
    image_net([{"type": "maxpool", "size": 2}, {"type": "flatten"}], loss="mse", units=9),
    image_net([{"type": "conv2d", "filters": 2, "kernel": [2, 3], "stride": 2, "padding": 2, "activation": "tanh"},
               {"type": "avgpool", "size": 2, "stride": 1}, {"type": "flatten"},
               {"type": "dense", "units": 1, "activation": "sigmoid"}], shape=(2, 2, 7, 7)),
    image_net([{"type": "conv2d", "filters": 1, "kernel": 3, "padding": 3, "stride": 3, "activation": "linear"},
               {"type": "flatten"}, {"type": "dense", "units": 1, "activation": "sigmoid"}], shape=(1, 1, 5, 5)),
], ids=["relu-mse-linear", "sigmoid-sse-tanh", "linear-mse-relu", "softmax", "pool-first-flatten-last",
        "conv-kh-kw-stride-pad-avgpool-overlap", "conv-padding-larger-than-kernel"])
def test_every_layer_kind_activation_and_loss(spec):
    assert_complete_and_correct(bpcli.load(spec))


def test_three_axis_image_input_gives_dx_in_the_shape_x_was_given():
    spec = image_net([{"type": "conv2d", "filters": 1, "kernel": 2, "activation": "relu"}, {"type": "flatten"},
                      {"type": "dense", "units": 1, "activation": "sigmoid"}], shape=(2, 1, 4, 4))
    spec["input"]["X"] = np.asarray(spec["input"]["X"])[:, 0].tolist()
    explanation = bpcli.explain(spec)
    # one shape per tensor in the narration, said once: X and dX are 2×1×4×4 throughout
    assert explanation.step_for("dX").result.shape == (2, 1, 4, 4)
    assert explanation.layer_table.rows[0][5] == "2×1×4×4"
    # said once, in the summary every level shows (not in the network step, which only full shows)
    assert [note for note in explanation.summary.notes if "2×4×4" in note and "2×1×4×4" in note]
    assert not any("2×1×4×4" in sentence for step in explanation.steps for sentence in step.explanation)
    assert [row[1] for row in explanation.summary.check.table.rows if row[0].startswith("X[")] == ["2×1×4×4"]
    assert [row[0].count(",") for row in explanation.summary.check.table.rows if row[0].startswith("X[")] == [3]
    assert bpcli.compute(spec)["dX"].shape == (2, 4, 4)
    assert_complete_and_correct(bpcli.load(spec))


def _order(explanation, section):
    return [s.target for s in explanation.steps if s.section == section and s.target]


def test_dense_steps_in_order_with_their_formulas():
    explanation = bpcli.explain(dense_net("tanh"))
    assert _order(explanation, "forward") == ["Z1", "A1", "Z2", "A2", "J"]
    assert _order(explanation, "backward") == ["dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "dX"]
    assert explanation.step_for("Z1").formula_text == "Z⁽¹⁾ = W⁽¹⁾ X + b⁽¹⁾"
    assert explanation.step_for("Z1").shapes == "(3×2)(2×3) + (3×1 broadcast) → 3×3"
    assert explanation.step_for("dW2").formula_text == "dW⁽²⁾ = dZ⁽²⁾ A⁽¹⁾ᵀ"
    assert explanation.step_for("dW2").shapes == "(1×3)(3×3) → 1×3"
    assert explanation.step_for("dW1").formula_text == "dW⁽¹⁾ = dZ⁽¹⁾ Xᵀ"
    assert explanation.step_for("dA1").formula_text == "dA⁽¹⁾ = W⁽²⁾ᵀ dZ⁽²⁾"
    assert explanation.step_for("dX").formula_latex == r"dX = {W^{(1)}}^\top dZ^{(1)}"
    assert explanation.step_for("db1").formula_text.startswith("db⁽¹⁾ = Σⱼ dZ⁽¹⁾[:, j]")
    dZ1 = explanation.step_for("dZ1")
    assert dZ1.formula_text.startswith("dZ⁽¹⁾ = dA⁽¹⁾ ⊙ g′(Z⁽¹⁾)")
    assert "1 − tanh²(Z⁽¹⁾) = 1 − A⁽¹⁾ ⊙ A⁽¹⁾" in dZ1.formula_text


@pytest.mark.parametrize("activation, derivative", [("sigmoid", "A⁽¹⁾ ⊙ (1 − A⁽¹⁾)"), ("relu", "relu′(Z⁽¹⁾) = 𝟙[Z⁽¹⁾ > 0]"),
                                                    ("linear", "g′(Z⁽¹⁾) = 1")])
def test_g_prime_written_for_the_activation(activation, derivative):
    assert derivative in bpcli.explain(dense_net(activation)).step_for("dZ1").formula_text


@pytest.mark.parametrize("loss, last, units", [("bce", "sigmoid", (2, 3, 1)), ("softmax_ce", "softmax", (2, 3, 3))])
def test_output_layer_simplification_is_derived_and_checked(loss, last, units):
    explanation = bpcli.explain(dense_net("tanh", loss, last, units=units))
    step = explanation.step_for("dZ2")
    assert step.formula_text == "dZ⁽²⁾ = (A⁽²⁾ − Y) / m"
    # softmax: the Jacobian line by line down to (A − Y)/m; bce: σ′, the chain product and the direct route
    assert step.derivation[-1].text.endswith("/ m") or step.derivation[-1].text.startswith("= (A")
    assert any("deeplearning.ai" in note and "1/m" in note for note in step.notes)
    assert [c.ok for c in step.checks] == [True] * (4 if loss == "bce" else 1)
    assert explanation.step_for("dA2").formula_text.startswith("dA⁽²⁾ = ")


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_mse_and_sse_use_the_plain_chain_rule(loss):
    explanation = bpcli.explain(dense_net("tanh", loss, "sigmoid"))
    assert explanation.step_for("dZ2").formula_text.startswith("dZ⁽²⁾ = dA⁽²⁾ ⊙ g′(Z⁽²⁾)")
    expected = "dA⁽²⁾ = (A⁽²⁾ − Y) / m" if loss == "mse" else "dA⁽²⁾ = 2 (A⁽²⁾ − Y)"
    assert explanation.step_for("dA2").formula_text == expected


def test_saturated_sigmoid_output_is_explained_without_failing():
    spec = {"input": {"X": [[1.0, -1.0]], "Y": [[0, 1]]},
            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[80.0]], "b": [[0.0]]}],
            "loss": "bce"}
    explanation = bpcli.explain(spec)
    dA = explanation.step_for("dA1")
    assert not np.isfinite(dA.result.value).all()
    assert any("infinite" in note for note in dA.notes)
    assert np.isfinite(explanation.step_for("dZ1").result.value).all()


CONV = image_net([{"type": "conv2d", "filters": 2, "kernel": 3, "stride": 2, "padding": 1, "activation": "relu"},
                  {"type": "maxpool", "size": 3, "stride": 1}, {"type": "flatten"},
                  {"type": "dense", "units": 1, "activation": "sigmoid"}], shape=(2, 2, 9, 9))


def test_conv_pool_flatten_steps_in_order():
    explanation = bpcli.explain(CONV)
    assert _order(explanation, "forward") == ["Z1", "A1", "A2", "A3", "Z4", "A4", "J"]
    assert _order(explanation, "backward") == ["dA4", "dZ4", "dW4", "db4", "dA3", "dA2", "dA1", "dZ1", "dW1", "db1", "dX"]


def test_conv_backward_shows_padded_dz_rotated_kernel_and_full_correlation():
    network = bpcli.load(CONV)
    result = run(network)
    explanation = explain(network)
    step = explanation.step_for("dX")
    names = [t.name for t in step.operands]
    assert names == ["pad(dil(dZ1))", "ROT180(W1)"]  # stride 2: dZ spread out, then framed
    padded, rotated = step.operands[0].value, step.operands[1].value
    W = network.layers[0].W
    np.testing.assert_array_equal(rotated, W[:, :, ::-1, ::-1])
    assert padded.shape == (2, 2, 9 + 3 - 1, 9 + 3 - 1)
    # stride 2: dZ's entries sit every second row/column, after kh − 1 − p = 1 zero row on top
    dZ = result.records[0].dZ
    np.testing.assert_array_equal(padded[:, :, 1::2, 1::2][:, :, :dZ.shape[2], :dZ.shape[3]], dZ)
    assert "ROT180" in step.formula_text and "i+1−2y" in step.formula_text  # p = 1, s = 2 written as numbers
    assert step.formula_text.startswith("dX = pad(dil₂(dZ⁽¹⁾)) ⋆ ROT180(W⁽¹⁾)")
    assert step.checks[0].ok and "full correlation" in step.checks[0].description
    assert step.worked[0].ok and "W⁽¹⁾[f," in step.worked[0].symbolic.text
    dW = explanation.step_for("dW1")
    assert "⋆" in dW.formula_text and dW.checks[0].ok
    assert explanation.step_for("db1").formula_text == "db⁽¹⁾[f] = Σ_n,y,x dZ⁽¹⁾[n,f,y,x]"


def test_maxpool_overlap_adds_and_shows_the_mask():
    explanation = bpcli.explain(CONV)
    step = explanation.step_for("dA1")
    mask = next(t for t in step.operands if t.name == "mask2")
    assert mask.value.max() >= 2  # stride 1 < size 3: some element wins several windows
    assert any("overlap" in sentence for sentence in step.explanation)
    entry = step.worked[0]
    assert entry.total_terms >= 2 and entry.ok


def test_avgpool_spreads_evenly():
    spec = image_net([{"type": "avgpool", "size": 2}, {"type": "flatten"}], loss="mse", units=9)
    step = bpcli.explain(spec).step_for("dX")
    assert "(1/4)·dA" in step.formula_text
    assert step.worked[0].terms[0][1] == pytest.approx(0.25)


def test_flatten_backward_is_the_reshape_back():
    spec = image_net([{"type": "flatten"}, {"type": "dense", "units": 1, "activation": "sigmoid"}])
    step = bpcli.explain(spec).step_for("dX")
    assert "c·6·6 + h·6 + w" in step.formula_text and step.checks[0].ok


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_each_method_checks_its_identities_on_dense_steps(method):
    explanation = bpcli.explain(dense_net("sigmoid"), method=method)
    for target in ("dW1", "db1", "dX"):
        step = explanation.step_for(target)
        assert step.checks and all(check.ok for check in step.checks), (method, target)
        assert step.derivation
    if method == "trace":
        # the whole differential first, then dJ split into its traces
        assert explanation.step_for("dW1").derivation[0].text == "d(Z⁽¹⁾) = d(W⁽¹⁾) X + W⁽¹⁾ d(X) + d(b⁽¹⁾) 1ᵀ"
        assert "tr(" in explanation.step_for("dW1").derivation[1].text
        check = explanation.step_for("dW1").checks[0]
        assert np.ndim(check.left) == 0 and check.left == pytest.approx(check.right)
    if method == "kron":
        assert any(t.name == "kron1" for t in explanation.step_for("dW1").operands)
        jacobian = next(t for t in explanation.step_for("dW1").operands if t.name == "kron1").value
        A = bpcli.load(dense_net("sigmoid")).X
        np.testing.assert_array_equal(jacobian, np.kron(A.T, np.eye(3)))
    if method == "shapes":
        assert "dZ⁽¹⁾ Xᵀ" in " ".join(explanation.step_for("dW1").explanation)


def test_kron_skips_the_jacobian_for_big_layers():
    explanation = bpcli.explain(dense_net("tanh", units=(20, 30, 1), m=10), method="kron")
    step = explanation.step_for("dW1")
    # shortened, not skipped: the top-left corner of Xᵀ ⊗ I₃₀ (300 × 600), formed here the long way
    shown = next(t for t in step.operands if t.name == "kron1").value
    X = explanation.step_for("dW1").operands[1].value
    assert shown.shape == (12, 12)
    np.testing.assert_array_equal(shown, np.kron(X.T, np.eye(30))[:12, :12])
    assert any("top-left 12×12" in s for s in step.explanation) and step.checks[0].ok


def test_shapes_method_says_when_shapes_alone_are_ambiguous():
    explanation = bpcli.explain(dense_net("tanh", units=(3, 3, 1), m=3), method="shapes")
    assert any("several products" in s for s in explanation.step_for("dW1").explanation)


def test_layer_forward_backward_filters():
    full = bpcli.explain(CONV)
    only = bpcli.explain(CONV, layer=1)
    assert only.steps and all(step.layer == 1 for step in only.steps)
    assert [s.target for s in only.steps] == [s.target for s in full.steps if s.layer == 1]
    assert {s.section for s in bpcli.explain(CONV, backward=False, check=False).steps} == {"network", "forward"}
    assert {s.section for s in bpcli.explain(CONV, forward=False).steps} == {"network", "backward"}
    assert bpcli.explain(CONV, forward=False).summary.check.section == "check"
    assert bpcli.explain(CONV, backward=False).summary.check is None and only.summary is None
    with pytest.raises(UsageError):
        bpcli.explain(CONV, layer=9)
    with pytest.raises(UsageError):
        bpcli.explain(CONV, method="magic")
    with pytest.raises(UsageError):
        bpcli.explain(CONV, lang="fr")


@pytest.mark.parametrize("layer", ["1", 1.5, 1.0, True, [1]])
def test_a_layer_that_is_not_a_whole_number_is_a_usage_error(layer):
    """layer="1" raised a bare TypeError ('<=' between int and str); layer=1.5 gave an explanation
    with no steps at all; True was taken for layer 1."""
    with pytest.raises(UsageError, match=re.escape(f"not {layer!r}")):
        bpcli.explain(CONV, layer=layer)
    assert bpcli.explain(CONV, layer=np.int64(1)).steps


@pytest.mark.parametrize("flag", ["forward", "backward", "check"])
@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, [False]])
def test_a_flag_that_is_not_a_bool_is_a_usage_error_naming_it(flag, value):
    """explain(forward="no") was taken as true (Python counts "no" as true) and showed the forward
    pass the caller asked to leave out."""
    with pytest.raises(UsageError, match=rf"^{flag} must be True or False, found {re.escape(repr(value))}$"):
        bpcli.explain(CONV, **{flag: value})


def test_a_numpy_bool_is_a_flag():
    assert ([s.section for s in bpcli.explain(CONV, forward=np.bool_(False)).steps]
            == [s.section for s in bpcli.explain(CONV, forward=False).steps])


def test_quiz_lookup_finds_exactly_one_worked_solution_per_gradient():
    explanation = bpcli.explain(CONV)
    for name in ("dW1", "db1", "dZ1", "dA1", "dA2", "dA3", "dW4", "dX"):
        assert len([s for s in explanation.steps if s.target == name]) == 1


def test_closing_check_uses_sampled_finite_differences():
    step = bpcli.explain(CONV).summary.check
    assert step.section == "check" and step.table is not None
    assert [row[0].split("[")[0] for row in step.table.rows] == ["W1", "b1", "W4", "b4", "X"]
    # each row named by the entry it shows, in the tensor's shape as the steps show it
    assert all(len(row[0].split("[")[1].split(",")) == len(row[1].split("×")) for row in step.table.rows)
    assert all(row[-1] == EN["word.ok"] for row in step.table.rows)
    checked, size = step.table.rows[-1][2].split("/")
    assert int(checked) < int(size)  # X (2·2·9·9 = 324 entries) is sampled, not checked in full


# ---- languages --------------------------------------------------------------------------

def _static_keys() -> set[str]:
    keys = set()
    for path in NARRATE_DIR.glob("*.py"):
        text = path.read_text()
        keys |= set(re.findall(r"""(?:say|note)\(\s*["']([A-Za-z0-9_.]+)["']""", text))
        for key in re.findall(r"""say\(\s*key\s*\+\s*["']([A-Za-z0-9_.]+)["']""", text):
            keys |= {f"count.{kind}{key}" for kind in ("rows", "columns")}
    return keys


def _dynamic_keys() -> set[str]:
    kinds = ("maxpool", "avgpool")
    keys = {f"forward.activation.{a}" for a in ACTIVATIONS} | {f"backward.gprime.{a}" for a in ACTIVATIONS if a != "softmax"}
    keys |= {f"loss.{loss}" for loss in LOSS_NAMES} | {f"backward.dA_output.{loss}" for loss in LOSS_NAMES}
    keys |= {"backward.fused.bce", "backward.fused.softmax_ce"}
    keys |= {f"title.{k}_forward" for k in kinds} | {f"title.{k}_backward" for k in kinds}
    keys |= {f"forward.{k}" for k in kinds} | {f"backward.{k}.why" for k in kinds} | {f"check.{k}_route" for k in kinds}
    keys |= {f"section.{s}" for s in ("network", "forward", "backward", "check")}
    keys |= {f"shapes.{w}" for w in ("weight", "bias", "input")} | {f"check.kron_{w}" for w in ("weight", "bias", "input")}
    keys |= {f"count.{kind}" for kind in ("rows", "columns")}
    keys |= {f"warning.{kind}" for kind in WARNING_TEXT}
    return keys


def test_every_used_sentence_key_exists_in_every_language():
    used = _static_keys() | _dynamic_keys()
    for lang in languages():
        assert not used - set(templates(lang)), (lang, sorted(used - set(templates(lang))))
    narration = {key for key in EN if key.split(".")[0] in NARRATION_AREAS}
    assert not narration - used, f"unused keys: {sorted(narration - used)}"


def test_translations_are_chinese():
    for key in EN:
        if key.split(".")[0] in NARRATION_AREAS and isinstance(ZH[key], str):
            assert re.search(r"[\u4e00-\u9fff]", ZH[key]) or not re.search(r"[a-z]{4,} [a-z]{4,}", ZH[key]), key
    joined = "".join(text for text in ZH.values() if isinstance(text, str))
    for term in ("反向传播", "前向传播", "链式法则", "维度相容", "逐元素", "损失函数", "激活函数", "池化"):
        assert term in joined


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_zh_narration_is_complete_and_formulas_are_language_independent(method):
    en, zh = bpcli.explain(CONV, method=method), bpcli.explain(CONV, method=method, lang="zh")
    assert [s.target for s in en.steps] == [s.target for s in zh.steps]
    for a, b in zip(en.steps, zh.steps):
        assert a.formula_latex == b.formula_latex and a.formula_text == b.formula_text
        assert all(re.search(r"[\u4e00-\u9fff]", sentence) for sentence in b.explanation), b.title


def test_largest_networks_stay_bounded():
    # the "32 × 32 × 3 batch of 8" through conv → maxpool → flatten → dense softmax
    rng = np.random.default_rng(0)
    m, H = 8, 32
    Y = np.zeros((10, m))
    Y[rng.integers(0, 10, m), np.arange(m)] = 1
    spec = {"input": {"X": rng.normal(size=(m, 3, H, H)), "Y": Y},
            "layers": [{"type": "conv2d", "filters": 8, "kernel": 3, "activation": "relu"},
                       {"type": "maxpool", "size": 2}, {"type": "flatten"},
                       {"type": "dense", "units": 10, "activation": "softmax"}], "loss": "softmax_ce"}
    network = bpcli.load(spec)
    explanation = explain(network, method="kron")
    # bounded by construction, not by a stopwatch (tests never assert on timings): no Jacobian
    # of a big layer is built (dW4's would be 80 × 18000), no operand is bigger than the padded
    # dZ1 of the dX step (m × 8 × (H + 2) × (H + 2)), a worked entry shows at most 7 terms
    step = explanation.step_for("dW4")
    assert max(t.value.size for t in step.operands if t.name.startswith("kron")) <= 12 * 12
    assert any("top-left" in s for s in step.explanation) and step.checks[0].ok
    assert max(np.size(t.value) for s in explanation.steps for t in s.operands) <= m * 8 * (H + 2) ** 2
    assert all(entry.total_terms >= len(entry.terms) and len(entry.terms) <= 7
               for step in explanation.steps for entry in step.worked)


# ---- review fixes: grammar, conv shorthand and framing, no repeated sentences, notation ----

ONE_SAMPLE = {"input": {"X": [[1.0], [2.0]], "Y": [[1]]},
              "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[0.5, -0.25]], "b": [[0.0]]}],
              "loss": "bce"}


def test_counts_are_singular_or_plural_in_english():
    explanation = bpcli.explain(ONE_SAMPLE)
    intro = explanation.steps[0].explanation[0]
    assert intro.startswith("1 layer, loss bce, m = 1 sample, 3 parameters")
    assert "samples" not in intro and "layers" not in intro
    assert "m = 1" in explanation.step_for("Z1").explanation[0] and "columns" not in explanation.step_for("Z1").explanation[0]
    assert bpcli.explain(dense_net("tanh")).steps[0].explanation[0].startswith("2 layers, loss bce, m = 3 samples")
    relu = {"input": {"X": [[0.0, 1.0]], "Y": [[1, 0]]},
            "layers": [{"type": "dense", "units": 1, "activation": "relu", "W": [[1.0]], "b": [[0.0]]},
                       {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1.0]], "b": [[0.0]]}], "loss": "bce"}
    notes = bpcli.explain(relu).step_for("dZ1").notes
    assert any(note.startswith("1 entry of Z is exactly 0") for note in notes), notes
    assert "共 1 层" in bpcli.explain(ONE_SAMPLE, lang="zh").steps[0].explanation[0]


def _conv_net(stride, padding, size=4, kernel=3):
    return image_net([{"type": "conv2d", "filters": 2, "kernel": kernel, "stride": stride, "padding": padding,
                       "activation": "tanh"}, {"type": "flatten"}, {"type": "dense", "units": 1, "activation": "sigmoid"}],
                     shape=(2, 2, size, size))


def test_conv_dw_with_padding_shows_p_and_with_stride_the_dilated_dz():
    network = bpcli.load(bpcli.load(str(REPO_ROOT / "exercises" / "09_conv_stride_padding.yaml")).source)
    step = explain(network).step_for("dW1")
    assert [t.name for t in step.operands] == ["P1", "dil(dZ1)"]
    P, dil = step.operands[0].value, step.operands[1].value
    assert P.shape == (1, 1, 6, 6) and dil.shape == (1, 1, 3, 3)
    assert "(= P⁽¹⁾ ⋆ dil₂(dZ⁽¹⁾))" in step.formula_text and "X ⋆" not in step.formula_text
    assert step.shapes == "(1×1×5×5 used, of 1×1×6×6) ⋆ (1×1×3×3) → 1×1×3×3"
    assert any("1 zero between" in s for s in step.explanation) and any("first 5 rows" in s for s in step.explanation)
    # the shorthand is right: the used part of P correlated with dil(dZ), summed over samples, is dW
    used = P[:, :, :5, :5]
    shorthand = np.array([[[[np.sum(used[:, c, i:i + 3, j:j + 3] * dil[:, f]) for j in range(3)] for i in range(3)]
                           for c in range(1)] for f in range(1)])
    np.testing.assert_allclose(shorthand, step.result.value)


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_conv_dw_shorthand_holds_for_every_stride_and_padding(stride, padding):
    step = bpcli.explain(_conv_net(stride, padding, size=7)).step_for("dW1")
    first, second = step.operands[0].value, step.operands[1].value
    assert step.operands[0].name == ("P1" if padding else "X")
    assert step.operands[1].name == ("dZ1" if stride == 1 else "dil(dZ1)")
    assert ("P⁽¹⁾" in step.formula_text) == bool(padding)
    kh = 3  # valid correlation of the first operand with the second, summed over samples
    out = np.zeros(step.result.shape)
    for i in range(kh):
        for j in range(kh):
            out[:, :, i, j] = np.einsum("ncyx,nfyx->fc", first[:, :, i:i + second.shape[2], j:j + second.shape[3]], second)
    np.testing.assert_allclose(out, step.result.value, atol=1e-12)


def test_conv_forward_without_padding_does_not_mention_p():
    step = bpcli.explain(_conv_net(1, 0)).step_for("Z1")
    assert "P" not in step.formula_text and "padded" not in step.shapes and "padded" not in step.explanation[0]
    assert "X[n,c, y+i, x+j]" in step.formula_text


@pytest.mark.parametrize("stride, padding, size", [(2, 1, 4), (2, 1, 9), (1, 0, 5), (3, 2, 7), (2, 0, 6)])
def test_conv_dx_framing_sentence_matches_the_padded_dz(stride, padding, size):
    from bpcli.narrate.conv2d import frame

    network = bpcli.load(_conv_net(stride, padding, size=size))
    step = explain(network).step_for("dX")
    padded = step.operands[0].value
    Ho = run(network).records[0].dZ.shape[2]
    top, bottom, skipped = frame(3, padding, stride, size, Ho)
    assert padded.shape[2] == size + 3 - 1 == top + stride * (Ho - 1) + 1 + bottom
    rows_with_dz = np.flatnonzero(np.any(padded != 0, axis=(0, 1, 3)))
    assert rows_with_dz.min() >= top and rows_with_dz.max() <= padded.shape[2] - 1 - bottom
    sentence = step.explanation[1]  # after the one sentence saying why (all that --detail steps keeps)
    row = lambda n: f"{n} row" + ("" if n == 1 else "s")
    assert f"{row(top)} on top" in sentence and f"{row(bottom)} at the bottom" in sentence
    assert ("zero between" in sentence or "zeros between" in sentence) == (stride > 1)
    assert ("no window reached" in sentence) == (skipped > 0)
    assert "1 rows" not in sentence and "1 zeros" not in sentence


def test_dz_step_states_the_element_wise_dependence_once():
    for method in METHOD_NAMES:
        step = bpcli.explain(dense_net("tanh"), method=method).step_for("dZ1")
        said = " ".join(step.explanation)
        assert said.count("nothing else") + said.count("depends") + said.count("reaches") == 1, (method, said)
    assert "only through" not in EN["chain.activation"] and "只依赖" not in ZH["chain.activation"]


@pytest.mark.parametrize("method", ["trace", "kron"])
def test_differentials_are_not_written_like_gradients(method):
    """dW means ∂J/∂W everywhere; a differential (a small change) is written d(W)."""
    explanation = bpcli.explain(dense_net("tanh"), method=method)
    for target in ("dZ1", "dW1", "db1", "dX"):
        text = " ".join(line.text for line in explanation.step_for(target).derivation)
        assert not re.search(r"(?<![(∂])d[WZAbX]", text.replace("dJ", "")), (target, text)
    assert "d(W⁽¹⁾)" in explanation.step_for("dW1").derivation[0].text


def test_single_term_worked_entries_do_not_repeat_the_value():
    step = bpcli.explain(_conv_net(1, 0)).step_for("dA1")  # flatten: one entry copied back
    text = step.worked[0].as_text()
    assert text.count("=") == 2, text


def test_sums_over_samples_have_m_terms_and_text_002_dw_slip_is_noted_once():
    explanation = bpcli.explain(dense_net("tanh"))
    everything = " ".join(s.formula_text + " ".join(d.text for d in s.derivation) for s in explanation.steps)
    assert "j=1" not in everything and "₌₁" not in everything
    notes = [note for step in explanation.steps for note in step.notes if "A^[L]ᵀ" in note]
    assert len(notes) == 1 and explanation.step_for("dW2").notes[-1] == notes[0]


def test_shapes_method_names_the_gradient_it_fits():
    explanation = bpcli.explain(dense_net("tanh"), method="shapes")
    assert "dX must be 2×3" in " ".join(explanation.step_for("dX").explanation)
    assert "dA⁽¹⁾ must be 3×3" in " ".join(explanation.step_for("dA1").explanation)
    assert "dW⁽¹⁾ must be 3×2" in " ".join(explanation.step_for("dW1").explanation)


@pytest.mark.parametrize("loss, has_one_over_m", [("sse", False), ("mse", True)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_only_a_loss_that_averages_is_said_to_put_a_1_over_m_inside_dZ(loss, has_one_over_m, lang):
    """sse sums over the samples: its worked solution said dZ 'already contains' a 1/m that is
    nowhere, right after saying 'sse has no 1/m'."""
    from bpcli.render.markdown import render_explanation
    from bpcli.texts import say

    network = bpcli.load({"input": {"X": [[1.0, 2.0, -1.0]], "Y": [[0.5, 1.0, 0.0]]},
                          "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[0.5]],
                                      "b": [[0.1]]}], "loss": loss})
    text = render_explanation(explain(network, lang=lang, detail="full", notes="all"))
    claims = [say(lang, "note.no_extra_1_over_m"), say(lang, "conventions")]
    assert all((claim in text) == has_one_over_m for claim in claims)
    assert (say(lang, "conventions.summed_loss") in text) != has_one_over_m


def test_batchnorm_on_images_is_written_per_channel_with_image_indices():
    """Exercise 14 wrote μ[i] = (1/N) Σⱼ A[i,j] for a 4-D A, whose entries the same page indexes
    A[n,c,h,w]; the column-data formulas stay as they were (13)."""
    images = explain(bpcli.load("14"), detail="full")
    texts = {step.formula_text for step in images.steps if step.layer == 2 and step.formula_text}
    assert "μ⁽²⁾[c] = (1/N) Σ_n,h,w A⁽¹⁾[n,c,h,w]" in texts
    assert "dβ⁽²⁾[c] = Σ_n,h,w dZ⁽²⁾[n,c,h,w]" in texts
    assert not any("[i,j]" in text or "[i]" in text for text in texts), texts
    summary = {line.target: line.formula.text for line in images.summary.equations}
    assert summary["dA1"].startswith("dA⁽¹⁾[n,c,h,w] = (γ⁽²⁾[c] / (N √(σ²⁽²⁾[c] + ε)))")
    columns = explain(bpcli.load("13"), detail="full")
    assert "μ⁽²⁾[i] = (1/N) Σⱼ A⁽¹⁾[i,j]" in {step.formula_text for step in columns.steps}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gradient_passed_back_to_a_layer_without_activation_is_not_sent_through_its_g_prime(lang):
    """12's dense layer 4 passes dA back to layer 3, a flatten: the step said 'its own dZ follows
    with layer 3's g′', which a flatten does not have; layer 2 (after a dense layer 3) keeps it."""
    cnn = explain(bpcli.load("12"), lang=lang, detail="full")
    sentences = [sentence for step in cnn.steps if step.target == "dA3" for sentence in step.explanation]
    assert any("flatten" in sentence for sentence in sentences), sentences
    assert not any("g′" in sentence for sentence in sentences), sentences
    dense = explain(bpcli.load("07"), lang=lang, detail="full")
    assert any("g′" in sentence for step in dense.steps if step.target == "dA2" for sentence in step.explanation)
