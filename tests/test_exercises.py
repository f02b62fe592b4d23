"""The bundled exercises: at least 12, in curriculum order, each a valid network file with a
bilingual statement, targets and hints, its numbers checked against finite differences, and
every level-3 hint formula accepted by the grader."""

from __future__ import annotations

import re

import pytest

from bpcli import spec
from bpcli.core.gradcheck import check
from bpcli.core.network import run
from bpcli.grading import grade, parse_target
from bpcli.quiz.catalogue import exercise_names, load_exercise
from bpcli.quiz.generator import generate
from bpcli.quiz.hints import solution_formula
from conftest import REPO_ROOT

NAMES = exercise_names()


def test_curriculum():
    assert len(NAMES) >= 12
    assert NAMES == sorted(NAMES)
    assert [name.split("_")[0] for name in NAMES] == [f"{i:02d}" for i in range(1, len(NAMES) + 1)]
    for topic in ("sigmoid_neuron", "logistic_regression", "least_squares", "two_layer", "worked_example",
                  "softmax", "three_layer", "conv_single_filter", "stride_padding", "maxpool", "avgpool",
                  "small_cnn"):
        assert any(topic in name for name in NAMES), topic


def test_found_through_the_package_resources():
    assert (REPO_ROOT / "bpcli" / "exercises").resolve() == (REPO_ROOT / "exercises").resolve()


@pytest.mark.parametrize("name", NAMES)
def test_exercise_loads_and_matches_finite_differences(name):
    exercise = load_exercise(name)
    assert spec.load(REPO_ROOT / "exercises" / f"{name}.yaml").loss == exercise.network.loss
    assert check(exercise.network, sample=None).ok
    assert run(exercise.network).warnings == []   # no relu at 0, no tied pool window


@pytest.mark.parametrize("name", NAMES)
def test_exercise_text_in_both_languages(name):
    exercise = load_exercise(name)
    assert exercise.statement["en"].strip() and exercise.statement["zh"].strip()
    for target, hints in exercise.rule_hints.items():
        assert target in exercise.targets
        assert hints.get("en") and hints.get("zh")


@pytest.mark.parametrize("name", NAMES)
def test_hint_formulas_are_right(name):
    exercise = load_exercise(name)
    tensors = run(exercise.network).tensors()
    for target in exercise.targets:
        formula = solution_formula(exercise.network, parse_target(target, tensors))
        if formula is not None:
            assert grade(exercise.network, target, formula).correct, (target, formula)


def test_the_published_worked_example():
    tensors = run(load_exercise("05").network).tensors()
    assert tensors["dW2"][0, 0] == pytest.approx(0.082167041, abs=1e-8)      # ∂E/∂w5
    assert tensors["dW1"][0, 0] == pytest.approx(0.000438568, abs=1e-8)      # ∂E/∂w1


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_generated_exercises_are_hand_computable(level, seed):
    exercise = generate(level, seed)
    network = exercise.network
    result = run(network)
    assert result.warnings == []
    assert check(network, sample=None).ok
    for name in ("X", "Y", "W1"):
        values = result.tensors()[name]
        assert ((values * 2) == (values * 2).round()).all()    # integers and halves
    assert exercise.targets[0].startswith("dZ") and exercise.targets[0].endswith(str(len(network.layers)))
    assert generate(level, seed).targets == exercise.targets


@pytest.mark.parametrize("level", [1, 2, 3])
def test_generated_gradients_are_short_and_never_all_zero(level):
    # level 2 used to give exercises whose relu units were all dead (every gradient below the
    # output 0) and values such as 43.8125 or 0.65625
    for seed in range(40):
        exercise = generate(level, seed)
        tensors = run(exercise.network).tensors()
        for target in exercise.targets:
            value = tensors[target]
            assert abs(value).max() > 0, (seed, target)
            assert abs(value).max() <= 20, (seed, target)
            assert ((value * 8) == (value * 8).round()).all(), (seed, target, value)


@pytest.mark.parametrize("name", NAMES)
def test_first_hints_state_the_rule_not_the_answer(name):
    # hints are progressive: 1 the rule, 2 the shapes, 3 the formula with names; an exercise's own
    # hint is level 1, so it must not write the target's formula ("dZ2 = (A2 − Y)/m")
    exercise = load_exercise(name)
    for target, hints in exercise.rule_hints.items():
        for lang, text in hints.items():
            assert not re.search(rf"(?<![\w∂/]){target}\s*=", text), (target, lang, text)
            formula = solution_formula(exercise.network, parse_target(target, run(exercise.network).tensors()))
            if formula is not None:
                compact = formula.replace(" ", "").replace("-", "−").replace(".T", "ᵀ").replace("@", "·")
                assert compact not in text.replace(" ", ""), (target, lang, text)


def test_titles_in_chinese():
    for name in NAMES:
        exercise = load_exercise(name)
        assert re.search(r"[\u4e00-\u9fff]", exercise.title_in("zh")) and exercise.title_in("en") == exercise.title
    assert "难度 2，种子 3" in generate(2, 3).title_in("zh") and "level 2, seed 3" in generate(2, 3).title
