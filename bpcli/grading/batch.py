"""Batch grading: a class's answers in one file, graded in one process (``bpcli grade --batch``).

ANSWERS is CSV with a header or JSON Lines, one answer per row, with the fields ``student``,
``file`` (a network file, relative to ANSWERS' folder, or a bundled exercise's name), ``target``,
``answer`` and optionally ``points``. Each row is graded as ``bpcli grade`` grades one answer;
a row that cannot be read or graded (a missing field, a file that does not load, an unknown
target, an answer that cannot be parsed) gets ``correct: false`` and an ``error``, and the batch
goes on. Each network file is loaded, run and redrawn once, however many rows name it.

Points: the row's ``points`` when given, else the ``points`` its exercise gives the target (the
``exercise: points: {target: n}`` mapping of the network file), else 1. A right answer scores its
points, a wrong one 0. Plain data only: ``bpcli.render.batch`` writes it as JSON Lines or as
Gradescope's results.json.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bpcli import spec
from bpcli.errors import AnswerError, BpcliError, SpecError, UsageError
from bpcli.formatting import shorten
from bpcli.grading.grade import GRADE_SCHEMA
from bpcli.grading.numbers import numbers_of_value
from bpcli.texts import Joined, Msg, error_text, say

#: the schemas of the totals and statistics (one graded answer is ``GRADE_SCHEMA``'s)
TOTALS_SCHEMA = "bpcli.grade-totals/1"
STATISTICS_SCHEMA = "bpcli.grade-stats/1"
REQUIRED_FIELDS = ("student", "file", "target", "answer")
DEFAULT_POINTS = 1.0
#: a JSON Lines row nested deeper than this (lists and objects) is refused as it is read: far
#: beyond any answer (numbers are refused past 6 lists), and shallow enough that nothing later
#: (str, repr, json.dumps, all recursive) runs out of Python's stack on it
MAX_JSON_DEPTH = 100


@dataclass
class AnswerRow:
    """One row of ANSWERS as read: ``number`` counts the data rows from 1 (blank lines are not
    rows, in CSV and JSON Lines alike); ``line`` is the line of the file it starts on, which
    messages about the file name (a CSV answer may span lines); ``problem`` says (in the batch's
    language, with its line) what is wrong with the row itself, if anything."""

    number: int
    line: int
    student: str = ""
    file: str = ""
    target: str = ""
    answer: str = ""
    points: Any = None
    problem: str | None = None


@dataclass
class GradedRow:
    """The verdict on one row: ``result`` is the ``bpcli.grade/1`` object (``to_dict`` of the
    grade result, or the error object of a row that could not be graded)."""

    row: AnswerRow
    result: dict[str, Any]
    points: float
    error_code: str | None = None

    @property
    def correct(self) -> bool:
        return bool(self.result.get("correct"))

    @property
    def score(self) -> float:
        return self.points if self.correct else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.result, "student": self.row.student, "file": self.row.file, "row": self.row.number,
                "points": self.points, "score": self.score}


@dataclass
class StudentTotal:
    """One student's total: ``max_score`` counts the points of every row they gave and of every
    target they left out of an exercise they answered (``unanswered`` says how many)."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    answers: int = 0
    correct: int = 0
    errors: int = 0
    unanswered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student, "score": self.score, "max_score": self.max_score,
                "answers": self.answers, "correct": self.correct, "errors": self.errors,
                "unanswered": self.unanswered}


@dataclass
class TargetStatistics:
    """How a class answered one target: how many answers, how many right, and per diagnosis code
    (and per error code, for answers that could not be graded) how many answers had it."""

    target: str
    answers: int = 0
    correct: int = 0
    diagnoses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "answers": self.answers, "correct": self.correct,
                "diagnoses": dict(self.diagnoses.most_common()), "errors": dict(self.errors.most_common())}


