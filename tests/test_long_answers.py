"""Long learner input is quoted short: every grading and quiz message that quotes an answer, a
target or an exercise name quotes at most its first ~60 characters, on one line (issue 8,
finding 13: a 100,000-character answer gave a 100,000-character message)."""

from __future__ import annotations

import pytest

from bpcli.errors import AnswerError, UsageError
from bpcli.formatting import QUOTE_LIMIT
from bpcli.grading import grade
from bpcli.texts import error_text
from bpcli.quiz.catalogue import load_exercise
from conftest import cli_env, run_cli

LONG = 100_000
#: a message's own words plus a few quotes of QUOTE_LIMIT characters stay well under this
SHORT_MESSAGE = 300

LONG_ANSWERS = {
    # numbers
    "digits": "1" * LONG,                                   # one number beyond float range
    "fraction": "1/" + "3" * LONG,                          # a denominator beyond float range
    "zero_denominator": "1/0" + "0" * LONG,
    "unreadable": "1 2 " + "$" * LONG,
    "adjacent": "1 2-" + "3" * LONG,
    "unreadable_lines": "1 2 $" + " \n" * (LONG // 2),      # what is quoted would hold line breaks
    # formulas
    "formula_name": "Q" * LONG,
    "formula_sum": "A1 + " * (LONG // 5) + "A1",
}

#: formulas within the formula length limit whose messages quote a long part of them
QUOTING_FORMULAS = {
    "unknown_name": "Q" * 390,
    "string": "'" + "x" * 390 + "'",
    "attribute": "A1." + "x" * 390,
    "keyword": "sum(A1, " + "x" * 380 + "=1)",
    "matmul_over_lines": "(A1 +\n A1 +\n" + " tanh(A1) +\n" * 5 + " A1) @ (X +\n X)",
}


def _assert_short_and_one_line(text: str) -> None:
    assert len(text) < SHORT_MESSAGE and "\n" not in text, (len(text), text[:400])


@pytest.fixture(scope="module")
def network():
    return load_exercise("04").network


@pytest.mark.parametrize("answer", list(LONG_ANSWERS.values()) + list(QUOTING_FORMULAS.values()),
                         ids=list(LONG_ANSWERS) + list(QUOTING_FORMULAS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_answer_is_quoted_short(network, answer, lang):
    try:
        result = grade(network, "dW2", answer, lang=lang)
    except AnswerError as error:
        message = error_text(error, lang)
        _assert_short_and_one_line(str(error))
    else:  # graded (a flat list of numbers has the wrong shape): the verdict is short too
        message = result.message
    _assert_short_and_one_line(message)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_target_is_quoted_short(network, lang):
    with pytest.raises(UsageError) as caught:
        grade(network, "d" + "W" * LONG, "1", lang=lang)
    text = error_text(caught.value, lang)
    _assert_short_and_one_line(text)
    assert "…" in text
    if lang == "en":  # the quoted name ends its sentence
        assert "…'; this network's targets are Z1, A1," in text


@pytest.mark.parametrize("args, repeated", [
    (["grade", "04", "--target", "dW2", "--answer", "1" * LONG], "1"),
    (["grade", "04", "--target", "dW2", "--answer", "1/" + "3" * LONG], "3"),
    (["grade", "04", "--target", "d" + "W" * LONG, "--answer", "1"], "W"),
    (["quiz", "z" * LONG], "z"),
], ids=["number", "fraction", "target", "quiz_name"])
def test_the_command_line_prints_one_line_quoting_the_input_short(args, repeated, tmp_path):
    code, out, err = run_cli(args, env=cli_env(BPCLI_DATA_DIR=str(tmp_path)))
    assert code == 2 and out == "" and err.count("\n") == 1, err[:400]
    # the quote: at most QUOTE_LIMIT characters of the input (the quiz's message also lists
    # the twelve exercises, so its length is not bounded by SHORT_MESSAGE)
    assert repeated * QUOTE_LIMIT not in err and "…" in err, err[:400]
