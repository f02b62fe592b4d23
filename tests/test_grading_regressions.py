"""Regressions from the design review of grading and the quiz: Rich markup in learner text,
numbers-only formulas judged by redraws, huge exponents in fractions, hints for every target
kind, one naming helper, one run per grade and per session."""

from __future__ import annotations

import importlib
import inspect
import io
import re
import subprocess
import sys

import pytest
import yaml
from rich.console import Console

import bpcli.core.network as core_network
import bpcli.quiz.session as session_module
from bpcli import kinds, load
from bpcli.core.network import run
from bpcli.errors import AnswerError
from bpcli.grading import grade
from bpcli.grading import mistakes, targets
from bpcli.grading.formula import parse_formula
from bpcli.grading.grade import REDRAWS
from bpcli.grading.numbers import parse_numbers
from bpcli.grading.targets import parse_target, valid_targets
from bpcli.quiz import hints
from bpcli.quiz.catalogue import exercise_names, load_exercise
from bpcli.quiz.hints import hint, solution_formula
from bpcli.quiz.session import QuizSession
from bpcli.render import quiz as console_io
from bpcli.render.quiz import ConsoleIO
from conftest import REPO_ROOT, cli_env, run_cli

#: the module, not the function ``bpcli.grading.grade`` that bpcli.grading exports under its name
grade_module = importlib.import_module("bpcli.grading.grade")

@pytest.fixture
def env(tmp_path):
    return cli_env(BPCLI_DATA_DIR=str(tmp_path / "data"))


# -- 1. learner text is never Rich markup ------------------------------------------------------

def test_piped_answer_with_markup_is_echoed_literally(env):
    code, out, err = run_cli(["quiz", "01_sigmoid_neuron"], input="[/]\n[bold]x[/bold]\nquit\n", env=env)
    assert code == 1, err                      # quit before solving: exit 1
    assert "MarkupError" not in err and "Traceback" not in err
    assert "dA1 = [/]" in out and "dA1 = [bold]x[/bold]" in out


def _console_io(lines: str = "") -> tuple[ConsoleIO, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, force_terminal=False)
    return ConsoleIO(console, "en", stdin=io.StringIO(lines)), buffer


def test_console_io_shows_yaml_and_error_text_literally():
    exercise = load_exercise("01")
    exercise.title = "[bold]Title[/]"
    exercise.statement = {"en": "Statement with [red]brackets[/red] and [/]"}
    terminal, buffer = _console_io("[/]\n")
    terminal.show_exercise(exercise, run(exercise.network))
    assert terminal.read("dA1 = ") == "[/]"
    terminal.show_answer_error("cannot read '[/]'")
    terminal.show_hint(1, "Rule", "a hint from YAML with [/] in it")
    terminal.show_text("quiz.skipped", target="[/]")
    shown = buffer.getvalue()
    for text in ("[bold]Title[/]", "Statement with [red]brackets[/red] and [/]", "dA1 = [/]",
                 "cannot read '[/]'", "a hint from YAML with [/] in it", "Skipped [/]."):
        assert text in shown


def test_quiz_list_shows_titles_literally(monkeypatch):
    from bpcli.commands import quiz as quiz_command
    from bpcli.quiz import catalogue

    original = catalogue.load_exercise

    def bracketed(name):
        exercise = original(name)
        exercise.title = f"[/] {exercise.title}"
        return exercise

    monkeypatch.setattr(catalogue, "load_exercise", bracketed)
    buffer = io.StringIO()
    quiz_command._list_exercises(Console(file=buffer, width=120, color_system=None), "en")
    assert buffer.getvalue().count("[/] ") == len(exercise_names())


# -- 2. a formula of numbers only is not judged on redraws ------------------------------------

@pytest.mark.parametrize("answer", ["0 - 0.5", "sigmoid(0) - 1", "-exp(0)/2", "np.exp(0) * -0.5",
                                    "-0.5 * m"])
def test_numbers_only_formula_is_right(answer):
    result = grade(load_exercise("01").network, "db1", answer)
    assert result.correct and result.diagnosis == []


def test_formula_names_are_only_tensors():
    assert parse_formula("sigmoid(Z1) * np.exp(0) / m").names == frozenset({"Z1"})
    assert parse_formula("sum(dZ1, axis=1, keepdims=True)").names == frozenset({"dZ1"})
    assert parse_formula("tanh_prime(0) - relu(1)").names == frozenset()


def test_a_tensor_formula_is_still_checked_on_other_draws():
    network = load_exercise("04").network
    value = run(network).tensors()["db2"].item()
    assert grade(network, "db2", f"{value!r} + 0 * sum(dZ2)").diagnosis[0] == "right_by_coincidence"


