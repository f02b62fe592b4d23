"""Answers in forms a learner may reasonably type: the same numbers with more axes of length 1
than the target (a convolution's db of one filter as [[0.25]], an image dX as its layer sees
it, 1 × 1 × H × W for an X given as 1 × H × W), and what is still a shape mistake."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpcli.core.network import run
from bpcli.grading import grade
from bpcli.grading.diagnosis import align
from bpcli.quiz.catalogue import load_bundled_network


def text(array) -> str:
    return json.dumps(np.asarray(array).tolist())


@pytest.mark.parametrize("name", ["08", "10", "12"])
def test_an_image_dX_typed_with_the_layers_channel_axis_is_right(name):
    network = load_bundled_network(name)
    dX = run(network).tensors()["dX"]
    assert dX.ndim == 3  # X is given as m × H × W
    as_the_layer_sees_it = dX[:, None]  # m × 1 × H × W
    result = grade(network, "dX", text(as_the_layer_sees_it))
    assert result.correct, result.message


@pytest.mark.parametrize("name", ["08", "12"])
def test_a_one_filter_conv_db_typed_as_a_one_by_one_matrix_is_right(name):
    network = load_bundled_network(name)
    db = run(network).tensors()["db1"]
    assert db.shape == (1,)
    for typed in (text(db.reshape(1, 1)), text(db.reshape(1, 1, 1))):
        result = grade(network, "db1", typed)
        assert result.correct and result.diagnosis == [], result.message


def test_unit_axes_are_added_or_dropped_but_never_moved():
    assert align(np.ones((1, 1, 3, 3)), (1, 3, 3)).shape == (1, 3, 3)
    assert align(np.ones((3, 1, 1)), (3, 1)).shape == (3, 1)
    assert align(np.ones((1, 3, 1)), (3,)).shape == (3,)
    assert align(np.ones(3), (3, 1)).shape == (3, 1)
    # a row typed for a column stays a row: the diagnosis is then about its orientation
    assert align(np.ones((1, 3)), (3, 1)).shape == (1, 3)
    assert align(np.ones((3, 1, 1)), (1, 3)).shape == (3, 1, 1)
    assert align(np.ones((2, 1, 3)), (3, 2)).shape == (2, 1, 3)


def numbers_in_both_syntaxes(vector, layout: str) -> list[str]:
    """``vector``'s numbers typed as a row or a column, in the '1 2; 3 4' syntax and in brackets."""
    numbers = [repr(float(x)) for x in np.ravel(vector)]
    if layout == "row":
        return [" ".join(numbers), "[[" + ", ".join(numbers) + "]]"]
    return ["; ".join(numbers), "[" + ", ".join(f"[{x}]" for x in numbers) + "]"]


@pytest.mark.parametrize("target", ["db1", "dW2"])  # 04: db1 is 3 × 1, dW2 is 1 × 3
@pytest.mark.parametrize("layout", ["row", "column"])
def test_a_vector_typed_as_a_row_or_a_column_is_graded_on_its_numbers(target, layout):
    """Typed numbers of a vector are its numbers in order, whichever way they are laid out
    (README, Grading answers): the same verdict for a row and a column in either syntax."""
    network = load_bundled_network("04")
    value = run(network).tensors()[target]
    assert value.ndim == 2 and min(value.shape) == 1 and max(value.shape) > 1
    for typed in numbers_in_both_syntaxes(value, layout):
        result = grade(network, target, typed)
        assert result.correct and result.diagnosis == [], (typed, result.message)
    # a wrong number is marked as wrong in either layout, and a sign is named as such
    wrong = value.ravel().copy()
    wrong[1] += 1.0
    for typed in numbers_in_both_syntaxes(wrong, layout):
        result = grade(network, target, typed)
        assert result.diagnosis == ["entries"] and result.wrong_entries == [[1, 0] if value.shape[1] == 1 else [0, 1]]
    for typed in numbers_in_both_syntaxes(-value, layout):
        assert grade(network, target, typed).diagnosis == ["sign"]


def test_a_formula_computing_a_row_for_a_column_is_still_transposed():
    """A formula is graded in the shape it computes: its code would give the row."""
    network = load_bundled_network("04")
    assert grade(network, "db1", "sum(dZ1, axis=1, keepdims=True).T").diagnosis == ["transposed"]
    assert grade(network, "dW2", "A1 @ dZ2.T").diagnosis == ["transposed"]
    assert grade(network, "db1", "sum(dZ1, axis=1)").correct  # flat: the vector's numbers, no layout


def test_a_matrix_typed_with_rows_and_columns_swapped_is_still_transposed():
    network = load_bundled_network("04")
    dW1 = run(network).tensors()["dW1"]
    assert dW1.shape == (3, 2)
    assert grade(network, "dW1", text(dW1.T)).diagnosis == ["transposed"]


def test_an_image_map_of_one_row_typed_as_a_column_is_not_the_same_map():
    """The vector rule is for vectors: a 1 × 4 map typed 4 × 1 is another picture."""
    assert align(np.ones((1, 1, 4, 1)), (1, 1, 1, 4), typed=True).shape == (1, 1, 4, 1)


def test_an_answer_equal_to_two_tensors_names_both():
    """08's activation is linear, so dA1 and dZ1 are the same numbers: the learner who typed dZ1
    for dW1 was told 'your answer is dA1'."""
    network = load_bundled_network("08")
    tensors = run(network).tensors()
    assert np.array_equal(tensors["dA1"], tensors["dZ1"]) and tensors["dZ1"].shape == tensors["dW1"].shape
    result = grade(network, "dW1", text(tensors["dZ1"]))
    assert result.diagnosis == ["other_tensor"]
    assert "dA1" in result.message and "dZ1" in result.message, result.message


def test_rows_of_different_sizes_are_described_in_the_order_typed():
    from bpcli.errors import AnswerError

    with pytest.raises(AnswerError, match=r"\(2 and 1 entries\)"):
        grade(load_bundled_network("04"), "dW2", "[[1, 2], [3]]")


@pytest.mark.parametrize("answer", ["（A2 － Y）／m", "（A2 - Y） / m", "(A2　-　Y)/m", "(A2 − Y)/m"])
def test_a_formula_typed_with_a_chinese_input_method_is_read(answer):
    """Full-width parentheses, minus and slash (what an input method in Chinese mode types) were
    'invalid character （ (U+FF08)', while full-width commas in numbers were accepted."""
    network = load_bundled_network("04")
    result = grade(network, "dZ2", answer)
    assert result.correct, result.message


def test_full_width_numbers_are_read_too():
    network = load_bundled_network("04")
    dZ2 = run(network).tensors()["dZ2"]
    typed = "［［" + "，".join(f"{x:.6f}" for x in dZ2.ravel()) + "］］"
    assert grade(network, "dZ2", typed).correct