@dataclass
class Batch:
    """Every row graded, in input order; ``exercise_points``: per file the rows name that has an
    exercise section, the points of each of its targets."""

    rows: list[GradedRow]
    exercise_points: dict[str, dict[str, float]] = field(default_factory=dict)

    def totals(self) -> list[StudentTotal]:
        """Per student, in order of first appearance: score, maximum, answers, right, errors, and
        the exercise targets left out."""
        totals: dict[str, StudentTotal] = {}
        answered: dict[str, dict[str, set[str]]] = {}  # student → file → the targets given a row
        for graded in self.rows:
            total = totals.setdefault(graded.row.student, StudentTotal(graded.row.student))
            total.score += graded.score
            total.max_score += graded.points
            total.answers += 1
            total.correct += graded.correct
            total.errors += graded.error_code is not None
            answered.setdefault(graded.row.student, {}).setdefault(graded.row.file, set()).add(graded.row.target)
        # a target left out is worth 0 of its points, as a wrong answer: a student who answers one
        # target of eight does not look 100% right (no row is added: one output per input row)
        for student, files in answered.items():
            for file, targets in files.items():
                for target, points in self.exercise_points.get(file, {}).items():
                    if target not in targets:
                        totals[student].max_score += points
                        totals[student].unanswered += 1
        return list(totals.values())

    def statistics(self) -> list[TargetStatistics]:
        """Per target (by name, in order of first appearance), the count of each diagnosis."""
        found: dict[str, TargetStatistics] = {}
        for graded in self.rows:
            entry = found.setdefault(graded.row.target, TargetStatistics(graded.row.target))
            entry.answers += 1
            entry.correct += graded.correct
            entry.diagnoses.update(graded.result.get("diagnosis", []))
            if graded.error_code is not None:
                entry.errors[graded.error_code] += 1
        return list(found.values())

    def totals_document(self) -> dict[str, Any]:
        totals = self.totals()
        return {"schema": TOTALS_SCHEMA, "students": [total.to_dict() for total in totals],
                "rows": len(self.rows), "score": sum((t.score for t in totals), 0.0),
                "max_score": sum((t.max_score for t in totals), 0.0)}

    def statistics_document(self) -> dict[str, Any]:
        return {"schema": STATISTICS_SCHEMA, "targets": [entry.to_dict() for entry in self.statistics()]}


# -- reading ANSWERS ---------------------------------------------------------------------------------

def read_answers(source: str, lang: str = "en") -> list[AnswerRow]:
    """The rows of the answers file ``source`` (a path, or ``-`` for standard input). CSV when
    the name ends in .csv, JSON Lines when it ends in .jsonl or .ndjson, else JSON Lines when the
    first character is ``{``. Raises ``SpecError`` (exit 2) when the file itself cannot be read:
    missing, not UTF-8 text, without a row (empty, or a CSV header alone), a CSV header without
    the required columns, or JSON Lines of which no line is an answer (a class set's key.json)."""
    try:
        data, label = spec.read_source(source)
    except SpecError as error:
        if error.code == "not_a_file":  # read_source's words are a network file's
            raise spec.worded_error(Msg("batch.directory"), "", error.code, source) from None
        raise
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise spec.worded_error(Msg("batch.not_text"), "", "binary_file", label) from None
    if not text.strip():
        raise spec.worded_error(Msg("batch.empty"), "", "empty_file", label)
    lowered = label.lower()
    as_jsonl = lowered.endswith((".jsonl", ".ndjson")) or (not lowered.endswith(".csv")
                                                            and text.lstrip().startswith("{"))
    rows = _read_json_lines(text, label, lang) if as_jsonl else _read_csv(text, label, lang)
    if not rows:  # a CSV header alone: nothing graded is not a graded batch
        raise spec.worded_error(Msg("batch.empty"), "", "empty_file", label)
    return rows


