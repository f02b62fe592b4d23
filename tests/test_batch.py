"""Batch grading (issue 10, point 4) and the Python API's ``bpcli.grade`` (point 5).

The acceptance test: a class of 30 generated students, each answering the six targets of one
exercise with six kinds of answer (right, transposed, sign, missing 1/m, off by a constant,
unreadable) in an order drawn per student. The expected totals, Gradescope scores and statistics
are counted from that plan, never read from bpcli's output.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

import bpcli
from bpcli.errors import AnswerError, SpecError, UsageError
from conftest import REPO_ROOT, run_cli

EXERCISE = REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml"
#: the targets asked, their right formulas (the texts' rules: dZ2 = (A2 − Y)/m, dW = dZ Aᵀ,
#: dA1 = W2ᵀ dZ2, dZ1 = dA1 ⊙ tanh′(Z1), db = row sums of dZ) and the points the exercise gives
TARGETS = {"dZ2": ("(A2 - Y) / m", 1), "dW2": ("dZ2 @ A1.T", 2), "dA1": ("W2.T @ dZ2", 1),
           "dZ1": ("dA1 * (1 - A1**2)", 2), "dW1": ("dZ1 @ X.T", 3), "db1": ("sum(dZ1, axis=1, keepdims=True)", 1)}
#: each kind of answer, how it is written from the right formula F, and the code it must get
KINDS = {"right": ("{F}", None), "transposed": ("({F}).T", "transposed"), "sign": ("-({F})", "sign"),
         "missing_1_over_m": ("m * ({F})", "missing_1_over_m"), "offset": ("({F}) + 0.5", "offset"),
         "unreadable": ("({F}", None)}
STUDENTS = 30
#: students whose dW1 row carries its own points (overriding the exercise's 3)
OVERRIDE_POINTS = 5


def plan() -> list[dict]:
    """30 students × 6 answers: each student gives every kind once, in a drawn order. Every
    third student's unreadable answer is an empty cell (a row that cannot be read) instead of an
    unclosed bracket (an answer that cannot be parsed)."""
    rng = np.random.default_rng(2024)
    rows = []
    for number in range(STUDENTS):
        student = f"s{number:02d}"
        for target, kind in zip(TARGETS, rng.permutation(list(KINDS))):
            formula, points = TARGETS[target]
            answer = KINDS[kind][0].format(F=formula)
            if kind == "unreadable" and number % 3 == 0:
                answer = ""
            row = {"student": student, "file": "hw.yaml", "target": target, "answer": answer, "kind": kind,
                   "points": ""}
            if target == "dW1" and number % OVERRIDE_POINTS == 0:
                row["points"] = "4"
            row["expected_points"] = float(row["points"] or points)
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("class")
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["exercise"]["points"] = {target: points for target, (_, points) in TARGETS.items()}
    (folder / "hw.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    rows = plan()
    with open(folder / "answers.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["student", "file", "target", "answer", "points"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return folder, rows


def read_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_a_class_graded_in_one_batch(classroom):
    folder, rows = classroom
    code, out, err = run_cli(["grade", "--batch", folder / "answers.csv", "--stats"])
    assert code == 0, err
    lines = read_lines(out)
    graded, statistics, totals = lines[:-2], lines[-2], lines[-1]
    assert len(graded) == len(rows) == STUDENTS * 6
    # one line per row, in input order, each a bpcli.grade/1 result with the row's fields
    for row, result in zip(rows, graded):
        assert (result["schema"], result["student"], result["target"]) == ("bpcli.grade/1", row["student"], row["target"])
        assert result["correct"] == (row["kind"] == "right")
        assert result["points"] == row["expected_points"]
        assert result["score"] == (row["expected_points"] if row["kind"] == "right" else 0)
        code_expected = KINDS[row["kind"]][1]
        if code_expected is not None:
            assert result["diagnosis"] == [code_expected], (row, result["message"])
        if row["kind"] == "unreadable":
            expected_error = "invalid_row" if row["answer"] == "" else "invalid_answer"
            assert result["error"]["code"] == expected_error and not result["correct"]
    # per-student totals: the points of the one right answer, out of all the student's points,
    # those of the exercise's targets no row answers included (db2, which the plan leaves out)
    assert totals["schema"] == "bpcli.grade-totals/1"
    left_out = [target for target in yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))["exercise"]["targets"]
                if target not in TARGETS]
    assert left_out == ["db2"]  # worth 1: the classroom's points name only the targets asked
    expected_totals = {}
    for row in rows:
        total = expected_totals.setdefault(row["student"], {"score": 0.0, "max_score": float(len(left_out)),
                                                            "correct": 0})
        total["max_score"] += row["expected_points"]
        if row["kind"] == "right":
            total["score"] += row["expected_points"]
            total["correct"] += 1
    assert [entry["student"] for entry in totals["students"]] == list(expected_totals)
    for entry in totals["students"]:
        expected = expected_totals[entry["student"]]
        assert (entry["score"], entry["max_score"], entry["correct"], entry["answers"], entry["unanswered"]) == (
            expected["score"], expected["max_score"], expected["correct"], 6, len(left_out))
    # the statistics: per target, how many answers of each kind the plan put there
    assert statistics["schema"] == "bpcli.grade-stats/1"
    by_target = {entry["target"]: entry for entry in statistics["targets"]}
    assert list(by_target) == list(TARGETS)
    for target in TARGETS:
        kinds = Counter(row["kind"] for row in rows if row["target"] == target)
        entry = by_target[target]
        assert entry["answers"] == sum(kinds.values()) and entry["correct"] == kinds["right"]
        assert entry["diagnoses"] == {KINDS[kind][1]: count for kind, count in kinds.items()
                                      if KINDS[kind][1] is not None}
        unreadable = [row for row in rows if row["target"] == target and row["kind"] == "unreadable"]
        expected_errors = Counter("invalid_row" if row["answer"] == "" else "invalid_answer" for row in unreadable)
        assert entry["errors"] == dict(expected_errors)


def test_the_same_class_as_a_gradescope_results_file(classroom):
    folder, rows = classroom
    results = folder / "results.json"
    code, out, err = run_cli(["grade", "--batch", folder / "answers.csv", "--format", "gradescope", "--output", results])
    assert code == 0 and out == "", err
    document = json.loads(results.read_text(encoding="utf-8"))
    # Gradescope's documented results.json: top-level score, output, extra_data, tests; each
    # test a name, score, max_score, status (passed / failed) and output
    assert set(document) <= {"score", "execution_time", "output", "visibility", "stdout_visibility", "extra_data",
                             "tests", "leaderboard"}
    tests = document["tests"]
    assert len(tests) == len(rows)
    for row, test in zip(rows, tests):
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
                             "output_format", "tags", "visibility", "extra_data"}
        assert isinstance(test["name"], str) and row["student"] in test["name"] and row["target"] in test["name"]
        assert test["max_score"] == row["expected_points"]
        assert test["score"] == (row["expected_points"] if row["kind"] == "right" else 0)
        assert test["status"] == ("passed" if row["kind"] == "right" else "failed")
        assert isinstance(test["output"], str) and test["output"]
    expected_sum = sum(row["expected_points"] for row in rows if row["kind"] == "right")
    assert document["score"] == pytest.approx(expected_sum) == sum(test["score"] for test in tests)


def test_json_lines_give_the_same_grades_as_csv(classroom, tmp_path):
    folder, rows = classroom
    answers = folder / "answers.jsonl"
    with open(answers, "w", encoding="utf-8") as handle:
        for row in rows[:12]:
            record = {key: row[key] for key in ("student", "file", "target", "answer")}
            if row["points"]:
                record["points"] = float(row["points"])
            handle.write(json.dumps(record) + "\n")
        handle.write("{not json\n")   # a line that cannot be read: graded as an error, the batch goes on
        handle.write('["a list"]\n')
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    lines = read_lines(out)
    assert [line["correct"] for line in lines[:12]] == [row["kind"] == "right" for row in rows[:12]]
    assert lines[12]["error"]["code"] == "invalid_row" and lines[13]["error"]["code"] == "invalid_row"
    assert lines[-1]["schema"] == "bpcli.grade-totals/1" and lines[-1]["rows"] == 14


def test_a_csv_saved_with_semicolons_gives_the_same_grades(classroom):
    """A spreadsheet where the decimal mark is a comma (German, French, …) saves CSV with ';'
    between fields, quoting a field that holds one ('1 2; 3 4'); the commas of an answer's
    brackets are then its own. Written here with csv's own writer and delimiter."""
    folder, rows = classroom
    answers = folder / "semicolons.csv"
    with open(answers, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["student", "file", "target", "answer", "points"], delimiter=";",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows[:12])
        writer.writerow({"student": "s99", "file": "hw.yaml", "target": "db1", "answer": "0 ; 0", "points": ""})
    assert ";" in answers.read_text(encoding="utf-8").splitlines()[0]
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    lines = read_lines(out)
    for line, row in zip(lines[:12], rows[:12]):
        assert (line["student"], line["target"]) == (row["student"], row["target"])
        code = KINDS[row["kind"]][1]
        if row["kind"] == "unreadable":
            assert "error" in line and line["score"] == 0, line
        else:
            assert line["correct"] == (row["kind"] == "right") and line["diagnosis"] == ([code] if code else []), line
            assert line["points"] == row["expected_points"]
    assert lines[12]["student"] == "s99" and lines[12]["answer_shape"] == [2, 1]  # "0 ; 0": two rows


