"""The worked solution teaches as the texts do (issue 9, points 4-9): text 002's derivations of
ln′, σ′ and a − y with the direct route, text 003's least squares beside the columns and its
dimension matching with a clash first, trace and kron as texts 000 and 001 write them, formulas
that never break inside an expression, Chinese without stray English, one title per language.

Expected numbers are worked out by hand (in the comments) or by an independent computation."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

import bpcli
from bpcli.narrate import explain
from bpcli.narrate.expr import TEXT
from bpcli.narrate.methods import METHOD_NAMES
from bpcli.render.terminal import step_renderable
from bpcli.render.wrap import tokens
from conftest import REPO_ROOT

EXERCISES = sorted((REPO_ROOT / "exercises").glob("*.yaml"))


def exercise(stem: str):
    return bpcli.load(str(REPO_ROOT / "exercises" / f"{stem}.yaml"))


def lines_of(formulas) -> list[str]:
    return [formula.text for formula in formulas]


# -- point 4: text 002 derived -----------------------------------------------------------------

def test_text_002_log_derivative_is_derived_at_the_output_gradient():
    step = explain(exercise("01_sigmoid_neuron")).step_for("dA1")
    lines = lines_of(step.derivation)
    assert lines[0] == "e^(log a) = a  ⇒  e^(log a)(log a)′ = 1  ⇒  (log a)′ = 1 / e^(log a) = 1/a"
    assert lines[1] == "(log(1 − a))′ = (1 / (1 − a)) · (−1) = −1 / (1 − a)"
    assert lines[2].endswith("= −(1/m)(y/a − (1 − y)/(1 − a))")


def test_text_002_sigmoid_product_and_direct_route_in_order():
    step = explain(exercise("01_sigmoid_neuron")).step_for("dZ1")
    lines = lines_of(step.derivation)
    sigma = lines.index("σ(z) = 1 / (1 + e^(−z)) = (1 + e^(−z))⁻¹")
    simplified = lines.index("= σ(z)(1 − σ(z)) = a (1 − a)")
    product = next(i for i, line in enumerate(lines) if line.startswith("∂J/∂z = ∂J/∂a · ∂a/∂z"))
    in_z = lines.index("J = (1/m) Σᵢⱼ [ log(1 + e^z) − y z ]")
    assert sigma < simplified < product < in_z
    assert lines[in_z - 1] == "= y z − log(e^z (1 + e^(−z))) = y z − log(1 + e^z)"
    assert lines[product + 2].endswith("= (a − y) / m")
    assert lines[-1].endswith("= (1/m)(σ(z) − y) = (a − y) / m")


def test_text_002_routes_agree_with_the_numbers():
    # one neuron, z = 0.5·1 − 0.25·2 + 0 = 0, so a = σ(0) = 1/2, y = 1:
    # σ′(0) = e⁰/(1 + e⁰)² = 1/4 = a(1 − a); J = log(1 + e⁰) − 1·0 = ln 2; dZ = a − y = −1/2
    step = explain(exercise("01_sigmoid_neuron")).step_for("dZ1")
    assert all(check.ok for check in step.checks) and len(step.checks) == 4
    quotient, direct_loss, direct_gradient = step.checks[1:]
    assert float(np.squeeze(quotient.left)) == pytest.approx(0.25)
    assert direct_loss.left == pytest.approx(np.log(2)) and direct_loss.right == pytest.approx(np.log(2))
    assert "0.6931 = 0.6931" in direct_loss.summary()
    assert float(np.squeeze(direct_gradient.left)) == pytest.approx(-0.5)
    assert float(np.squeeze(step.result.value)) == pytest.approx(-0.5)


def test_text_002_routes_agree_on_a_batch():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(2, 5)), (rng.random((1, 5)) > 0.5).astype(float)
    W, b = np.array([[0.7, -1.2]]), np.array([[0.3]])
    network = bpcli.load({"input": {"X": X, "Y": Y}, "loss": "bce",
                          "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": W, "b": b}]})
    step = explain(network).step_for("dZ1")
    Z = W @ X + b
    A = 1 / (1 + np.exp(-Z))  # computed here independently of bpcli's stable sigmoid
    np.testing.assert_allclose(step.checks[1].right, A * (1 - A), rtol=1e-12)
    assert step.checks[2].right == pytest.approx(np.mean(-(Y * np.log(A) + (1 - Y) * np.log(1 - A))) * 1)
    np.testing.assert_allclose(step.checks[3].left, (A - Y) / 5, rtol=1e-12)
    assert all(check.ok for check in step.checks)


def test_softmax_jacobian_is_derived_once_and_labelled_by_column():
    explanation = explain(exercise("06_softmax_classifier"))
    jacobian = [step for step in explanation.steps if any("∂A[k,j]/∂Z[i,j]" in line.text for line in step.derivation)]
    assert [step.target for step in jacobian] == ["dZ1"]  # a one-layer softmax classifier
    assert jacobian[0].derivation[-1].text.startswith("= (A[i,j] − Y[i,j]) / m")
    assert "column by column" in jacobian[0].shapes and "entry by entry" not in jacobian[0].shapes
    assert "column by column" in explanation.step_for("A1").shapes


# -- point 5: text 003 taught --------------------------------------------------------------------

def test_least_squares_relates_the_columns_to_the_rows():
    # X = [[1, 0, 2], [2, 1, −1]] (columns are samples), w = W1ᵀ = (0.5, −1), y = (−1, 0, 1):
    # X_text w = (1·0.5 − 2, 0 − 1, 2·0.5 + 1) = (−1.5, −1, 2), residual r = (−0.5, −1, 1),
    # J = 0.25 + 1 + 1 = 2.25, ∇J = 2 X_textᵀ r = 2 (−0.5 + 2, −1 − 1 − 1) = (3, −6)
    explanation = explain(exercise("03_least_squares"))
    step = next(s for s in explanation.steps if s.title.startswith("Text 003"))
    lines = lines_of(step.derivation)
    assert lines[0] == "X_text = Xᵀ,   w = W⁽¹⁾ᵀ,   y = Yᵀ"
    assert lines[1] == "J = ‖X_text w − y‖² = (X_text w − y)ᵀ (X_text w − y) = 2.2500"
    assert lines[2] == "∂J/∂w = 2 X_textᵀ (X_text w − y) = 2 X (Z⁽¹⁾ − Y)ᵀ = dW⁽¹⁾ᵀ"
    np.testing.assert_allclose(step.result.value, [[3.0], [-6.0]])
    np.testing.assert_allclose(explanation.step_for("dW1").result.value, [[3.0, -6.0]])
    assert all(check.ok for check in step.checks) and len(step.checks) == 3
    assert step.checks[0].left == pytest.approx(2.25)
    # ∂J/∂X_text = 2 r wᵀ: row j is 2 r_j (0.5, −1), the transpose of dX
    np.testing.assert_allclose(step.checks[2].left, 2 * np.outer([-0.5, -1, 1], [0.5, -1]))
    assert "X_text = Xᵀ" in " ".join(step.explanation)


def test_least_squares_on_any_sse_linear_output_and_nowhere_else():
    rng = np.random.default_rng(1)
    spec = {"input": {"X": rng.normal(size=(3, 4)), "Y": rng.normal(size=(2, 4))}, "loss": "sse",
            "layers": [{"type": "dense", "units": 3, "activation": "tanh"},
                       {"type": "dense", "units": 2, "activation": "linear", "b": [[0.5], [-0.25]]}]}
    explanation = explain(bpcli.load(spec))
    step = next(s for s in explanation.steps if s.title.startswith("Text 003"))
    result = bpcli.compute(spec)
    A1, W2, b2, Y = result["layers"][0]["A"], result["layers"][1]["W"], result["layers"][1]["b"], np.asarray(spec["input"]["Y"])
    residual = A1.T @ W2.T + b2.T - Y.T  # the text's rows, with the bias every row shares
    np.testing.assert_allclose(step.result.value, 2 * A1 @ residual, rtol=1e-12)
    np.testing.assert_allclose(step.result.value, result["layers"][1]["dW"].T, rtol=1e-12)
    assert all(check.ok for check in step.checks) and len(step.checks) == 2
    for other in ({**spec, "loss": "mse"}, {**spec, "layers": [spec["layers"][0], {**spec["layers"][1], "activation": "tanh"}]}):
        assert not any(s.title.startswith("Text 003") for s in explain(bpcli.load(other)).steps)


def test_shapes_method_shows_a_clash_before_the_arrangement_that_fits():
    explanation = explain(exercise("03_least_squares"), method="shapes")
    weight = " ".join(explanation.step_for("dW1").explanation)
    # as scalars ∂J/∂w = ∂J/∂z · a: dZ1 (1×3) times X (2×3) cannot multiply, 3 ≠ 2
    assert "dZ⁽¹⁾ X: (1×3)(2×3): 3 ≠ 2" in weight
    assert weight.index("3 ≠ 2") < weight.index("the arrangement that fits is dZ⁽¹⁾ Xᵀ")
    # as scalars ∂J/∂a = w · ∂J/∂z: W1 (1×2) times dZ1 (1×3), 2 ≠ 1
    assert "W⁽¹⁾ dZ⁽¹⁾: (1×2)(1×3): 2 ≠ 1" in " ".join(explanation.step_for("dX").explanation)


# -- point 6: trace and kron as the texts do them ----------------------------------------------------

def test_trace_writes_the_whole_differential_and_both_sides_numbers():
    network = exercise("04_two_layer_tanh")
    explanation = explain(network, method="trace")
    weight = explanation.step_for("dW1")
    assert lines_of(weight.derivation)[:2] == [
        "d(Z⁽¹⁾) = d(W⁽¹⁾) X + W⁽¹⁾ d(X) + d(b⁽¹⁾) 1ᵀ",
        "dJ = tr((∂J/∂Z⁽¹⁾)ᵀ d(Z⁽¹⁾)) = tr((∂J/∂Z⁽¹⁾)ᵀ d(W⁽¹⁾) X) + tr((∂J/∂Z⁽¹⁾)ᵀ W⁽¹⁾ d(X))"
        " + tr((∂J/∂Z⁽¹⁾)ᵀ d(b⁽¹⁾) 1ᵀ)"]
    assert explanation.step_for("db1").derivation[0].text.startswith("tr((∂J/∂Z⁽¹⁾)ᵀ d(b⁽¹⁾) 1ᵀ) = ")
    assert explanation.step_for("dX").derivation[0].text.startswith("tr((∂J/∂Z⁽¹⁾)ᵀ W⁽¹⁾ d(X)) = ")
    check = weight.checks[0]
    # the same direction as the narration (seed 0), the trace taken the long way round
    result = bpcli.compute(str(REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml"))
    G, X = result["layers"][0]["dZ"], np.asarray(network.X)
    E = np.random.default_rng(0).standard_normal(result["layers"][0]["W"].shape)
    assert check.left == pytest.approx(np.trace(G.T @ E @ X), rel=1e-12)
    assert check.right == pytest.approx(np.trace((G @ X.T).T @ E), rel=1e-12)
    assert re.search(r": (-?\d\.\d{4}) = \1 \(", check.summary())


def test_identities_use_letters_that_are_not_activations():
    for method in ("trace", "kron"):
        explanation = explain(exercise("04_two_layer_tanh"), method=method)
        sentences = " ".join(" ".join(step.explanation) for step in explanation.steps)
        assert not re.search(r"tr\(ABC\)|tr\(Aᵀ\(B|vec\(ABC\)|\(Cᵀ ⊗ A\)", sentences)
    assert "tr(PQR) = tr(RPQ)" in " ".join(explain(exercise("04_two_layer_tanh"), method="trace").step_for("dW1").explanation)


def test_kron_shows_the_block_structure_on_a_layer_with_several_units():
    explanation = explain(exercise("04_two_layer_tanh"), method="kron")
    X = np.asarray(exercise("04_two_layer_tanh").X)
    jacobian = next(t for t in explanation.step_for("dW1").operands if t.name == "kron1").value
    assert jacobian.shape == (12, 6)
    for r in range(4):  # block (r, c) of Xᵀ ⊗ I₃ is X[c, r] times the 3×3 identity
        for c in range(2):
            np.testing.assert_array_equal(jacobian[3 * r:3 * r + 3, 3 * c:3 * c + 3], X[c, r] * np.eye(3))
    one_unit = explanation.step_for("dW2")
    assert not any(t.name.startswith("kron") for t in one_unit.operands)
    assert any("I₁ = 1" in sentence for sentence in one_unit.explanation)


# -- point 7: formulas never break inside an expression ----------------------------------------------

def _valid_lines(explanation, precision=4) -> set[str]:
    """Every run of consecutive pieces of every formula the terminal shows, stripped."""
    valid = set()
    for step in explanation.steps:
        formulas = [f.pieces(TEXT) for f in ([step.formula] if step.formula is not None else []) + step.derivation]
        for entry in step.worked:
            pieces = entry.formula(precision, explanation.labels.terms).pieces(TEXT)
            formulas.append(pieces[:-1] + [pieces[-1] + (" ✓" if entry.ok else " ✗")])
        for pieces in formulas:
            for i in range(len(pieces)):
                for j in range(i + 1, len(pieces) + 1):
                    valid.add("".join(pieces[i:j]).strip())
    return valid


def _wider_than(explanation, width: int) -> list[str]:
    """The formulas (whole, as text) that have a piece wider than ``width`` cells."""
    formulas = [formula for step in explanation.steps
                for formula in ([step.formula] if step.formula is not None else []) + step.derivation]
    return [formula.print(TEXT).string for formula in formulas
            if any(cell_len(piece.strip()) > width for piece in formula.pieces(TEXT))]


@lru_cache(maxsize=None)
def _explanation(path, method, lang):
    return explain(bpcli.load(str(path)), method=method, lang=lang)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_pieces_join_to_the_whole_formula_in_both_printers(path):
    from bpcli.narrate.expr import LATEX
    for method in METHOD_NAMES:
        for step in _explanation(path, method, "en").steps:
            for formula in ([step.formula] if step.formula is not None else []) + step.derivation:
                for printer in (TEXT, LATEX):
                    assert "".join(formula.pieces(printer)) == formula.print(printer).string
                assert len(formula.pieces(TEXT)) == len(formula.pieces(LATEX))


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_no_formula_line_is_broken_inside_an_expression(path):
    for method in METHOD_NAMES:
        explanation = _explanation(path, method, "en")
        valid = _valid_lines(explanation)
        for width in (60, 80, 100):
            console = Console(width=width, color_system="standard", force_terminal=True)
            # a piece wider than the line (image batchnorm's Σ_n′,h′,w′ dx̂[n′,c,h′,w′]·x̂[n′,c,h′,w′]
            # at 60 columns) can only be cut; its lines are still pieces of the formula
            uncut = _wider_than(explanation, width - 4)
            previous = None
            for step in explanation.steps:
                for line in console.render_lines(step_renderable(step, explanation, previous=previous), pad=False):
                    formula = "".join(seg.text for seg in line if seg.style and seg.style.color
                                      and seg.style.color.name == "cyan").strip()
                    if formula and not any(formula in whole for whole in uncut):
                        assert formula in valid, (path.stem, method, width, formula)
                previous = step


def test_a_long_formula_continues_aligned_under_its_first_relation():
    explanation = explain(exercise("04_two_layer_tanh"), method="trace")
    step = explanation.step_for("dW1")
    console = Console(width=60, color_system=None)
    with console.capture() as captured:
        console.print(step_renderable(step, explanation))
    lines = captured.get().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  dJ = tr("))
    # 'dJ = …' is 63 cells: it goes on under the '=' (column 5), never past 60
    assert lines[first + 1].startswith("     = tr(") or lines[first + 1].startswith("     + tr(")
    assert all(len(line.rstrip()) <= 60 for line in lines)


def test_chinese_prose_breaks_between_characters():
    from rich.cells import cell_len

    from bpcli.render.wrap import Prose

    # an equation stays whole: no break on either side of its '='
    assert tokens("链式法则，逐元素：dZ = dA") == ["链", "式", "法", "则，", "逐", "元", "素：", "dZ = dA"]
    assert tokens("so z = 0, a = 0.5 here") == ["so ", "z = 0, ", "a = 0.5 ", "here"]
    # nor on either side of an operator: '(A −' / 'Y)/m' and 'γ ⊙' / 'dZ' broke inline formulas
    assert tokens("leaves (A − Y)/m here") == ["leaves ", "(A − Y)/m ", "here"]
    assert tokens("with dx̂ = γ ⊙ dZ and (Rᵀ ⊗ P)") == ["with ", "dx̂ = γ ⊙ dZ ", "and ", "(Rᵀ ⊗ P)"]
    # a chain of layers may break after an arrow (kept whole, it left the quiz title's line before
    # it half empty), never before one
    assert tokens("conv relu → pooling → flatten") == ["conv ", "relu → ", "pooling → ", "flatten"]
    explanation = _explanation(REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml", "chain", "zh")
    for sentence in explanation.step_for("dW1").explanation:
        longest = max(cell_len(token.rstrip()) for token in tokens(sentence))
        for width in (40, 60):
            console = Console(width=width, color_system=None)
            with console.capture() as captured:
                console.print(Prose(sentence))
            lines = captured.get().rstrip("\n").split("\n")
            # greedy filling: a line ends only when the next unbreakable piece would not fit; Rich
            # alone breaks only at spaces, leaving lines half empty before a run of Chinese
            assert all(cell_len(line) <= width for line in lines)
            assert all(cell_len(line) > width - longest - 1 for line in lines[:-1]), (width, lines)
            assert "".join(lines).replace(" ", "") == sentence.replace(" ", "")


# -- point 8: Chinese complete ----------------------------------------------------------------------

#: what may stay in Latin letters in a Chinese explanation: names in formulas and code (tensors,
#: functions, layer kinds, activations, losses, methods) and proper names
ALLOWED_IN_ZH = {
    "dZ", "dA", "dW", "db", "dX", "dT", "dJ", "dL", "da", "dz", "prev", "text", "Xw", "PQR", "RPQ", "kh", "kw",
    "log", "ln", "tr", "vec", "diag", "pad", "dil", "ROT", "argmax", "max", "mask", "count",
    "dense", "conv", "maxpool", "avgpool", "flatten", "sigmoid", "tanh", "relu", "linear", "softmax",
    "bce", "sse", "mse", "ce", *METHOD_NAMES, "compute", "json", "deeplearning", "ai", "bpcli", "CNN",
    # batch normalisation: its layer kind as the network file names it (the summary's type column,
    # beside dense), and dx̂, whose letters before the combining hat the pattern sees as 'dx'
    "batchnorm", "dx",
    # proper names: CS231n (Stanford's course, whose assignment 2 the staged path follows; the
    # pattern sees its letters 'CS') and PyTorch (whose batch_norm the variance note cites)
    "CS", "PyTorch",
}


def _sentences(explanation) -> list[str]:
    texts = [explanation.title, explanation.conventions, *explanation.layer_table.headers]
    texts += [cell for row in explanation.layer_table.rows for cell in row]
    for step in explanation.steps:
        texts += [step.title, step.shapes, *step.explanation, *step.notes, *(c.description for c in step.checks)]
        if step.table is not None:
            texts += step.table.headers + [cell for row in step.table.rows for cell in row]
    texts += list(explanation.labels.sections.values())
    return texts


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_chinese_explanations_have_no_english_words(path):
    for method in METHOD_NAMES:
        explanation = _explanation(path, method, "zh")
        stray = {word for text in _sentences(explanation) for word in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED_IN_ZH
        assert not stray, (path.stem, method, sorted(stray))


def test_the_chinese_title_of_an_exercise_is_used():
    assert _explanation(REPO_ROOT / "exercises" / "03_least_squares.yaml", "chain", "zh").title == \
        "最小二乘 J = ‖Xw − y‖²（文本 003）"
    assert _explanation(REPO_ROOT / "exercises" / "03_least_squares.yaml", "chain", "en").title == \
        "Least squares J = ‖Xw − y‖² (text 003)"


def test_a_long_summary_equation_goes_on_under_its_relation():
    """13's one-line dA at 80 columns: Rich broke it at a space and went on at the margin of
    the equations, so that its end read as an equation of its own."""
    from bpcli.render.terminal import summary_renderable

    explanation = explain(bpcli.load("13"), detail="summary")
    console = Console(width=80, color_system=None, record=True)
    console.print(summary_renderable(explanation.summary, explanation))
    lines = console.export_text().splitlines()
    first = next(k for k, line in enumerate(lines) if line.lstrip().startswith("dA⁽¹⁾[i,j] = "))
    relation = lines[first].index(" = ") + 1
    going_on = lines[first + 1]
    assert going_on[:relation].strip() == "" and going_on[relation:].startswith("−"), lines[first:first + 2]


def test_a_shapes_aside_is_in_the_languages_parentheses():
    """'维度：1×4 → 1×1 (对样本求和)' set a Chinese aside in Latin parentheses."""
    for lang, aside in (("en", " (summed over the samples)"), ("zh", "（对样本求和）")):
        shapes = _explanation(REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml", "chain", lang).step_for("db1").shapes
        assert shapes == f"3×4 → 3×1{aside}", shapes


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_kronecker_jacobian_is_not_broken_across_lines(lang):
    """'∂vec Z/∂vec W' broke at its inner space ('…雅可比矩阵 ∂vec' / 'Z/∂vec W'); it is written
    ∂vec(Z)/∂vec(W), as the sentence writes vec(Q), and no line break falls inside it."""
    step = _explanation(REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml", "kron", lang).step_for("dW1")
    sentence = next(text for text in step.explanation if "∂vec" in text)
    assert any("∂vec(Z)/∂vec(W)" in token for token in tokens(sentence)), tokens(sentence)
