"""bpcli grade: right answers accepted at the tolerance, each diagnosis produced by the mistake it
names (and never by a right answer), the JSON object, exit codes, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bpcli import spec
from bpcli.core.network import run
from bpcli.errors import AnswerError, UsageError
from bpcli.grading import grade
from conftest import REPO_ROOT, cli_env, run_cli

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


def test_other_tensor(net):
    result = diagnosis(net, "dA1", "dZ1")
    assert result.diagnosis == ["other_tensor"] and "dZ1" in result.message


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
    assert "wrong_axis" in diagnosis(net, "db1", "sum(dZ1, axis=0, keepdims=True)").diagnosis


def test_entries_marks_the_wrong_ones(net, tensors):
    answer = tensors["dW1"].copy()
    answer[2, 1] += 1.0
    result = diagnosis(net, "dW1", text(answer))
    assert result.diagnosis == ["entries"] and result.wrong_entries == [[2, 1]]
    assert result.to_dict()["wrong_entries"] == [[2, 1]]


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
    spread = AvgPool(1, 2, 2).backward(record.dA, record.cache).reshape(pool.X.shape)
    assert diagnosis(pool, "dX", text(spread)).diagnosis == ["wrong_pool_rule"]


def test_json_object_keys(net, tensors):
    wrong = grade(net, "dW1", text(tensors["dW1"].T)).to_dict()
    assert set(wrong) == {"target", "correct", "max_abs_error", "diagnosis", "message", "expected_shape",
                          "answer_shape"}
    right = grade(net, "dW1", "dZ1 @ X.T").to_dict()
    assert right["correct"] is True and right["diagnosis"] == []


# -- errors -----------------------------------------------------------------------------------

def test_unknown_target_lists_the_valid_ones(net):
    with pytest.raises(UsageError, match="dW1, db1"):
        grade(net, "dW7", "1")


@pytest.mark.parametrize("answer", ["[1, 2", "1 2; 3", "", "1/0", "[[1], [2, 3]]"])
def test_unparseable_numbers(net, answer):
    with pytest.raises(AnswerError):
        grade(net, "dW1", answer)


def test_bad_rtol(net):
    with pytest.raises(UsageError):
        grade(net, "dW1", "0", rtol=-1)


# -- the command line -------------------------------------------------------------------------

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