def _read_csv(text: str, label: str, lang: str) -> list[AnswerRow]:
    lines = io.StringIO(text, newline="").readlines()  # split where the csv module splits: \n, \r\n, \r
    declared = _declared_separator(lines[0])
    if declared is not None and declared not in CSV_SEPARATORS:
        raise spec.worded_error(Msg("batch.csv.separator", separator=repr(declared)), "line 1", "invalid_csv", label)
    records, delimiter = _csv_records(lines, declared)
    if not records:  # the separator line alone: no header, no rows
        return []
    header_record, data_records = records[0], records[1:]
    if header_record.unclosed or header_record.error is not None:
        reason = header_record.error if header_record.error is not None else Msg("batch.csv.unclosed_quote")
        raise spec.worded_error(Msg("batch.csv", reason=reason), f"line {header_record.line}", "invalid_csv", label)
    # a spreadsheet's header may say Student or FILE: the columns are known by name, whatever the case
    header = [name.strip().lower() for name in header_record.fields]
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        raise spec.worded_error(Msg("batch.header", missing=Joined(missing), found=Joined(header) if header else "-"),
                                f"line {header_record.line}", "missing_key", label)
    rows = []
    for record in data_records:
        # a blank line, as csv.DictReader skips it, or a line of separators only (';;;;'), which a
        # spreadsheet saves for an empty row of its sheet: no one's answer (it was graded as an
        # error of a student named '', who joined the totals with a point to lose)
        if record.error is None and not record.unclosed and not any(field.strip() for field in record.fields):
            continue
        row = _row_of(len(rows) + 1, record.line, dict(zip(header, record.fields)), lang)
        if delimiter == ";":  # saved where the decimal mark is a comma: its points may be 1,5
            row.points = _with_decimal_point(row.points)
        if record.unclosed:
            row.problem = _problem(lang, record.line, Msg("batch.row.unclosed_quote"))
        elif record.error is not None:
            row.problem = _problem(lang, record.line, Msg("batch.csv", reason=record.error))
        elif len(record.fields) > len(header):
            # the separator the answer must be quoted for is the file's own (';' where the header has it)
            key = "batch.row.extra_fields" if delimiter == "," else "batch.row.extra_fields.semicolon"
            row.problem = _problem(lang, record.line, Msg(key, found=len(record.fields), header=len(header)))
            row.points = None  # its points column holds a piece of the answer, whatever it looks like
        rows.append(row)
    return rows


#: a number written with a decimal comma (1,5 or 0,25)
_DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")


def _with_decimal_point(points: Any) -> Any:
    """Points written with a decimal comma ('1,5') with a point instead ('1.5'), else as they are.
    Only for a file with ';' between fields, which a spreadsheet saves where the decimal mark is a
    comma; in a ',' file a quoted '1,5' may as well be a thousand and a half, and stays refused."""
    return points.replace(",", ".") if isinstance(points, str) and _DECIMAL_COMMA.fullmatch(points) else points


@dataclass
class _CsvRecord:
    """One record of a CSV text: ``line`` is the line it starts on (the header's is 1)."""

    line: int
    fields: list[str]
    #: it ran to the end of the file inside a quoted field (its ``fields`` are its first line's)
    unclosed: bool = False
    #: what the csv module could not read in it (Python 3.10 refuses a NUL character)
    error: str | None = None


def _csv_records(lines: list[str], declared: str | None) -> tuple[list[_CsvRecord], str]:
    """Every record of the CSV text's ``lines``, blank lines included (as empty records). A field
    may hold new lines in quotes (a multi-line answer from a spreadsheet), but a quote never closed
    would swallow every later line into one field: that record is reported alone and reading
    starts again on the line after its first, so the rows below it are still read. Fields are
    separated by the ``declared`` separator, when the first line is a ``sep=`` line (which is then
    not a record), else by commas, or by semicolons where the header is (``_delimiter``); the
    separator is returned too."""
    start = 1 if declared is not None else 0
    delimiter = declared or (_delimiter(lines[start]) if start < len(lines) else ",")
    records: list[_CsvRecord] = []
    # no field can be longer than the text, so none is refused for its length (csv's default limit,
    # 131,072 characters, rejected a long answer with the whole file); the limit is process-wide,
    # hence restored for the library's other users
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(max(previous_limit, sum(map(len, lines))))
    try:
        while start < len(lines):
            start = _read_csv_records(lines, start, records, delimiter)
    finally:
        csv.field_size_limit(previous_limit)
    return records, delimiter


#: the field separators an answers file may have: a spreadsheet saves CSV with commas, or with
#: semicolons where the decimal mark is a comma (German, French, …)
CSV_SEPARATORS = (",", ";")
#: the first line Excel reads as the file's separator and not as data (``sep=;``), which a teacher
#: adds, or an export writes, so that Excel opens the file in columns whatever its locale; as a
#: spreadsheet quotes a field holding the separator, it may be quoted ("sep=,")
_SEPARATOR_LINE = re.compile(r'(?i)\s*(")?sep=(.)(?(1)")\s*')