# -- 3. huge exponents in fractions ------------------------------------------------------------

HUGE_EXPONENTS = ["1/1e9999999", "1/1e99999999", "1e99999999/3", "1/1e-99999999", "[1/1e99999999, 2]"]


@pytest.mark.parametrize("answer", HUGE_EXPONENTS)
def test_fraction_with_huge_exponent_is_refused(answer):
    with pytest.raises(AnswerError, match="out of range"):
        parse_numbers(answer)


def test_fraction_with_huge_exponent_never_builds_the_power():
    # Computing 10**9999999 exactly takes about 15 s, 10**99999999 many minutes: refusing them all
    # before the timeout means no such power was built, however loaded the machine (no timing
    # is measured, a hang is caught)
    code = ("import sys\nfrom bpcli.errors import AnswerError\nfrom bpcli.grading.numbers import parse_numbers\n"
            "for answer in sys.argv[1:]:\n"
            "    try:\n        parse_numbers(answer)\n    except AnswerError:\n        print('refused')\n")
    done = subprocess.run([sys.executable, "-c", code, *HUGE_EXPONENTS], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO_ROOT, timeout=120)
    assert done.stdout.split() == ["refused"] * len(HUGE_EXPONENTS), done.stderr


def test_grade_cli_refuses_huge_exponent_within_a_timeout():
    code, out, err = run_cli(["grade", "exercises/04_two_layer_tanh.yaml", "--target", "dW2",
                              "--answer", "1/1e99999999"], timeout=120)
    assert code == 2 and "out of range" in err and "Traceback" not in err


def test_formula_literal_beyond_float_is_refused():
    with pytest.raises(AnswerError, match="out of range"):
        grade(load_exercise("04").network, "dW2", "1/1e400 * 2")


@pytest.mark.parametrize("text, value", [("1/3", 1 / 3), ("0.1/0.3", 1 / 3), ("-2/8", -0.25),
                                         ("1e-300/1e-300", 1.0), ("3e2/1e2", 3.0), ("0/1e-5", 0.0)])
def test_ordinary_fractions_stay_exact(text, value):
    assert parse_numbers(text).item() == value


def test_zero_denominator_is_still_division_by_zero():
    with pytest.raises(AnswerError, match="divides by zero"):
        parse_numbers("1/0e-99999999")


# -- 4. a hint at every level for every kind of target -----------------------------------------

def _every_target():
    for name in exercise_names():
        network = load_exercise(name).network
        tensors = run(network).tensors()
        for target in valid_targets(tensors):
            yield name, network, tensors, parse_target(target, tensors)


def test_hint_ladder_for_every_target_of_every_exercise():
    kinds = set()
    for name, network, tensors, target in _every_target():
        kinds.add(target.kind)
        for lang in ("en", "zh"):
            texts = [hint(network, target, level, lang, None, tensors)[1] for level in (1, 2, 3)]
            assert all(texts), (name, target.name, lang)
            assert texts[1].startswith(target.name), (name, target.name, texts[1])
            assert texts[2].startswith(target.name), (name, target.name, texts[2])
            if not target.is_gradient:  # a forward target never gets a gradient rule
                assert "dW" not in texts[2] and "dZ" not in texts[2], (name, target.name, texts[2])
        formula = solution_formula(network, target)
        if formula is not None:
            assert grade(network, target.name, formula).correct, (name, target.name, formula)
    assert kinds == {"Z", "A", "dA", "dZ", "dW", "db", "dgamma", "dbeta", "dX"}


@pytest.mark.parametrize("target, words", [("Z1", "X ⋆ W1 + b1"), ("A2", "largest"), ("A3", "column")])
def test_forward_hints_on_the_small_cnn(target, words):
    network = load_exercise("12_small_cnn").network
    chosen = parse_target(target, run(network).tensors())
    label, text = hint(network, chosen, 3, "en", None)
    assert text.startswith(target) and words in text and "dW" not in text
    rule = hint(network, chosen, 1, "en", None)[1]
    assert "W·A_prev" not in rule  # the dense rule is not the conv, pooling or flatten one


def test_rules_follow_the_layer():
    network = load_exercise("12_small_cnn").network
    tensors = run(network).tensors()
    rules = {name: hint(network, parse_target(name, tensors), 1, "en", None)[1]
             for name in ("Z1", "A2", "A3", "dW1", "Z4", "dW4", "dA4")}
    assert "⋆" in rules["Z1"] and "largest" in rules["A2"] and "column" in rules["A3"]
    assert "⋆" in rules["dW1"] and "A_prevᵀ" in rules["dW4"] and "W·A_prev" in rules["Z4"]
    assert "loss" in rules["dA4"]


