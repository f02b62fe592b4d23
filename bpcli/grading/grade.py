"""``grade``: is a learner's answer for one tensor right, and if not, why not."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import numpy as np

from bpcli.core.network import Network, Run, run
from bpcli.errors import AnswerError, FormulaShapeError
from bpcli.formatting import shorten
from bpcli.grading.diagnosis import Diagnosis, align, diagnose, matches, without_marks
from bpcli.texts import Joined, Msg, answer_error, check_language, sentences, usage_error
from bpcli.values import is_real
from bpcli.grading.mistakes import likely_mistakes
from bpcli.grading.numbers import answer_place, ascii_forms, looks_numeric, numbers_of_value, parse_numbers
from bpcli.grading.redraw import redraw
from bpcli.grading.targets import (Target, available_tensors, backward_order, forward_order, parse_target,
                                  shape_message)

if TYPE_CHECKING:  # the formula parser is imported when an answer is a formula (most are numbers)
    from bpcli.grading.formula import Formula

DEFAULT_RTOL = 1e-2
#: the schema every grade result carries (``bpcli grade --json``, each row of ``--batch``)
GRADE_SCHEMA = "bpcli.grade/1"
#: other draws of the network a formula must also be right on
REDRAWS = 3
#: the draws are seeded, so a grade is reproducible
REDRAW_SEED = 20240917


@dataclass
class GradeResult:
    """The verdict on one answer.

    ``expected`` and ``answer`` are the tensors compared (``answer`` as the learner gave it;
    None for a formula that cannot be computed, whose shapes do not fit);
    ``wrong_mask`` marks wrong entries (expected's shape) when the diagnosis is ``entries``.
    ``message`` is in the language ``grade`` was asked for, as said where the answer is not drawn
    (wrong entries named, not "marked"); ``parts`` are its sentences as ``Msg``, so
    ``message_in`` words it in any language, and for a drawing that marks them. ``to_dict`` is the JSON object of
    CONVENTIONS.md.
    """

    target: str
    correct: bool
    max_abs_error: float | None
    diagnosis: list[str]
    message: str
    expected: np.ndarray
    answer: np.ndarray | None
    wrong_mask: np.ndarray | None = field(default=None)
    parts: list[Msg] = field(default_factory=list)
    lang: str = "en"

    def __repr__(self) -> str:
        # the verdict, without the arrays and sentence parts a generated repr would print
        return (f"GradeResult(target={self.target!r}, correct={self.correct}, diagnosis={self.diagnosis}, "
                f"message={self.message!r})")

    def message_in(self, lang: str, marks_shown: bool = False) -> str:
        """The message in ``lang``, as ``message`` says it: the wrong entries named
        (``without_marks``); ``marks_shown`` for a drawing of the answer that marks them."""
        if not self.parts:
            return self.message
        parts = self.parts if marks_shown else [without_marks(part, self.target, self.wrong_entries)
                                                for part in self.parts]
        return sentences(lang, parts)

    @property
    def expected_shape(self) -> list[int]:
        return list(self.expected.shape)

    @property
    def answer_shape(self) -> list[int] | None:
        return None if self.answer is None else list(self.answer.shape)

    @property
    def wrong_entries(self) -> list[list[int]] | None:
        """Index lists of the wrong entries, only when the diagnosis is ``entries``."""
        if self.wrong_mask is None or "entries" not in self.diagnosis:
            return None
        return [[int(i) for i in index] for index in np.argwhere(self.wrong_mask)]

    def _repr_html_(self) -> str:
        """The verdict in a notebook: the message, the diagnosis and the answer with its wrong
        entries marked (``bpcli.render.grading.grade_html``)."""
        from bpcli.render.grading import grade_html

        return grade_html(self, lang=self.lang)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "schema": GRADE_SCHEMA, "target": self.target, "correct": self.correct, "max_abs_error": self.max_abs_error,
            "diagnosis": list(self.diagnosis), "message": self.message,
            "expected_shape": self.expected_shape, "answer_shape": self.answer_shape,
        }
        if self.wrong_entries is not None:
            result["wrong_entries"] = self.wrong_entries
        return result


def grade(network: Network, target: str, answer: Any, rtol: float = DEFAULT_RTOL, lang: str = "en",
          computed: Run | None = None, draws: Draws | None = None) -> GradeResult:
    """Grade ``answer`` (numbers or a formula as text, or an array) for the tensor ``target``;
    the result's ``message`` is in ``lang`` (the codes are the same in every language).
    ``computed`` is ``run(network)`` when the caller already has it (a quiz session runs its
    network once); the network is not run again then. ``draws`` are the network's ``Draws``
    when the caller keeps them (a batch or a quiz grades many formulas on one network), else
    they are drawn here when a formula needs them.

    Raises ``UsageError`` for a target the network does not have or a bad ``rtol``, and
    ``AnswerError`` for an answer that cannot be parsed or evaluated (their messages are
    English; ``bpcli.texts.error_text(error, lang)`` words them in ``lang``).
    """
    check_rtol(rtol)
    rtol = float(rtol)  # a numpy float32 or int64 as the Python float every comparison uses
    check_language(lang)
    result = computed if computed is not None else run(network)
    draws = draws if draws is not None else Draws(network)
    tensors = result.tensors()
    chosen = parse_target(target, tensors)
    _refuse_unseen_characters(answer)
    answer = _without_its_name(answer, chosen)
    formula = _formula_of(answer, chosen, network, tensors)
    try:
        value = _numbers_of(answer) if formula is None else _evaluate(formula, tensors, network.m)
    except FormulaShapeError as error:
        graded = _missing_or_extra_transpose(error, result, chosen, rtol, draws)
        if graded is None:
            raise
    else:
        rule = formula is not None and formula.names  # a formula over tensors, not numbers
        holds = _holds_on_other_draws(network, chosen, formula, rtol, draws) if rule else None
        graded = _judge(result, chosen, value, rtol, typed=formula is None, holds=holds)
        if graded.correct and rule:
            graded = _check_other_draws(network, chosen, formula, graded, rtol, draws) or graded
    graded.message = graded.message_in(lang)
    graded.lang = lang
    return graded


def check_rtol(rtol: Any) -> None:
    """``UsageError`` unless ``rtol`` is a number strictly between 0 and 1 (a Python or numpy
    real number; not a bool, not an array)."""
    if not (is_real(rtol) and 0 < rtol < 1):
        raise usage_error("usage.rtol", rtol=rtol)


def _refuse_unseen_characters(answer: Any) -> None:
    """An ``AnswerError`` that says where a text answer holds a character no one sees or types: a
    control character (the NUL of a binary file pasted into a batch's row), a formatting one
    (a zero-width space copied from a web page), or bytes of the command line that are not
    UTF-8. Neither reader could take it: the formula parser's message was Python's own ('source
    code string cannot contain null bytes'), in English whatever the language."""
    if not isinstance(answer, str) or "".join(answer.split()).isprintable():  # at C speed: 5 MB answers
        return
    index = next(index for index, character in enumerate(answer)
                 if not (character.isprintable() or character.isspace()))
    raise answer_error("answer.unseen_character", place=answer_place(answer, index), code=f"U+{ord(answer[index]):04X}")


#: an answer written as an equation: 'dW2 = dZ2 @ A1.T', 'dW2 = [[1, 2]]' (not 'dW2 == …')
_NAMED_ANSWER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)", re.DOTALL)


def _without_its_name(answer: Any, target: Target) -> Any:
    """An answer written as the equation 'dW2 = …' (as explain writes them) is its right side
    when it names the tensor asked; naming another is an ``AnswerError`` that says which."""
    # '＝' from an input method too; the name's place is kept as spaces, so that a message's column
    # is where the learner typed it
    named = _NAMED_ANSWER.fullmatch(ascii_forms(answer)) if isinstance(answer, str) else None
    if named is None:
        return answer
    if named[1] != target.name:
        raise answer_error("answer.names_other", given=named[1], target=target.name)
    return " " * named.start(2) + answer[named.start(2):]


def _formula_of(answer: Any, target: Target, network: Network, tensors: dict[str, np.ndarray]) -> Formula | None:
    """The parsed formula when ``answer`` is one; None when it is numbers. A formula may name
    only the tensors a learner has when computing ``target`` (``available_tensors``)."""
    if not isinstance(answer, str) or looks_numeric(answer):
        return None
    from bpcli.grading.formula import parse_formula

    formula = parse_formula(answer)
    if target.name in formula.names:
        raise answer_error("answer.uses_target", target=target.name)
    available = available_tensors(network, tensors, target)
    later = [name for name in formula.names if name in tensors and name not in available]
    if later:
        _refuse_circular(sorted(later)[0], target, network, tensors, available)
    return formula


def _refuse_circular(name: str, target: Target, network: Network, tensors: dict[str, np.ndarray],
                     available: list[str]) -> None:
    """Raise the ``AnswerError`` that says why ``name`` may not appear in a formula for ``target``:
    it is computed after ``target`` (from it, or later), and what ``target`` can be written with."""
    if target.is_gradient:
        earlier = [other for other in backward_order(tensors) if other in available]
        allowed = Msg("answer.circular.gradients", names=Joined(earlier)) if earlier else ""
        raise answer_error("answer.circular.backward", name=name, target=target.name, gradients=allowed)
    earlier = [other for other in forward_order(network, tensors) if other in available]
    allowed = Msg("answer.circular.values", names=Joined(earlier)) if earlier else ""
    raise answer_error("answer.circular.forward", name=name, target=target.name, values=allowed)


def _numbers_of(answer: Any) -> np.ndarray:
    if isinstance(answer, str):
        try:
            return parse_numbers(answer)
        except AnswerError as number_error:
            from bpcli.grading.formula import parse_formula

            try:  # "1 / 3" or "2 * 0.5": arithmetic on numbers is a formula too
                value = parse_formula(answer).evaluate({}, 1)
            except AnswerError:
                raise number_error from None
            if not np.isfinite(value).all():
                raise number_error from None
            return value
    return numbers_of_value(answer)


def _evaluate(formula: Formula, tensors: dict[str, np.ndarray], m: int) -> np.ndarray:
    value = formula.evaluate(tensors, m)
    if not np.isfinite(value).all():
        raise answer_error("formula.not_finite", formula=shorten(formula.text))
    return value


def _missing_or_extra_transpose(error: FormulaShapeError, result: Run, target: Target, rtol: float,
                                draws: Iterable[Run]) -> GradeResult | None:
    """A formula whose shapes do not fit is read, not refused, when one transpose added or
    removed where they fail (``error.repairs``) gives the right value, on every draw: the
    answer is wrong (``missing_transpose`` or ``extra_transpose``) and the verdict says why it
    cannot be computed and which transpose makes it right. None when no repair does: the
    answer stays unreadable (``error``)."""
    for repair in error.repairs:
        if not np.isfinite(repair.value).all():
            continue
        on_network = _judge(result, target, repair.value, rtol, marks_shown=False, typed=False)
        if not on_network.correct:
            continue
        if repair.formula.names and _check_other_draws(result.network, target, repair.formula, on_network,
                                                       rtol, draws) is not None:
            continue
        code, key = ("missing_transpose", "diag.transpose.added") if repair.added else \
            ("extra_transpose", "diag.transpose.removed")
        parts = [Msg("verdict.wrong", target=target.name), error.reason,
                 Msg(key, operand=repair.operand, operation=repair.operation, target=target.name)]
        return GradeResult(target.name, False, None, [code], sentences("en", parts), on_network.expected, None,
                           parts=parts)
    return None


def _judge(result: Run, target: Target, answer: np.ndarray, rtol: float, marks_shown: bool = True,
           typed: bool = True, holds: Callable[[Diagnosis], bool] | None = None) -> GradeResult:
    """Compare ``answer`` with the run's value of ``target`` and diagnose it when wrong
    (``marks_shown`` False for a redraw, whose wrong entries nobody sees marked; ``typed`` False
    for a formula's value, which nothing rounded and whose shape is what the formula computes,
    where typed numbers of a vector may be laid out as a row or a column: ``align``; ``holds``
    tells a reading that is true in general from a coincidence: ``diagnose``)."""
    network = result.network
    expected = result.tensors()[target.name]
    aligned = align(answer, expected.shape, typed=typed)
    error = _max_abs_error(expected, aligned)
    if matches(expected, aligned, rtol):
        parts = [Msg("verdict.right", target=target.name, rtol=rtol)]
        return GradeResult(target.name, True, error, [], sentences("en", parts), expected, answer, parts=parts)
    found = diagnose(expected, aligned, likely_mistakes(result, target), network.m, rtol, target.name,
                     shape_message(target, network, expected.shape), loss=network.loss,
                     marks_shown=marks_shown, typed=typed, holds=holds,
                     batch_norms=_batch_norms_before(result, target))
    return _wrong(target, found, expected, answer, error)


def _batch_norms_before(result: Run, target: Target) -> tuple[tuple[int, int], ...]:
    """(layer, N) of each batch normalisation the gradient ``target`` is passed back through:
    those after the target's layer (all of them for dX), nearest first. Each brings a 1/N."""
    if not target.is_gradient:
        return ()
    after = target.layer or 0
    return tuple((record.layer.index, record.cache.count) for record in reversed(result.records)
                 if record.layer.kind == "batchnorm" and record.layer.index > after)


def _wrong(target: Target, found: Diagnosis, expected: np.ndarray, answer: np.ndarray,
           error: float | None) -> GradeResult:
    parts = [Msg("verdict.wrong", target=target.name)] + found.sentences
    return GradeResult(target.name, False, error, found.codes, sentences("en", parts), expected, answer,
                       found.wrong_mask, parts)


def _max_abs_error(expected: np.ndarray, answer: np.ndarray) -> float | None:
    """max |answer − expected| entry by entry; for an answer of another shape with as many
    entries, compared in row-major order; None when the sizes differ."""
    if answer.shape == expected.shape or answer.size == expected.size:
        return float(np.abs(answer.reshape(expected.shape) - expected).max()) if expected.size else 0.0
    return None


def _holds_on_other_draws(network: Network, target: Target, formula: Formula, rtol: float,
                          draws: Draws) -> Callable[[Diagnosis], bool]:
    """Whether a reading of a wrong formula (a named mistake, a factor, an offset) is also one
    of the formula's value on another draw of ``network``. A formula is a rule, and a mistake
    its value matches on these numbers only (on one sample with A = 0.5 and Y = 1, 'A1 + Y' for
    a sigmoid's dZ is also minus a tanh's dZ) is not what the learner did. One draw that agrees
    is enough: two draws sharing a coincidence are rarer still. With no draw to go by (the
    formula right or not computable on every one), a reading stands. The draws are read when
    first asked, once per formula (a class types the same ones)."""
    def holds(reading: Diagnosis) -> bool:
        on_draws = draws.remembered((target.name, formula.text.strip(), rtol),
                                    lambda: list(_readings_on_draws(network, target, formula, rtol, draws)))
        return not on_draws or any(_same_reading(reading, other) for readings in on_draws for other in readings)

    return holds


def _readings_on_draws(network: Network, target: Target, formula: Formula, rtol: float,
                       draws: Iterable[Run]) -> Iterator[list[Diagnosis]]:
    """Every reading of ``formula``'s value on each draw where it is wrong (on a single number
    its factor is one, its offset another: each draw offers all it has); nothing from a draw
    where it is right or cannot be computed: no evidence either way."""
    for drawn, drawn_value in _values_on_draws(formula, draws, network.m):
        offered = _Offered()
        if not _judge(drawn, target, drawn_value, rtol, marks_shown=False, typed=False, holds=offered).correct:
            yield offered.readings


def _values_on_draws(formula: Formula, draws: Iterable[Run], m: int) -> Iterator[tuple[Run, np.ndarray]]:
    """Each draw with ``formula``'s value on it, where it can be computed (not a log of 0 on that
    draw alone, which is no evidence either way)."""
    for drawn in draws:
        try:
            yield drawn, _evaluate(formula, drawn.tensors(), m)
        except AnswerError:
            continue


class _Offered:
    """A ``holds`` for ``diagnose`` that notes every reading offered and lets none stand, so that
    all are offered."""

    def __init__(self) -> None:
        self.readings: list[Diagnosis] = []

    def __call__(self, reading: Diagnosis) -> bool:
        self.readings.append(reading)
        return False


def _same_reading(reading: Diagnosis, other: Diagnosis) -> bool:
    """Whether two readings say the same: the same codes and sentences, the same tensors and
    numbers named in them ('2 times the right value' on every draw; on a single number, any
    answer is some multiple of the right one)."""
    return (reading.codes == other.codes and len(reading.sentences) == len(other.sentences)
            and all(_same_sentence(one, two) for one, two in zip(reading.sentences, other.sentences)))


def _same_sentence(one: Any, other: Any) -> bool:
    if isinstance(one, float) and isinstance(other, float):
        return math.isclose(one, other, rel_tol=1e-6)
    if _is_equal_names(one) or _is_equal_names(other):
        # tensors with the same numbers are named together ('X = W1'), and which are equal is
        # each draw's own (W1 given with X's numbers): one name in common is the same reading
        return bool(set(_equal_names(one)) & set(_equal_names(other)))
    if not (isinstance(one, Msg) and isinstance(other, Msg)):
        return str(one) == str(other)
    return (one.key == other.key and one.fields.keys() == other.fields.keys()
            and all(_same_sentence(mine, other.fields[name]) for name, mine in one.fields.items()))


def _is_equal_names(part: Any) -> bool:
    return isinstance(part, Joined) and part.separator == "sep.equal"


def _equal_names(part: Any) -> list[str]:
    """The tensors ``part`` names: each of a 'dA1 = dZ1' (``_other_tensors``), else itself."""
    return [str(item) for item in part.items] if _is_equal_names(part) else [str(part)]


class Draws:
    """The runs of the ``REDRAWS`` other draws of a network, on which a formula is read as a rule
    (seeded: the same draws every time), drawn when first needed: most answers are numbers."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._runs: list[Run] | None = None
        self._remembered: dict[Any, Any] = {}

    def __iter__(self) -> Iterator[Run]:
        if self._runs is None:
            rng = np.random.default_rng(REDRAW_SEED)
            self._runs = [run(redraw(self.network, rng)) for _ in range(REDRAWS)]
        return iter(self._runs)

    def remembered(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per ``key``, for what depends on these draws alone."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]


def _check_other_draws(network: Network, target: Target, formula: Formula, graded: GradeResult,
                       rtol: float, draws: Iterable[Run]) -> GradeResult | None:
    """None when the formula, right on ``network`` (``graded``), is also right on its other draws
    (``draws``); else a wrong result that says so and diagnoses the formula on the draw where it
    fails."""
    for drawn, drawn_value in _values_on_draws(formula, draws, network.m):
        on_draw = _judge(drawn, target, drawn_value, rtol, marks_shown=False, typed=False)
        if on_draw.correct:
            continue
        codes = ["right_by_coincidence"] + [code for code in on_draw.diagnosis if code not in ("entries", "shape")]
        explanation = Joined(on_draw.parts[1:], separator="sep.sentence")  # without its verdict
        parts = [Msg("verdict.coincidence", target=target.name, explanation=explanation)]
        return GradeResult(target.name, False, graded.max_abs_error, codes, sentences("en", parts),
                           graded.expected, graded.answer, parts=parts)
    return None