def _declared_separator(first_line: str) -> str | None:
    """The separator a ``sep=`` first line names (any character: the caller says which are
    read), else None: the line is the header."""
    declared = _SEPARATOR_LINE.fullmatch(first_line.rstrip("\r\n"))
    return declared[2] if declared else None


def _delimiter(header: str) -> str:
    """';' when the header line names more of the required columns split at semicolons than at
    commas, as a spreadsheet saves CSV where the decimal mark is a comma (German, French, …);
    else ','. More, not all: a header with a typo ('student;file;target;answr') is then told
    which column it lacks, not all four."""
    def named(delimiter: str) -> int:
        return len(set(REQUIRED_FIELDS) & {name.strip().lower() for name in _first_line_fields(header, delimiter)})

    return ";" if named(";") > named(",") else ","


def _read_csv_records(lines: list[str], start: int, records: list[_CsvRecord], delimiter: str) -> int:
    """Append the records of ``lines[start:]`` to ``records`` up to the end, or up to one that
    cannot be read; returns the index of the line where reading goes on."""
    taken = 0
    exhausted = False

    def feed():
        nonlocal taken, exhausted
        for index in range(start, len(lines)):
            taken += 1
            yield lines[index]
        exhausted = True

    first = start  # the index of the line the next record starts on
    try:
        for fields in csv.reader(feed(), delimiter=delimiter):
            # csv.reader asks for a line only while a record is unfinished, so a record that
            # arrives after the lines ran out ended inside a quote that nothing closed
            end = start + taken  # the index of the line after this record
            if exhausted or (records and _swallows_rows(lines[first + 1:end], records[0].fields, delimiter)):
                records.append(_CsvRecord(first + 1, _first_line_fields(lines[first], delimiter), unclosed=True))
                return first + 1
            records.append(_CsvRecord(first + 1, fields))
            first = start + taken
    except csv.Error as error:
        records.append(_CsvRecord(first + 1, _first_line_fields(lines[first], delimiter), error=str(error)))
        return first + 1
    return len(lines)


#: what a target's name looks like (dW1, db2, dX, Z1, dgamma2): a field holding one is a row's
_TARGET_NAME = re.compile(r"\s*[A-Za-z_]\w*\s*")


def _swallows_rows(continuation: list[str], header: list[str], delimiter: str) -> bool:
    """Whether the lines after a record's first are rows of their own that an unclosed quote took
    in, until a later row's quoted field closed it (students lost without a word): one of them
    has a field for every column and a target's name in the target column. The lines of a
    multi-line answer ('1 2' / '3 4"', '[[1, 2],' / '[3, 4]]"') have neither."""
    columns = [name.strip().lower() for name in header]
    if "target" not in columns:
        return False
    target, student = columns.index("target"), columns.index("student") if "student" in columns else 0
    for line in continuation:
        fields = _first_line_fields(line, delimiter)
        if (len(fields) >= len(columns) and fields[student].strip()
                and _TARGET_NAME.fullmatch(fields[target])):
            return True
    return False