# the CNN hints of quiz 12 that could not be followed as written, and those like them ---------------

@pytest.mark.parametrize("lang, flatten_words", [("en", "Layer 3 (flatten)"), ("zh", "第 3 层（flatten）")])
def test_a_dA_hint_speaks_of_the_layer_it_comes_back_through(lang, flatten_words):
    """12: dA2 comes back through layer 3, a flatten; the rule was the same sentence for every
    layer kind ('through Wᵀ for a dense layer, back into place for flatten and pooling, …')."""
    network = load_exercise("12").network
    tensors = run(network).tensors()
    rule = hint(network, parse_target("dA2", tensors), 1, lang, None)[1]
    assert flatten_words in rule and "A2" in rule and "dA3" in rule, rule
    assert "Wᵀ" not in rule and "x̂" not in rule, rule
    # each kind the rule comes back through is named in its own rule, with the target's names
    seen = set()
    for name in exercise_names():
        network = load_exercise(name).network
        tensors = run(network).tensors()
        for target_name in valid_targets(tensors):
            target = parse_target(target_name, tensors)
            l = target.layer or 0
            if target.kind not in ("dA", "dX") or l == len(network.layers):
                continue
            following = network.layers[l]
            rule = hint(network, target, 1, lang, None)[1]
            assert target.name in rule and target.base in rule and str(following.index) in rule, (name, rule)
            seen.add(following.kind)
    assert seen == {"dense", "conv2d", "maxpool", "avgpool", "flatten", "batchnorm"}


def test_the_flatten_hint_is_a_formula_that_grades_right():
    """Hint 3 said 'dA2 = dA3ᵀ reshaped to m × C × H × W', and dA3.T.reshape(1, 1, 2, 2) was
    refused; the hint is now that formula, with m, and grade takes each spelling of it."""
    network = load_exercise("12").network
    tensors = run(network).tensors()
    label, text = hint(network, parse_target("dA2", tensors), 3, "en", None)
    assert label == "Formula" and text == "dA2 = dA3.T.reshape(m, 1, 2, 2)"
    assert tensors["A2"].shape == (1, 1, 2, 2) and tensors["dA3"].shape == (4, 1)
    for answer in ("dA3.T.reshape(m, 1, 2, 2)", "dA3.T.reshape(1, 1, 2, 2)", "dA3.T.reshape((1, 1, 2, 2))",
                   "np.reshape(dA3.T, (1, 1, 2, 2))", "dA3.T.reshape(-1, 1, 2, 2)"):
        assert grade(network, "dA2", answer).correct, answer
    # the same numbers column by column are another arrangement: named, not refused
    assert grade(network, "dA2", "dA3.reshape(2, 2).T.reshape(1, 1, 2, 2)").diagnosis == ["wrong_reshape"]


@pytest.mark.parametrize("answer, words", [
    ("dA3.T.reshape(1, 1, 2, 3)", "4 numbers, which do not make 1 × 1 × 2 × 3"),
    ("dA3.T.reshape(0, 4)", "whole number ≥ 1"), ("dA3.T.reshape(1.5, 4)", "whole number ≥ 1"),
    ("dA3.T.reshape(-1, -1)", "(once)"), ("dA3.T.reshape(dA3)", "whole number ≥ 1"),
    ("dA3.T.reshape(1e300, 1)", "whole number ≥ 1"), ("dA3.T.reshape()", "takes the new shape"),
    ("dA3.T.reshape(1, 1, 2, 2, order='F')", "no keywords"), ("reshape(dA3.T, 1, 1, 2, 2)", "takes the new shape"),
    ("dA3.T.reshape(1, 1, 1, 1, 1, 1, 2, 2)", "1 to 6 axes"),
])
def test_a_reshape_that_cannot_be_done_says_why(answer, words):
    network = load_exercise("12").network
    with pytest.raises(AnswerError, match=re.escape(words)):
        grade(network, "dA2", answer)
    code, _, err = run_cli(["grade", "12", "--target", "dA2", "--answer", answer])
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_conv_hints_use_the_names_shown_and_padding_only_where_there_is_some(lang):
    """12's conv has stride 1 and no padding, and the quiz shows X: the hint said 'A0 ⋆ dZ1 …
    P[n, c, s·y + i, s·x + j] (P = A0 padded)'. 09's has stride 2 and padding 1."""
    plain = load_exercise("12").network
    assert plain.layers[0].padding == 0 and plain.layers[0].stride == 1
    tensors = run(plain).tensors()
    for target in ("dW1", "Z1"):
        words = hint(plain, parse_target(target, tensors), 3, lang, None)[1]
        rule = hint(plain, parse_target(target, tensors), 1, lang, None)[1]
        assert "X ⋆" in words or "⋆ X" in words, words
        assert "X[n, c, y + i, x + j]" in words and "A0" not in words and "P" not in words, words
        assert "padded" not in rule and "补零" not in rule, rule
    padded = load_exercise("09").network
    assert padded.layers[0].padding == 1 and padded.layers[0].stride == 2
    tensors = run(padded).tensors()
    for target in ("dW1", "Z1"):
        words = hint(padded, parse_target(target, tensors), 3, lang, None)[1]
        rule = hint(padded, parse_target(target, tensors), 1, lang, None)[1]
        assert "P[n, c, 2·y + i, 2·x + j]" in words and "A0" not in words, words
        assert ("1 row and column" in words) if lang == "en" else ("补 1 行" in words), words
        assert ("padded" in rule) if lang == "en" else ("补零" in rule), rule


