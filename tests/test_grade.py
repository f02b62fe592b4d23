"""bpcli grade: right answers accepted at the tolerance, each diagnosis produced by the mistake it
names (and never by a right answer), the JSON object, exit codes, and the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import io

from rich.console import Console

import bpcli
from bpcli import spec
from bpcli.render.grading import grade_renderable
from bpcli.core.network import run
from bpcli.errors import AnswerError, UsageError
from bpcli.grading import grade
from bpcli.texts import error_text
from conftest import REPO_ROOT, cli_env, run_cli
from test_explain import NARRATION_AREAS

EXERCISES = REPO_ROOT / "exercises"
TWO_LAYER = EXERCISES / "04_two_layer_tanh.yaml"


def _commands_registered() -> bool:
    try:
        from bpcli.cli import app
    except ImportError:
        return False
    return {"grade", "quiz"} <= {command.name for command in app.registered_commands}


_STANDALONE_APP = ("import typer\nfrom bpcli.commands.grade import grade_command\n"
                   "from bpcli.commands.quiz import quiz_command\n"
                   "app = typer.Typer(pretty_exceptions_enable=False)\n"
                   "app.command('grade')(grade_command)\napp.command('quiz')(quiz_command)\n"
                   "app(prog_name='bpcli')\n")


def run_bpcli(args: list[str], input: str | None = None, env: dict[str, str] | None = None):
    """``python -m bpcli ARGS`` once cli.py registers grade and quiz; until then the same two
    commands in a stand-alone Typer app. Returns (exit code, stdout, stderr)."""
    if _commands_registered():
        return run_cli(args, input=input, env=env)
    done = subprocess.run([sys.executable, "-c", _STANDALONE_APP, *map(str, args)],
                          input=None if input is None else input.encode("utf-8"), capture_output=True,
                          timeout=60, env=env or cli_env(), cwd=REPO_ROOT)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def net():
    return spec.load(TWO_LAYER)


@pytest.fixture(scope="module")
def tensors(net):
    return run(net).tensors()


def text(array: np.ndarray) -> str:
    return json.dumps(np.asarray(array).tolist())


# -- right answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "Z1", "A1"])
def test_exact_numbers_are_right(net, tensors, target):
    result = grade(net, target, text(tensors[target]))
    assert result.correct and result.diagnosis == [] and result.max_abs_error == 0


def test_rounded_answers_are_right_within_the_tolerance(net, tensors):
    expected = tensors["dW1"]
    rounded = np.round(expected, 3)
    assert grade(net, "dW1", text(rounded)).correct
    # just inside: rtol·|e| + rtol·max|e| around each entry
    scale = np.abs(expected).max()
    inside = expected + 0.9 * (0.01 * np.abs(expected) + 0.01 * scale)
    outside = expected.copy()
    outside[0, 0] += 1.1 * (0.01 * abs(expected[0, 0]) + 0.01 * scale)
    assert grade(net, "dW1", text(inside)).correct
    assert not grade(net, "dW1", text(outside)).correct
    assert grade(net, "dW1", text(outside), rtol=0.05).correct


@pytest.mark.parametrize("answer", ["1 2; 3 4", "[[1, 2], [3, 4]]", "[1 2; 3 4]", "1, 2\n3, 4",
                                    "[[1e0, 2/1], [3., 0.4e1]]", "[[1, 4/2], [6/2, 4]]"])
def test_number_syntaxes(answer):
    from bpcli.grading.numbers import parse_numbers

    assert parse_numbers(answer).tolist() == [[1, 2], [3, 4]]


def test_fractions_and_flat_columns(tmp_path):
    network = spec.load({"input": {"X": [[1.0], [2.0]], "Y": [[0.0]]},
                         "layers": [{"type": "dense", "units": 1, "activation": "linear",
                                     "W": [[1 / 3, 0.0]], "b": [[0.0]]}], "loss": "sse"})
    assert grade(network, "Z1", "1/3").correct          # a 1 × 1 tensor as a single number
    assert grade(network, "dW1", "2/3 4/3").correct     # a row written flat
    assert grade(network, "db1", "[2/3]").correct


# -- each diagnosis from its mistake --------------------------------------------------------------

def diagnosis(net, target, answer):
    result = grade(net, target, answer)
    assert not result.correct
    return result


def test_transposed(net, tensors):
    result = diagnosis(net, "dW1", text(tensors["dW1"].T))
    assert result.diagnosis == ["transposed"]
    assert result.expected_shape == [3, 2] and result.answer_shape == [2, 3]
    assert "dW1 has the shape of W1, 3 × 2" in result.message


def test_transposed_formula(net):
    assert diagnosis(net, "dW2", "A1 @ dZ2.T").diagnosis == ["transposed"]


def test_sign(net, tensors):
    assert diagnosis(net, "dW2", text(-tensors["dW2"])).diagnosis == ["sign"]
    assert diagnosis(net, "dZ2", "(Y - A2) / m").diagnosis == ["sign"]


def test_missing_and_extra_one_over_m(net, tensors):
    assert diagnosis(net, "dZ2", "A2 - Y").diagnosis == ["missing_1_over_m"]
    assert diagnosis(net, "dW2", text(tensors["dW2"] * 4)).diagnosis == ["missing_1_over_m"]
    extra = diagnosis(net, "dW2", "dZ2 @ A1.T / m")
    assert extra.diagnosis == ["extra_1_over_m"] and "deeplearning.ai" in extra.message


def test_scaled(net, tensors):
    result = diagnosis(net, "dW1", text(tensors["dW1"] * 2.5))
    assert result.diagnosis == ["scaled"] and "2.5" in result.message


def test_shape_with_dimension_analysis(net):
    result = diagnosis(net, "dW1", "[[1, 2, 3, 4]]")
    assert result.diagnosis == ["shape"]
    assert "dW1 has the shape of W1, 3 × 2" in result.message and "your answer is 1 × 4" in result.message
    assert result.max_abs_error is None


def test_other_tensor(net, tensors):
    # dZ1's numbers given for dA1 (dZ1 by name is refused: it is computed from dA1)
    result = diagnosis(net, "dA1", text(tensors["dZ1"]))
    assert result.diagnosis == ["other_tensor"] and "dZ1" in result.message


def test_another_tensor_of_another_shape_is_named(net, tensors):
    # dZ2 (1 × 4) given for dW2 (1 × 3): a step short of dW2 = dZ2 A1ᵀ; the shape alone said less
    result = diagnosis(net, "dW2", text(tensors["dZ2"]))
    assert result.diagnosis == ["shape", "other_tensor"] and "your answer is 1 × 4" in result.message
    assert "Your answer is dZ2" in result.message
    assert diagnosis(net, "dW2", "A1").diagnosis == ["shape", "other_tensor"]
    # only as it is: dZ2 transposed (4 × 1) or scaled is a guess, and zeros name no tensor
    assert diagnosis(net, "dW2", text(tensors["dZ2"].T)).diagnosis == ["shape"]
    assert diagnosis(net, "dW2", text(-tensors["dZ2"])).diagnosis == ["shape"]
    assert diagnosis(net, "dW2", "[[0, 0, 0, 0]]").diagnosis == ["shape"]
    # a single number is a guess too: it would be "Y" or "A1" whenever one of them is within 1 %
    one = bpcli.grade("01", "dW1", "1")  # exercise 01: y = 1, and dW1 is 1 × 2
    assert one.diagnosis == ["shape"] and "Your answer is" not in one.message


def test_missing_activation_derivative(net):
    assert diagnosis(net, "dZ1", "W2.T @ dZ2").diagnosis == ["missing_activation_derivative"]
    assert "missing_activation_derivative" in diagnosis(net, "dW1", "(W2.T @ dZ2) @ X.T").diagnosis


def test_slips_of_the_source_texts(net):
    # text 002: dW[L] = dZ[L] A[L]ᵀ for A[L-1]ᵀ, and dW[L]ᵀ for W[L]ᵀ; text 000: g'(A) for g'(Z)
    assert "wrong_input" in diagnosis(net, "dW1", "dZ1 @ A1.T").diagnosis
    assert diagnosis(net, "dZ1", "dW2.T @ dZ2 * tanh_prime(Z1)").diagnosis == ["used_dW_for_W"]
    assert diagnosis(net, "dZ1", "W2.T @ dZ2 * tanh_prime(A1)").diagnosis == ["derivative_at_A"]


def test_db_not_summed(net):
    result = diagnosis(net, "db1", "dZ1")
    assert result.diagnosis == ["shape", "not_summed"] and "sum(dZ1, axis=1, keepdims=True)" in result.message
    # summed, over the wrong axis: not "not_summed" beside it (the learner did sum)
    assert diagnosis(net, "db1", "sum(dZ1, axis=0, keepdims=True)").diagnosis == ["shape", "wrong_axis"]


def plain(renderable) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue()


def test_entries_marks_the_wrong_ones(net, tensors):
    answer = tensors["dW1"].copy()
    answer[2, 1] += 1.0
    result = diagnosis(net, "dW1", text(answer))
    assert result.diagnosis == ["entries"] and result.wrong_entries == [[2, 1]]
    assert result.to_dict()["wrong_entries"] == [[2, 1]]
    # drawn (the terminal, the quiz, a notebook), the answer shows its marks; the message itself
    # (a script's, JSON, a batch, Gradescope's feedback) names the entry instead of "(marked)"
    assert "1 of 6 entries of your answer is wrong: dW1[2,1]; the others are right." in result.message
    assert result.to_dict()["message"] == result.message and "(marked)" not in result.message
    assert "1 of 6 entries of your answer is wrong (marked)" in plain(grade_renderable(result))
    # several: each named; all: none named
    answer = tensors["dW1"] + 1.0
    answer[0, 0] = tensors["dW1"][0, 0]
    many = diagnosis(net, "dW1", text(answer))
    assert "5 of 6 entries of your answer are wrong: dW1[0,1], dW1[1,0], dW1[1,1], dW1[2,0], dW1[2,1];" in many.message
    assert "All 6 entries of your answer are wrong, and" in diagnosis(net, "dW1", text(tensors["dW1"] * 3 + 1)).message


def test_wrong_entries_of_a_large_answer_are_named_first_eight_then_an_ellipsis():
    """A 12 × 12 answer: the terminal shows 8 of its rows and columns, so the wrong entry [6,6]
    is not on screen and is named; more than eight wrong entries: eight named, then "…"."""
    rng = np.random.default_rng(5)
    big = {"input": {"X": rng.normal(size=(12, 3)).tolist(), "Y": rng.normal(size=(12, 3)).tolist()},
           "layers": [{"type": "dense", "units": 12, "activation": "linear",
                       "W": rng.normal(size=(12, 12)).tolist(), "b": np.zeros((12, 1)).tolist()}], "loss": "mse"}
    right = bpcli.compute(big)["layers"][0]["dW"]
    answer = right.copy()
    answer[6, 6] += 1.0
    one = bpcli.grade(big, "dW1", text(answer))
    assert one.diagnosis == ["entries"] and "dW1[6,6]" in plain(grade_renderable(one)).replace("\n", " ")
    answer[0, :10] += 1.0
    ten = bpcli.grade(big, "dW1", text(answer))
    assert len(ten.wrong_entries) == 11
    assert ("11 of 144 entries of your answer are wrong: dW1[0,0], dW1[0,1], dW1[0,2], dW1[0,3], dW1[0,4], "
            "dW1[0,5], dW1[0,6], dW1[0,7], …; the others are right.") in ten.message


def test_a_right_answer_has_no_diagnosis_in_any_exercise():
    from bpcli.quiz.catalogue import exercise_names, load_exercise

    for name in exercise_names():
        exercise = load_exercise(name)
        tensors = run(exercise.network).tensors()
        for target in exercise.targets:
            result = grade(exercise.network, target, tensors[target])
            assert result.correct and result.diagnosis == [], (name, target)


def test_conv_and_pool_mistakes():
    conv = spec.load(EXERCISES / "08_conv_single_filter.yaml")
    tensors = run(conv).tensors()
    assert diagnosis(conv, "db1", text(tensors["dZ1"])).diagnosis[-1] == "not_summed"
    pool = spec.load(EXERCISES / "10_maxpool.yaml")
    from bpcli.core.pool import AvgPool

    record = run(pool).records[0]
    spread = AvgPool(1, 2, 2).backward(record.dA, record.cache)[0].reshape(pool.X.shape)
    assert diagnosis(pool, "dX", text(spread)).diagnosis == ["wrong_pool_rule"]


def test_json_object_keys(net, tensors):
    wrong = grade(net, "dW1", text(tensors["dW1"].T)).to_dict()
    assert set(wrong) == {"schema", "target", "correct", "max_abs_error", "diagnosis", "message",
                          "expected_shape", "answer_shape"}
    assert wrong["schema"] == "bpcli.grade/1"
    right = grade(net, "dW1", "dZ1 @ X.T").to_dict()
    assert right["correct"] is True and right["diagnosis"] == []


# -- errors -----------------------------------------------------------------------------------

def test_unknown_target_lists_the_valid_ones(net):
    with pytest.raises(UsageError, match="dW1, db1"):
        grade(net, "dW7", "1")


@pytest.mark.parametrize("target", [None, 2, b"dW1", ["dW1"]])
def test_a_target_that_is_not_text_is_a_usage_error(net, target):
    """bpcli.grade(net, None, ...) raised a bare AttributeError ('NoneType' has no 'lower')."""
    with pytest.raises(UsageError, match="dW1, db1"):
        grade(net, target, "1")


def test_spaces_around_a_target_are_not_part_of_its_name(net):
    """--target ' dW1' was refused as "unknown target 'dW1'; did you mean dW1?" (the quoted name
    shown without its space); a batch row's target was already read so."""
    assert grade(net, " dW1 ", "dZ1 @ X.T").to_dict()["target"] == "dW1"


