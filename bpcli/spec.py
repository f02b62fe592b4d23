"""Reading and validating network files (YAML) and mappings into a ``Network``.

Every problem raises ``SpecError`` naming the place (``layers[1].W``), what was expected and why,
and what was found. Sizes are checked before anything is allocated: no tensor, and not all of
them together, may hold more than ``MAX_NUMBERS`` numbers, however the YAML was written (aliases
that repeat a list a million times included).
"""

from __future__ import annotations

import errno
import functools
import math
import os
import re
import sys
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

import numpy as np

from bpcli import kinds
from bpcli.core import activations, losses
from bpcli.core.network import Layer, Network, all_finite
from bpcli.core.workspace import WORKSPACE
from bpcli.errors import SpecError
from bpcli.formatting import closest_name, printable, shorten
from bpcli.texts import Joined, Msg

#: the most numbers one tensor, or all tensors of a network together, may hold
MAX_NUMBERS = 10_000_000
#: files larger than this are refused before parsing (10⁷ numbers fit in far less in practice);
#: every source is read through ``read_bounded``, which stops one byte past it
MAX_FILE_BYTES = 64 * 1024 * 1024
#: streams are read in pieces of this size, so a short file never costs a 64 MiB buffer
READ_CHUNK_BYTES = 1024 * 1024
#: a whole number of more digits than this lies beyond the largest float, ±1.8e308 (one Python
#: will not even read, past 4,300 digits, is reported as too large rather than as malformed)
FLOAT_DIGITS = 309
#: nested lists deeper than this are refused (no tensor here has more than 4 dimensions)
MAX_DEPTH = 8
#: softmax_ce target columns must sum to 1 within this
DISTRIBUTION_TOLERANCE = 1e-6

TOP_LEVEL_KEYS = ("title", "description", "input", "layers", "loss", "seed", "exercise")
INPUT_KEYS = ("X", "Y")


class _KindKeys(Mapping):
    """Each layer ``type`` and the keys its kind reads (its core class's ``KEYS``). A kind's
    module is imported when its keys are asked for, so a dense-only file imports no image layer."""

    def __getitem__(self, kind: str) -> tuple[str, ...]:
        if kind not in kinds.KINDS:
            raise KeyError(kind)
        return kinds.core_class(kind).KEYS

    def __iter__(self):
        return iter(kinds.names())

    def __len__(self) -> int:
        return len(kinds.KINDS)


LAYER_KEYS: Mapping[str, tuple[str, ...]] = _KindKeys()


def load(source: Any, file_label: str | None = None) -> Network:
    """A validated ``Network`` from a path (str, bytes or PathLike) or an already parsed mapping."""
    if isinstance(source, Mapping):
        return from_mapping(source, file_label)
    if isinstance(source, (str, bytes, os.PathLike)):
        try:
            path = os.fspath(source)
        except TypeError as exc:  # a PathLike whose __fspath__ returns neither str nor bytes
            raise SpecError(f"expected a file path or a mapping; {exc}", code="wrong_type") from None
        label = os.fsdecode(path) if isinstance(path, bytes) else path
        return load_bytes(read_file(path, label), label if file_label is None else file_label)
    raise SpecError(f"expected a file path or a mapping, found {_describe(source)}", code="wrong_type")


def read_file(path: str | bytes, label: str) -> bytes:
    """The bytes of the file at ``path`` (``label`` names it in errors), bounded by
    ``MAX_FILE_BYTES``; ``SpecError`` when it cannot be read."""
    try:
        with open(path, "rb", buffering=0) as handle:
            return read_bounded(handle, label)
    except FileNotFoundError:
        raise worded_error(Msg("spec.no_such_file"), "", "file_not_found", label) from None
    except IsADirectoryError:
        raise worded_error(Msg("spec.directory"), "", "not_a_file", label) from None
    except PermissionError:
        raise worded_error(Msg("spec.permission_denied"), "", "unreadable", label) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise SpecError("this cannot be a file name: it is too long", code="bad_file_name",
                            file=shorten(label)) from None
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", code="unreadable", file=label) from None
    except ValueError as exc:  # a NUL in the name, or a lone surrogate the file system cannot encode
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"this cannot be a file name: {exc}", code="bad_file_name", file=shorten(label)) from None


def read_bounded(stream: BinaryIO, label: str, limit: int | None = None) -> bytes:
    """All of STREAM, refused once it holds more than ``limit`` bytes (``MAX_FILE_BYTES``).

    Reads at most ``limit`` + 1 bytes, in pieces, from any source: a file, standard input, a
    FIFO, a process substitution's pipe, /dev/zero. Their size is not known in advance (stat
    says 0 for all but the file), so the limit is applied to what is read, never to what is
    announced."""
    limit = MAX_FILE_BYTES if limit is None else limit
    pieces: list[bytes] = []
    received = 0
    while received <= limit:
        piece = stream.read(min(READ_CHUNK_BYTES, limit + 1 - received))
        if not piece:  # end of the stream (None: a non-blocking stream with nothing yet; none here)
            break
        pieces.append(piece)
        received += len(piece)
    if received > limit:
        raise SpecError(f"the input is larger than {limit:,} bytes, the most bpcli reads from one "
                        "network file (10⁷ numbers fit in far less)", code="too_large", file=label)
    return b"".join(pieces)