def _first_line_fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line read alone (a record that cannot be read whole is still named by
    its student, file and target); none when even that line cannot be read."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _read_json_lines(text: str, label: str, lang: str) -> list[AnswerRow]:
    """The rows of JSON Lines; SpecError when no line can be an answer (``_not_answers``)."""
    rows = []
    # a line that cannot be decoded may be an answer with a typo, which its row reports; a file
    # every line of which decodes to something without an answer's fields is no answers file
    # (key.json, a config): one invalid row of student '' would pass for a graded batch
    may_hold_answers, first_value = False, None
    # lines as JSON Lines and an editor count them: split at \n only (a JSON string may hold a
    # U+2028, where str.splitlines would split too)
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        number = len(rows) + 1
        record, problem, column = _decode_json_line(line)
        if problem is not None or _has_answer_field(record):
            may_hold_answers = True
        elif first_value is None:
            first_value = (line_number, record)
        if problem is None and not isinstance(record, dict):
            problem = Msg("batch.row.not_object", kind=type(record).__name__)
        if problem is None and _nesting_depth(record, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            problem = Msg("batch.row.too_deep", limit=MAX_JSON_DEPTH)
        if problem is not None:
            rows.append(AnswerRow(number, line_number, problem=_problem(lang, line_number, problem, column)))
        else:
            rows.append(_row_of(number, line_number, record, lang))
    if rows and not may_hold_answers:
        raise _not_answers(*first_value, label)
    return rows


def _has_answer_field(record: Any) -> bool:
    return isinstance(record, dict) and any(name in record for name in REQUIRED_FIELDS)


#: keys of an object shown when a file holds no answers (the rest as '…')
_KEYS_SHOWN = 5


def _not_answers(line: int, record: Any, label: str) -> SpecError:
    """The error for a JSON Lines file without an answer, described by its first line (``record``)."""
    from bpcli.quiz.variants import SCHEMA_KEY

    holds = Msg("batch.answers_file_holds")
    if isinstance(record, dict) and record.get("schema") == SCHEMA_KEY:
        return spec.worded_error(Msg("batch.variant_key", holds=holds), "", "variant_key", label)
    if isinstance(record, dict) and record:
        keys = [shorten(json.dumps(key, ensure_ascii=False)) for key in list(record)[:_KEYS_SHOWN]]
        found = Msg("batch.found.keys", line=line, keys=Joined(keys + ["…"] * (len(record) > _KEYS_SHOWN)))
    elif isinstance(record, dict):
        found = Msg("batch.found.empty_object", line=line)
    else:
        found = Msg("batch.found.value", line=line, kind=type(record).__name__)
    return spec.worded_error(Msg("batch.no_answer_rows", found=found, holds=holds), "", "no_answers", label)


def _decode_json_line(line: str) -> tuple[Any, Msg | None, int | None]:
    """The JSON value of one line; or what keeps it from being read, and the column where."""
    try:
        return json.loads(line), None, None
    except RecursionError:  # nested deeper than Python's stack: the decoder gives up
        return None, Msg("batch.row.too_deep", limit=MAX_JSON_DEPTH), None
    except json.JSONDecodeError as error:
        return None, Msg("batch.row.not_json", reason=error.msg), error.colno
    except ValueError as error:  # a whole number of more digits than Python reads
        return None, Msg("batch.row.not_json", reason=str(error)), None


def _nesting_depth(value: Any, limit: int) -> int:
    """How many lists and objects deep ``value`` goes, counted level by level without recursion
    (the point is a value too deep for it); stops counting past ``limit``."""
    depth, level = 0, [value]
    while depth <= limit:
        containers = [item for item in level if isinstance(item, (list, dict))]
        if not containers:
            break
        depth += 1
        level = [child for container in containers
                 for child in (container.values() if isinstance(container, dict) else container)]
    return depth


def _problem(lang: str, line: int, problem: Msg, column: int | None = None) -> str:
    """What is wrong with a row, in ``lang``, after the place in the file where it is (the row's
    number counts data rows only; a teacher looks for the line)."""
    place = Msg("spec.place", line=line, column=column) if column else Msg("spec.place.line", line=line)
    return f"{place.text(lang)}: {problem.text(lang)}"


def _row_of(number: int, line: int, record: dict, lang: str) -> AnswerRow:
    """An ``AnswerRow`` from a CSV record or JSON object; what is missing or malformed becomes
    the row's ``problem`` (the row is reported, not dropped)."""
    values = {name: record.get(name) for name in REQUIRED_FIELDS}
    text = {name: "" if value is None else str(value) for name, value in values.items()}
    missing = [name for name, value in values.items() if value is None or (isinstance(value, str) and not value.strip())]
    # a spreadsheet keeps the space typed after a name ("s01 "): the same student, file or target;
    # and a name typed with 'é' or with 'e' and a combining accent is one student (and one file),
    # in NFC as `bpcli variant` takes an id (an export from macOS writes the second)
    row = AnswerRow(number, line, unicodedata.normalize("NFC", text["student"].strip()),
                    unicodedata.normalize("NFC", text["file"].strip()), text["target"].strip(), text["answer"],
                    record.get("points"))
    if missing:
        row.problem = _problem(lang, line, Msg("batch.row.missing", fields=", ".join(missing)))
    elif not isinstance(values["answer"], (str, int, float, list)) or isinstance(values["answer"], bool):
        row.problem = _problem(lang, line, Msg("batch.row.answer_kind", kind=type(values["answer"]).__name__))
    elif isinstance(values["answer"], list) and (problem := _list_problem(values["answer"])) is not None:
        # [[true, 1, 1]] was read as the text of a formula: 'a formula may not contain lists'
        row.problem = _problem(lang, line, problem)
    elif isinstance(values["answer"], (int, float, list)):
        row.answer = json.dumps(values["answer"])  # numbers in JSON: the answer as its text
    return row


def _list_problem(answer: list) -> Msg | None:
    """What keeps a JSON answer's list from being numbers, by the rule the Python API's lists
    follow (``numbers_of_value``: text in a list is not read as a number), or None."""
    try:
        numbers_of_value(answer)
    except AnswerError as error:
        return error.msg
    return None


# -- grading -------------------------------------------------------------------------------------------

@dataclass
class _Prepared:
    """A network file loaded once for the whole batch: the network, its run and its redraws."""

    network: Any
    computed: Any
    draws: Any  # grade.Draws, drawn when a formula first needs them
    #: the points of each target of its exercise section (``exercise.points``, which lists every
    #: target), as the other commands read them; empty for a file without the section
    points: dict[str, float]


def grade_batch(rows: list[AnswerRow], folder: str, *, lang: str = "en", rtol: float | None = None) -> Batch:
    """Grade every row (``folder`` is where relative ``file`` paths start: ANSWERS' folder)."""
    from bpcli.grading.grade import DEFAULT_RTOL, check_rtol

    tolerance = DEFAULT_RTOL if rtol is None else rtol
    check_rtol(tolerance)
    prepared: dict[str, _Prepared | BpcliError] = {}
    graded = []
    for row in rows:
        graded.append(_grade_row(row, folder, lang, tolerance, prepared))
    exercise_points = {file: network.points for file, network in prepared.items()
                       if isinstance(network, _Prepared) and network.points}
    return Batch(graded, exercise_points)


def _grade_row(row: AnswerRow, folder: str, lang: str, rtol: float,
               prepared: dict[str, _Prepared | BpcliError]) -> GradedRow:
    from bpcli.grading.grade import grade

    network = None
    if row.file:
        if row.file not in prepared:
            prepared[row.file] = _prepare(row.file, folder)
        network = prepared[row.file]
    # a row that cannot be graded still counts its points towards the maximum, the same as a
    # readable row for that target would: a student's maximum does not depend on their typos
    target_points = _target_points(row, network.points if isinstance(network, _Prepared) else {})
    points = _points(row, target_points, lang)
    if row.problem is not None:  # first: a row that cannot be read may have unreadable points too
        return _error_row(row, target_points if isinstance(points, str) else points, "invalid_row", row.problem)
    if isinstance(points, str):
        return _error_row(row, target_points, "invalid_points", points)
    if isinstance(network, BpcliError):
        return _error_row(row, points, getattr(network, "code", "invalid_file"), error_text(network, lang))
    try:
        result = grade(network.network, row.target, row.answer, rtol=rtol, lang=lang, computed=network.computed,
                       draws=network.draws)
    except AnswerError as error:
        return _error_row(row, points, "invalid_answer", error_text(error, lang))
    except UsageError as error:
        return _error_row(row, points, "invalid_target", error_text(error, lang))
    return GradedRow(row, result.to_dict(), points)


def _prepare(file: str, folder: str) -> _Prepared | BpcliError:
    from bpcli.core.network import run
    from bpcli.grading.grade import Draws
    from bpcli.quiz.catalogue import exercise_from_network

    try:
        network = load_network_or_exercise(file, folder)
        computed = run(network)
        # the exercise section checked as worksheet and variant check it (a typo there was graded
        # with default points, and `points: {dW1: two}` blamed the answers file)
        points = exercise_from_network(file, network, computed).points if "exercise" in network.extras else {}
        # points as floats, as a row's own and the default are: the file's 'dW1: 2' was written 2
        # beside 2.0 and 0.0, and a reader that types a field by its first value (Gradescope's
        # results.json documents floats) failed on the next
        return _Prepared(network, computed, Draws(network), {target: float(value) for target, value in points.items()})
    except BpcliError as error:
        return error


def network_path(file: str, folder: str | None = None) -> str:
    """Where a row's ``file`` is: a path relative to ``folder`` when given and not absolute."""
    return os.path.join(folder, file) if folder and not os.path.isabs(file) else file


def load_network_or_exercise(file: str, folder: str | None = None):
    """The network of ``file``: a path (relative to ``folder`` when given), or, when no such file
    exists, a bundled exercise's name (``04``, ``04_two_layer_tanh``). Raises ``SpecError``."""
    from bpcli.quiz.catalogue import load_bundled_network

    path = network_path(file, folder)
    if not os.path.exists(path):
        # a row's file is read in NFC, as `bpcli variant` names its files (hw-José.yaml); one
        # copied from macOS may be named with a combining accent (the file's name only: the
        # folder's is whatever it is on this machine)
        decomposed = network_path(unicodedata.normalize("NFD", file), folder)
        path = decomposed if os.path.exists(decomposed) else path
    if os.path.exists(path):
        return _load_network_file(path, file)
    try:
        return load_bundled_network(file)
    except UsageError:
        # in the batch's language (error_text), the file named as the row names it: the folder it
        # was looked for in is the server's, which students' feedback does not show
        raise spec.worded_error(Msg("batch.no_file"), "", "file_not_found", file) from None


#: a YAML mapping with none of these at its top level is not a network file
NETWORK_KEYS = ("input", "layers", "loss")
#: the errors of a text that is not YAML (or not YAML bpcli reads), whose messages may quote it
_NOT_YAML_CODES = frozenset({"yaml_syntax", "yaml_value", "unhashable_key", "duplicate_key"})


def _load_network_file(path: str, file: str):
    """The network in the file at ``path``, which the row names ``file``. A row may name any
    file the grading server can read (/etc/passwd), and its message is the student's feedback:
    a file that is not a network file is said to be so, never quoted (the commands that read one
    file quote what they found, for the user who named it). Raises ``SpecError``."""
    if _is_special_file(path):
        raise spec.worded_error(Msg("batch.not_regular_file"), "", "not_a_file", file)
    text = spec.network_text(spec.read_file(path, file), file)
    try:
        document = spec.parse_yaml(text, file)
    except SpecError as error:
        if error.code in _NOT_YAML_CODES:
            raise spec.worded_error(Msg("batch.not_yaml"), error.path, error.code, file) from None
        if error.code == "not_mapping":
            raise spec.worded_error(Msg("batch.not_network"), "", error.code, file) from None
        raise
    if not any(key in document for key in NETWORK_KEYS):
        raise spec.worded_error(Msg("batch.not_network"), "", "not_a_network_file", file)
    return spec.from_mapping(document, file)


def _is_special_file(path: str) -> bool:
    """Whether ``path`` is a FIFO, a device or a socket: what the commands that read one file
    read for their user (``<(…)``, /dev/stdin), but in a batch, where a row may name any path,
    opening a FIFO no one writes to, or the autograder's own standard input, would wait forever."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False  # read_file says what is wrong with it
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _target_points(row: AnswerRow, exercise_points: dict[str, float]) -> float:
    """What the row's target is worth when the row does not say: its exercise's points for it
    (none when the file did not load, or the row names no file or target), else 1."""
    return exercise_points.get(row.target, DEFAULT_POINTS)


def _points(row: AnswerRow, target_points: float, lang: str) -> float | str:
    """The row's points: its own, else ``target_points``; the text of the problem when the
    points given are not a number of at least 0."""
    given = row.points
    if given is None or (isinstance(given, str) and not given.strip()):
        return target_points
    try:
        points = float(given) if not isinstance(given, bool) else math.nan
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON whole number such as 10**400
        points = math.nan
    if not (math.isfinite(points) and points >= 0):
        # quoted as the message quotes any input: one line, 60 characters (a 400-digit number)
        return say(lang, "batch.row.points", value=shorten(repr(given)))
    return points


def _error_row(row: AnswerRow, points: float, code: str, message: str) -> GradedRow:
    result = {"schema": GRADE_SCHEMA, "target": row.target, "correct": False, "diagnosis": [],
              "message": message, "error": {"code": code, "message": message}}
    return GradedRow(row, result, points, code)