@pytest.mark.parametrize("answer", [np.array([[1j, 0.5], [0, 0], [0, 0]]), [[1 + 0j, 0.5], [0, 0], [0, 0]],
                                    [[10 ** 400, 0.5], [0, 0], [0, 0]]])
def test_an_array_answer_that_is_not_real_numbers_is_an_answer_error(net, answer):
    """A complex array was graded with its imaginary parts dropped (and numpy's ComplexWarning);
    a list holding 10**400 raised a bare OverflowError."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AnswerError):
            grade(net, "dW1", answer)


@pytest.mark.parametrize("answer", ["[1, 2", "1 2; 3", "", "1/0", "[[1], [2, 3]]"])
def test_unparseable_numbers(net, answer):
    with pytest.raises(AnswerError):
        grade(net, "dW1", answer)


def test_bad_rtol(net):
    with pytest.raises(UsageError):
        grade(net, "dW1", "0", rtol=-1)


@pytest.mark.parametrize("rtol", [np.float32(0.05), np.float64(0.05), 0.05])
def test_a_numpy_rtol_is_a_number(net, rtol):
    """rtol=np.float32(0.05) (read from an array of tolerances) was refused as 'must be a number'."""
    result = grade(net, "dW1", "dZ1 @ X.T", rtol=rtol)
    assert result.correct and "within 0.05 relative" in result.message


@pytest.mark.parametrize("rtol", [np.array(0.05), np.array([0.05]), np.bool_(True), True, "0.05", np.float64("nan")])
def test_an_rtol_that_is_not_one_number_is_a_usage_error(net, rtol):
    with pytest.raises(UsageError):
        grade(net, "dW1", "0", rtol=rtol)


@pytest.mark.parametrize("answer", ["dZ1 @ X.T\x00", "1 2;\x00 3 4; 5 6", "[[1, 2], [3, 4], [5, \x006]]", "\x00",
                                    "dZ1\x01 @ X.T", "dZ1 @ X.T\x7f", "\u200bdZ1 @ X.T", "dZ1 @ X.T\ufeff",
                                    "dZ1 @ X.T\udcff"])
def test_a_character_no_one_sees_or_types_is_said_where_it_is(net, answer):
    """A NUL in an answer (pasted from a binary file into a batch's row) gave Python's own
    'source code string cannot contain null bytes', even for numbers and in Chinese; other
    control characters Python's 'invalid non-printable character' in English."""
    unseen = next(character for character in answer if not (character.isprintable() or character.isspace()))
    column, code = answer.index(unseen) + 1, f"U+{ord(unseen):04X}"
    for lang in ("en", "zh"):
        with pytest.raises(AnswerError) as caught:
            grade(net, "dW1", answer, lang=lang)
        worded = error_text(caught.value, lang)
        assert f"{column} " in worded and code in worded and "null bytes" not in worded
        assert "non-printable" not in worded
    assert error_text(caught.value, "zh") != error_text(caught.value, "en")


def test_line_breaks_and_tabs_are_not_unseen_characters(net, tensors):
    rows = "\n".join("\t".join(str(entry) for entry in row) for row in tensors["dW1"].tolist())
    assert grade(net, "dW1", rows).correct


# -- the command line -------------------------------------------------------------------------

def test_cli_an_answer_with_a_character_no_one_types_is_one_line_and_exit_2(tmp_path):
    # the command line cannot carry a NUL; a control character and bytes that are not UTF-8 it can
    undecodable = os.fsdecode(b"dZ1 @ X.T\xff")
    for answer in ("dZ1\x01 @ X.T", undecodable):
        for language in ("en", "zh"):
            code, out, err = run_bpcli(["grade", TWO_LAYER, "-t", "dW1", "-a", answer, "--lang", language])
            assert code == 2 and not out and err.count("\n") == 1 and "Traceback" not in err
            assert "U+" in err and "non-printable" not in err
    # a batch's row can carry a NUL: that row is refused, the batch graded
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"student": "s1", "file": str(TWO_LAYER), "target": "dW1",
                                   "answer": "dZ1 @ X.T\x00"}) + "\n", encoding="utf-8")
    code, out, err = run_bpcli(["grade", "--batch", answers])
    row = json.loads(out.splitlines()[0])
    assert code == 0 and row["correct"] is False and "U+0000" in row["error"]["message"]
    assert "null bytes" not in row["error"]["message"]



