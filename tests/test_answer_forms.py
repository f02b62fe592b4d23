"""Answers in forms a learner may reasonably type: the same numbers with more axes of length 1
than the target (a convolution's db of one filter as [[0.25]], an image dX as its layer sees
it, 1 × 1 × H × W for an X given as 1 × H × W), and what is still a shape mistake."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcli.core.network import run
from bpcli.errors import AnswerError
from bpcli.grading import grade
from bpcli.grading.diagnosis import align
from bpcli.quiz.catalogue import load_bundled_network
from bpcli.texts import error_text


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


@pytest.mark.parametrize("uneven, place, length, first, first_length", [
    ([[1, 2], [3]], "answer[1]", 1, "answer[0]", 2),
    ([[1, 2], [3, 4], [5, 6, 7]], "answer[2]", 3, "answer[0]", 2),
    ([[[1, 2], [3, 4]], [[5, 6], [7]]], "answer[1][1]", 1, "answer[0][0]", 2)])
def test_a_list_with_rows_of_different_lengths_says_which_row(uneven, place, length, first, first_length):
    """numpy's refusal became 'the answer must be numbers or a formula, found list', though a list
    is an answer's form: it did not say that the rows differ, nor which."""
    network = load_bundled_network("04")
    with pytest.raises(AnswerError) as caught:
        grade(network, "dW1", uneven)
    said = str(caught.value)
    assert f"{place} has length {length}, {first} has length {first_length}" in said and "found list" not in said
    assert f"{place} 的长度是 {length}" in error_text(caught.value, "zh")


@pytest.mark.parametrize("answer, place, words", [
    ([["1/3", 2], [3, 4], [5, 6]], "answer[0][0]", "the text '1/3'"),
    ([[1, 2], [3, 4], [5, "dZ1"]], "answer[2][1]", "the text 'dZ1'"),
    ([["1", "2"], ["3", "4"], ["5", "6"]], "answer[0][0]", "the text '1'"),
    (np.array([["1", "2"], ["3", "4"], ["5", "6"]]), "answer[0][0]", "the text '1'"),
    (((1, 2), (3, 4), (5, 1j)), "answer[2][1]", "1j (a complex)"),
    ([[1, 2], 3, [4, 5]], "answer[0]", "is a list, answer[1] a number")])
def test_a_list_entry_that_is_not_a_number_says_which_and_where(answer, place, words):
    """'1/3' in a list was 'found list'; '1' was read as 1 (numpy's conversion), while a batch
    refused the same list: text in a list is never read as a number, and the entry is named."""
    with pytest.raises(AnswerError) as caught:
        grade(load_bundled_network("04"), "dW1", answer)
    assert place in str(caught.value) and words in str(caught.value), caught.value
    assert place in error_text(caught.value, "zh") and error_text(caught.value, "zh") != str(caught.value)


def test_lists_of_numbers_of_any_python_or_numpy_type_are_still_read():
    network = load_bundled_network("04")
    dW1 = run(network).tensors()["dW1"]
    rows = [[Fraction(entry).limit_denominator(10**9) for entry in row] for row in dW1.tolist()]
    for answer in (dW1.tolist(), tuple(map(tuple, dW1.tolist())), rows, [list(row) for row in dW1.astype(np.float32)],
                   dW1.astype(object)):
        assert grade(network, "dW1", answer).correct


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


# -- rounded answers: what a learner copies from a display -------------------------------------------
# The rule (CONVENTIONS, README): an entry is right within rtol·|e| + rtol·max|e|, rtol = 1e-2.
# Rounding e to k significant digits moves it by at most half a unit in its k-th digit,
# 0.5·10^(1−k)·|e| (|e| ≥ 10^⌊log10|e|⌋): for k = 4 that is 5e-4·|e|, a twentieth of rtol·|e|
# alone, so a 4-significant-digit answer is right whatever the tensor's other entries; and fixed
# decimals that give the largest entry M four significant digits move every entry by at most
# 5e-4·M, a twentieth of rtol·M. So any display that shows four significant digits, per entry
# or per tensor, shows an answer the grader takes. Fewer digits of a small tensor are not:
# 05's dW1 (0.000439, …) to four decimals is 0.0004, 9 % off, as far off as 0.4 for 0.439.

