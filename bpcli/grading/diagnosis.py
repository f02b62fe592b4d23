"""Deciding whether an answer is right, and if not, which mistake explains it.

The tolerance rule (CONVENTIONS.md): an entry is right when it is within
``rtol·|expected| + rtol·max|expected|`` of the expected entry (plus ``ABSOLUTE_FLOOR``, so a
formula that computes an exact 0 as 1e-17 is not marked wrong).

A wrong answer is compared, in order, with the expected tensor and with each likely mistake
(``mistakes.likely_mistakes``), each as is and transposed, times 1, −1, m, −m, 1/m, −1/m, and
last with the expected tensor times any other constant, then plus any constant. The first that
matches within the tolerance names the mistake; when none does, the wrong entries are marked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bpcli.core import losses
from bpcli.texts import Msg
from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import shape_words

#: added to every entry's tolerance: rounding noise of float64 formulas, far below anything typed
ABSOLUTE_FLOOR = 1e-12


@dataclass
class Diagnosis:
    """The codes of a wrong answer, its sentences (``Msg``, worded in any language when shown)
    and (for ``entries``) the mask of wrong entries in the expected tensor's shape."""

    codes: list[str]
    sentences: list[Msg]
    wrong_mask: np.ndarray | None = field(default=None)


def tolerance(expected: np.ndarray, rtol: float) -> np.ndarray:
    """Per-entry tolerance of ``expected`` (same shape)."""
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    return rtol * np.abs(expected) + rtol * scale + ABSOLUTE_FLOOR


def wrong_entries_mask(expected: np.ndarray, answer: np.ndarray, rtol: float) -> np.ndarray:
    """True where ``answer`` (expected's shape) misses the tolerance."""
    return ~(np.abs(answer - expected) <= tolerance(expected, rtol))


def matches(expected: np.ndarray, answer: np.ndarray, rtol: float) -> bool:
    """Same shape and every entry within the tolerance."""
    return expected.shape == answer.shape and not wrong_entries_mask(expected, answer, rtol).any()


def align(answer: np.ndarray, shape: tuple[int, ...], typed: bool = False) -> np.ndarray:
    """The answer in the expected ``shape`` when it only lacks axes of length 1 (a flat list
    ``0.1 0.2 0.3`` for a 3 × 1 db, a single number for a 1 × 1 tensor) or only has more of them
    (``[[0.25]]`` for a convolution's db of one filter, a 1 × 1 × 3 × 3 dX, as its layer sees it,
    for an X given as 1 × 3 × 3): the same numbers in the same order. Otherwise unchanged, so a
    matrix typed with its rows and columns swapped, or a formula's row for a column, is still
    diagnosed as transposed.

    ``typed`` numbers of a vector (a target of at most two axes with at most one longer than 1:
    a dense db, n × 1; the dW of a one-unit layer, 1 × n) are its numbers in order however they
    are laid out: a row, a column or a flat list, in either syntax ('1 2 3', '1; 2; 3',
    '[[1, 2, 3]]'). Only a matrix's layout says where each number belongs."""
    squeezed = tuple(n for n in shape if n != 1)
    if answer.ndim < len(shape) and tuple(n for n in answer.shape if n != 1) == squeezed:
        return answer.reshape(shape)
    if answer.ndim > len(shape) and _with_unit_axes_removed(answer.shape, shape):
        return answer.reshape(shape)
    if (typed and answer.shape != shape and len(shape) <= 2 and answer.ndim <= 2 and len(squeezed) <= 1
            and tuple(n for n in answer.shape if n != 1) == squeezed):
        return answer.reshape(shape)
    return answer