def test_cli_right_wrong_and_unreadable():
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW2", "--answer", "dZ2 @ A1.T"])
    assert code == 0 and "Right" in out and not err
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "--target", "dW2", "--answer", "A1 @ dZ2.T"])
    assert code == 1 and "transposed" in out
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW2", "--answer", "__import__('os')"])
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    code, _, err = run_bpcli(["grade", TWO_LAYER, "--target", "dQ2", "--answer", "1"])
    assert code == 2 and "dW2" in err


def test_cli_json_and_tolerance():
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--json"])
    result = json.loads(out)
    assert code == 1 and result["diagnosis"] == ["missing_1_over_m"] and result["target"] == "dZ2"
    net = spec.load(TWO_LAYER)
    off = run(net).tensors()["dW2"] * 1.03
    assert run_bpcli(["grade", TWO_LAYER, "-t", "dW2", "-a", text(off), "--json"])[0] == 1
    assert run_bpcli(["grade", TWO_LAYER, "-t", "dW2", "-a", text(off), "--rtol", "0.05", "--json"])[0] == 0


def test_cli_missing_file():
    code, _, err = run_bpcli(["grade", "no_such.yaml", "-t", "dW1", "-a", "0"])
    assert code == 2 and "no such file" in err


# -- defects found by a learner who makes every mistake --------------------------------------------

