"""Numeric answers as a learner types them, or gives them as values (nested lists, an array).

Accepted forms (entries are decimals, scientific notation such as ``1e-3``, or fractions such as
``-1/3``):

- nested lists: ``[[1, 2], [3, 4]]`` (any depth, commas or spaces between entries)
- rows separated by ``;`` (or by new lines): ``1 2; 3 4`` and ``[1 2; 3 4]``
- a flat list ``1 2 3`` or ``[1, 2, 3]`` and a single number ``-0.25``

``parse_numbers`` returns a float64 array or raises ``AnswerError`` saying where it stopped.
``numbers_of_value`` does the same for what the Python API or a JSON Lines batch row gives:
nested lists or tuples of numbers, as rectangular as an array, or an array of numbers. One rule
for both: an entry of a list is a number, never text ('1/3' in a list is refused, not read).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from bpcli.formatting import shorten
from bpcli.texts import Joined, Msg, answer_error
from bpcli.values import is_flag, is_number

if TYPE_CHECKING:  # fractions imports decimal: 1.5 ms of every grade's start-up, for the few answers with a '/'
    from fractions import Fraction

#: answers longer than this are refused before parsing (10⁶ short numbers fit easily)
MAX_ANSWER_CHARS = 5_000_000
#: how much of the answer a message quotes where it cannot be read
NEARBY_CHARS = 20
#: deeper nesting than this is refused (tensors here have at most 4 dimensions)
MAX_DEPTH = 6

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"[ \t\r]*(?:(?P<number>{_NUMBER}(?:/{_NUMBER})?)|(?P<symbol>[\[\],;\n]))", re.ASCII)
#: characters a numeric answer can contain; anything else means the answer is a formula
NUMERIC_CHARACTERS = set("0123456789.eE+-/[],; \t\n\r")


def looks_numeric(text: str) -> bool:
    """True when ``text`` uses only the characters of numbers, brackets and separators."""
    return bool(text.strip()) and set(normalise(text)) <= NUMERIC_CHARACTERS


#: full-width forms (U+FF01 to U+FF5E, what a Chinese input method types: （）－，；［］) and the
#: ideographic space, by their ASCII characters, and the typographic minus sign
_ASCII_FORMS = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: " ", ord("−"): "-"}


def ascii_forms(text: str) -> str:
    """``text`` with full-width characters and typographic minus signs (common in pasted or
    Chinese input) as their ASCII forms, one character for one, so that positions stay."""
    return text.translate(_ASCII_FORMS)


def answer_place(text: str, index: int) -> Msg:
    """Where the character ``text[index]`` of an answer is, as a message names it: its column,
    and its line as well when the answer has more than one (a batch's spreadsheet cell or a
    notebook's string may hold several), columns counted from the start of that line."""
    lines = text[:index + 1].splitlines()  # the last is the character's own line, up to it
    column = len(lines[-1]) if lines else 1
    if len(text.splitlines()) > 1:
        return Msg("answer.place.line", line=len(lines), column=column)
    return Msg("answer.place.column", column=column)


def normalise(text: str) -> str:
    """A numeric answer in ASCII (``ascii_forms``), lines ended by \\n, without outer spaces."""
    return ascii_forms(text).replace("\r\n", "\n").strip()


def parse_numbers(text: str) -> np.ndarray:
    """The tensor a numeric answer writes, as float64. Raises ``AnswerError``."""
    if len(text) > MAX_ANSWER_CHARS:
        raise answer_error("numbers.too_long", length=len(text), limit=MAX_ANSWER_CHARS)
    tokens = _tokenise(normalise(text))
    if not tokens:
        raise answer_error("answer.empty")
    parser = _Parser(tokens)
    value = parser.sequence(closing=None, depth=0)
    return value


def _tokenise(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            if not rest:
                break
            raise answer_error("numbers.unreadable", at=shorten(rest, NEARBY_CHARS))
        number = match.group("number")
        if number is not None and tokens and tokens[-1] not in "[],;\n" and match.start("number") == position:
            # "1-2" or "1.2.3": two numbers with nothing between them is arithmetic or a typo,
            # not two entries; entries are separated by spaces, commas or semicolons
            raise answer_error("numbers.adjacent", at=shorten(text[position:], NEARBY_CHARS))
        tokens.append(number or match.group("symbol"))
        position = match.end()
    return tokens


#: a fraction's parts are exact (``Fraction``, so 0.1/0.3 is the float nearest 1/3) while their
#: exponents stay within this and their digits within ``MAX_EXACT_DIGITS``; beyond, they are
#: floats (an exact 1e99999999 is a hundred-million-digit integer: it would never finish)
MAX_EXACT_EXPONENT = 400
MAX_EXACT_DIGITS = 400


def _number(token: str) -> float:
    if "/" in token:
        numerator, denominator = (_fraction_part(part, token) for part in token.split("/"))
        if denominator == 0:
            raise answer_error("numbers.divide_by_zero", token=shorten(token))
        try:
            value = float(numerator / denominator)
        except OverflowError:
            value = float("inf")
    else:
        value = float(token)
    if not math.isfinite(value):
        raise answer_error("numbers.too_large", token=shorten(token))
    return value


def _fraction_part(text: str, token: str) -> Fraction | float:
    """One side of the fraction ``token``: exact where that is quick, else a float, refused when
    the float cannot hold it (inf, or 0 for a number that is not 0)."""
    mantissa, _, exponent = text.lower().partition("e")
    value = float(text)
    if math.isinf(value) or (value == 0 and mantissa.strip("+-.0")):
        raise answer_error("numbers.out_of_range", token=shorten(token), number=shorten(text))
    exponent_digits = exponent.lstrip("+-").lstrip("0")
    if (len(mantissa) <= MAX_EXACT_DIGITS and len(exponent_digits) <= len(str(MAX_EXACT_EXPONENT))
            and int(exponent_digits or 0) <= MAX_EXACT_EXPONENT):
        from fractions import Fraction

        return Fraction(text)
    return value


class _Parser:
    """Recursive descent over the tokens. A sequence is entries separated by ',' or spaces; ';'
    (or a new line, outside brackets) separates rows of a matrix; '[' opens a nested sequence."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def sequence(self, closing: str | None, depth: int) -> np.ndarray:
        if depth > MAX_DEPTH:
            raise answer_error("numbers.too_deep", limit=MAX_DEPTH)
        rows: list[list[np.ndarray]] = [[]]
        while True:
            token = self._peek()
            if token is None:
                if closing is not None:
                    raise answer_error("numbers.unclosed")
                break
            self.position += 1
            if token == "]":
                if closing is None:
                    raise answer_error("numbers.unopened")
                break
            if token == "[":
                rows[-1].append(self.sequence("]", depth + 1))
            elif token == "\n" and closing is not None:
                continue  # inside brackets a line break is a space, as in numpy's and JSON's lists
            elif token in (";", "\n"):
                rows.append([])
            elif token == ",":
                continue
            else:
                rows[-1].append(np.asarray(_number(token)))
        rows = [row for row in rows if row]
        if not rows:
            if closing is None:
                raise answer_error("answer.empty")
            raise answer_error("numbers.empty_list")
        if len(rows) == 1:
            return self._stack(rows[0], top_level=closing is None)
        return self._stack([self._stack(row, top_level=False) for row in rows], top_level=False)

    @staticmethod
    def _stack(items: list[np.ndarray], top_level: bool) -> np.ndarray:
        if top_level and len(items) == 1:
            return items[0].astype(np.float64)
        shapes = {item.shape for item in items}
        if len(shapes) != 1:
            in_order = list(dict.fromkeys(item.shape for item in items))  # as the rows come, each size once
            described = Joined((" × ".join(map(str, s)) or "1" for s in in_order), separator="sep.and")
            raise answer_error("numbers.ragged", sizes=described)
        return np.stack(items).astype(np.float64)


# -- answers given as values ----------------------------------------------------------------------


def numbers_of_value(answer: Any) -> np.ndarray:
    """The tensor that nested lists (or tuples) of numbers, an array or one number hold, as
    float64. Raises ``AnswerError`` saying what is wrong and where (``_check_nested_numbers``)."""
    if answer is None:  # np.asarray(None, float) is nan, which the learner did not write
        raise answer_error("answer.empty")
    if isinstance(answer, (list, tuple)):
        _check_nested_numbers(answer)
    elif isinstance(answer, np.ndarray) and answer.dtype.kind not in "biuf":
        # an array of text or of Python objects: numpy would read '1' as 1, but not '1/3'
        _check_nested_numbers(answer.tolist())
    try:
        given = np.asarray(answer)
        if np.iscomplexobj(given):  # astype would drop the imaginary parts with a warning
            raise TypeError
        value = given.astype(np.float64)
    except (TypeError, ValueError):
        raise answer_error("answer.not_numbers", kind=type(answer).__name__) from None
    except OverflowError:  # a Python int beyond any float, such as 10**400
        raise answer_error("answer.not_finite") from None
    if given.dtype == bool:  # True is 1 to numpy, but no learner's gradient
        raise answer_error("answer.not_numbers", kind="bool")
    if not np.isfinite(value).all():
        raise answer_error("answer.not_finite")
    return value


def _check_nested_numbers(answer: list | tuple) -> None:
    """``AnswerError`` unless ``answer`` is lists of numbers as regular as an array: on each level
    all lists of one length or all numbers. numpy's own refusal ('inhomogeneous shape') became
    'found list', which did not say what was wrong with an accepted form. Walked level by level,
    without recursion, to ``MAX_DEPTH``."""
    level: list[tuple[tuple[int, ...], list | tuple]] = [((), answer)]
    for _ in range(MAX_DEPTH):  # as many lists deep as a text answer may nest
        first_place, first = level[0]
        lists: list[tuple[tuple[int, ...], list | tuple]] = []
        number_place: tuple[int, ...] | None = None
        for place, items in level:
            if len(items) != len(first):
                raise answer_error("answer.list.ragged", place=_list_place(place), count=len(items),
                                   first=_list_place(first_place), expected=len(first))
            if items and all(type(item) in _PLAIN_NUMBERS for item in items):
                # a row of Python numbers, by type alone: a million entries are checked in a moment
                number_place = (*place, 0) if number_place is None else number_place
                continue
            for index, item in enumerate(items):
                if isinstance(item, (list, tuple)):
                    lists.append(((*place, index), item))
                    continue
                _check_number((*place, index), item)
                number_place = (*place, index) if number_place is None else number_place
        if lists and number_place is not None:
            raise answer_error("answer.list.mixed", list_place=_list_place(lists[0][0]),
                               number_place=_list_place(number_place))
        if not lists:
            return
        level = lists
    raise answer_error("numbers.too_deep", limit=MAX_DEPTH)


#: the types most list entries have, checked by identity first (bool, a subclass of int, is not one)
_PLAIN_NUMBERS = frozenset({int, float})


def _check_number(place: tuple[int, ...], item: Any) -> None:
    """``AnswerError`` unless the list entry ``item`` is a number, saying what it is instead."""
    if is_number(item):
        return
    where = _list_place(place)
    if item is None:
        raise answer_error("answer.list.empty_entry", place=where)
    if isinstance(item, str):
        # numpy reads '1' as 1 but refuses '1/3'; a text entry is most often a cell exported as
        # text or a formula in the wrong place, and a fraction is written in a text answer
        raise answer_error("answer.list.text", place=where, text=shorten(item))
    kind = "bool" if is_flag(item) else type(item).__name__
    raise answer_error("answer.list.not_a_number", place=where, value=shorten(repr(item)), kind=kind)


def _list_place(place: tuple[int, ...]) -> str:
    """An entry of the answer as Python and JSON index it: ``answer[1][0]``."""
    return "answer" + "".join(f"[{index}]" for index in place)
