"""Fuzzing the grader with formula strings: built from the formula grammar over an exercise's own
tensors (names, + - * / ** @, unary minus, .T, the formula functions, sum/mean with axis= and
keepdims=, numbers and fractions), and hostile text (random characters, Python that is not a
formula, huge and deeply nested input). Whatever the answer, grading returns a grade or raises the
grader's typed errors (AnswerError, UsageError), never anything else, and finishes.

BPCLI_FUZZ_EXAMPLES sets the examples per test (300 by default, for CI; more for a long run).
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcli.core.network import run
from bpcli.errors import AnswerError, UsageError
from bpcli.grading import grade
from bpcli.grading.formula import FUNCTIONS
from bpcli.grading.grade import GradeResult
from bpcli.grading.targets import valid_targets
from bpcli.quiz.catalogue import load_exercise

FUZZ = settings(max_examples=int(os.environ.get("BPCLI_FUZZ_EXAMPLES", 300)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: dense, softmax, convolution and pooling networks: every kind of tensor a formula can name
EXERCISES = ["04_two_layer_tanh", "06_softmax_classifier", "08_conv_single_filter", "12_small_cnn"]
#: one example may take this long before it counts as a hang (a grade takes milliseconds)
HANG_SECONDS = 60


def _exercise(name: str):
    exercise = load_exercise(name)
    tensors = run(exercise.network).tensors()
    return exercise.network, sorted(tensors), valid_targets(tensors)


LOADED = {name: _exercise(name) for name in EXERCISES}

UNARY_FUNCTIONS = sorted(name for name, function in FUNCTIONS.items()
                         if function.arguments == 1 and not function.keywords)
REDUCTIONS = sorted(name for name, function in FUNCTIONS.items() if "axis" in function.keywords)
BINARY_FUNCTIONS = sorted(name for name, function in FUNCTIONS.items() if function.arguments == 2)

numbers = st.one_of(
    st.integers(-5, 20).map(str),
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda x: f"{x:g}"),
    st.tuples(st.integers(-9, 9), st.integers(0, 9)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
    st.sampled_from(["1e400", "1e-400", "0.0", "-0", "1_000", "0x10", "2j", "nan", "inf"]),
)
axes = st.one_of(st.integers(-5, 5).map(str), st.just("None"),
                 st.lists(st.integers(-4, 4), min_size=1, max_size=3).map(lambda xs: f"({', '.join(map(str, xs))},)"))


def formulas(names: list[str]) -> st.SearchStrategy[str]:
    """Formula-shaped text over ``names`` (and m), from the grammar bpcli documents."""
    leaves = st.one_of(st.sampled_from(names + ["m"]), numbers)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "@"]), inner).map(
                lambda t: f"{t[0]} {t[1]} {t[2]}"),
            inner.map(lambda x: f"({x})"),
            inner.map(lambda x: f"-{x}"),
            inner.map(lambda x: f"({x}).T"),
            st.tuples(st.sampled_from(UNARY_FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(REDUCTIONS), inner, axes, st.booleans()).map(
                lambda t: f"{t[0]}({t[1]}, axis={t[2]}, keepdims={t[3]})"),
            st.tuples(st.sampled_from(REDUCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(BINARY_FUNCTIONS), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            inner.map(lambda x: f"np.{x}" if x[:1].isalpha() else x),
        )

    return st.recursive(leaves, extend, max_leaves=12)


FORMULA_CHARACTERS = "abcdmnpstxyzAWXYZT0123456789_ .,()[]+-*/@=<>!%&|^~'\"\\:;{}\n\t−·×"

hostile = st.one_of(
    st.text(max_size=200),                                       # any Unicode, control characters too
    st.text(alphabet=FORMULA_CHARACTERS, max_size=120),          # near-formulas
    st.sampled_from([
        "__import__('os').system('true')", "().__class__.__mro__", "lambda: 0", "[x for x in X]",
        "X[0]", "X if m else Y", "A1 and W2", "open('/etc/passwd')", "exec('1')", "np.linalg.inv(W1)",
        "sum(A1, axis=(0, 0))", "sum(A1, axis=10**100)", "sum(A1, keepdims=1)", "A1 ** 10 ** 10",
        "X ** -1e400", "1/0", "0/0", "log(0 * X)", "exp(1000 * X)", "maximum(X, X, X)", "sum()",
        "f'{X}'", "X.__class__", "W1 @ W1 @ W1", "sum(X, axis=-1, keepdims=True).T @ X",
        "(" * 200 + "X" + ")" * 200, "-" * 399 + "X", "X" + ".T" * 190, "1" * 5000, "1e" + "9" * 500,
        "\x00", "\ud800", "X\u200b", "Ｘ", "A１", "𝐗", "\r\n", "",
    ]),
)


@contextmanager
def hang_guard():
    """A grade that has not finished after HANG_SECONDS fails the test instead of hanging it
    (POSIX; elsewhere the CI time limit catches a hang)."""
    if sys.platform == "win32":
        yield
        return

    def timed_out(signum, frame):
        raise AssertionError(f"grading did not finish within {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _grade_or_typed_error(exercise: str, target: str, answer: str, lang: str) -> None:
    network, _, _ = LOADED[exercise]
    with hang_guard():
        try:
            result = grade(network, target, answer, lang=lang)
        except (AnswerError, UsageError) as error:
            assert str(error) and "\n" not in str(error), repr(str(error))
            return
    assert isinstance(result, GradeResult)
    assert isinstance(result.correct, bool) and result.message


def _cases(exercise: str) -> st.SearchStrategy[tuple[str, str, str]]:
    _, names, targets = LOADED[exercise]
    return st.tuples(st.just(exercise), st.sampled_from(targets), formulas(names))


grammar_cases = st.one_of([_cases(exercise) for exercise in EXERCISES])


@FUZZ
@given(case=grammar_cases, lang=st.sampled_from(["en", "zh"]))
def test_grammar_formulas_grade_or_raise_the_graders_errors(case, lang):
    exercise, target, answer = case
    _grade_or_typed_error(exercise, target, answer, lang)


@FUZZ
@given(exercise=st.sampled_from(EXERCISES), answer=hostile, data=st.data())
def test_hostile_text_grades_or_raises_the_graders_errors(exercise, answer, data):
    target = data.draw(st.sampled_from(LOADED[exercise][2]))
    _grade_or_typed_error(exercise, target, answer, "en")


@FUZZ
@given(target=st.one_of(st.text(max_size=40), st.sampled_from(["dW0", "dW99", "W1", "dx", "d", "dZ-1"])))
def test_any_target_name_grades_or_raises_the_graders_errors(target):
    _grade_or_typed_error("04_two_layer_tanh", target, "0", "en")


def test_the_strategies_reach_right_answers():
    """The grammar can write a right answer (so the fuzzing reaches grading, not only refusals):
    a few hand-picked right formulas from it are graded correct."""
    network, _, _ = LOADED["04_two_layer_tanh"]
    for target, answer in [("dZ2", "(A2 - Y) / m"), ("dW2", "dZ2 @ (A1).T"), ("db2", "sum(dZ2, axis=1, keepdims=True)"),
                           ("dZ1", "W2.T @ dZ2 * tanh_prime(Z1)")]:
        assert grade(network, target, answer).correct, (target, answer)


@pytest.mark.parametrize("answer", ["\ud800", "\x00", "(" * 200 + "X" + ")" * 200, "1e" + "9" * 500,
                                    "np.mean(0, axis=0, keepdims=False)", "mean(m, axis=-1) * X"])
def test_found_by_fuzzing(answer):
    # np.mean of a number with axis=0 raised numpy's AxisError (np.sum allows it)
    _grade_or_typed_error("04_two_layer_tanh", "dW2", answer, "en")


def test_a_mean_over_a_number_is_the_number():
    network, _, _ = LOADED["04_two_layer_tanh"]
    assert grade(network, "dZ2", "(A2 - Y) / m * mean(1, axis=0)").correct