def load(name: str):
    return spec.load(next(EXERCISES.glob(f"{name}_*.yaml")))


def test_a_named_mistake_wins_over_a_fitted_constant_factor():
    # one sample, one unit: a missing g′ is also "some constant times the right value"
    assert diagnosis(load("01"), "dW1", "dA1 @ X.T").diagnosis == ["missing_activation_derivative"]
    worked = load("05")
    assert diagnosis(worked, "dZ1", "dA1").diagnosis == ["missing_activation_derivative"]
    assert diagnosis(worked, "dA1", "W2.T @ dA2").diagnosis == ["missing_activation_derivative"]
    assert diagnosis(load("03"), "dX", "dW1.T @ dZ1").diagnosis == ["used_dW_for_W"]


def test_a_rounding_slip_is_not_a_constant_factor():
    result = diagnosis(load("05"), "dW1", "[[0.00044, 0.0009], [0.0005, 0.001]]")
    assert result.diagnosis == ["entries"] and result.wrong_entries == [[0, 1]]
    assert "times the right value" not in result.message


def test_entries_sentence_is_true_for_one_and_for_all_entries(net, tensors):
    all_wrong = diagnosis(net, "dW1", text(tensors["dW1"] + np.array([[1, 2], [3, 5], [7, 11]])))
    assert all_wrong.diagnosis == ["entries"] and "the others are right" not in all_wrong.message
    assert "All 6 entries" in all_wrong.message
    single = diagnosis(load("08"), "db1", "1.5")
    assert "the others are right" not in single.message and "marked" not in single.message


def test_one_over_m_sentences_are_true_for_sse():
    # sse is a sum: there is no 1/m "already inside dZ" to blame
    least_squares = load("03")
    extra = diagnosis(least_squares, "dW1", "dZ1 @ X.T / m")
    assert extra.diagnosis == ["extra_1_over_m"]
    assert "already inside dZ" not in extra.message and "sum over the samples" in extra.message
    half = diagnosis(least_squares, "dA1", "A1 - Y")
    assert half.diagnosis == ["scaled"] and "sse" in half.message and "has no ½" in half.message
    mse_gradient = diagnosis(least_squares, "dA1", "(A1 - Y) / m")
    assert "gradient of mse" in mse_gradient.message


def test_square_transpose_does_not_say_2_by_2_instead_of_2_by_2():
    result = diagnosis(load("05"), "dW2", "A1 @ dZ2.T")
    assert result.diagnosis == ["transposed"] and "2 × 2 instead of 2 × 2" not in result.message


def test_flat_lists_are_named_as_such(net):
    result = diagnosis(net, "db1", "-0.0478 0.0375")
    assert "your answer is a flat list of 2 numbers" in result.message