def load_bytes(data: bytes, file_label: str | None = None) -> Network:
    """A validated ``Network`` from the bytes of a YAML file (``file_label`` names it in errors)."""
    return load_text(network_text(data, file_label), file_label)


def network_text(data: bytes, file_label: str | None = None) -> str:
    """The text of a network file's bytes; ``SpecError`` when they are too many, binary or not
    UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"the input is {len(data):,} bytes; bpcli reads network files up to "
                        f"{MAX_FILE_BYTES:,} bytes", code="too_large", file=file_label)
    if b"\x00" in data:
        raise worded_error(Msg("spec.binary_file"), "", "binary_file", file_label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise worded_error(Msg("spec.not_utf8"), "", "binary_file", file_label) from None
    return text


def load_text(text: str, file_label: str | None = None) -> Network:
    """A validated ``Network`` from YAML text."""
    return from_mapping(parse_yaml(text, file_label), file_label)


#: a number as YAML writes it (digits, a point, an exponent), and what may end one: a flow
#: list's comma or bracket, a flow mapping's brace, a line's end
_NUMBER = re.compile(r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?")
_NUMBER_ENDS = ",]}\n"


def _refuse_too_many_numbers(text: str, file_label: str | None) -> None:
    """``SpecError`` for a text holding far more than MAX_NUMBERS numbers, before the YAML is
    parsed: PyYAML makes a Python object of each (12 million numbers in a 24 MB file took
    100 s and 4.6 GB before the sizes were checked). A cheap bound first (every number is
    followed by one of ``_NUMBER_ENDS``), then a count of number-like words, which digits in
    keys or titles can only raise, so a margin keeps a file just under the limit from being
    refused here; the exact limit is applied as the tensors are read (``_Validator.count``)."""
    if sum(text.count(end) for end in _NUMBER_ENDS) < MAX_NUMBERS:
        return
    count = _NUMBER.subn("", text)[1]
    if count > MAX_NUMBERS + MAX_NUMBERS // 100:
        raise worded_error(Msg("spec.file_too_many_numbers", count=f"{count:,}", limit=f"{MAX_NUMBERS:,}"), "",
                           "too_large", file_label)


def parse_yaml(text: str, file_label: str | None = None) -> Mapping:
    """The YAML document as a mapping, read with the safe loader only (no tag ever runs code)."""
    import yaml

    if not text.strip() or all(line.lstrip().startswith("#") for line in text.splitlines() if line.strip()):
        raise worded_error(Msg("spec.empty_file.starter"), "", "empty_file", file_label)
    _refuse_too_many_numbers(text, file_label)
    try:
        loader = _strict_safe_loader()
        document = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
    except SpecError as exc:
        raise exc.with_file(file_label) from None
    except yaml.MarkedYAMLError as exc:
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise worded_error(Msg("spec.yaml_syntax", problem=problem), _place(exc.problem_mark or exc.context_mark),
                           "yaml_syntax", file_label) from None
    except yaml.reader.ReaderError as exc:  # its text names "<unicode string>", not the file
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        place = _place_of_offset(text, exc.position, in_bytes=issubclass(loader, getattr(yaml, "CSafeLoader", ())))
        raise worded_error(Msg("spec.yaml_character", character=character, reason=exc.reason), place, "yaml_syntax",
                           file_label) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", code="yaml_syntax", file=file_label) from None
    except RecursionError:
        raise SpecError("the YAML is nested too deeply to be a network file", code="too_deep",
                        file=file_label) from None
    except _CONSTRUCTION_ERRORS as exc:  # raised between values (a generator filling a mapping)
        raise SpecError(f"YAML error: {type(exc).__name__}: {exc}", code="yaml_value",
                        file=file_label) from None
    if document is None:
        raise worded_error(Msg("spec.empty_file"), "", "empty_file", file_label)
    if not isinstance(document, Mapping):
        raise worded_error(Msg("spec.not_mapping", found=describe_value(document)), "", "not_mapping", file_label)
    return document


class TooManyDigits:
    """A whole number written with more digits than Python reads (4,300): far beyond any float,
    so always an error, which the validator reports at its place (``input.X[0][0]``)."""

    def __init__(self, digits: int):
        self.digits = digits


def _place(mark) -> str:
    """A YAML mark (or None) as the place an error names: "line 3, column 7"."""
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _place_of_offset(text: str, offset: int, in_bytes: bool) -> str:
    """The place of the OFFSET-th character of TEXT, or of its OFFSET-th byte in UTF-8 (libyaml
    counts bytes, PyYAML's own reader characters)."""
    if in_bytes:
        offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


#: what PyYAML's safe constructors raise on a malformed value (int('0x_'), a month 13, a
#: !!map tag on a list, a !!bool tag on 3); ValueError covers Python's int-to-text digit limit
_CONSTRUCTION_ERRORS = (ValueError, TypeError, LookupError, AttributeError, ArithmeticError)


#: the tag of a merge key (`<<: *base`), which the safe loader resolves into the mapping's keys
_MERGE_TAG = "tag:yaml.org,2002:merge"


@functools.lru_cache(maxsize=1)
def _strict_safe_loader():
    """YAML's safe loader (the C one when available) that refuses a key given twice in one
    mapping (plain YAML keeps the last silently, and a learner would compute the wrong W), a
    list or mapping used as a key, and a value its tag cannot make, each with its line."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictSafeLoader(base):
        def construct_object(self, node, deep=False):
            try:
                return super().construct_object(node, deep=deep)
            except SpecError:
                raise
            except _CONSTRUCTION_ERRORS as exc:
                value = _quote(str(node.value)) if isinstance(node.value, str) else Msg("spec.it")
                raise worded_error(Msg("spec.yaml_value", tag=node.tag.rsplit(':', 1)[-1], value=value,
                                       error=f"{type(exc).__name__}: {exc}"), _place(node.start_mark),
                                   "yaml_value") from None

        def construct_yaml_int(self, node):
            try:
                return super().construct_yaml_int(node)
            except ValueError:
                digits = sum(ch.isdigit() for ch in self.construct_scalar(node))
                if digits > FLOAT_DIGITS:  # beyond Python's int-from-text limit (4,300 digits)
                    return TooManyDigits(digits)
                raise

        def construct_mapping(self, node, deep=False):
            if not isinstance(node, yaml.MappingNode):
                found = Msg("spec.value.a_list" if isinstance(node, yaml.SequenceNode) else "spec.value.single")
                raise worded_error(Msg("spec.mapping_expected", tag=node.tag, found=found), _place(node.start_mark),
                                   "yaml_value")
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:  # `<<: *base`: keys this mapping's own may override
                    continue
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, Hashable):
                    found = {yaml.SequenceNode: Msg("spec.value.a_list"),
                             yaml.MappingNode: Msg("spec.value.mapping")}.get(type(key_node), describe_value(key))
                    raise worded_error(Msg("spec.unhashable_key", found=found), _place(key_node.start_mark),
                                       "unhashable_key")
                if key in seen:
                    raise worded_error(Msg("spec.duplicate_key", field=_key_text(key)), _place(key_node.start_mark),
                                       "duplicate_key")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    StrictSafeLoader.add_constructor("tag:yaml.org,2002:int", StrictSafeLoader.construct_yaml_int)
    return StrictSafeLoader


#: a number with an exponent that YAML 1.1, PyYAML's, leaves as text: it wants a dot and a signed
#: exponent (1.0e-3), where YAML 1.2 and every other reader take 1e-3, 2E5, 1.0e3 and .5e-2
_EXPONENT_NUMBER = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+")


def _written_number(value: Any) -> Any:
    """``value``, or the number it is when it is one of those YAML 1.1 reads as text. Read so
    where a number is expected only: a title '1e5' written by a YAML 1.1 writer stays a title."""
    if isinstance(value, str) and _EXPONENT_NUMBER.fullmatch(value.strip()):
        return float(value.replace("_", ""))
    return value


def from_mapping(document: Mapping, file_label: str | None = None) -> Network:
    """Validate a parsed network file (lists or numpy arrays as tensors) into a ``Network``."""
    try:
        return _Validator(document).network(file_label)
    except SpecError as exc:
        raise exc.with_file(file_label) from None
    except RecursionError:
        raise SpecError("the data is nested too deeply to be a network", code="too_deep",
                        file=file_label) from None


# ---------------------------------------------------------------------------------------------
# helpers shared by the validator


def describe_value(value: Any) -> Msg:
    """``_describe`` in any language."""
    if isinstance(value, (bool, np.bool_)):
        return Msg("spec.value.boolean", value=str(bool(value)).lower())
    if value is None:
        return Msg("spec.value.null")
    if isinstance(value, TooManyDigits):
        return Msg("spec.value.too_many_digits", digits=f"{value.digits:,}")
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and _long_whole(value):
        return Msg("spec.value.number", value=count_words(value))
    if _is_number(value):
        return Msg("spec.value.number", value=_number_text(value))
    if isinstance(value, str):
        return Msg("spec.value.text", value=_quote(value))
    if isinstance(value, Mapping):
        return Msg("spec.value.mapping")
    if isinstance(value, tuple):  # from the Python API only (a YAML sequence is a list), as a key too
        return Msg("spec.value.tuple", count=len(value))
    if isinstance(value, list):
        return Msg("spec.value.list", count=len(value))
    if isinstance(value, np.ndarray):
        return Msg("spec.value.array", shape=shape_words(value.shape))
    return Msg("spec.value.other", kind=type(value).__name__)


def _describe(value: Any) -> str:
    """A short description of a found value for error messages: its type and a glimpse of it."""
    return describe_value(value).text("en")


def _quote(text: str) -> str:
    """User text quoted in a message: short, on one line (one rule for every message)."""
    return repr(shorten(text))


def _long_whole(value: Any) -> dict[str, str] | None:
    """A whole number of many digits as its sign and first digits, last digits and length, or
    None for one short enough to write whole."""
    if abs(int(value)).bit_length() <= 64:
        return None
    sign = "-" if value < 0 else ""
    try:
        digits = str(abs(int(value)))
    except ValueError:  # beyond Python's int-to-text limit: its size from its logarithm
        exponent = math.log10(abs(int(value)))
        return {"head": f"{sign}{10 ** (exponent % 1):.1f}e+{int(exponent)}", "tail": "",
                "digits": f"{int(exponent) + 1:,}"}
    return {"head": f"{sign}{digits[:4]}…", "tail": digits[-3:], "digits": f"{len(digits):,}"}


def _number_text(value: Any) -> str:
    """A number as a message shows it; a whole number of many digits by its first and last
    digits and its length (Python refuses to write one of over 4,300 digits at all)."""
    if not isinstance(value, (int, np.integer)) or abs(int(value)).bit_length() <= 64:
        return shorten(repr(value))
    return str(count_words(value))


def shape_words(shape: tuple[int, ...]) -> Msg | Joined:
    """A shape as messages write it, in any language ('1 × 3', 'a single number')."""
    return Joined([count_words(n) for n in shape], "sep.times") if shape else Msg("spec.single_number")


def count_words(count: int) -> Msg | str:
    """A count with thousands separators (10,000,000), or, when enormous, its first and last
    digits and its length, in any language."""
    long = _long_whole(count)  # one rule for 'enormous': 2**63 passed a test of 10**18 here and not there
    return f"{count:,}" if long is None else Msg("spec.value.long_count", **long)


def worded_error(message: Msg, path: str, code: str, file: str | None = None) -> SpecError:
    """A SpecError whose message is ``message`` in English, and in the learner's language where
    the command line shows it (``SpecError.describe``). A ``path`` that is a place in the text
    ('line 3, column 7', 'line 3') is worded in that language too."""
    error = SpecError(message.text("en"), path, code, file)
    error.msg = message
    place = _TEXT_PLACE.fullmatch(path)
    if place and place[2]:
        error.place_msg = Msg("spec.place", line=int(place[1]), column=int(place[2]))
    elif place:
        error.place_msg = Msg("spec.place.line", line=int(place[1]))
    return error


#: a place in a text: the YAML's, as ``_place`` writes it, or an answers file's line
_TEXT_PLACE = re.compile(r"line (\d+)(?:, column (\d+))?")


def missing_file(name: str) -> SpecError:
    """The error of every command for a name that is neither a file nor a bundled exercise (it may
    be anything the user typed: shortened)."""
    return worded_error(Msg("spec.no_such_file_or_exercise"), "", "file_not_found", shorten(name))


def _key_text(key: Any) -> Msg | str:
    """A mapping key as a message names it: text quoted short, anything else described."""
    return _quote(key) if isinstance(key, str) else describe_value(key)


def _suggest(word: Any, valid: tuple[str, ...] | list[str]) -> Msg:
    # compared case-insensitively, so that `x:` suggests X and `w:` suggests W; only text can
    # be a misspelt name (and str() of an enormous whole number raises)
    by_lower = {name.lower(): name for name in valid}
    word = word.lower() if isinstance(word, str) else ""
    close = closest_name(word, by_lower, cutoff=0.5)
    names = Joined(valid, "sep.codes")
    if len(valid) == 1:  # 'expected type', not 'one of type' (a flatten layer has no other key)
        return Msg("spec.expected_only", name=valid[0])
    if close:
        return Msg("spec.expected_one_of.close", names=names, close=repr(by_lower[close]))
    return Msg("spec.expected_one_of", names=names)


def _unknown_name(what: Msg, value: Any, valid: tuple[str, ...] | list[str]) -> Msg:
    """"unknown loss 'bse': expected one of …; did you mean 'sse'?", or, for a value that is not
    a name at all (a list, a number), what was found instead of a name."""
    if isinstance(value, str):
        return Msg("spec.unknown_name", what=what, name=_quote(value), expected=_suggest(value, valid))
    return Msg("spec.not_a_name", what=what, expected=_suggest("", valid), found=describe_value(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_keys(mapping: Mapping, allowed: tuple[str, ...], path: str, what: Msg | str) -> None:
    """SpecError ``unknown_key`` at ``path``.KEY for a key of ``mapping`` not among ``allowed``,
    with the closest one suggested ('did you mean 'targets'?'); ``what`` names the mapping."""
    for key in mapping:
        if not isinstance(key, str) or key not in allowed:
            name = shorten(key) if isinstance(key, str) else f"({_describe(key)})"
            where = f"{path}.{name}" if path else name
            raise worded_error(Msg("spec.unknown_key", field=_key_text(key), what=what,
                                   expected=_suggest(key, allowed)), where, "unknown_key")


def to_array(value: Any, path: str, ndims: tuple[int, ...], what: Msg | str) -> np.ndarray:
    """A float64 array from nested lists (or an array), checked for shape regularity, numbers,
    finiteness and size before anything large is built. ``ndims`` lists the accepted ranks."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise worded_error(Msg("spec.array_not_numeric", what=what, dtype=str(value.dtype)), path, "not_numeric")
        # a copy even of float64, as the network must not share the caller's arrays, into memory
        # kept for reuse: a fresh megabyte per call is handed back to the kernel when freed,
        # which with other threads of this process running costs each of them a TLB flush
        array = WORKSPACE.empty(value.shape)
        np.copyto(array, value)
    else:
        if not isinstance(value, (list, tuple)):
            raise worded_error(Msg("spec.not_a_list", what=what, ranks=_rank_words(ndims), found=describe_value(value)),
                               path, "wrong_type")
        array = _nested_lists_to_array(value, path, what)
    if array.ndim not in ndims:
        raise worded_error(Msg("spec.wrong_rank", what=what, ranks=_rank_words(ndims), rank=array.ndim,
                               shape=shape_words(array.shape)), path, "wrong_shape")
    if array.size == 0:
        raise worded_error(Msg("spec.empty", what=what, shape=shape_words(array.shape)), path, "empty_array")
    if not all_finite(array):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise worded_error(Msg("spec.not_finite", what=what, value=str(array[bad]), index=str(list(bad))),
                           path + "".join(f"[{i}]" for i in bad), "not_finite")
    return array


def _rank_words(ndims: tuple[int, ...]) -> Joined:
    """'2-D or 3-D' in any language."""
    return Joined([Msg("spec.rank", n=n) for n in ndims], "sep.or")


#: the types of the numbers and of the lists a YAML file or Python code gives (bool, a subclass
#: of int, is not one of them): a level of only these, lists of one length, needs no item-by-item look
_PLAIN_NUMBERS = frozenset((int, float))
_PLAIN_SEQUENCES = frozenset((list, tuple))


def _nested_lists_to_array(value: list, path: str, what: Msg | str) -> np.ndarray:
    # Walk level by level and check the size before each level is expanded, so YAML aliases that
    # repeat one list many times cannot make us build a huge flat list.
    shape: list[int] = []
    level: list[Any] = [value]
    while level and isinstance(level[0], (list, tuple)):
        width = len(level[0])
        regular = _PLAIN_SEQUENCES.issuperset(map(type, level)) and set(map(len, level)) == {width}
        for position, item in enumerate(() if regular else level):
            if not isinstance(item, (list, tuple)) or len(item) != width:
                place = _place_in(path, position, shape)
                first = path + "[0]" * len(shape)
                found = describe_value(item)
                raise worded_error(Msg("spec.ragged", what=what, first=first, width=width, place=place, found=found),
                                   place, "ragged")
        shape.append(width)
        if len(shape) > MAX_DEPTH:
            raise worded_error(Msg("spec.too_deep", what=what, depth=len(shape)), path, "too_deep")
        # peek one level further: an alias bomb just under the limit would otherwise be expanded
        # into a flat list of 10⁷ items and scanned before its next level is found too large
        first = level[0][0] if level[0] else None
        upcoming = shape + [len(first)] if isinstance(first, (list, tuple)) else shape
        if math.prod(upcoming) > MAX_NUMBERS:
            raise worded_error(Msg("spec.too_large", what=what, count=f"{math.prod(upcoming):,}",
                                   shape=shape_words(tuple(upcoming)), limit=f"{MAX_NUMBERS:,}"), path, "too_large")
        level = [x for item in level for x in item]
    plain = _PLAIN_NUMBERS.issuperset(map(type, level))
    for position, item in enumerate(() if plain else level):
        item = level[position] = _written_number(item)
        if isinstance(item, TooManyDigits):
            _refuse_too_large(what, describe_value(item), _place_in(path, position, shape))
        if not _is_number(item):
            place = _place_in(path, position, shape)
            nested = isinstance(item, (list, tuple))
            raise worded_error(Msg("spec.numbers_only", what=what,
                                   kind=Msg("spec.kind.ragged" if nested else "spec.kind.not_numeric"),
                                   found=describe_value(item)), place, "ragged" if nested else "not_numeric")
    try:
        return np.array(level, dtype=np.float64).reshape(shape)
    except OverflowError:  # a whole number beyond the largest float; find the first one
        position = next(i for i, item in enumerate(level) if not _fits_a_float(item))
        _refuse_too_large(what, describe_value(level[position]), _place_in(path, position, shape))


def _place_in(path: str, position: int, shape: list[int]) -> str:
    """The place of the POSITION-th number of a tensor of SHAPE: input.X[0][2]."""
    index = np.unravel_index(position, shape) if shape else ()
    return path + "".join(f"[{int(i)}]" for i in index)


def _refuse_too_large(what: Msg | str, found: Msg | str, place: str) -> NoReturn:
    raise worded_error(Msg("spec.number_too_large", what=what, found=found), place, "number_too_large")


def _fits_a_float(number: Any) -> bool:
    try:
        float(number)
    except OverflowError:
        return False
    return True


def _positive_int(mapping: Mapping, key: str, path: str, what: Msg | str, default: int | None = None,
                  minimum: int = 1) -> int:
    if key not in mapping:
        if default is not None:
            return default
        raise worded_error(Msg("spec.missing_key", field=repr(key), what=what), f"{path}.{key}", "missing_key")
    value = mapping[key]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise worded_error(Msg("spec.whole_number", field=key, what=what, found=describe_value(value)),
                           f"{path}.{key}", "wrong_type")
    if value < minimum:
        bound = Msg("spec.positive") if minimum == 1 else Msg("spec.at_least", minimum=minimum)
        raise worded_error(Msg("spec.bound", field=key, bound=bound, what=what, found=_number_text(value)),
                           f"{path}.{key}", "bad_value")
    return int(value)


class _Validator:
    """One pass over a document: checks each part in file order and builds the layers."""

    def __init__(self, document: Mapping):
        self.doc = document
        self.numbers = 0  # running count of all numbers in the network, against MAX_NUMBERS
        self.seed = 0
        self.rng: np.random.Generator | None = None

    def count(self, shape: tuple[int, ...], path: str, what: Msg | str, kept: bool = True) -> None:
        """Refuse a tensor of more than MAX_NUMBERS numbers; one the run keeps (not a buffer
        freed within its layer's pass) also counts toward the network's total."""
        size = math.prod(shape)
        if size > MAX_NUMBERS:
            raise worded_error(Msg("spec.tensor_too_large", what=what, count=count_words(size),
                                   shape=shape_words(shape), limit=f"{MAX_NUMBERS:,}"), path, "too_large")
        if not kept:
            return
        self.numbers += size
        if self.numbers > MAX_NUMBERS:
            raise worded_error(Msg("spec.network_too_large", limit=f"{MAX_NUMBERS:,}", what=what), path,
                               "too_large")

    def network(self, file_label: str | None) -> Network:
        doc = self.doc
        check_keys(doc, TOP_LEVEL_KEYS, "", Msg("spec.what.file"))
        for key in ("input", "layers", "loss"):
            if key not in doc:
                raise worded_error(Msg("spec.missing_key", field=repr(key), what=Msg("spec.what.file_needs")), key,
                                   "missing_key")
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            raise worded_error(Msg("spec.title", found=describe_value(title)), "title", "wrong_type")
        if title is not None:
            title = printable(title)
        seed = doc.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise worded_error(Msg("spec.seed", found=describe_value(seed)), "seed", "wrong_type")
        loss = doc["loss"]
        if not isinstance(loss, str) or loss not in losses.NAMES:
            raise worded_error(_unknown_name(Msg("spec.what.loss"), loss, losses.NAMES), "loss", "unknown_loss")
        layer_specs = doc["layers"]
        if not isinstance(layer_specs, (list, tuple)) or not layer_specs:  # a tuple from Python, as a tensor may be
            raise worded_error(Msg("spec.layers_list", found=describe_value(layer_specs)), "layers", "wrong_type")
        for position, spec in enumerate(layer_specs):
            self._check_layer_header(spec, position, len(layer_specs))

        X = self._input_X(layer_specs[0]["type"])
        self.seed = int(seed)
        layers: list[Layer] = []
        shape = X[:, None].shape if X.ndim == 3 else X.shape
        self.count(X.shape, "input.X", "X")
        for position, spec in enumerate(layer_specs):
            layer = self._layer(spec, position, len(layer_specs), shape)
            shape = layer.output_shape(shape)
            self.count(shape, f"layers[{position}]", Msg("spec.what.layer_output", layer=position + 1))
            layers.append(layer)

        if len(shape) != 2:
            raise worded_error(Msg("spec.loss_needs_columns", kind=layers[-1].kind, shape=shape_words(shape)),
                               f"layers[{len(layers) - 1}]", "bad_output")
        required = losses.REQUIRED_ACTIVATION.get(loss)
        last_activation = layers[-1].activation
        if required and last_activation != required:
            ending = layers[-1].kind + (f" {last_activation}" if last_activation else "")
            raise worded_error(Msg("spec.loss_activation", loss=loss, required=required, ending=ending), "loss",
                               "loss_activation")
        if last_activation == "softmax" and loss != "softmax_ce":
            raise worded_error(Msg("spec.softmax_loss", loss=loss), "loss", "loss_activation")
        Y = self._input_Y(shape, loss)
        return Network(X=X, Y=Y, layers=layers, loss=loss, seed=int(seed), title=title,
                       source=file_label, extras={"exercise": doc.get("exercise")} if "exercise" in doc else {})

    # -- input ---------------------------------------------------------------------------------

    def _input_mapping(self) -> Mapping:
        section = self.doc["input"]
        if not isinstance(section, Mapping):
            raise worded_error(Msg("spec.input_not_mapping", found=describe_value(section)), "input", "wrong_type")
        check_keys(section, INPUT_KEYS, "input", "input")
        for key in INPUT_KEYS:
            if key not in section:
                raise worded_error(Msg("spec.missing_key", field=repr(key), what=Msg("spec.what.input_needs")),
                                   f"input.{key}", "missing_key")
        return section

    def _input_X(self, first_type: str) -> np.ndarray:
        section = self._input_mapping()
        layout = kinds.core_class(first_type).LAYOUT
        if layout == "columns":
            return to_array(section["X"], "input.X", (2,), Msg("spec.what.X_columns", first=first_type))
        if layout == "images":
            return to_array(section["X"], "input.X", (3, 4), Msg("spec.what.X_images", first=first_type))
        return to_array(section["X"], "input.X", (2, 3, 4), Msg("spec.what.X_any", first=first_type))

    def _input_Y(self, output_shape: tuple[int, ...], loss: str) -> np.ndarray:
        Y = to_array(self._input_mapping()["Y"], "input.Y", (2,), Msg("spec.what.Y"))
        if Y.shape != tuple(output_shape):
            n_L, m = output_shape
            raise worded_error(Msg("spec.Y_shape", n=n_L, m=m, values=Msg("spec.count.values", count=n_L),
                                   found=shape_words(Y.shape)), "input.Y", "shape_mismatch")
        if loss == "bce" and (np.minimum.reduce(Y, axis=None) < 0 or np.maximum.reduce(Y, axis=None) > 1):
            bad = tuple(int(i) for i in np.argwhere((Y < 0) | (Y > 1))[0])
            raise worded_error(Msg("spec.bce_targets", value=f"{Y[bad]:g}", row=bad[0], column=bad[1]),
                               f"input.Y[{bad[0]}][{bad[1]}]", "bad_target")
        if loss == "softmax_ce":
            # the least value and the largest miss first (Y is finite), where to look only on failure
            if np.minimum.reduce(Y, axis=None) < 0:
                bad = tuple(int(i) for i in np.argwhere(Y < 0)[0])
                raise worded_error(Msg("spec.softmax_targets_negative", value=f"{Y[bad]:g}"),
                                   f"input.Y[{bad[0]}][{bad[1]}]", "bad_target")
            sums = np.add.reduce(Y, axis=0)
            misses = np.abs(sums - 1)
            if np.maximum.reduce(misses) > DISTRIBUTION_TOLERANCE:
                off = np.flatnonzero(misses > DISTRIBUTION_TOLERANCE)
                column = int(off[0])
                raise worded_error(Msg("spec.softmax_targets_sum", classes=Y.shape[0], number=column + 1,
                                       column=column, total=f"{sums[column]:g}"), "input.Y", "bad_target")
        return Y

    # -- layers --------------------------------------------------------------------------------

    def _check_layer_header(self, spec: Any, position: int, count: int) -> None:
        path = f"layers[{position}]"
        if not isinstance(spec, Mapping):
            raise worded_error(Msg("spec.layer_not_mapping", found=describe_value(spec)), path, "wrong_type")
        if "type" not in spec:
            raise worded_error(Msg("spec.missing_key", field="'type'", what=_suggest("", list(LAYER_KEYS))),
                               f"{path}.type", "missing_key")
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in kinds.KINDS:
            raise worded_error(_unknown_name(Msg("spec.what.layer_type"), kind, list(LAYER_KEYS)),
                               f"{path}.type", "unknown_layer")
        keys = LAYER_KEYS[kind]
        check_keys(spec, keys, path, Msg("spec.what.layer", kind=kind))
        # checked with the header, before any layer is built, so that errors come in file order
        if "activation" in keys:
            _activation(spec, path, position, count)

    def _layer(self, spec: Mapping, position: int, count: int, in_shape: tuple[int, ...]) -> Layer:
        layer_class = kinds.core_class(spec["type"])
        layer_spec = LayerSpec(spec, position, count, in_shape, self)
        if layer_class.LAYOUT == "columns":
            layer_spec.needs_columns()
        elif layer_class.LAYOUT == "images":
            layer_spec.needs_images()
        return layer_class.from_spec(layer_spec)

    def init_weights(self, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        """N(0, 1/fan_in) rounded to 2 decimals, drawn from the shared generator in file order."""
        if self.rng is None:  # made on first use: numpy.random alone costs ~20 ms of start-up
            self.rng = np.random.default_rng(self.seed)
        return np.round(self.rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=shape), 2)


def _activation(spec: Mapping, path: str, position: int, count: int) -> str:
    """The layer's ``activation``: required, a known name, softmax only on the last layer."""
    kind = spec["type"]
    if "activation" not in spec:
        raise worded_error(Msg("spec.missing_key", field="'activation'",
                               what=Msg("spec.what.activation_needed", kind=kind, names=Joined(activations.NAMES, "sep.codes"))),
                           f"{path}.activation", "missing_key")
    name = spec["activation"]
    if not isinstance(name, str) or name not in activations.NAMES:
        raise worded_error(_unknown_name(Msg("spec.what.activation"), name, activations.NAMES),
                           f"{path}.activation", "unknown_activation")
    if name == "softmax" and position != count - 1:
        raise worded_error(Msg("spec.softmax_not_last", layer=position + 1, count=count), f"{path}.activation",
                           "softmax_not_last")
    return name


#: a missing ``value`` argument of ``LayerSpec.integer`` (None is a value a file can hold)
_FROM_MAPPING = object()


@dataclass
class LayerSpec:
    """One entry of ``layers`` as its kind's ``from_spec`` reads it: the mapping, where it is,
    what feeds it, and checks that raise ``SpecError`` with this layer's path (``layers[1].W``).

    Each kind validates its own keys through these (``KEYS`` and ``from_spec`` on its core
    class), so the messages, codes and limits are the same for every kind."""

    mapping: Mapping
    position: int  # 0-based place in ``layers``
    layer_count: int
    input_shape: tuple[int, ...]  # (n, m) column data or (m, C, H, W) images
    validator: _Validator

    @property
    def path(self) -> str:
        return f"layers[{self.position}]"

    @property
    def number(self) -> int:
        """The layer's number, 1..L."""
        return self.position + 1

    @property
    def kind(self) -> str:
        return self.mapping["type"]

    @staticmethod
    def shape_words(shape: tuple[int, ...]) -> Msg | Joined:
        """A shape as messages write it, in any language: "2 × 1 × 10,000 × 3"."""
        return shape_words(shape)

    def place(self, key: str | None) -> str:
        return self.path if key is None else f"{self.path}.{key}"

    def error(self, key: str | None, message: Msg | str, code: str) -> NoReturn:
        """Refuse the layer: MESSAGE at ``layers[i].KEY`` (``layers[i]`` when KEY is None), in the
        learner's language when it is a ``Msg``."""
        if isinstance(message, Msg):
            raise worded_error(message, self.place(key), code)
        raise SpecError(message, self.place(key), code)

    def integer(self, key: str, what: Msg | str, default: int | None = None, minimum: int = 1,
                value: Any = _FROM_MAPPING) -> int:
        """The whole number at KEY (WHAT says what it counts), at least MINIMUM; DEFAULT when the
        key is absent (required when None). VALUE: check this value as KEY's instead (an item of
        a list such as ``kernel: [2, 3]``)."""
        mapping = self.mapping if value is _FROM_MAPPING else {key: value}
        return _positive_int(mapping, key, self.path, what, default=default, minimum=minimum)

    def positive_number(self, key: str, what: Msg | str, default: float) -> float:
        """The number (whole or not) at KEY, greater than 0; DEFAULT when the key is absent."""
        if key not in self.mapping:
            return default
        value = _written_number(self.mapping[key])
        if not _is_number(value):
            self.error(key, Msg("spec.number", field=key, what=what, found=describe_value(value)), "wrong_type")
        if not _fits_a_float(value) or not math.isfinite(float(value)):
            self.error(key, Msg("spec.finite_number", field=key, what=what, found=describe_value(value)), "not_finite")
        if value <= 0:
            self.error(key, Msg("spec.bound", field=key, bound=Msg("spec.positive"), what=what,
                                found=_number_text(value)), "bad_value")
        return float(value)

    def activation(self) -> str:
        """The layer's activation: required, a known name, softmax only on the last layer."""
        return _activation(self.mapping, self.path, self.position, self.layer_count)

    def tensor(self, key: str, shape: tuple[int, ...], reason: Msg, ndims: tuple[int, ...],
               what: Msg) -> np.ndarray | None:
        """The tensor at KEY, which must have SHAPE because of REASON (None when absent); a flat
        list of the right length is accepted where SHAPE is a column (n × 1, as b). REASON and
        WHAT are worded in the learner's language when the shape is wrong."""
        if key not in self.mapping:
            return None
        array = to_array(self.mapping[key], self.place(key), ndims, what)
        if array.shape != shape:
            if array.ndim == 1 and array.size == math.prod(shape) and len(shape) == 2 and shape[1] == 1:
                return array.reshape(shape)
            raise worded_error(Msg("spec.shape_mismatch", what=what, shape=shape_words(shape), reason=reason,
                                   found=shape_words(array.shape)), self.place(key), "shape_mismatch")
        return array

    def source_words(self) -> Msg:
        """What feeds the layer, in any language: X, or layer N."""
        return Msg("spec.source.X") if self.position == 0 else Msg("spec.source.layer", layer=self.position)

    def weights(self, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        """Weights not given in the file: N(0, 1/fan_in) rounded to 2 decimals, drawn from the
        network's seeded generator (in file order, so each layer's draw depends on those before)."""
        return self.validator.init_weights(shape, fan_in)

    def count(self, shape: tuple[int, ...], what: Msg | str, key: str | None = None, kept: bool = True) -> None:
        """Refuse a tensor of SHAPE (WHAT names it) beyond the limit of 10⁷ numbers, before it is
        allocated; one the run keeps also counts toward the network's total."""
        self.validator.count(shape, self.place(key), what, kept=kept)

    def count_buffers(self, layer: Any) -> None:
        """Count the working arrays ``layer.buffers`` declares for this input (padded input,
        im2col matrix, window masks): they are allocated too, so a kernel 1 with padding 5,000 on
        a 1 × 1 image (a 1 × 1 output, a 10⁸ padded input) is refused."""
        for buffer in layer.buffers(self.input_shape):
            self.count(buffer.shape, Msg("spec.what.of_layer", what=buffer.what, layer=self.number), kept=buffer.kept)

    def needs_columns(self) -> None:
        """Refuse image data (a dense layer after conv or pool, without flatten)."""
        if len(self.input_shape) != 2:
            self.error(None, Msg("spec.needs_flatten", kind=self.kind, source=self.source_words(),
                                 shape=shape_words(self.input_shape), layer=self.number), "needs_flatten")

    def needs_images(self) -> None:
        """Refuse column data (conv, pool or flatten after a dense layer)."""
        if len(self.input_shape) != 4:
            self.error(None, Msg("spec.needs_images", kind=self.kind, source=self.source_words(),
                                 shape=shape_words(self.input_shape)), "needs_images")


def read_source(source: str, stdin: BinaryIO | None = None) -> tuple[bytes, str]:
    """The bytes of a network file named on the command line (``-`` is standard input)."""
    if source == "-":
        label = "<stdin>"
        if stdin is None:
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                raise SpecError("standard input is closed; give a file name instead of -",
                                code="unreadable", file=label)
            stdin = sys.stdin.buffer
        try:
            return read_bounded(stdin, label), label
        except OSError as exc:
            raise SpecError(f"cannot read standard input: {exc.strerror or exc}", code="unreadable",
                            file=label) from None
    return read_file(source, source), source