def _with_unit_axes_removed(longer: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether deleting some axes of length 1 from ``longer`` leaves ``shape``."""
    position = 0
    for n in longer:
        if position < len(shape) and n == shape[position]:
            position += 1
        elif n != 1:
            return False
    return position == len(shape)


@dataclass(frozen=True)
class _Match:
    mistake: Mistake
    transposed: bool
    factor: float
    factor_codes: tuple[str, ...]


# an answer near the largest float (1e308) overflows in the products and differences below: the
# diagnosis checks what it finds for being finite, and numpy's RuntimeWarning went to the learner's stderr
@np.errstate(over="ignore", invalid="ignore")
def diagnose(expected: np.ndarray, answer: np.ndarray, mistakes: list[Mistake], m: int, rtol: float,
             target_name: str, shape_sentence: Msg, loss: str | None = None,
             marks_shown: bool = True, typed: bool = True,
             holds: Callable[[Diagnosis], bool] | None = None,
             batch_norms: tuple[tuple[int, int], ...] = ()) -> Diagnosis:
    """Why ``answer`` (already aligned) is not ``expected``. ``mistakes`` come from
    ``likely_mistakes``; ``shape_sentence`` is the target's dimension analysis; ``loss`` makes the
    sentences about m and constant factors true for that loss (sse has no 1/m). With
    ``marks_shown`` False (a redraw nobody sees) the entries sentence does not point at marks.
    ``typed`` is False for a formula's value: nothing was rounded, so a near miss is not told to
    keep more digits. ``holds``, for a formula, says whether a reading (a named mistake, a
    factor, an offset) is what the formula computes on other numbers too; one that is not is a
    coincidence of these numbers and the next reading is tried. ``batch_norms`` are (layer, N)
    of the batch-normalisation layers the target's gradient is passed back through: each brings
    a 1/N of its own, which a factor of N (= m on column data) may be.

    The right value times a named factor (±1, ±m, ±1/m) is tried first, then each specific
    mistake, and only then the right value times any other constant: a constant factor says
    less than a named mistake, and on a single sample a missing g′ is also a constant factor."""
    itself = Mistake((), expected, None, scalable=True)
    # a mistake's value lacking only axes of length 1 is compared as the answer is (align)
    specific = [dataclasses.replace(mistake, value=align(mistake.value, answer.shape)) for mistake in mistakes
                if _may_have_shape(mistake, answer.shape) and _distinguishable(mistake.value, expected, rtol)]
    # (candidate, fitted factor?, orientations, factor 1 only?), simplest explanations first: the
    # right value times a named factor; one named mistake as it is (a flatten undone in the wrong
    # order is also a transpose, but saying which is better); the right value transposed; a named
    # mistake transposed or scaled too; the right value transposed and scaled; any constant
    attempts = ([(itself, False, (False,), False)]
                + [(mistake, False, (False,), True) for mistake in specific]
                + [(itself, False, (True,), True)]
                + [(mistake, False, (False, True), False) for mistake in specific]
                + [(itself, False, (True,), False), (itself, True, (False, True), False)])
    for candidate, any_factor, orientations, unit_only in attempts:
        found = _match(candidate, answer, m, rtol, any_factor=any_factor, orientations=orientations,
                       unit_only=unit_only, loss=loss, single_factor=holds is not None)
        if found is not None and not _coincidence(found, itself, expected, rtol):
            reading = _describe_match(found, expected, answer, m, target_name, shape_sentence, loss, batch_norms)
            if holds is None or holds(reading):
                return reading
    if answer.shape == expected.shape:
        offset = constant_offset(expected, answer, rtol, single=holds is not None)
        if offset is not None:
            reading = Diagnosis(["offset"], [Msg("diag.offset" if expected.size > 1 else "diag.offset.single",
                                                 offset=offset)])
            if holds is None or holds(reading):
                return reading
        mask = wrong_entries_mask(expected, answer, rtol)
        sentences = [entries_sentence(int(mask.sum()), mask.size, marks_shown)]
        if typed and cut_too_early(expected, answer, mask):
            sentences.append(Msg("diag.close"))
        return Diagnosis(["entries"], sentences, mask)
    sentences = [Msg("diag.shape", shape_sentence=shape_sentence, answer_shape=shape_words(answer.shape))]
    if answer.ndim == 2 and answer.T.shape == expected.shape:
        sentences.append(Msg("diag.shape.transposed_numbers_wrong"))
    return Diagnosis(["shape"], sentences)


def cut_too_early(expected: np.ndarray, answer: np.ndarray, wrong: np.ndarray) -> bool:
    """Whether every ``wrong`` entry of a typed ``answer`` is the right value rounded, or cut
    towards 0, to the decimals it was typed with (0.03 or 0.02 for 0.02876, 12 for 12.5,
    0.0004 for 0.000439; not 1 for 0, however large the tensor's other entries).

    A 0 shows no decimals of its own: it is read to the finest decimal of the answer's other
    entries (0 for 0.02 beside a typed 0.3 is 0.02 rounded to one decimal). Wrong entries that
    are all 0, in an answer typed without decimals (a blank template, a guess), show no rounding:
    every value below 0.5 is 0 "rounded to no decimals", which would call any such answer close."""
    typed, right = answer[wrong], expected[wrong]
    zero = typed == 0
    finest = _finest_unit(answer) if zero.any() else 1.0
    if zero.all() and finest >= 1:
        return False
    units = np.array([_last_digit_unit(float(value)) if value != 0 else finest for value in typed]) * (1 + 1e-9)
    error = np.abs(typed - right)
    rounded = error <= units / 2
    cut = (error < units) & (np.abs(typed) <= np.abs(right)) & (typed * right >= 0)
    return bool(np.all(rounded | cut))


def _finest_unit(answer: np.ndarray) -> float:
    """One in the last decimal of the most precisely typed non-zero entry of ``answer`` (1 when
    every entry is 0 or a whole number)."""
    # a set, not np.unique, which loads numpy.ma (10 ms of an autograder's `bpcli grade`)
    written = set(answer[answer != 0].tolist())
    return min((_last_digit_unit(value) for value in written), default=1.0)


def _last_digit_unit(value: float) -> float:
    """One in the last decimal of ``value`` as written shortest: 0.001 for -0.0299, 1 for 12."""
    decimals = np.format_float_positional(value, trim="-").partition(".")[2]
    return 10.0 ** -len(decimals)


#: wrong entries named, where no marks are drawn, before the rest is left to "…"
LISTED_ENTRIES = 8


def without_marks(sentence: Msg, target: str, wrong_entries: list[list[int]] | None) -> Msg:
    """``sentence`` as said where the answer is not drawn with its wrong entries marked (JSON, a
    batch, Gradescope's feedback): an ``entries_sentence`` names them instead ('dW1[2,1]');
    any other sentence is itself."""
    if sentence.key == "diag.entries.all.marked":
        return Msg("diag.entries.all", **sentence.fields)
    if sentence.key != "diag.entries.some.marked" or not wrong_entries:
        return sentence
    named = [f"{target}[{','.join(str(i) for i in index)}]" for index in wrong_entries[:LISTED_ENTRIES]]
    entries = ", ".join(named) + (", …" if len(wrong_entries) > LISTED_ENTRIES else "")
    return Msg("diag.entries.some.listed", **sentence.fields, entries=entries)


def entries_sentence(count: int, size: int, marks_shown: bool = True) -> Msg:
    """What an ``entries`` diagnosis says: how many entries are wrong, true for one entry, some
    or all of them."""
    marked = ".marked" if marks_shown else ""
    if size == 1:
        return Msg("diag.entries.single")
    if count == size:
        return Msg("diag.entries.all" + marked, size=size)
    return Msg("diag.entries.some" + marked, count=count, size=size)


def constant_offset(expected: np.ndarray, answer: np.ndarray, rtol: float, single: bool = False) -> float | None:
    """c when every entry of ``answer`` is its expected entry plus the same constant c (within the
    tolerance) and c is not within it: a term too many (``dZ1 @ X.T + 0.001``). None for a single
    entry, where any wrong number is some offset and that explains nothing, unless ``single``: a
    formula's offset, which other draws of the network confirm or not."""
    if expected.size < (1 if single else 2):
        return None
    difference = answer - expected
    offset = _median(difference)
    allowed = tolerance(expected, rtol)
    if np.all(np.abs(difference - offset) <= allowed) and np.any(np.abs(offset) > allowed):
        return offset
    return None


def _median(values: np.ndarray) -> float:
    """The median of all entries, as ``np.median`` gives it (the mean of the two middle ones for
    an even count); ``np.median`` itself imports numpy.ma, a twelfth of a grade's start-up."""
    ordered = np.sort(values, axis=None)
    middle = ordered.size // 2
    return float(ordered[middle] if ordered.size % 2 else (ordered[middle - 1] + ordered[middle]) / 2)


def _may_have_shape(mistake: Mistake, shape: tuple[int, ...]) -> bool:
    """Whether the mistake's value, aligned and oriented as ``_match`` may, has ``shape``: the
    others are passed over unread (a CNN's run has many tensors of other shapes)."""
    value = align(mistake.value, shape)
    if value.shape == shape:
        return True
    return mistake.transposable and value.ndim in (2, 4) and value.shape[:-2] + value.shape[:-3:-1] == shape


def _distinguishable(value: np.ndarray, expected: np.ndarray, rtol: float) -> bool:
    """A mistake is only worth naming when its value differs from the right one and is not all 0
    (an all-zero value of another shape than the right one is: its shape tells it apart, as a
    softmax's dZ summed over the units, every column of which sums to 0)."""
    if not np.abs(value).max(initial=0.0) > ABSOLUTE_FLOOR:
        return value.shape != expected.shape
    return not matches(expected, value, rtol)


def _orientations(value: np.ndarray, rtol: float) -> list[tuple[bool, np.ndarray]]:
    """``value`` as is and, when it differs, transposed: a matrix's rows and columns swapped, or
    for image tensors (4 dimensions) the rows and columns of every map swapped."""
    orientations = [(False, value)]
    if value.ndim == 2:
        swapped = value.T
    elif value.ndim == 4:
        swapped = value.swapaxes(-1, -2)
    else:
        return orientations
    if not (swapped.shape == value.shape and matches(value, swapped, rtol)):
        orientations.append((True, swapped))
    return orientations


def _coincidence(found: _Match, itself: Mistake, expected: np.ndarray, rtol: float) -> bool:
    """True for a named mistake combined with a transpose or a factor whose value comes out
    almost right anyway: it explains nothing that rounding does not (where g′ ≈ 1/m, a missing
    g′ times m is the right value). One mistake as it is stays named however close it comes."""
    combined = found.transposed or found.factor != 1.0
    return (found.mistake is not itself and combined
            and matches(expected, _matched_value(found), CLOSE_FACTOR * rtol))


def _matched_value(found: _Match) -> np.ndarray:
    """The value a match says the answer is: the candidate's, oriented and scaled."""
    value = found.mistake.value
    if found.transposed:
        value = value.T if value.ndim == 2 else value.swapaxes(-1, -2)
    return found.factor * value


def _match(candidate: Mistake, answer: np.ndarray, m: int, rtol: float, any_factor: bool,
           orientations: tuple[bool, ...] = (False, True), unit_only: bool = False,
           loss: str | None = None, single_factor: bool = False) -> _Match | None:
    """How ``answer`` is ``candidate``'s value, oriented (as is and/or transposed, as
    ``orientations`` allows) and scaled: with ``any_factor`` by a fitted constant (not ±1: near ±1
    it is rounding, not a factor; for a single number, only a factor a squared-error ``loss``
    explains, unless ``single_factor``: a formula's, which other draws confirm), else by the
    named factors (only 1 with ``unit_only``)."""
    for transposed, oriented in _orientations(candidate.value, rtol):
        if transposed and not candidate.transposable:
            continue
        if transposed not in orientations or oriented.shape != answer.shape:
            continue
        if not any_factor:
            for factor, codes in _named_factors(m, candidate.scalable and not unit_only):
                if matches(factor * oriented, answer, rtol):
                    return _Match(candidate, transposed, factor, codes)
            continue
        factor = _fitted_factor(oriented, answer, single_factor)
        if factor is None:
            factor = _squared_loss_factor(oriented, answer, m, loss)
        if factor is not None and abs(abs(factor) - 1) > 0.1 and matches(factor * oriented, answer, rtol):
            return _Match(candidate, transposed, factor, ("sign", "scaled") if factor < 0 else ("scaled",))
    return None


def _named_factors(m: int, scalable: bool) -> list[tuple[float, tuple[str, ...]]]:
    factors = [(1.0, ())]
    if scalable:
        factors.append((-1.0, ("sign",)))
        if m > 1:
            factors += [(float(m), ("missing_1_over_m",)), (-float(m), ("sign", "missing_1_over_m")),
                        (1.0 / m, ("extra_1_over_m",)), (-1.0 / m, ("sign", "extra_1_over_m"))]
    return factors


def _fitted_factor(reference: np.ndarray, answer: np.ndarray, single: bool = False) -> float | None:
    """The least-squares c with answer ≈ c·reference, when at least two entries are non-zero
    (one number is always some multiple of another, which would explain nothing), or with
    ``single`` one: a formula's factor, which other draws of the network confirm or not."""
    if int((np.abs(reference) > ABSOLUTE_FLOOR).sum()) < (1 if single else 2):
        return None
    c = float((reference * answer).sum() / (reference * reference).sum())
    return c if np.isfinite(c) and abs(c) > 1e-6 else None  # an answer near 1e308 overflows: not "inf times"


def _squared_loss_factor(reference: np.ndarray, answer: np.ndarray, m: int, loss: str | None) -> float | None:
    """For a single number, where any answer is some multiple of the right one: the factor when
    it is one the squared-error losses explain (2 or ½, 2m or 1/(2m), either sign: a derivative
    of (a − y)² that kept or lost its 2, a mean taken as a sum), else None."""
    if loss not in losses.SQUARED:
        return None
    nonzero = np.abs(reference) > ABSOLUTE_FLOOR
    if int(nonzero.sum()) != 1:
        return None
    c = float(answer[nonzero][0] / reference[nonzero][0])
    explained = (2.0, 0.5) + ((2.0 * m, 0.5 / m) if m > 1 else ())
    return c if any(abs(abs(c) - f) <= 0.02 * f for f in explained) else None


def _describe_match(found: _Match, expected: np.ndarray, answer: np.ndarray, m: int, target_name: str,
                    shape_sentence: Msg, loss: str | None = None,
                    batch_norms: tuple[tuple[int, int], ...] = ()) -> Diagnosis:
    codes: list[str] = []
    sentences: list[Msg] = []
    mistake = found.mistake
    value_shape = mistake.value.shape
    pure_transpose = found.transposed and answer.shape == (expected.shape[::-1] if expected.ndim == 2
                                                           else expected.shape)
    if answer.shape != expected.shape and not pure_transpose:
        codes.append("shape")
        sentences.append(Msg("diag.shape", shape_sentence=shape_sentence, answer_shape=shape_words(answer.shape)))
    if found.transposed:
        codes.append("transposed")
        what = target_name if not mistake.codes else Msg("word.value_below")
        if answer.ndim == 4:
            sentences.append(Msg("diag.transposed.maps", what=what))
        elif answer.shape[0] == answer.shape[-1]:
            sentences.append(Msg("diag.transposed.square", what=what, shape_sentence=shape_sentence))
        else:
            sentences.append(Msg("diag.transposed.shapes", what=what, answer_shape=shape_words(answer.shape),
                                 value_shape=shape_words(value_shape), shape_sentence=shape_sentence))
    for code in mistake.codes:
        if code not in codes:
            codes.append(code)
    if mistake.explanation is not None:
        sentences.append(mistake.explanation)
    codes += [code for code in found.factor_codes if code not in codes]
    sentences += _factor_sentences(found.factor, m, found.factor_codes, bool(mistake.codes), loss, batch_norms)
    return Diagnosis(codes, sentences)


#: an answer within this many times the tolerance of the right value is "close" (rounded too far?)
CLOSE_FACTOR = 10



def _factor_sentences(factor: float, m: int, codes: tuple[str, ...], after_mistake: bool,
                      loss: str | None = None, batch_norms: tuple[tuple[int, int], ...] = ()) -> list[Msg]:
    """The sentences for a factor between the answer and the right value (or the mistake's
    value), true for ``loss``: sse is a sum, so m has no place in its gradients, except for the
    1/N of a batch normalisation the gradient passes back through (``batch_norms``)."""
    base = Msg("word.that_value" if after_mistake else "word.right_value")
    averaging = loss is None or loss in losses.AVERAGING
    if not codes:
        return []
    how = "mean" if averaging else "sum"
    if "missing_1_over_m" in codes or "extra_1_over_m" in codes:
        which = "missing" if "missing_1_over_m" in codes else "extra"
        norm = _batch_norm_of(float(m) if which == "missing" else 1.0 / m, batch_norms)
        if norm is not None and not averaging:
            # the loss has no 1/m: the only m there is is batch normalisation's N
            sentences = [Msg(f"factor.{which}_1_over_n.sum", base=base, loss=loss, layer=norm[0], count=norm[1])]
        else:
            sentences = [Msg(f"factor.{which}_1_over_m.{how}", m=m, base=base, **({} if averaging else {"loss": loss}))]
            if norm is not None:
                sentences.append(Msg(f"factor.bn.{which}", layer=norm[0], count=norm[1]))
    elif "scaled" in codes:
        hint = _loss_factor_hint(abs(factor), m, loss)
        norm = _batch_norm_of(abs(factor), batch_norms)
        if norm is not None:
            which = "missing" if abs(factor) > 1 else "extra"
            hint = Msg(f"factor.bn.{which}", layer=norm[0], count=norm[1])
        return [Msg("factor.scaled", factor=factor, base=base)] + ([hint] if hint else [])
    else:
        sentences = []
    if "sign" in codes:
        if sentences:
            sentences.append(Msg("factor.sign_also"))
        else:
            where = "log" if loss in (None, "bce", "softmax_ce") else "square"
            sentences.append(Msg(f"factor.sign.{where}", base=base))
    return sentences


def _batch_norm_of(factor: float, batch_norms: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """The (layer, N) of a batch normalisation whose 1/N, missing (factor N) or taken twice
    (factor 1/N), the factor is, within 2 %; None when it is no such factor."""
    for layer, count in batch_norms:
        for value in (float(count), 1.0 / count):
            if abs(factor - value) <= 0.02 * value:
                return layer, count
    return None


def _loss_factor_hint(factor: float, m: int, loss: str | None) -> Msg | None:
    """Where a factor of 2, ½, 2m or 1/(2m) comes from, for the squared-error losses."""
    def near(value: float) -> bool:
        return abs(factor - value) <= 0.02 * value

    if loss == "sse" and near(0.5):
        return Msg("factor.sse_half")
    if loss == "sse" and m > 1 and near(0.5 / m):
        return Msg("factor.sse_half_over_m")
    if loss == "mse" and near(2.0):
        return Msg("factor.mse_two")
    if loss == "mse" and m > 1 and near(2.0 * m):
        return Msg("factor.mse_two_m")
    if (loss is None or loss in losses.SQUARED) and (near(2.0) or near(0.5)):
        return Msg("factor.two_from_loss")
    return None