def test_more_classic_mistakes_are_named(net):
    three = load("07")
    assert diagnosis(three, "dW1", "dZ1 @ X").diagnosis == ["missing_transpose"]
    assert diagnosis(three, "dZ2", "dA2 * relu(Z2)").diagnosis == ["wrong_activation_derivative"]
    assert diagnosis(net, "dZ1", "dA1 * (1 - Z1**2)").diagnosis == ["wrong_activation_derivative"]
    assert diagnosis(net, "dZ1", "dA1 * sigmoid_prime(Z1)").diagnosis == ["wrong_activation_derivative"]
    assert diagnosis(net, "dW2", "dZ2 @ X.T").diagnosis[-1] == "wrong_input"
    codes = diagnosis(net, "db1", "sum(dZ1)").diagnosis  # summed over the samples, and over the units too
    assert codes[-1] == "wrong_axis" and "not_summed" not in codes
    assert diagnosis(load("02"), "dZ1", "(A1 - Y) / m * A1 * (1 - A1)").diagnosis == ["extra_activation_derivative"]
    assert diagnosis(load("05"), "dA1", "W2 @ dZ2").diagnosis == ["missing_transpose"]
    # text 002's slip: + where − is meant in dL/da
    assert "term_sign" in diagnosis(load("01"), "dA1", "-Y/A1 - (1-Y)/(1-A1)").diagnosis


# -- a formula whose shapes do not fit, right with one transpose more or less ---------------------

@pytest.mark.parametrize("target, formula, code, repaired", [
    ("dW1", "dZ1 @ X", "missing_transpose", "dZ1 @ X.T"),
    ("dX", "W1 @ dZ1", "missing_transpose", "W1.T @ dZ1"),
    ("dW2", "np.dot(dZ2, A1)", "missing_transpose", "np.dot(dZ2, A1.T)"),
    ("dW1", "dZ1.T @ X.T", "extra_transpose", "dZ1 @ X.T"),
    ("dZ1", "dA1 * tanh_prime(Z1.T)", "extra_transpose", "dA1 * tanh_prime(Z1)"),  # shapes that do not broadcast
])
def test_a_formula_that_cannot_be_computed_but_for_a_transpose_is_graded_wrong(net, target, formula, code,
                                                                               repaired):
    """04: X is 2 × 4, W1 3 × 2, A1 and dZ1 3 × 4, dZ2 1 × 4, so none of these can be computed
    as written; where the shapes are square the same slip is a value, diagnosed missing_transpose."""
    tensors = run(net).tensors()
    assert tensors["X"].shape == (2, 4) and tensors["W1"].shape == (3, 2) and tensors["dZ1"].shape == (3, 4)
    assert tensors["A1"].shape == (3, 4) and tensors["dZ2"].shape == (1, 4)
    result = grade(net, target, formula)
    assert not result.correct and result.diagnosis == [code], result.message
    assert "cannot be computed as written" in result.message and repaired in result.message
    assert ("is missing" if code == "missing_transpose" else "one too many") in result.message
    document = result.to_dict()
    assert document["answer_shape"] is None and document["max_abs_error"] is None
    assert document["expected_shape"] == list(tensors[target].shape)
    chinese = grade(net, target, formula, lang="zh")
    assert chinese.diagnosis == [code] and "算不出来" in chinese.message and repaired in chinese.message
    assert english_words(chinese.message.replace(repaired, "")) == [], chinese.message


def test_the_square_case_and_the_other_shapes_get_the_same_code():
    three = load("07")  # A2 is 2 × 2 (2 units, 2 samples): dZ3 @ A2 is a value, the same slip as 04's
    assert run(three).tensors()["A2"].shape == (2, 2)
    assert diagnosis(three, "dW3", "dZ3 @ A2").diagnosis == ["missing_transpose"]
    assert diagnosis(load("04"), "dW2", "dZ2 @ A1").diagnosis == ["missing_transpose"]


def test_a_formula_that_no_transpose_makes_right_is_still_unreadable(net):
    # computable with X.T, but then twice dW1: not a missing transpose alone
    with pytest.raises(AnswerError, match=re.escape("Did you mean (X + X).T?")):
        grade(net, "dW1", "dZ1 @ (X + X)")


def test_a_transpose_that_is_right_only_on_these_numbers_is_no_diagnosis():
    """01 has one sample with Y = 1: dZ1 @ X.T * Y is dW1 here, but not on the other draws
    (another Y), so 'dZ1 @ X * Y' is not a missing transpose alone: it stays unreadable."""
    one = load("01")
    assert run(one).tensors()["Y"].tolist() == [[1.0]]
    assert diagnosis(one, "dW1", "dZ1 @ X").diagnosis == ["missing_transpose"]
    with pytest.raises(AnswerError, match=re.escape("Did you mean X.T?")):
        grade(one, "dW1", "dZ1 @ X * Y")


def test_cli_a_missing_transpose_is_a_wrong_answer_not_an_unreadable_one(tmp_path):
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW1", "--answer", "dZ1 @ X"])
    assert code == 1 and "missing_transpose" in out and not err
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW1", "--answer", "dZ1 @ (X + X)"])
    assert code == 2 and "Did you mean" in err and err.count("\n") == 1
    answers = tmp_path / "answers.csv"
    answers.write_text(f"student,file,target,answer\ns1,{TWO_LAYER},dW1,dZ1 @ X\ns2,{TWO_LAYER},dX,W1 @ dZ1\n",
                       encoding="utf-8")
    code, out, _ = run_bpcli(["grade", "--batch", answers, "--stats"])
    stats = next(json.loads(line) for line in out.splitlines() if '"bpcli.grade-stats/1"' in line)
    assert code == 0
    for target in stats["targets"]:
        assert target["diagnoses"] == {"missing_transpose": 1} and target["errors"] == {}, target


def test_conv_and_flatten_orientation_mistakes():
    conv = load("08")
    tensors = run(conv).tensors()
    assert diagnosis(conv, "dW1", text(tensors["dW1"][0, 0, ::-1, ::-1])).diagnosis == ["kernel_rotated"]
    assert diagnosis(conv, "dW1", text(tensors["dW1"][0, 0].T)).diagnosis == ["transposed"]
    cnn = load("12")
    dA2 = run(cnn).tensors()["dA2"][0, 0]
    assert diagnosis(cnn, "dA2", text(dA2.T)).diagnosis == ["wrong_reshape"]