def test_hints_in_words_name_no_tensor_the_quiz_does_not_show():
    """The quiz shows X (as given), never A0, the name formulas give an image input as the layers
    see it: a hint in words names X (10's max pool said 'A1[n, c, y, x] = … of A0[n, c]')."""
    for name in exercise_names():
        network = load_exercise(name).network
        tensors = run(network).tensors()
        for target_name in valid_targets(tensors):
            for lang in ("en", "zh"):
                label, text = hint(network, parse_target(target_name, tensors), 3, lang, None, tensors)
                if solution_formula(network, parse_target(target_name, tensors)) is None:
                    assert "A0" not in text, (name, target_name, text)


# -- 5. one naming helper, names from the parsed formula ---------------------------------------

def test_input_and_output_names_have_one_home():
    assert not hasattr(hints, "_input_name")
    assert not hasattr(mistakes, "_input_name") and not hasattr(mistakes, "_output_name")
    kind_modules = [importlib.import_module(type(kinds.grading(kind)).__module__) for kind in kinds.names()]
    for module in [hints, mistakes] + kind_modules:
        assert getattr(module, "input_name", targets.input_name) is targets.input_name, module.__name__
    image = load_exercise("12").network
    column = load_exercise("04").network
    assert targets.input_name(column, 1) == "X" and targets.input_name(column, 2) == "A1"
    assert targets.input_name(image, 1) == "A0" and targets.output_name(column, 0) == "X"


def test_shapes_hint_lists_the_formulas_tensors():
    network = load_exercise("04").network
    tensors = run(network).tensors()
    text = hint(network, parse_target("dA1", tensors), 2, "en", None)[1]
    assert text.endswith(f"You have: W2 is 1 × 3, dZ2 is 1 × {network.m}.")
    assert "parse_formula" in inspect.getsource(hints._shapes_hint)


# -- 6. one run per grade and per session ------------------------------------------------------

@pytest.fixture
def count_runs(monkeypatch):
    calls = []

    def counted(network):
        calls.append(network)
        return run(network)

    for module in (core_network, grade_module, session_module):
        monkeypatch.setattr(module, "run", counted)
    return calls


def test_a_grade_runs_the_network_once_plus_redraws(count_runs):
    network = load_exercise("04").network
    count_runs.clear()  # loading an exercise runs it to check its targets
    assert grade(network, "dW2", "dZ2 @ A1.T").correct
    assert len(count_runs) == 1 + REDRAWS
    count_runs.clear()
    assert grade(network, "db2", "1.0").correct is not None
    assert len(count_runs) == 1


def test_a_wrong_redraw_reuses_the_value(count_runs):
    network = load_exercise("01").network
    value = run(network).tensors()["db1"].item()
    count_runs.clear()
    result = grade(network, "db1", f"{value!r} + 0 * sum(dZ1)")
    assert result.diagnosis[0] == "right_by_coincidence"
    assert count_runs[0] is network and len(count_runs) <= 1 + REDRAWS
    assert all(drawn is not network for drawn in count_runs[1:])  # the value came from the first run


class _ScriptedIO:
    def __init__(self, lines):
        self.lines = list(lines)
        self.shown: list[tuple] = []

    def read(self, prompt):
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)

    def __getattr__(self, name):  # show_*: recorded
        return lambda *args, **values: self.shown.append((name, *args))