def significant(value: np.ndarray, digits: int) -> np.ndarray:
    """Each entry rounded to ``digits`` significant digits, as text and back ('4.386e-04')."""
    return np.vectorize(lambda x: float(f"{x:.{digits - 1}e}"))(value)


def decimals_for_largest(value: np.ndarray, digits: int) -> np.ndarray:
    """Every entry rounded to the decimals that give the largest one ``digits`` significant digits."""
    largest = np.abs(value).max()
    places = digits - 1 - int(np.floor(np.log10(largest))) if largest > 0 else 0
    return np.round(value, places)


@pytest.mark.parametrize("name", [f"{n:02d}" for n in range(1, 15)])
def test_every_target_rounded_to_four_significant_digits_is_right(name):
    from bpcli.grading.targets import valid_targets

    network = load_bundled_network(name)
    tensors = run(network).tensors()
    for target in valid_targets(tensors):
        value = tensors[target]
        for typed in (significant(value, 4), decimals_for_largest(value, 4)):
            result = grade(network, target, text(typed))
            assert result.correct, (name, target, result.message)


def test_four_decimals_of_a_small_tensor_are_not_four_significant_digits():
    network = load_bundled_network("05")
    dW1 = run(network).tensors()["dW1"]
    assert np.abs(dW1).max() < 1e-3
    assert not grade(network, "dW1", text(np.round(dW1, 4))).correct
    assert grade(network, "dW1", text(significant(dW1, 4))).correct


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.floats(-1e3, -1e-6)), min_size=1, max_size=12),
       st.integers(-12, 6), st.sampled_from([4, 5, 6]))
def test_four_significant_digits_always_match(entries, exponent, digits):
    from bpcli.grading.diagnosis import matches

    value = np.array(entries) * 10.0 ** exponent
    for typed in (significant(value, digits), decimals_for_largest(value, digits)):
        assert matches(value, typed, 1e-2), (value, typed)


def test_a_list_typed_over_several_lines_is_one_list():
    """Inside brackets a line break is a space (numpy and JSON print lists so): a list pasted over
    lines, [[1, 2],⏎ [3, 4]], was read as two rows of different sizes and refused."""
    from bpcli.grading.numbers import parse_numbers

    assert parse_numbers("[[1, 2],\n [3, 4]]").tolist() == [[1, 2], [3, 4]]
    assert parse_numbers("[[1],\n [2], [3]]").tolist() == [[1], [2], [3]]
    assert parse_numbers("[1 2\n 3]").tolist() == [1, 2, 3]
    assert parse_numbers("1 2\n3 4").tolist() == [[1, 2], [3, 4]]  # outside brackets: rows


def test_rows_of_plain_numbers_are_checked_by_type_not_entry_by_entry(monkeypatch):
    """Each entry of a list is checked to be a number (text is not read as one); checked entry by
    entry in Python, a million entries took 3 s where numpy reads them in 0.06 s. Rows of plain
    Python numbers are checked by their types in one pass: the entry-by-entry check, which says
    what a bad entry is and where, is left for rows that hold something else. (What is counted
    is the calls, not the time, which another machine or a busy one would change.)"""
    from bpcli.grading import numbers

    checked = []
    entry_check = numbers._check_number
    monkeypatch.setattr(numbers, "_check_number", lambda place, item: (checked.append(place), entry_check(place, item)))
    expected = np.arange(300.0).reshape(100, 3)
    expected[7, 1] = 5
    answer = expected.tolist()
    answer[7][1] = 5  # an int among floats is as plain
    assert np.array_equal(numbers.numbers_of_value(answer), expected)
    assert checked == []
    answer[42][2] = np.float64(1.5)  # a numpy number is a number too, checked on its own row
    numbers.numbers_of_value(answer)
    assert checked and {place[0] for place in checked} == {42}