def test_coincidence_message_points_at_no_invisible_marks():
    result = diagnosis(load("01"), "dA1", "-Y/A1 - (1-Y)/(1-A1)")
    assert result.diagnosis[0] == "right_by_coincidence" and "(marked)" not in result.message


def test_exercises_ask_no_zero_or_coincidental_gradient():
    # 12's db1 was 0 (every answer near 0 right, no diagnosis possible); 06's X was symmetric, so
    # dZ1 @ X (no transpose) gave the right dW1
    tensors = run(load("12")).tensors()
    assert abs(tensors["db1"][0]) > 0.1
    softmax = load("06")
    assert not np.allclose(softmax.X, softmax.X.T)
    assert diagnosis(softmax, "dW1", "dZ1 @ X").diagnosis == ["missing_transpose"]


def test_given_tensors_are_not_targets(net):
    with pytest.raises(UsageError):
        grade(net, "A0", "1")


@pytest.mark.parametrize("answer", ["1e400", "-1e400", "1.2.3", "nan", "inf"])
def test_numbers_that_are_not_finite_or_not_numbers_are_refused(net, answer):
    with pytest.raises(AnswerError):
        grade(net, "dW1", answer)


def test_adjacent_numbers_are_arithmetic_not_two_entries():
    assert grade(load("01"), "db1", "0.5-1").correct       # 0.5 − 1 = −0.5
    assert grade(load("01"), "dW1", "-0.5 -1").correct     # two entries


def test_cli_json_error_document_for_an_answer_or_target():
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW1", "--answer", "sum(A1, axis=(0, 0))", "--json"])
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    document = json.loads(out)
    assert document["schema"] == "bpcli.error/1" and document["error"]["code"] == "invalid_answer"
    code, out, err = run_bpcli(["grade", TWO_LAYER, "--target", "dW9", "--answer", "1", "--json"])
    assert code == 2 and json.loads(out)["error"]["path"] == "--target"


# -- languages: one message table per language, Chinese grades, English JSON ----------------------

#: words a Chinese message may hold in Latin letters: names of functions, activations, losses,
#: layer types, commands and the like (formulas and tensor names are the same in every language)
LATIN_TERMS = {
    "sigmoid", "tanh", "relu", "softmax", "linear", "bce", "mse", "sse", "softmax_ce", "dense", "conv2d",
    "flatten", "maxpool", "avgpool", "sum", "mean", "exp", "log", "maximum", "axis", "keepdims", "True",
    "False", "None", "prime", "sigmoid_prime", "tanh_prime", "relu_prime", "ROT180", "bpcli", "deeplearning",
    "max", "float64", "inf", "nan", "lambda", "hint", "solution", "skip", "quit", "help", "quiz", "list", "random",
    # numpy's spellings a formula accepts
    "numpy", "dot", "matmul", "transpose", "multiply", "outer", "where", "astype", "float", "int", "bool",
    "reshape", "sqrt",
    # batch grading: the answers file's formats, columns and options
    "CSV", "JSON", "Lines", "UTF", "FILE", "ANSWERS", "batch", "grade", "student", "file", "target", "answer",
    "points", "Excel", "sep",  # the spreadsheet's name, and its first line 'sep=;' as typed
    # network files: their keys and YAML's own literal, as a found value is named ("空值（null）")
    "null", "input", "layers", "loss", "title", "seed", "units", "activation", "kernel", "filters", "stride",
    "padding", "size", "eps", "type", "YAML", "kh", "kw", "n_L", "batchnorm", "maxpool", "avgpool", "new",
    # the exercise section's keys
    "statement", "targets", "hints", "exercise", "points", "given", "text", "none",
    # explain's option values, as typed after --detail
    "summary",
}


def english_words(text: str) -> list[str]:
    """Latin words of three or more letters in ``text`` that are not a term of ``LATIN_TERMS``, an
    identifier with underscores (a diagnosis code, an exercise name), a tensor name, an option
    (--step) or a quote of the learner's answer."""
    text = re.sub(r"'[^']*'", "", text)          # the learner's own words, quoted
    text = re.sub(r"--[a-z][a-z-]*", "", text)   # command-line options, the same in every language
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)
    return [w for w in words if len(re.sub(r"[^A-Za-z]", "", w)) >= 3 and "_" not in w
            and w not in LATIN_TERMS and not re.fullmatch(r"d?[A-Z][a-z]?\d*", w)]


def test_chinese_grading_and_quiz_texts_are_really_chinese():
    from bpcli.texts import templates

    # the key and field parity of every language is tests/test_texts.py's; here: no English left
    for key, template in templates("zh").items():
        if key.split(".")[0] in NARRATION_AREAS:
            continue
        for form in (template.values() if isinstance(template, dict) else [template]):
            assert english_words(re.sub(r"\{[^}]*\}", "", form)) == [], key


