"""Deciding whether an answer is right, and if not, which mistake explains it.

The tolerance rule (CONVENTIONS.md): an entry is right when it is within
``rtol·|expected| + rtol·max|expected|`` of the expected entry (plus ``ABSOLUTE_FLOOR``, so a
formula that computes an exact 0 as 1e-17 is not marked wrong).

A wrong answer is compared, in order, with the expected tensor and with each likely mistake
(``mistakes.likely_mistakes``), each as is and transposed, times 1, −1, m, −m, 1/m, −1/m (and,
for the expected tensor, any other constant). The first that matches within the tolerance names
the mistake; when none does, the wrong entries are marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import shape_words

#: added to every entry's tolerance: rounding noise of float64 formulas, far below anything typed
ABSOLUTE_FLOOR = 1e-12


@dataclass
class Diagnosis:
    """The codes of a wrong answer, one sentence per finding, and (for ``entries``) the mask of
    wrong entries in the expected tensor's shape."""

    codes: list[str]
    sentences: list[str]
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


def align(answer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The answer in the expected ``shape`` when it only lacks axes of length 1: a flat list
    ``0.1 0.2 0.3`` for a 3 × 1 db, a single number for a 1 × 1 tensor. Otherwise unchanged."""
    squeezed = tuple(n for n in shape if n != 1)
    if answer.ndim < len(shape) and tuple(n for n in answer.shape if n != 1) == squeezed:
        return answer.reshape(shape)
    return answer


@dataclass(frozen=True)
class _Match:
    mistake: Mistake
    transposed: bool
    factor: float
    factor_codes: tuple[str, ...]


def diagnose(expected: np.ndarray, answer: np.ndarray, mistakes: list[Mistake], m: int, rtol: float,
             target_name: str, shape_sentence: str) -> Diagnosis:
    """Why ``answer`` (already aligned) is not ``expected``. ``mistakes`` come from
    ``likely_mistakes``; ``shape_sentence`` is the target's dimension analysis."""
    itself = Mistake((), expected, "", scalable=True)
    candidates = [itself] + [mistake for mistake in mistakes if _distinguishable(mistake.value, expected, rtol)]
    for candidate in candidates:
        found = _match(candidate, answer, m, rtol, allow_any_factor=candidate is itself)
        if found is not None:
            return _describe_match(found, expected, answer, m, target_name, shape_sentence)
    if answer.shape == expected.shape:
        mask = wrong_entries_mask(expected, answer, rtol)
        count = int(mask.sum())
        return Diagnosis(["entries"], [f"{count} of {mask.size} entries of your answer are wrong (marked); "
                                       "the others are right."], mask)
    sentence = f"{shape_sentence}; your answer is {shape_words(answer.shape)}."
    if answer.ndim == 2 and answer.T.shape == expected.shape:
        sentence += (" That is the transposed shape, but the transposed numbers are not right either: "
                     "check the order of the factors and their transposes.")
    return Diagnosis(["shape"], [sentence])


def _distinguishable(value: np.ndarray, expected: np.ndarray, rtol: float) -> bool:
    """A mistake is only worth naming when its value differs from the right one and is not all 0."""
    if not np.abs(value).max(initial=0.0) > ABSOLUTE_FLOOR:
        return False
    return not matches(expected, value, rtol)


def _match(candidate: Mistake, answer: np.ndarray, m: int, rtol: float, allow_any_factor: bool) -> _Match | None:
    value = candidate.value
    orientations = [(False, value)]
    if value.ndim == 2 and not (value.shape == value.T.shape and matches(value, value.T, rtol)):
        orientations.append((True, value.T))
    for transposed, oriented in orientations:
        if oriented.shape != answer.shape:
            continue
        for factor, codes in _named_factors(m, candidate.scalable):
            if matches(factor * oriented, answer, rtol):
                return _Match(candidate, transposed, factor, codes)
        if allow_any_factor:
            factor = _fitted_factor(oriented, answer)
            if factor is not None and matches(factor * oriented, answer, rtol):
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


def _fitted_factor(reference: np.ndarray, answer: np.ndarray) -> float | None:
    """The least-squares c with answer ≈ c·reference, when at least two entries are non-zero
    (one number is always some multiple of another, which would explain nothing)."""
    if int((np.abs(reference) > ABSOLUTE_FLOOR).sum()) < 2:
        return None
    c = float((reference * answer).sum() / (reference * reference).sum())
    return c if abs(c) > 1e-6 else None


def _describe_match(found: _Match, expected: np.ndarray, answer: np.ndarray, m: int, target_name: str,
                    shape_sentence: str) -> Diagnosis:
    codes: list[str] = []
    sentences: list[str] = []
    mistake = found.mistake
    pure_transpose = found.transposed and answer.shape == expected.shape[::-1]
    if answer.shape != expected.shape and not pure_transpose:
        codes.append("shape")
        sentences.append(f"{shape_sentence}; your answer is {shape_words(answer.shape)}.")
    if found.transposed:
        codes.append("transposed")
        what = target_name if not mistake.codes else "the value below"
        sentences.append(f"Your answer is transposed: it has {what}'s numbers with rows and columns swapped "
                         f"({shape_words(answer.shape)} instead of {shape_words(answer.shape[::-1])}). "
                         f"{shape_sentence}.")
    for code in mistake.codes:
        if code not in codes:
            codes.append(code)
    if mistake.explanation:
        sentences.append(mistake.explanation + ".")
    codes += [code for code in found.factor_codes if code not in codes]
    factor_sentence = _factor_sentence(found.factor, m, found.factor_codes, bool(mistake.codes))
    if factor_sentence:
        sentences.append(factor_sentence)
    return Diagnosis(codes, sentences)


def _factor_sentence(factor: float, m: int, codes: tuple[str, ...], after_mistake: bool) -> str:
    base = "that value" if after_mistake else "the right value"
    if not codes:
        return ""
    if "missing_1_over_m" in codes:
        sentence = (f"Your answer is m = {m} times {base}: J averages over the {m} samples, so dZ of the "
                    "last layer, ∂J/∂Z, carries a factor 1/m, and every gradient before it inherits it "
                    "(deeplearning.ai's dZ = A − Y leaves the 1/m out and adds it to dW and db instead).")
    elif "extra_1_over_m" in codes:
        sentence = (f"Your answer is {base} divided by m = {m}: the 1/m is already inside dZ (dZ = ∂J/∂Z "
                    "exactly), so it must not be applied again; deeplearning.ai writes dZ = A − Y and "
                    "puts the 1/m into dW and db instead.")
    elif "scaled" in codes:
        sentence = f"Your answer is {factor:.4g} times {base}: a constant factor is off."
        if abs(abs(factor) - 2) < 0.02 or abs(abs(factor) - 0.5) < 0.01:
            sentence += (" A factor of 2 often comes from the loss: mse is (1/2m)·Σ(a − y)², whose ½ "
                         "cancels the 2 of the square; sse, Σ(a − y)², keeps it.")
        return sentence
    else:
        sentence = ""
    if "sign" in codes:
        sign_sentence = (f"Your answer has the opposite sign of {base}: check where a minus sign enters "
                         "(A − Y, not Y − A; the minus in front of the log-loss).")
        sentence = sign_sentence if not sentence else sentence + " The sign is flipped as well."
    return sentence