@pytest.mark.parametrize("separator", [";", ","])
def test_excels_sep_line_names_the_separator_and_is_not_the_header(classroom, separator):
    """Excel reads a first line 'sep=;' as the file's separator, not as data, and a teacher (or an
    export) writes one so the file opens in columns in any locale; saved as Excel saves it, with a
    byte order mark and CRLF line ends. Its rows are graded as the plan says, and messages count
    the file's lines, the sep= line included."""
    folder, rows = classroom
    answers = folder / f"excel-sep{'semicolon' if separator == ';' else 'comma'}.csv"
    with open(answers, "w", newline="", encoding="utf-8-sig") as handle:
        handle.write(f"sep={separator}\r\n")
        writer = csv.DictWriter(handle, ["student", "file", "target", "answer", "points"], delimiter=separator,
                                extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows[:12])
        writer.writerow({"student": "s99", "file": "hw.yaml", "target": "db1", "answer": "", "points": ""})
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    lines = read_lines(out)
    assert len(lines) == 12 + 1 + 1  # the rows, the empty answer's row, the totals
    for line, row in zip(lines[:12], rows[:12]):
        assert (line["student"], line["target"]) == (row["student"], row["target"])
        if row["kind"] == "unreadable":
            assert "error" in line and line["score"] == 0, line
        else:
            assert line["correct"] == (row["kind"] == "right"), line
    # line 1 is sep=, line 2 the header, lines 3 … 14 the plan's rows: the empty answer is on line 15
    assert lines[12]["error"]["code"] == "invalid_row" and lines[12]["message"].startswith("line 15:"), lines[12]


@pytest.mark.parametrize("content, words, chinese", [
    (b"sep=\t\r\nstudent\tfile\ttarget\tanswer\r\ns1\t04\tdW2\t1\r\n",
     "line 1: this line, Excel's sep= line, asks for fields separated by '\\t'", "第 1 行: 这一行是 Excel 的 sep= 行"),
    (b"sep=;\r\n", "the answers file has no rows", "没有任何一行"),
    (b"sep=;\r\nstudent;file;target;answr\r\ns1;04;dW2;1\r\n", "line 2: the CSV header must name", "第 2 行: CSV 表头"),
])
def test_a_sep_line_bpcli_cannot_follow_or_with_nothing_after_it_is_an_unreadable_file(tmp_path, content, words,
                                                                                        chinese):
    answers = tmp_path / "answers.csv"
    answers.write_bytes(content)
    for lang, expected in (("en", words), ("zh", chinese)):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        assert code == 2 and out == "" and expected in err, err
        assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("lang, comma, semicolon", [("en", "comma", "semicolon"), ("zh", "逗号", "分号")])