def test_every_message_key_the_code_uses_is_in_the_tables():
    from bpcli.texts import templates

    english = templates("en")
    pattern = re.compile(r"""(?:\bMsg|answer_error|usage_error|\bsay\([^,()]+,)\(?\s*"([a-z_.]+)\"""")
    used = set()
    for folder in ("grading", "quiz"):
        for path in (REPO_ROOT / "bpcli" / folder).glob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    for path in (REPO_ROOT / "bpcli" / "commands" / "quiz.py", REPO_ROOT / "bpcli" / "render" / "grading.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 100
    assert not used - set(english)
    # keys built at run time
    for key in ("mistake.derivative_at_A.sigmoid", "mistake.derivative_at_A.tanh", "factor.sign.log",
                "factor.sign.square", "diag.entries.all.marked", "diag.entries.some.marked",
                "factor.missing_1_over_m.sum", "factor.extra_1_over_m.sum", "shape.gradient.plain",
                "shape.tensor.plain"):
        assert key in english
    for kind in ("dZ", "dA", "dW", "db", "dX", "Z", "A"):
        assert f"rule.{kind}" in english


def _wrong_answers(tensors, target, m):
    value = tensors[target]
    answers = [value, value.T, -value, value * m, value / m, -value * m, value * 2, value * 0.5, value * 3.7,
               value + 1, value.reshape(-1)[:1]]
    if value.size > 1:
        one_off = value.copy().reshape(-1)
        one_off[0] += 5
        answers.append(one_off.reshape(value.shape))
    answers += [other for name, other in tensors.items()
                if name != target and (other.shape == value.shape or other.T.shape == value.shape)]
    return answers


@pytest.mark.parametrize("name", ["01", "03", "04", "05", "06", "07", "08", "10", "11", "12"])
def test_grades_in_chinese_say_the_same_in_chinese(name):
    from bpcli.quiz.catalogue import load_exercise

    exercise = load_exercise(name)
    network = exercise.network
    tensors = run(network).tensors()
    for target in exercise.targets:
        for answer in _wrong_answers(tensors, target, network.m):
            english = grade(network, target, text(answer))
            chinese = grade(network, target, text(answer), lang="zh")
            assert chinese.diagnosis == english.diagnosis and chinese.correct == english.correct
            assert english.message_in("en") == english.message and chinese.message_in("en") == english.message
            assert re.search(r"[\u4e00-\u9fff]", chinese.message)
            assert english_words(chinese.message) == [], (target, chinese.message)


def test_formula_mistakes_and_answer_errors_in_chinese(net):
    from bpcli.texts import error_text

    for target, formula in [("dZ1", "dA1 * (1 - Z1**2)"), ("dA1", "dW2.T @ dZ2"), ("dA1", "W2.T @ dA2"),
                            ("dW1", "dZ1 @ A1.T"), ("db1", "sum(dZ1, axis=0, keepdims=True)"), ("db1", "dZ1"),
                            ("dZ1", "dA1 * tanh(Z1)"), ("dZ2", "(A2 - Y) / m * A2 * (1 - A2)")]:
        result = grade(net, target, formula, lang="zh")
        assert not result.correct and english_words(result.message) == [], (formula, result.message)
    for answer in ["[1, 2", "1 2; 3", "1/0", "[]", "X @ X", "W7", "sum(Z1, axis=5)", "sum(Z1, axis=(1, 1))",
                   "(A2", "lambda x: x", "A2 ** 1000", "np.foo(Z1)", "tanh(Z1, axis=1)", "sum(Z1, Z1)",
                   "X.shape", "True", "sigmoid", "A1[0]", "Z1 + W2", "dW1 + 1", "log(0 * A2)"]:
        with pytest.raises(AnswerError) as caught:
            grade(net, "dW1", answer, lang="zh")
        said = error_text(caught.value, "zh")
        assert re.search(r"[\u4e00-\u9fff]", said) and english_words(said) == [], (answer, said)
        assert error_text(caught.value, "en") == str(caught.value)
    with pytest.raises(UsageError) as caught:
        grade(net, "dW7", "1", lang="zh")
    assert "没有名为" in error_text(caught.value, "zh")


def test_cli_grade_in_chinese_and_json_in_english():
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--lang", "zh"])
    assert code == 1 and "还不对：你的 dZ2 有错。" in out and "正确值的 m = 4 倍" in out and "诊断" in out
    assert english_words(out) == []
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "-t", "dW2", "-a", "dZ2 @ A1.T", "--lang", "zh"])
    assert code == 0 and "正确：你的 dW2 对了" in out
    code, _, err = run_bpcli(["grade", TWO_LAYER, "-t", "dW2", "-a", "[1, 2", "--lang", "zh"])
    assert code == 2 and "没有闭合" in err and "Traceback" not in err
    # scripts read the JSON message: English unless --lang says otherwise, codes the same in both
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--json"])
    result = json.loads(out)
    assert result["message"] == (
        "Not yet: your dZ2 is wrong. Your answer is m = 4 times the right value: J averages over the 4 "
        "samples, so dZ of the last layer, ∂J/∂Z, carries a factor 1/m, and every gradient before it "
        "inherits it (deeplearning.ai's dZ = A − Y leaves the 1/m out and adds it to dW and db instead).")
    code, out, _ = run_bpcli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--json", "--lang", "zh"])
    chinese = json.loads(out)
    assert chinese["diagnosis"] == result["diagnosis"] and chinese["message"].startswith("还不对")


def test_right_by_coincidence_in_chinese():
    english = grade(load("01"), "dA1", "-Y/A1 - (1-Y)/(1-A1)")
    chinese = grade(load("01"), "dA1", "-Y/A1 - (1-Y)/(1-A1)", lang="zh")
    assert chinese.diagnosis == english.diagnosis and chinese.diagnosis[0] == "right_by_coincidence"
    assert chinese.message.startswith("还不对：你的公式在这组数上恰好算出了正确的 dA1")
    assert english_words(chinese.message) == [] and "已标出" not in chinese.message
    assert english.message.startswith("Not yet: your formula gives the right dA1 for these numbers")


