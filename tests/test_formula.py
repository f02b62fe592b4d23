"""Formula answers: right and wrong formulas, the whitelist (unsafe input refused without ever
running it), malformed input, size limits, and the redraws that catch right-by-coincidence."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from bpcli import spec
from bpcli.errors import AnswerError
from bpcli.grading import grade
from bpcli.grading import formula as formula_module
from bpcli.grading.formula import MAX_EXPONENT, parse_formula
from conftest import REPO_ROOT

TWO_LAYER = REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml"


@pytest.fixture(scope="module")
def net():
    return spec.load(TWO_LAYER)


@pytest.mark.parametrize("target, formula", [
    ("dZ2", "(A2 - Y) / m"),
    ("dZ2", "dA2 * sigmoid_prime(Z2)"),
    ("dW2", "dZ2 @ A1.T"),
    ("dW2", "(dZ2 @ A1.T).T.T"),
    ("db2", "sum(dZ2, axis=1, keepdims=True)"),
    ("db2", "np.sum(dZ2, axis=1, keepdims=True)"),
    ("db2", "mean(dZ2, axis=1, keepdims=True) * m"),
    ("dA1", "W2.T @ dZ2"),
    ("dZ1", "W2.T @ dZ2 * (1 - A1**2)"),
    ("dZ1", "dA1 * tanh_prime(Z1)"),
    ("dW1", "dZ1 @ X.T"),
    ("db1", "sum(dZ1, axis=1)"),              # (3,) for 3 × 1: the same numbers
    ("Z1", "W1 @ X + b1"),
    ("A1", "tanh(W1 @ X + b1)"),
    ("A2", "sigmoid(Z2)"),
    ("A2", "1 / (1 + exp(-Z2))"),
    ("dA2", "(-Y / A2 + (1 - Y) / (1 - A2)) / m"),
])
def test_right_formulas(net, target, formula):
    result = grade(net, target, formula)
    assert result.correct, result.message


def test_wrong_formula_is_diagnosed(net):
    result = grade(net, "dW1", "dZ1 @ X.T / m")
    assert not result.correct and result.diagnosis == ["extra_1_over_m"]


@pytest.mark.parametrize("formula", [
    "__import__('os').system('echo hacked')",
    "A1.__class__",
    "A1.__class__.__mro__",
    "(lambda: 1)()",
    "[x for x in A1]",
    "open('/etc/passwd')",
    "A1[0]",
    "eval('1')",
    "np.linalg.inv(W1)",
    "getattr(A1, 'T')",
    "'abc'",
    "A1 if 1 else A2",
    "A1.resize(3, 4)",  # numpy's in-place reshape (reshape itself is a method a formula has)
    "sum(A1, out=A1)",
])
def test_unsafe_formulas_are_refused(net, formula):
    with pytest.raises(AnswerError):
        grade(net, "dW1", formula)


@pytest.mark.parametrize("formula, words", [
    ("dZ1 @@ X", "cannot read the formula"),
    ("dZ1 @ (X.T", "cannot read the formula"),
    ("dZ9 @ X.T", "unknown name 'dZ9'"),
    ("dz1 @ X.T", "did you mean dZ1"),
    # not computable, and not right with the transpose either (dZ1 @ X.T / 2 is half of dW1):
    # unreadable, with the transpose that makes it computable suggested
    ("dZ1 @ X / 2", "Did you mean X.T?"),
    ("dZ1 @ (X + X)", "Did you mean (X + X).T?"),   # not X + X.T, which transposes only the last X
    ("dZ1.T @ X.T / 2", "Did you mean dZ1?"),   # a transpose removed (it suggested dZ1.T.T)
    ("dA1 * tanh_prime(Z1.T) / 2", "Did you mean tanh_prime(Z1)?"),   # where shapes broadcast
    ("X.T @ dZ1", "Did you mean dZ1 @ X.T?"),   # the factors in the other order
    ("dZ1 + W2", "broadcast"),
    ("sum(dZ1, axis=5)", "axis 5 does not exist"),
    ("sum(dZ1, axis=(0, 2))", "axis 2 does not exist"),   # was 'an axis is named twice' (2 % 2 is 0)
    ("sum(dZ1, axis=(1, -3))", "axis -3 does not exist"),
    ("sum(dZ1, axis=(1, -1))", "an axis is named twice"),
    ("sigmoid(Z1, Z2)", "takes 1 argument"),
    ("sum(dZ1, axis=1, keepdims=1)", "True or False"),
    ("sum(dZ1, axis=1, keepdims=True, axis=0)", "axis= twice"),   # was graded with one of the two
    ("dZ1.sum(keepdims=True, keepdims=False)", "keepdims= twice"),
    ("sigmoid", "is a function"),
    ("dW1", "the tensor it is meant to compute"),
    ("log(A1 - A1) @ X.T", "not finite"),
    ("(-0.5) (-1) (2)", "not a product here"),  # numbers in parentheses, side by side: read as calls
    ("2(dZ1 @ X.T)", "write * between them"),
])
def test_malformed_formulas_say_what_is_wrong(net, formula, words):
    with pytest.raises(AnswerError, match=re.escape(words)):
        grade(net, "dW1", formula)


@pytest.mark.parametrize("formula", ["A1 ** 10**9", "A1 ** 10**10**10", "X ** (2 ** 100)", "2 ** 10 ** 10 ** 10"])
def test_huge_exponents_are_refused_before_computing(net, formula, monkeypatch):
    # refused by the exponent rule before any power is taken (no stopwatch: tests never assert
    # on timings); np.power may still run for the small inner exponents (10**9, 10**10)
    real_power = np.power

    def guarded(base, exponent, *args, **kwargs):
        assert np.all(np.abs(exponent) <= MAX_EXPONENT), f"np.power called with exponent {exponent}"
        return real_power(base, exponent, *args, **kwargs)

    monkeypatch.setattr(np, "power", guarded)
    with pytest.raises(AnswerError, match="exponent"):
        grade(net, "dW1", formula)


def test_huge_broadcasts_are_refused_before_computing(net, monkeypatch):
    big = spec.load({"input": {"X": np.ones((2, 2000)).tolist(), "Y": np.zeros((1, 2000)).tolist()},
                     "layers": [{"type": "dense", "units": 1, "activation": "linear"}], "loss": "sse"})

    def never(*args, **kwargs):
        raise AssertionError("the 2000 × 2000 product was computed before being refused")

    monkeypatch.setitem(formula_module._ELEMENTWISE, ast.Mult, never)
    with pytest.raises(AnswerError, match="more than 1,000,000"):
        grade(big, "dW1", "Y.T * Y")  # a column times a row: 2000 × 2000


def test_size_limits():
    with pytest.raises(AnswerError, match="characters"):
        parse_formula("A1 + " * 200 + "A1")
    with pytest.raises(AnswerError, match="parts"):
        parse_formula("+".join(["1"] * 100))


def test_never_evaluated_with_eval(monkeypatch, net):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert grade(net, "dW1", "dZ1 @ X.T").correct


def test_right_by_coincidence_is_caught():
    # every relu unit is active here, so a formula without relu' gives the right numbers
    net = spec.load({"input": {"X": [[1.0, 2.0], [0.5, 1.0]], "Y": [[1.0, 0.0]]},
                     "layers": [{"type": "dense", "units": 2, "activation": "relu",
                                 "W": [[1.0, 0.5], [0.5, 1.0]], "b": [[0.5], [0.5]]},
                                {"type": "dense", "units": 1, "activation": "linear",
                                 "W": [[1.0, -1.0]], "b": [[0.0]]}], "loss": "mse"})
    assert grade(net, "dZ1", "W2.T @ dZ2 * relu_prime(Z1)").correct
    result = grade(net, "dZ1", "W2.T @ dZ2")
    assert not result.correct
    assert result.diagnosis[0] == "right_by_coincidence"
    assert "missing_activation_derivative" in result.diagnosis
    assert result.max_abs_error == 0.0


@pytest.mark.parametrize("formula, words", [
    ("sum(A1, axis=(0, 0))", "named twice"), ("mean(A1, axis=(1, -1))", "named twice"),
    ("maximum(A1, X)", "maximum needs shapes"), ("np.exp", "is a function"), ("nan * A1", "finite")])
def test_odd_formulas_are_a_message_not_a_traceback(net, formula, words):
    with pytest.raises(AnswerError, match=words):
        grade(net, "dW1", formula)


# One 2 × 2 filter on one 3 × 3 image given as m × H × W: in a formula X has the 3 dimensions it
# was given with, dZ1 and W1 the 4 of a convolution's tensors (m × F × H × W, F × C × kh × kw).
IMAGE_NET = {"input": {"X": [[[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]]],
                       "Y": [[1.0], [0.0], [2.0], [-1.0]]},
             "layers": [{"type": "conv2d", "filters": 1, "kernel": 2, "activation": "linear",
                         "W": [[[[1.0, -1.0], [0.5, 0.0]]]], "b": [0.0]}, {"type": "flatten"}],
             "loss": "sse"}


@pytest.mark.parametrize("formula, operand, ndim", [
    ("X @ dZ1", "X", 3),      # X (3 dimensions) is named: it has 3, not dZ1's 4
    ("dZ1 @ X", "dZ1", 4),
])
def test_matmul_of_images_names_the_operand_with_its_own_dimensions(formula, operand, ndim):
    net = spec.load(IMAGE_NET)
    with pytest.raises(AnswerError) as caught:
        grade(net, "dW1", formula)
    assert f"{operand} has {ndim} dimensions" in str(caught.value)


@pytest.mark.parametrize("formula", ["X * dZ1", "A0 * dZ1", "dZ1 + A0"])
def test_no_transpose_is_suggested_for_an_image_tensor(formula):
    # .T of an m × F × H × W tensor reverses all four axes, which no gradient of an image is:
    # A0.T * dZ1 is 3 × 3 × 1 × 1 times 1 × 1 × 2 × 2, a 3 × 3 × 2 × 2 array, not a hint
    net = spec.load(IMAGE_NET)
    with pytest.raises(AnswerError) as caught:
        grade(net, "dW1", formula)
    message = str(caught.value)
    assert "needs shapes that match or broadcast" in message
    assert ".T" not in message and "Did you mean" not in message


def test_a_transpose_is_still_suggested_for_a_matrix(net):
    # exercise 04: dZ1 is 3 × 4 and X is 2 × 4; matrices keep their transpose repairs
    result = grade(net, "dW1", "dZ1 @ X")
    assert not result.correct and "missing_transpose" in result.diagnosis