def test_a_row_split_by_an_unquoted_separator_names_the_files_own(tmp_path, lang, comma, semicolon):
    """'1 2; 3 4' typed unquoted in a CSV with ';' between fields is split into one field too
    many: the answer to quote is one with a semicolon in it, not (as in a comma CSV) a comma."""
    for separator, own, other in ((";", semicolon, comma), (",", comma, semicolon)):
        answers = tmp_path / "answers.csv"
        answer = "1 2; 3 4" if separator == ";" else "np.dot(dZ1, X.T)"
        answers.write_text(separator.join(["student", "file", "target", "answer"]) + "\n"
                           + separator.join(["s1", "04", "dW1", answer]) + "\n", encoding="utf-8")
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        assert code == 0, err
        line = read_lines(out)[0]
        assert line["error"]["code"] == "invalid_row" and "5" in line["message"], line
        assert own in line["message"] and other not in line["message"], line


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_spreadsheets_empty_row_of_separators_is_a_blank_line(tmp_path, separator):
    """A spreadsheet saves an empty row of its sheet as separators only (',,,,'): like a blank
    line it is no row, so no student without a name joins the totals, and the rows after it keep
    their numbers."""
    answers = tmp_path / "answers.csv"
    empty_row = separator * 4
    answers.write_text("\r\n".join([separator.join(["student", "file", "target", "answer", "points"]),
                                     separator.join(["s1", "04", "dW2", "dZ2 @ A1.T", ""]), empty_row,
                                     separator.join([" ", "", "  ", "", ""]),
                                     separator.join(["s2", "04", "dW2", "(dZ2 @ A1.T", ""])]) + "\r\n",
                       encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    lines = read_lines(out)
    graded, totals = lines[:-1], lines[-1]
    assert [(line["student"], line["row"]) for line in graded] == [("s1", 1), ("s2", 2)]
    assert graded[1]["error"]["code"] == "invalid_answer"
    assert [entry["student"] for entry in totals["students"]] == ["s1", "s2"] and totals["rows"] == 2


def test_points_with_a_decimal_comma_are_read_in_a_semicolon_csv_only(tmp_path):
    """A spreadsheet saves CSV with ';' between fields where the decimal mark is a comma, and
    writes 1.5 points as '1,5' there: graded with 1.5 points, not refused (a right answer scored
    0). In a ',' file a quoted '1,5' is no such number and is still refused."""
    answers = tmp_path / "answers.csv"
    right = "dZ2 @ A1.T"
    answers.write_text("student;file;target;answer;points\n"
                       f"s1;04;dW2;{right};1,5\ns1;04;dZ2;(A2 - Y) / m; 0,25 \ns1;04;db2;A2;2\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    graded = read_lines(out)[:-1]
    assert [(line["points"], line["score"]) for line in graded] == [(1.5, 1.5), (0.25, 0.25), (2.0, 0.0)]
    answers.write_text(f'student,file,target,answer,points\ns1,04,dW2,{right},"1,5"\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0 and read_lines(out)[0]["error"]["code"] == "invalid_points", out


def test_a_semicolon_header_with_a_typo_is_told_the_column_it_lacks(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student;file;target;answr\ns1;04;dW2;1\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 2 and out == ""
    assert "answer missing, found student, file, target, answr" in err, err


def test_rows_name_files_relative_to_the_answers_or_bundled_exercises(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "net.yaml").write_text(EXERCISE.read_text(encoding="utf-8"), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\n"
                       "a,sub/net.yaml,dW1,dZ1 @ X.T\n"
                       "a,04,dW1,dZ1 @ X.T\n"
                       "a,nowhere.yaml,dW1,dZ1 @ X.T\n"
                       "a,04,dQ7,1\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0 and [line["correct"] for line in lines[:4]] == [True, True, False, False]
    assert lines[2]["error"]["code"] == "file_not_found" and lines[3]["error"]["code"] == "invalid_target"


def test_each_network_file_is_loaded_once(classroom, monkeypatch):
    from bpcli import spec
    from bpcli.grading.batch import grade_batch, read_answers

    folder, rows = classroom
    loads = []
    real = spec.parse_yaml
    monkeypatch.setattr(spec, "parse_yaml", lambda text, label=None: loads.append(label) or real(text, label))
    batch = grade_batch(read_answers(str(folder / "answers.csv")), str(folder))
    assert len(batch.rows) == len(rows) and loads == ["hw.yaml"]


@pytest.mark.parametrize("content, words, chinese", [
    (None, "no such file", "没有这个文件"),
    (b"", "no rows", "没有任何一行"),
    (b"student,file,target,answer\n", "no rows", "没有任何一行"),  # a header alone
    (b"\xff\xfe\x00\x01binary", "UTF-8", "不是 UTF-8 文本"),
    (b"name,file,target,answer\nx,04,dW1,1\n", "line 1: the CSV header must name the columns student",
     "第 1 行: CSV 表头必须包含 student"),
])
def test_an_answers_file_that_cannot_be_read_exits_2_in_the_batchs_language(tmp_path, content, words, chinese):
    answers = tmp_path / "answers.csv"
    if content is not None:
        answers.write_bytes(content)
    for lang, expected in (("en", words), ("zh", chinese)):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        assert code == 2 and expected in err and out == "" and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1


def test_a_json_file_without_a_single_answer_is_no_answers_file(tmp_path):
    """`bpcli grade --batch hw/key.json` (the key a class set writes), or any {"a": 1} file, was
    read as JSON Lines: one invalid_row for student "" and exit 0, where a CSV whose header lacks
    the columns exits 2. A file with no answer row at all now exits 2 saying what it holds; a file
    with some answer rows (and some bad lines) is graded as before."""
    from bpcli.grading.batch import REQUIRED_FIELDS
    from test_grade import english_words

    code, _, err = run_cli(["variant", "04", "--count", "2", "--out", tmp_path / "set"])
    assert code == 0, err
    key = tmp_path / "set" / "key.json"
    code, out, err = run_cli(["grade", "--batch", key])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert str(key) in err and "key" in err.replace(str(key), "") and "Traceback" not in err, err

    not_answers = tmp_path / "settings.json"
    not_answers.write_text('{"favourite_colour": "blue"}\n[1, 2]\n', encoding="utf-8")
    for lang in ("en", "zh"):
        code, out, err = run_cli(["grade", "--batch", not_answers, "--lang", lang])
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert "favourite_colour" in err and all(name in err for name in REQUIRED_FIELDS), err
    said = err.removeprefix(f"bpcli: error: {not_answers}: ").replace('"favourite_colour"', "")
    assert english_words(said) == [], said

    answer = json.dumps({"student": "s1", "file": "04", "target": "dZ2", "answer": "(A2 - Y) / m"})
    some_answers = tmp_path / "some.json"
    some_answers.write_text(f'{{"favourite_colour": "blue"}}\n{answer}\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", some_answers])
    graded = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [row.get("correct") for row in graded[:2]] == [False, True], err


def test_an_empty_answers_path_is_said_to_be_empty():
    """`bpcli grade --batch "$ANSWERS"` with ANSWERS unset said only 'no such file', naming nothing."""
    from test_grade import english_words

    said = {}
    for lang in ("en", "zh"):
        code, out, err = run_cli(["grade", "--batch", "", "--lang", lang])
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert "--batch" in err and "Traceback" not in err, err
        said[lang] = err.removeprefix("bpcli: error: ")
    assert "empty" in said["en"] and english_words(said["zh"]) == [], said


def test_a_csv_excel_saved_in_its_code_page_is_told_how_to_save_it_in_utf8(tmp_path):
    """Excel's plain 'CSV' is saved in the computer's code page (José in cp1252): the file is CSV
    with a header, so the message says which encoding to choose, not only 'write it as CSV'."""
    answers = tmp_path / "answers.csv"
    answers.write_bytes("student,file,target,answer\r\nJosé,04,dW2,dZ2 @ A1.T\r\n".encode("cp1252"))
    for lang, expected in (("en", "CSV UTF-8"), ("zh", "CSV UTF-8")):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        assert code == 2 and out == "" and expected in err, err


def test_a_directory_given_as_answers_is_not_called_a_network_file(tmp_path):
    """A teacher gives the folder of submissions instead of the answers file: the message says
    it is no answers file (it said 'not a network file', which --batch was not given)."""
    for lang, expected, wrong in (("en", "not an answers file", "network file"), ("zh", "不是答案文件", "网络文件")):
        code, out, err = run_cli(["grade", "--batch", tmp_path, "--lang", lang])
        assert code == 2 and out == "" and expected in err and wrong not in err, err
        assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["04", "--batch", "x.csv"], ["04", "--stats", "-t", "dW1", "-a", "1"],
                                  ["04", "-t", "dW1"]])
def test_batch_options_are_checked(args):
    code, out, err = run_cli(["grade", *args])
    assert code == 2 and "Traceback" not in err


def test_points_and_scores_are_floats_wherever_they_come_from(tmp_path):
    """A strict reader types a field by its first value; Gradescope documents results.json's scores
    as floats (44.0, 2.0). Points written 2 in an exercise's section, given as a whole number in a
    JSON Lines row, or left to their default come out as floats, right or wrong, readable or not."""
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["exercise"]["points"] = {"dW2": 2}    # a whole number in the file; the other targets get 1
    (tmp_path / "hw.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    del document["exercise"]                       # no exercise section: every target is worth 1
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    rows = [{"student": "s1", "file": "hw.yaml", "target": "dW2", "answer": "dZ2 @ A1.T"},          # right, 2
            {"student": "s1", "file": "hw.yaml", "target": "db2", "answer": "-(dZ2.sum())"},         # wrong, 1
            {"student": "s1", "file": "hw.yaml", "target": "dZ2", "answer": "(A2 - Y) / m", "points": 3},
            {"student": "s2", "file": "plain.yaml", "target": "dW1", "answer": "dZ1 @ X.T"},
            {"student": "s2", "file": "hw.yaml", "target": "dW1", "answer": "(dZ1 @ X.T"}]         # unreadable
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    lines = read_lines(out)
    numbers = [(line[key], f"row {line['row']} {key}") for line in lines[:-1] for key in ("points", "score")]
    totals = lines[-1]
    numbers += [(totals[key], f"totals {key}") for key in ("score", "max_score")]
    numbers += [(entry[key], f"{entry['student']} {key}") for entry in totals["students"] for key in ("score", "max_score")]
    assert [line["points"] for line in lines[:-1]] == [2, 1, 3, 1, 1]
    assert [where for value, where in numbers if type(value) is not float] == []

    code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope"])
    assert code == 0, err
    results = json.loads(out)
    numbers = [(results["score"], "score")]
    numbers += [(test[key], f"{test['name']} {key}") for test in results["tests"] for key in ("score", "max_score")]
    assert [where for value, where in numbers if type(value) is not float] == []


def test_json_with_batch_changes_nothing_and_its_help_says_so(classroom):
    """--json is accepted with --batch (a batch's output is JSON anyway): the output is the same
    byte for byte, and the option's help does not promise one result object."""
    import inspect

    from bpcli.commands.grade import grade_command

    folder, _ = classroom
    for extra in ([], ["--format", "gradescope"]):
        plain = run_cli(["grade", "--batch", folder / "answers.csv", *extra])
        assert plain[0] == 0 and run_cli(["grade", "--batch", folder / "answers.csv", "--json", *extra]) == plain
    help_text = inspect.signature(grade_command).parameters["json_output"].default.help
    assert "batch" in help_text


def test_bad_points_are_an_error_of_the_row(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer,points\na,04,dW1,dZ1 @ X.T,-1\na,04,dW1,dZ1 @ X.T,2.5\n",
                       encoding="utf-8")
    code, out, _ = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0 and lines[0]["error"]["code"] == "invalid_points"
    assert lines[1]["correct"] and lines[1]["score"] == 2.5 and lines[-1]["students"][0]["score"] == 2.5



def test_points_too_large_for_a_float_are_an_error_of_the_row(tmp_path):
    """JSON points 1 followed by 400 zeros (a Python int, beyond any float) stopped the whole batch
    with an internal error, exit 70; it is the row's invalid_points, as -1 or 'abc' are."""
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"student": "a", "file": "04", "target": "dW1", "answer": "dZ1 @ X.T", "points": 1%s}\n'
                       '{"student": "b", "file": "04", "target": "dW1", "answer": "dZ1 @ X.T", "points": 2}\n'
                       % ("0" * 400), encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0 and "Traceback" not in err, err
    assert lines[0]["error"]["code"] == "invalid_points" and lines[1]["correct"] and lines[1]["score"] == 2
    # quoted short, as a message quotes any input (it held all 401 digits)
    assert "found 1000" in lines[0]["message"] and "…" in lines[0]["message"], lines[0]["message"]
    assert len(lines[0]["message"]) < 200, lines[0]["message"]
# -- bpcli.grade ---------------------------------------------------------------------------------------

def test_grade_in_the_python_api():
    right = bpcli.grade(EXERCISE, "dW1", "dZ1 @ X.T")
    assert right.correct and right.diagnosis == [] and right.to_dict()["schema"] == "bpcli.grade/1"
    network = bpcli.load(EXERCISE)
    values = bpcli.compute(EXERCISE)["layers"][0]["dW"]
    for spec in (str(EXERCISE), "04", yaml.safe_load(EXERCISE.read_text(encoding="utf-8")), network):
        wrong = bpcli.grade(spec, "dW1", values.T)
        assert not wrong.correct and wrong.diagnosis == ["transposed"] and "transposed" in wrong.message
    marked = bpcli.grade("04", "dW1", [[1, 2], [3, 4], [5, 6]], lang="zh")
    assert marked.diagnosis == ["entries"] and len(marked.wrong_entries) == 6
    assert "还不对" in marked.message and marked.to_dict()["wrong_entries"] == marked.wrong_entries
    # the message names the wrong entries; a drawing of the answer marks them (the HTML below)
    assert "已标出" not in marked.message and "已标出" in marked.message_in("zh", marks_shown=True)
    html = marked._repr_html_()
    assert html.count("#ffebe9") == 6 and "<table" in html and "还不对" in html


def test_grade_in_the_python_api_raises_typed_errors():
    with pytest.raises(AnswerError):
        bpcli.grade("04", "dW1", "dZ1 @@ X")
    with pytest.raises(UsageError):
        bpcli.grade("04", "dQ1", "1")
    with pytest.raises(UsageError):
        bpcli.grade("04", "dW1", "1", rtol=2)
    with pytest.raises(SpecError):
        bpcli.grade({"input": {}}, "dW1", "1")


def test_single_grade_json_carries_the_schema():
    code, out, _ = run_cli(["grade", "04", "-t", "dW1", "-a", "dZ1 @ X.T", "--json"])
    assert code == 0 and json.loads(out)["schema"] == "bpcli.grade/1"


def test_a_row_that_cannot_be_read_is_named_by_its_number_in_gradescope(tmp_path):
    """Its student, target and file are unknown: the test was named ':  ()'."""
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"student": "a", "file": "04", "target": "dW2", "answer": "1"}\nnot json\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope"])
    assert code == 0, err
    results = json.loads(out)
    assert [test["name"] for test in results["tests"]] == ["a: dW2 (04)", "(no student named): row 2"]
    assert results["output"].splitlines()[1].startswith("(no student named): 0 of")


def test_a_csv_header_in_any_case_is_read(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("Student,FILE,Target,Answer\na,04,dW2,1\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    first = json.loads(out.splitlines()[0])
    assert first["student"] == "a" and first["target"] == "dW2"


def test_the_output_is_never_a_network_file_the_answers_name(tmp_path):
    """`--output hw1.yaml` replaced the homework file the batch had just read with the grades."""
    (tmp_path / "hw1.yaml").write_text(EXERCISE.read_text(encoding="utf-8"), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\nana,hw1.yaml,dW2,1\n", encoding="utf-8")
    before = (tmp_path / "hw1.yaml").read_bytes()
    for output in (tmp_path / "hw1.yaml", tmp_path / "link.yaml"):
        if output.name == "link.yaml":
            output.symlink_to(tmp_path / "hw1.yaml")
        code, out, err = run_cli(["grade", "--batch", answers, "--output", output])
        assert (code, out) == (2, ""), err
        assert f"--output {output} is a network file the answers name (" in err and err.count("\n") == 1
        assert (tmp_path / "hw1.yaml").read_bytes() == before
    code, _, err = run_cli(["grade", "--batch", answers, "--output", tmp_path / "grades.jsonl"])
    assert code == 0 and (tmp_path / "grades.jsonl").read_text(encoding="utf-8").startswith("{"), err


def test_an_exercise_section_is_checked_as_the_other_commands_check_it(tmp_path):
    """`points: {dW1: two}` in the network file blamed the answers file ("points must be a
    number", naming neither), and a typo in the section was graded with default points."""
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["exercise"] = {"targets": ["dW1"], "points": {"dW1": "two"}}
    (tmp_path / "hw.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    document["exercise"] = {"targets": ["dW1"], "points": {"dW1": 3}}
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\nana,hw.yaml,dW1,dZ1 @ X.T\nana,good.yaml,dW1,dZ1 @ X.T\n",
                       encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    bad, good = read_lines(out)[:2]
    assert code == 0, err
    assert "hw.yaml: exercise.points.dW1: points must be a number" in bad["error"]["message"]
    assert good["correct"] and good["points"] == 3 and good["score"] == 3


def test_rows_cut_by_an_unquoted_comma_and_json_lines_are_named_by_their_place(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text('student,file,target,answer,points\nana,04,dW1,np.dot(dZ1, X.T),\n'
                       'bo,04,dW1,"np.dot(dZ1, X.T)",\n', encoding="utf-8")
    code, out, _ = run_cli(["grade", "--batch", answers])
    cut, quoted = read_lines(out)[:2]
    assert cut["error"]["code"] == "invalid_row" and "6 fields where the header has 5" in cut["message"]
    assert quoted["correct"]
    lines = tmp_path / "answers.jsonl"
    lines.write_text('{"student": "a", "file": "04", "target": "dW1", "answer": "dZ1 @ X.T"}\n\n'
                     '{"student": "b", "file": "04", "target": "dW1"}\n', encoding="utf-8")
    code, out, _ = run_cli(["grade", "--batch", lines])
    first, second = read_lines(out)[:2]
    # the second data row, on the file's third line
    assert (first["row"], second["row"]) == (1, 2) and second["error"]["code"] == "invalid_row"
    assert second["message"].startswith("line 3: ")


def test_a_bad_network_file_is_named_with_its_place_in_the_batchs_language(tmp_path):
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["layers"][1]["W"] = [[1.0], [2.0], [3.0]]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\na,nowhere.yaml,dW1,1\na,bad.yaml,dW1,1\n", encoding="utf-8")
    for lang, missing, bad in (("en", "nowhere.yaml: no such file, nor a bundled exercise",
                                "bad.yaml: layers[1].W: W of layer 2"),
                               ("zh", "nowhere.yaml: 没有这个文件，也没有这个名字的内置练习", "bad.yaml: layers[1].W: 第 2 层 W 的维度")):
        code, out, _ = run_cli(["grade", "--batch", answers, "--lang", lang])
        rows = read_lines(out)
        assert code == 0 and rows[0]["error"]["code"] == "file_not_found" and missing in rows[0]["message"], rows[0]
        assert rows[1]["error"]["code"] == "shape_mismatch" and rows[1]["message"].startswith(bad), rows[1]


def test_a_student_named_with_spaces_around_is_one_student(tmp_path):
    """'s01' and 's01 ' (a spreadsheet keeps the space) were two students, in the totals and in
    Gradescope's output; file and target were trimmed already."""
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\ns01,04,dW1,dZ1 @ X.T\ns01 ,04,db1,1\n  s01,04,dW2,1\n",
                       encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [line["student"] for line in lines[:3]] == ["s01"] * 3
    assert [(entry["student"], entry["answers"]) for entry in lines[-1]["students"]] == [("s01", 3)]
    code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope"])
    results = json.loads(out)
    assert code == 0 and len(results["output"].splitlines()) == 1 and results["output"].startswith("s01: 1 of ")
    # one student: the tests are not prefixed with a student's name
    assert [test["name"] for test in results["tests"]] == ["dW1 (04)", "db1 (04)", "dW2 (04)"]


def test_a_quote_never_closed_costs_its_row_only(tmp_path):
    """A CSV row whose quote is never closed swallowed every later row into its answer: one result,
    totals "rows": 1, nothing said. Now that row is an error and the lines after it are rows."""
    answers = tmp_path / "uq3.csv"
    answers.write_text('student,file,target,answer\n'
                       's01,04,dW1,"dZ1 @ X\n'
                       's02,04,dW1,dZ1 @ X.T\n'
                       's03,04,dW1,dZ1 @ X.T\n', encoding="utf-8")
    for lang, words in (("en", "never closed"), ("zh", "没有闭合")):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        lines = read_lines(out)
        assert code == 0, err
        assert [(line["student"], line["row"], line["correct"]) for line in lines[:-1]] == [
            ("s01", 1, False), ("s02", 2, True), ("s03", 3, True)]
        assert lines[0]["error"]["code"] == "invalid_row" and words in lines[0]["message"], lines[0]
        assert lines[-1]["rows"] == 3 and [entry["student"] for entry in lines[-1]["students"]] == ["s01", "s02", "s03"]


def test_a_quote_closed_by_a_later_rows_quote_costs_its_row_only(tmp_path):
    """Answers with commas are quoted, so an unclosed quote usually meets a later row's opening
    quote: the csv module then reads every row between as one answer, and those students were
    lost without a word (s02, s03 here). Lines that are rows of their own give it away."""
    answers = tmp_path / "answers.csv"
    answers.write_text('student,file,target,answer,points\n'
                       's01,04,dW1,"dZ1 @ X,2\n'
                       's02,04,dW1,dZ1 @ X.T,2\n'
                       's03,04,db1,"sum(dZ1, axis=1, keepdims=True)",1\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [(line["student"], line["row"], line["correct"]) for line in lines[:-1]] == [
        ("s01", 1, False), ("s02", 2, True), ("s03", 3, True)]
    assert lines[0]["error"]["code"] == "invalid_row" and "never closed" in lines[0]["message"]
    # a list typed over lines keeps its commas and stays one row: no line of it is a row
    answers.write_text('student,file,target,answer,points\n'
                       's01,04,db1,"[[-0.0478],\n [0.0375], [-0.0945],\n [0]]",1\n'
                       's02,04,dW1,dZ1 @ X.T,2\n', encoding="utf-8")
    lines = read_lines(run_cli(["grade", "--batch", answers])[1])
    assert [(line["student"], line["row"]) for line in lines[:-1]] == [("s01", 1), ("s02", 2)]
    assert [line.get("error", {}).get("code") for line in lines[:-1]] != ["invalid_row", None]
    assert "error" not in lines[1]


def test_a_quoted_answer_over_several_lines_is_still_one_row(tmp_path):
    """A spreadsheet's multi-line cell is legal CSV: quoted, with new lines inside, closed. A
    formula broken outside brackets (s05) is one formula too: it was refused as invalid syntax."""
    answers = tmp_path / "answers.csv"
    answers.write_bytes(b'student,file,target,answer\r\n'
                        b's01,04,dW1,"(dZ1 @\r\n X.T)"\r\n'
                        b's02,04,db1,"sum(dZ1,\n axis=1,\n keepdims=True)"\n'
                        b's03,04,dW1,"say ""hi""\n and go on"\n'
                        b's04,04,dW1,dZ1 @ X.T\n'
                        b's05,04,dW1,"dZ1 @\r\nX.T"\r\n')
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [(line["student"], line["row"], line["correct"]) for line in lines[:-1]] == [
        ("s01", 1, True), ("s02", 2, True), ("s03", 3, False), ("s04", 4, True), ("s05", 5, True)]
    assert lines[2]["error"]["code"] == "invalid_answer" and lines[-1]["rows"] == 5


def test_a_header_whose_quote_is_never_closed_is_an_unreadable_file(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text('student,file,target,"answer\ns01,04,dW1,dZ1 @ X.T\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert (code, out) == (2, "") and "line 1: cannot read the CSV: a quote" in err and "never closed" in err, err


def test_a_very_long_answer_in_a_csv_is_an_error_of_its_row(tmp_path):
    """A field over csv's default limit (131,072 characters) rejected the whole class, exit 2.
    A long answer is graded; one over the answer limit gets the error JSON Lines gives it."""
    import csv as csv_module

    long_answer = "1 " * 100_000            # 200,000 characters: 100,000 numbers, the wrong shape
    too_long = "1 " * 2_600_000             # 5,200,000 characters, over the limit of 5,000,000
    answers = tmp_path / "answers.csv"
    answers.write_text(f"student,file,target,answer\ns01,04,dW1,dZ1 @ X.T\ns02,04,dW1,{long_answer}\n"
                       f"s03,04,dW1,{too_long}\ns04,04,dW1,dZ1 @ X.T\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [line["student"] for line in lines[:-1]] == ["s01", "s02", "s03", "s04"]
    assert lines[0]["correct"] and lines[3]["correct"]
    assert lines[1]["diagnosis"] == ["shape"] and "error" not in lines[1]
    assert lines[2]["error"] == {"code": "invalid_answer",
                                 "message": "the answer is 5,200,000 characters long; the limit is 5,000,000"}
    as_json_lines = tmp_path / "answers.jsonl"
    as_json_lines.write_text(json.dumps({"student": "s03", "file": "04", "target": "dW1", "answer": too_long}) + "\n",
                             encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", as_json_lines])
    assert code == 0 and read_lines(out)[0]["error"] == lines[2]["error"], err
    # the csv module's limit is the whole process's: a library user finds it as it was
    from bpcli.grading.batch import read_answers

    before = csv_module.field_size_limit()
    assert len(read_answers(str(answers))) == 4 and csv_module.field_size_limit() == before


def test_row_is_the_data_rows_number_and_messages_name_the_line(tmp_path):
    """JSON Lines numbered rows by line, blank lines included (11 → 13 after a blank line, the
    last row 14 where the totals said 13 rows); CSV counted data rows, as the README says. Both
    count data rows now, and a message about the file names the line a teacher looks for."""
    good = json.dumps({"student": "a", "file": "04", "target": "dW1", "answer": "dZ1 @ X.T"})
    answers = tmp_path / "answers.jsonl"
    # lines 1-11 rows 1-11, line 12 blank, line 13 (row 12) not JSON, line 14 (row 13) good
    answers.write_text("\n".join([good] * 11 + ["", "{not json", good]) + "\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [line["row"] for line in lines[:-1]] == list(range(1, 14)) and lines[-1]["rows"] == 13
    assert lines[11]["error"]["code"] == "invalid_row"
    assert lines[11]["message"].startswith("line 13, column 2: this line is not a JSON object: ")
    code, out, err = run_cli(["grade", "--batch", answers, "--lang", "zh"])
    assert read_lines(out)[11]["message"].startswith("第 13 行第 2 列: ")
    # CSV: row 2's answer takes lines 3 and 4, so row 3 (cut by an unquoted comma) is on line 5,
    # and row 4, after a blank line, is on line 7
    table = tmp_path / "answers.csv"
    table.write_text('student,file,target,answer\na,04,dW1,dZ1 @ X.T\nb,04,dW1,"(dZ1\n @ X.T)"\n'
                     'c,04,dW1,np.dot(dZ1, X.T)\n\nd,04,dW1,\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", table])
    lines = read_lines(out)
    assert code == 0, err
    assert [(line["student"], line["row"]) for line in lines[:-1]] == [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
    assert lines[2]["message"].startswith("line 5: this row has 5 fields where the header has 4")
    assert lines[3]["message"] == "line 7: this row has no answer"


@pytest.mark.parametrize("depth", [150, 3000, 100_000])
def test_an_answer_nested_thousands_deep_costs_its_row_only(tmp_path, depth):
    """'"answer": [[[[…3000 deep…]]]]' ended the batch with exit 70 (RecursionError while decoding).
    150 deep decodes, but str, repr and json.dumps of it would recurse later: refused as read."""
    good = json.dumps({"student": "a", "file": "04", "target": "dW1", "answer": "dZ1 @ X.T"})
    deep = '{"student": "b", "file": "04", "target": "dW1", "answer": ' + "[" * depth + "1" + "]" * depth + "}"
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join([good, deep, good]) + "\n", encoding="utf-8")
    for lang, words in (("en", "more than 100 deep"), ("zh", "嵌套超过 100 层")):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        assert code == 0 and "Traceback" not in err, err
        lines = read_lines(out)
        assert [line["correct"] for line in lines[:-1]] == [True, False, True] and lines[-1]["rows"] == 3
        assert lines[1]["error"]["code"] == "invalid_row" and words in lines[1]["message"], lines[1]


def test_a_deeply_nested_list_answer_through_the_api_is_an_answer_error():
    """Not a RecursionError: the API's caller catches AnswerError for an answer it cannot read."""
    for depth in (3000, 100_000):
        answer = [1.0]
        for _ in range(depth):
            answer = [answer]
        with pytest.raises(AnswerError):
            bpcli.grade("04", "dW1", answer)


def test_a_row_that_cannot_be_read_is_worth_its_targets_points(tmp_path):
    """Points 'abc' or -1, or a row cut by an unquoted comma, made dW1 worth 1 where the exercise
    gives it 3 (a row without an answer had 3): one student's maximum was lower than another's
    for the same assignment. When the row's file and target are known, they are worth 3."""
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["exercise"].update(targets=["dW1"], points={"dW1": 3}, hints={})
    (tmp_path / "hw.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer,points\n"
                       "s01,hw.yaml,dW1,dZ1 @ X.T,\n"                            # right: 3 of 3
                       "s02,hw.yaml,dW1,dZ1 @ X.T,abc\n"
                       "s03,hw.yaml,dW1,dZ1 @ X.T,-1\n"
                       "s04,hw.yaml,dW1,sum(dZ1, axis=1, keepdims=True),\n"      # 7 fields, not 5
                       "s05,hw.yaml,dW1,0.5, 1, 2,\n"                            # its points column says ' 1'
                       "s06,hw.yaml,dW1,,\n"                                     # no answer
                       's07,hw.yaml,dW1,"dZ1 @ X\n', encoding="utf-8")           # a quote never closed
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [line["error"]["code"] for line in lines[1:-1]] == ["invalid_points", "invalid_points", "invalid_row",
                                                               "invalid_row", "invalid_row", "invalid_row"]
    assert [line["points"] for line in lines[:-1]] == [3] * 7
    assert [entry["max_score"] for entry in lines[-1]["students"]] == [3] * 7
    # a row whose file and target are unknown is worth 1; a file that does not load gives no points
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{not json\n{"student": "s08", "file": "nowhere.yaml", "target": "dW1", "answer": "1", '
                       '"points": "abc"}\n', encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0 and [line["points"] for line in read_lines(out)[:-1]] == [1, 1], err


def test_a_row_without_its_target_or_file_is_named_by_its_number_in_gradescope(tmp_path):
    """A row with a file but no target was named 's05:  (v1/hw-s05.yaml)'."""
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"student": "s04", "file": "04", "target": "dW1", "answer": "1"}\n'
                       '{"student": "s05", "file": "v1/hw-s05.yaml", "answer": "1"}\n'
                       '{"student": "s06", "target": "dW1", "answer": "1"}\n', encoding="utf-8")
    for lang, names in (("en", ["s04: dW1 (04)", "s05: row 2", "s06: row 3"]),
                        ("zh", ["s04：dW1（04）", "s05：第 2 行", "s06：第 3 行"])):
        code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope", "--lang", lang])
        assert code == 0, err
        assert [test["name"] for test in json.loads(out)["tests"]] == names


def test_targets_left_out_count_towards_the_maximum(tmp_path):
    """'Zoë: 5 of 5 points, 1 of 1 answers right' for an exercise worth more: a student who left
    targets out looked 100% right. The totals now count the exercise's targets of each file a
    student answered that they gave no row for, at their points, and say how many."""
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["exercise"]["targets"] = ["dZ2", "dW2", "db2", "dW1"]
    document["exercise"]["points"] = {"dW2": 2, "db2": 0.5, "dW1": 3}  # dZ2 1: 6.5 in all
    document["exercise"]["hints"] = {}
    (tmp_path / "hw.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    del document["exercise"]
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\n"
                       "Zoë,hw.yaml,dW1,dZ1 @ X.T\n"                                    # 3 of 6.5, 3 left out
                       "Al,hw.yaml,dZ2,(A2 - Y) / m\nAl,hw.yaml,dW2,dZ2 @ A1.T\n"
                       "Al,hw.yaml,db2,\"sum(dZ2, axis=1, keepdims=True)\"\nAl,hw.yaml,dW1,X\n"  # 3.5 of 6.5
                       "Cy,hw.yaml,dW2,\nCy,hw.yaml,dW1,dZ1 @ X.T\n"        # dW2 unreadable, still answered
                       "Di,plain.yaml,dW1,dZ1 @ X.T\n"                       # no exercise section: as before
                       "Ed,nowhere.yaml,dW1,1\n", encoding="utf-8")        # a file that does not load
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0 and len(lines) == 10, err  # one line per row, then the totals: no row added
    totals = {entry["student"]: (entry["score"], entry["max_score"], entry["answers"], entry["unanswered"])
              for entry in lines[-1]["students"]}
    assert totals == {"Zoë": (3, 6.5, 1, 3), "Al": (3.5, 6.5, 4, 0), "Cy": (3, 6.5, 2, 2), "Di": (1, 1, 1, 0),
                      "Ed": (0, 1, 1, 0)}
    assert lines[-1]["max_score"] == 6.5 * 3 + 1 + 1 and lines[-1]["rows"] == 9
    for lang, zoe, di in (("en", "Zoë: 3 of 6.5 points, 1 of 1 answers right, 3 exercise targets not answered",
                           "Di: 1 of 1 points, 1 of 1 answers right"),
                          ("zh", "Zoë：6.5 分中得 3 分，1 个答案中 1 个正确，练习中有 3 个目标没有作答",
                           "Di：1 分中得 1 分，1 个答案中 1 个正确")):
        code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope", "--lang", lang])
        results = json.loads(out)
        assert code == 0 and len(results["tests"]) == 9, err
        assert results["output"].splitlines()[0] == zoe and results["output"].splitlines()[3] == di
        assert results["extra_data"]["bpcli"]["totals"]["students"] == lines[-1]["students"]


def test_feedback_never_shows_a_server_path_or_a_file_that_is_not_a_network_file(tmp_path):
    """A row naming /etc/passwd was told "…found the text 'root:x:0:0:root:/root:/bin/bash …'",
    and a missing variant "no such file in /tmp/…/v1": a row's message is a student's feedback.
    The file is named as the row names it, and a file that is not a network file is said to be
    one (of some kind), never quoted. A network file's own mistakes are still named in full."""
    secret = "hunter2"
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "folder").mkdir()
    (tmp_path / "passwd").write_text(f"root:x:0:0:{secret}:/root:/bin/bash\ndaemon:x:1:1::/:/sbin\n", encoding="utf-8")
    (tmp_path / "keys.yaml").write_text(f"{secret}: 1\napi_token: {secret}\n", encoding="utf-8")
    (tmp_path / "quote.yaml").write_text(f"token: '{secret}\n", encoding="utf-8")
    (tmp_path / "tag.yaml").write_text(f"token: !!python/object:{secret} x\n", encoding="utf-8")
    (tmp_path / "twice.yaml").write_text(f"{secret}: 1\n{secret}: 2\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text(f"- {secret}\n", encoding="utf-8")
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    document["layer"] = document.pop("layers")
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    rows = [(tmp_path / "passwd", "not_mapping", ""), ("keys.yaml", "not_a_network_file", ""),
            ("quote.yaml", "yaml_syntax", "line 2, column 1: "), ("tag.yaml", "yaml_syntax", "line 1, column 8: "),
            ("twice.yaml", "duplicate_key", "line 2, column 1: "), ("list.yaml", "not_mapping", "")]
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\n" + "".join(f"s,{file},dW1,1\n" for file, _, _ in rows)
                       + "s,v1/hw-s99.yaml,dW1,1\ns,v1/folder,dW1,1\ns,typo.yaml,dW1,1\n", encoding="utf-8")
    for lang, not_network, not_yaml in (("en", "this is not a network file", "the YAML cannot be read here"),
                                        ("zh", "这不是网络文件", "这里的 YAML 读不了")):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        lines = read_lines(out)
        assert code == 0, err
        for (file, code_expected, place), line in zip(rows, lines):
            if lang == "zh" and place:
                place = "第 {} 行第 {} 列: ".format(*re.findall(r"\d+", place))
            kind = not_yaml if code_expected in ("yaml_syntax", "duplicate_key") else not_network
            assert line["error"]["code"] == code_expected and line["message"].startswith(f"{file}: {place}{kind}"), line
        missing, folder, typo = lines[len(rows):len(rows) + 3]
        assert missing["error"]["code"] == "file_not_found" and missing["message"].startswith("v1/hw-s99.yaml: ")
        assert folder["error"]["code"] == "not_a_file" and folder["message"].startswith("v1/folder: ")
        # a network file's mistake is the teacher's to see, in full
        assert typo["error"]["code"] == "unknown_key" and "'layer'" in typo["message"]
        assert secret not in out and "root:x" not in out and str(tmp_path) not in out.replace(str(tmp_path / "passwd"), "")
    # the commands that read one file still say what they found in it, to the user who named it
    code, _, err = run_cli(["compute", tmp_path / "passwd"])
    assert code == 2 and "found the text 'root:x:0:0:hunter2" in err, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_row_naming_a_pipe_or_a_device_is_its_own_error_and_grading_goes_on(tmp_path):
    """A row may name any path on the grading server: one naming a FIFO no one writes to made the
    whole batch wait forever on opening it (an autograder's timeout, every student lost), and
    /dev/stdin read the autograder's own input. Such a row is now an error of its own."""
    os.mkfifo(tmp_path / "pipe")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\n"
                       f"s1,pipe,dW1,1\ns2,/dev/stdin,dW1,1\ns3,{EXERCISE},dW1,1\n", encoding="utf-8")
    for lang, words in (("en", "this is a pipe, a device or a socket"), ("zh", "这是管道、设备或套接字")):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang], input="", timeout=30)
        lines = read_lines(out)
        assert code == 0, err
        for line, file in zip(lines[:2], ("pipe", "/dev/stdin")):
            assert line["error"]["code"] == "not_a_file" and line["message"].startswith(f"{file}: {words}"), line
        assert "error" not in lines[2] and lines[2]["student"] == "s3", lines[2]


def test_a_json_answer_list_holding_what_is_not_a_number_says_which(tmp_path):
    """[[true, 1, 1]] was read as the text of a formula and told 'a formula may not contain
    lists'; the row now says what in the list is not a number and where, and the rows after it
    are graded."""
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"student": "a", "file": "04", "target": "dW2", "answer": [[true, 1, 1]]}\n'
                       '{"student": "b", "file": "04", "target": "dW2", "answer": [[0.5, null, 1]]}\n'
                       '{"student": "c", "file": "04", "target": "dW2", "answer": "dZ2 @ A1.T"}\n', encoding="utf-8")
    for lang, words in (("en", ("answer[0][0] is True", "answer[0][1] is an empty entry")),
                        ("zh", ("answer[0][0] 是 True", "answer[0][1] 是一个空的元素"))):
        code, out, err = run_cli(["grade", "--batch", answers, "--lang", lang])
        lines = read_lines(out)
        assert code == 0, err
        for line, said in zip(lines, words):
            assert line["error"]["code"] == "invalid_row" and said in line["message"], line
            assert "formula" not in line["message"] and "公式" not in line["message"]
        assert lines[2]["correct"], lines[2]


def test_a_json_answer_list_follows_the_rule_of_the_python_api(tmp_path):
    """A list holding text was graded by the API ('1' read as 1) and refused by a batch; an uneven
    list was 'found list' in the API. A batch row and the API now refuse both, in the same words."""
    rows = {"text": [["1", "2"], ["3", "4"], ["5", "6"]], "fraction": [["1/3", 2], [3, 4], [5, 6]],
            "uneven": [[1, 2], [3]]}
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"student": kind, "file": "04", "target": "dW1", "answer": answer}) + "\n"
                               for kind, answer in rows.items()), encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    for line, answer in zip(read_lines(out), rows.values()):
        with pytest.raises(AnswerError) as caught:
            bpcli.grade("04", "dW1", answer)
        assert line["error"]["code"] == "invalid_row" and line["message"] == f"line {line['row']}: {caught.value}"


def test_a_student_and_file_typed_with_a_combining_accent_are_the_nfc_ones(tmp_path):
    """'José' typed with a combining accent (as an export from macOS writes it) was a second
    student in the totals and in Gradescope's output, and its row's file, a variant that
    `bpcli variant` named in NFC (hw-José.yaml), was not found."""
    import unicodedata

    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    assert unicodedata.normalize("NFC", decomposed) == composed
    document = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    (tmp_path / f"hw-{composed}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,file,target,answer\n"
                       f"{composed},hw-{composed}.yaml,dW1,dZ1 @ X.T\n"
                       f"{decomposed},hw-{decomposed}.yaml,db1,\"sum(dZ1, axis=1, keepdims=True)\"\n",
                       encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    lines = read_lines(out)
    assert code == 0, err
    assert [(line["student"], line["correct"], "error" in line) for line in lines[:2]] == [
        (composed, True, False), (composed, True, False)]
    # one file: its other targets (1 point each, the exercise gives no points) are left out
    # once, not once per spelling of its name
    assert "points" not in document["exercise"]
    assert [(entry["student"], entry["answers"], entry["correct"], entry["max_score"])
            for entry in lines[-1]["students"]] == [(composed, 2, 2, float(len(document["exercise"]["targets"])))]
    code, out, err = run_cli(["grade", "--batch", answers, "--format", "gradescope"])
    assert code == 0 and len(json.loads(out)["output"].splitlines()) == 1


def test_a_file_named_with_a_combining_accent_is_found_in_a_folder_named_in_nfc(tmp_path):
    """The variant file copied from macOS is named in NFD (hw-Jose + U+0301.yaml), the folder it
    sits in was made here, in NFC (Müller with one code point for ü): the row's file is looked up
    under its NFD name in that folder, not with the folder's name decomposed too, which no
    folder has."""
    import unicodedata

    folder = tmp_path / "M\u00fcller"
    folder.mkdir()
    decomposed_file = "hw-Jose\u0301.yaml"
    assert unicodedata.normalize("NFD", str(folder)) != str(folder)
    (folder / decomposed_file).write_text(EXERCISE.read_text(encoding="utf-8"), encoding="utf-8")
    answers = folder / "answers.csv"
    answers.write_text("student,file,target,answer\n"
                       "Jos\u00e9,hw-Jos\u00e9.yaml,dW1,dZ1 @ X.T\n", encoding="utf-8")
    code, out, err = run_cli(["grade", "--batch", answers])
    assert code == 0, err
    line = read_lines(out)[0]
    assert line["correct"] and "error" not in line, line