def test_every_diagnosis_code_has_a_name_in_both_languages():
    from bpcli.render.grading import code_names
    from bpcli.texts import templates

    # mistakes.py and the layer kinds' grading modules (dense.py, conv2d.py, …)
    source = "".join(path.read_text(encoding="utf-8") for path in (REPO_ROOT / "bpcli" / "grading").glob("*.py"))
    codes = {code for group in re.findall(r"Mistake\(\(([^)]*)\)", source) for code in re.findall(r'"(\w+)"', group)}
    codes |= {"shape", "transposed", "sign", "missing_1_over_m", "extra_1_over_m", "scaled", "entries",
              "right_by_coincidence"}
    assert len(codes) > 20
    for code in codes:
        assert templates("en")[f"code.{code}"] == code and f"code.{code}" in templates("zh")
    assert code_names(["transposed", "sign"], "en") == "transposed, sign"
    assert code_names(["transposed", "sign"], "zh") == "转置了、符号反了"


@pytest.mark.parametrize("answer", ["[[1e308, -1e308, 1e308]]", "[[-1.7e308, 1.7e308, 1.7e308]]"])
def test_an_answer_near_the_largest_float_is_diagnosed_without_overflow(answer):
    """[[1e308, -1e308, 1e308]] for dW2 was 'inf times the right value: a constant factor is off'
    (the fitted factor overflowed, and an infinite factor 'matched'), with numpy's RuntimeWarning
    about an overflow on the learner's stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = grade(spec.load(TWO_LAYER), "dW2", answer)
    assert not result.correct and "inf" not in result.message and "scaled" not in result.diagnosis


@pytest.mark.parametrize("answer", ["dZ2 @ A1ᵀ", "(A1 @ dZ2ᵀ)ᵀ", "dW2 = dZ2 @ A1.T", " dW2=dZ2 @ A1ᵀ"])
def test_an_answer_written_as_explain_writes_it_is_read(answer):
    """explain writes dW⁽²⁾ = dZ⁽²⁾ A⁽¹⁾ᵀ: 'dZ2 @ A1ᵀ' was refused as "unknown name 'A1T'" (Python
    reads ᵀ as the letter T), and 'dW2 = dZ2 @ A1.T' as invalid syntax at column 5. ᵀ is the
    transpose, and an equation naming the tensor asked is graded by its right side."""
    network = bpcli.load("04")
    assert bpcli.grade(network, "dW2", answer).correct
    # and ᵀ is a transpose, not a letter: one too many makes the answer transposed
    assert bpcli.grade(network, "dW2", f"({answer.split('=')[-1]})ᵀ").diagnosis == ["transposed"]


def test_an_equation_naming_another_tensor_says_so():
    with pytest.raises(bpcli.AnswerError, match="written as dW1 = …, but the question asks dW2"):
        bpcli.grade("04", "dW2", "dW1 = dZ2 @ A1.T")
    assert not bpcli.grade("04", "dW2", "dW2 = 0 0 0").correct  # numbers too: the right side is graded
    with pytest.raises(bpcli.AnswerError, match="uses dW2"):  # a comparison is not an equation
        bpcli.grade("04", "dW2", "dW2 == 1")


@pytest.mark.parametrize("answer, column", [("A1ᵀ @ A1ᵀ @ A1ᵀ $", 17), ("dW2 = dZ2 @ A1.T )", 18), ("  dZ2 @ )", 9)])
def test_a_syntax_error_is_placed_where_it_was_typed(answer, column):
    """Each ᵀ is read as two characters ('.T') and 'dW2 = ' is taken off before parsing: the
    column said 20 for the '$' typed at 17, 12 for the ')' at 18. Columns count what was typed."""
    assert answer[column - 1] in "$)"
    with pytest.raises(bpcli.AnswerError, match=f"at column {column}:"):
        bpcli.grade("04", "dW2", answer)


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\u2028"])
def test_a_formula_broken_over_lines_reads_as_one_line(line_break):
    """A multi-line cell of a batch's spreadsheet, 'dZ1 @' over 'X.T', was refused as invalid
    syntax at column 6: Python ends an expression at a line break outside brackets. dW1 = dZ1 X1ᵀ
    (the dense rule of CONVENTIONS.md), whichever way the line is broken."""
    assert bpcli.grade("04", "dW1", f"dZ1 @{line_break}X.T").correct
    assert bpcli.grade("04", "dW1", f"{line_break}dW1 ={line_break}  dZ1{line_break}@ X.T{line_break}").correct


@pytest.mark.parametrize("answer, line, column", [("dZ1 @\n@ X.T", 2, 1), ("dW1 = dZ1 @\r\n  X.T )", 2, 7),
                                                  ("\n\n  dZ1 @ )", 3, 9), ("dZ1 @ X.T\n\x00", 2, 1)])
def test_an_error_in_a_multi_line_answer_names_its_line_and_column(answer, line, column):
    """In an answer over several lines a column counted from the answer's start points at no
    character of the line the learner reads ('dZ1 @' over '@ X.T' was 'column 6', the line
    break); the line and the column within it do, in every language."""
    assert answer.splitlines()[line - 1][column - 1] in "@)\x00"
    with pytest.raises(AnswerError) as caught:
        bpcli.grade("04", "dW1", answer)
    assert re.search(rf"\bline {line}, column {column}\b", str(caught.value)), caught.value
    assert f"第 {line} 行第 {column} 个字符" in error_text(caught.value, "zh")


def test_numbers_over_lines_stay_rows_and_a_one_line_formula_says_only_its_column(net, tensors):
    rows = "\n".join(" ".join(str(entry) for entry in row) for row in tensors["dW1"].tolist())
    assert grade(net, "dW1", rows).correct  # a line break between numbers ends a row
    with pytest.raises(AnswerError) as caught:
        bpcli.grade("04", "dW1", "dZ1 @ X.T )\n")  # a line break that ends the answer adds no line
    assert "column 11:" in str(caught.value) and "line" not in str(caught.value)


def test_an_equation_typed_with_a_full_width_equals_sign_is_read():
    assert bpcli.grade("04", "dW2", "dW2＝dZ2 @ A1ᵀ").correct  # '＝' from a Chinese input method