def test_a_session_runs_its_network_once(count_runs, tmp_path):
    exercise = load_exercise("04")
    count_runs.clear()  # loading an exercise runs it to check its targets
    # (a worked solution also runs explain, which takes the network, not a run: not counted here)
    script = ["hint", "hint", "hint", "(A2 - Y) / m", "dZ2 @ A1.T", "hint", "A1"]
    session = QuizSession(exercise, _ScriptedIO(script))
    score = session.run()
    assert score.solved == 2 and score.hints == 4
    own_runs = [network for network in count_runs if network is exercise.network]
    assert len(own_runs) == 1
    assert len(count_runs) == 1 + REDRAWS  # the redraws, once for every formula of the session


def test_reusing_the_run_changes_no_result():
    network = load_exercise("07").network
    computed = run(network)
    for target, answer in [("dW2", "dZ2 @ A1.T"), ("dW2", "A1 @ dZ2.T"), ("db3", "sum(dZ3)"),
                           ("dZ1", "dA1 * relu(Z1)"), ("dA1", "[[1], [2], [3]]"), ("Z2", "W2 @ A1")]:
        fresh = grade(network, target, answer).to_dict()
        for _ in range(2):  # and a second grade on the same run sees the same numbers
            assert grade(network, target, answer, computed=computed).to_dict() == fresh


# -- 7. no dead ImportError fallbacks ----------------------------------------------------------

def test_no_import_fallbacks_for_narration():
    for module in (session_module, console_io):
        assert "except ImportError" not in inspect.getsource(module)


# ---------------------------------------------------------------------------------------------
# On the `bpcli new dense` starter, the output sigmoid's slope A(1 − A) is close to 1/4 = 1/m, so
# "missing g′, then divided by m" is numerically the right value again. Found in a user trial.


def _starter():
    text = subprocess.run([sys.executable, "-m", "bpcli", "new", "dense"], capture_output=True, text=True,
                          env=cli_env(), check=True).stdout
    return load(yaml.safe_load(text))


def test_a_plain_transpose_is_named_alone_even_where_g_prime_is_near_1_over_m():
    network = _starter()
    result = grade(network, "dW2", "A1 @ dZ2.T")
    assert result.diagnosis == ["transposed"], result.diagnosis
    assert "the value" not in result.message


def test_a_number_rounded_too_far_is_close_not_two_invented_mistakes():
    network = _starter()
    right = float(run(network).tensors()["db2"][0, 0])  # −0.02876 on the starter
    result = grade(network, "db2", f"{right:.2f}")  # −0.03: 4 % off, outside the tolerance of 2 %
    assert result.diagnosis == ["entries"], result.diagnosis
    assert "close" in result.message


def test_a_target_in_the_wrong_case_suggests_the_same_letters():
    network = _starter()
    with pytest.raises(Exception) as caught:
        grade(network, "dw2", "0")
    assert "dW2" in str(caught.value) and "db2?" not in str(caught.value)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
def test_pool_hints_write_the_stride_out(lang, kind):
    """A pool's output in words said its window sits 'at (s·y, s·x)' and never said what s is;
    the stride is written out, as the conv hints write it: (2·y, 2·x) at stride 2, (y, x) at 1."""
    base = {"input": {"X": [[[[1.0, 2, 3, 0], [4, 0, 6, 1], [7, 8, 9, 2], [0, 3, 1, 5]]]]},
            "loss": "sse"}
    for stride, corner in ((2, "(2·y, 2·x)"), (1, "(y, x)")):
        side = (4 - 2) // stride + 1
        spec = {**base, "input": {**base["input"], "Y": [[0.5]] * (side * side)},
                "layers": [{"type": kind, "size": 2, "stride": stride}, {"type": "flatten"}]}
        network = load(spec)
        tensors = run(network).tensors()
        words = hint(network, parse_target("A1", tensors), 3, lang, None, tensors)[1]
        assert corner in words and "s·" not in words, words


def test_the_draws_read_a_wrong_formula_once_however_many_type_it(monkeypatch):
    """A batch grades a class's answers with one Draws per network file: 30 students typing the
    same wrong formula are read on the other draws once."""
    from bpcli.grading import Draws

    calls = []
    original = grade_module._readings_on_draws

    def counted(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(grade_module, "_readings_on_draws", counted)
    network = load_exercise("04").network
    draws = Draws(network)
    for _ in range(3):
        result = grade(network, "dW1", "2 * (dZ1 @ X.T)", draws=draws)
        assert result.diagnosis == ["scaled"]
    assert len(calls) == 1
    grade(network, "dW1", "-(dZ1 @ X.T)", draws=draws)
    assert len(calls) == 2
