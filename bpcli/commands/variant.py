"""`bpcli variant`: per-student variants of an exercise (same network, new numbers), one to
stdout or a file, or a class set with the teacher's key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from bpcli.commands.arguments import FILE_ARGUMENT, Language, chosen_language, language_option
from bpcli.commands.common import user_errors

#: the teacher's key, written next to a class set's variants
KEY_FILE = "key.json"


def variant_command(
    file: str = FILE_ARGUMENT,
    student: Optional[str] = typer.Option(None, "--student", help="The student's id (letters, digits, _ . @ -): "
                                          "the same id always gets the same numbers.", show_default=False),
    salt: str = typer.Option("", "--salt", help="A word of your own (the course, the term): other salts give "
                             "other numbers, so students cannot make each other's variants.", show_default=False),
    out: Optional[str] = typer.Option(None, "--out", metavar="<path>", help="One variant: the file to write (default "
                                      "stdout). "
                                       "With --count or --students: the folder to write the set and key.json "
                                       "into.", show_default=False),
    count: Optional[int] = typer.Option(None, "--count", min=1, max=10_000, help="Write variants for students "
                                        "s01 … sNN into the --out folder, with key.json.", show_default=False),
    # str, not Path: an empty --students '' reaches the check as typed (Path('') is the current folder)
    students: Optional[str] = typer.Option(None, "--students", help="A file with one student id per line "
                                            "(instead of --count).", show_default=False),
    lang: Optional[Language] = language_option("the messages (the variants and key.json are the same in every "
                                               "language)"),
) -> None:
    """Write a variant of an exercise for one student: the same layers, sizes, loss and exercise
    section, new hand-sized numbers, deterministic for (FILE, student, salt).

    A set (--count N or --students FILE, with --out DIR) writes DIR/EXERCISE-ID.yaml for each
    student and DIR/key.json: per variant file, per target, the right answer and its points.

    Example: bpcli variant 04 --student alice --salt ml2025;  bpcli variant hw.yaml --count 30 --out hw/
    """
    language = chosen_language(lang)
    with user_errors(lang=language):
        from bpcli.commands.output import refuse_empty_path

        for path, option in ((out, "--out"), (students, "--students")):
            if path is not None:
                refuse_empty_path(path, option)
        content, label = _source(file)
        ids = _student_ids(student, count, students)
        from bpcli import spec
        from bpcli.commands.output import output_target
        from bpcli.quiz.catalogue import STDIN_NAME
        from bpcli.quiz.variants import make_variant, variant_yaml
        from bpcli.texts import usage_error

        document = spec.parse_yaml(content.decode("utf-8-sig", "replace"), label)
        network = spec.from_mapping(document, label)
        # the variants name the exercise by its file's name, not the path as typed: the same
        # command run from another folder (or as ./hw1.yaml) writes the same bytes; its name
        # becomes part of file names, so standard input's is a plain word, not '<stdin>'
        name = STDIN_NAME if file == "-" else os.path.basename(label)
        if student is not None:
            target = output_target(out, name="--out")
            text = variant_yaml(make_variant(document, network, content, student, salt, name))
            _write(text, target, file)
            return
        if out is None:
            raise usage_error("variant.out_needed")
        _write_set(document, network, content, name, ids, salt, Path(out), file, language)


def _source(file: str) -> tuple[bytes, str]:
    """The bytes and label of FILE: a path, - for stdin, or a bundled exercise's name."""
    from bpcli import spec

    if file != "-" and not os.path.exists(file):
        from bpcli.commands.common import load_network
        from bpcli.quiz.catalogue import bundled_source

        load_network(file)  # the same message as every command for a name that is no exercise
        return bundled_source(file)
    return spec.read_source(file)


def _student_ids(student: str | None, count: int | None, students: str | None) -> list[str]:
    from bpcli.errors import UsageError
    from bpcli.quiz.variants import check_student_id, student_ids
    from bpcli.texts import Joined, Msg, usage_error

    given = [option for option, value in (("--student", student), ("--count", count), ("--students", students))
             if value is not None]
    if not given:
        raise usage_error("variant.students.none")
    if len(given) > 1:
        raise usage_error("variant.students.several", found=Joined(given, "usage.and"))
    if student is not None:
        return [check_student_id(student)]
    if count is not None:
        return student_ids(count)
    try:
        lines = Path(students).read_text(encoding="utf-8-sig").splitlines()  # as a spreadsheet saves it
    except (OSError, UnicodeDecodeError) as error:
        raise usage_error("variant.students_unreadable", file=students,
                          reason=getattr(error, "strerror", None) or error) from None
    ids, seen = [], {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            student_id = check_student_id(line.strip())
        except UsageError as error:
            raise usage_error("variant.students_line", file=students, line=number, problem=error.msg) from None
        # ids that differ only in case name one file where file names ignore case (macOS, Windows):
        # the second student's variant would replace the first's
        same = student_id.casefold()
        if same in seen:
            first, line_number = seen[same]
            twice = (Msg("variant.listed_twice", student=repr(student_id), first_line=line_number)
                     if first == student_id else
                     Msg("variant.differ_in_case", student=repr(student_id), first=repr(first),
                         first_line=line_number))
            raise usage_error("variant.students_line", file=students, line=number, problem=twice)
        seen[same] = (student_id, number)
        ids.append(student_id)
    if not ids:
        raise usage_error("variant.students_none_listed", file=students)
    return ids


def _write(text: str, target: Path | None, file: str) -> None:
    """``text`` to ``target`` (a file ``output_target`` let through), or stdout for None."""
    from bpcli.commands.output import write_output

    if target is None:
        typer.echo(text, nl=False)
    else:
        write_output(text, target, input_file=file, option="--out")


def _write_set(document, network, content: bytes, label: str, ids: list[str], salt: str, folder: Path,
               file: str, lang: str = "en") -> None:
    """Every student's variant and key.json into ``folder``: all drawn before anything is written
    (a student for whom no fair draw exists leaves the folder as it was), and refused when a file
    there would change (an earlier set's variant or key, which may have been handed out)."""
    from bpcli.errors import OutputError
    from bpcli.quiz.variants import answer_key, make_variant, variant_yaml
    from bpcli.render.json_out import dumps
    from bpcli.texts import say, usage_error

    if folder.exists() and not folder.is_dir():
        raise usage_error("variant.out_is_file", folder=folder)
    variants = {}
    for student in ids:
        variant = make_variant(document, network, content, student, salt, label)
        variants[f"{variant.exercise.name}.yaml"] = variant
    files = {name: variant_yaml(variant) for name, variant in variants.items()}
    files[KEY_FILE] = dumps(answer_key(variants, label)) + "\n"
    changed = [name for name, text in files.items() if _differs(folder / name, text)]
    if changed:
        if len(changed) == 1:
            raise usage_error("variant.would_change.one_file", file=folder / changed[0])
        raise usage_error("variant.would_change.files", first=folder / changed[0], more=len(changed) - 1)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(str(folder), error.strerror or str(error)) from None
    for name, text in files.items():
        _write(text, folder / name, file)
    typer.echo(say(lang, "variant.wrote", count=len(variants), key_file=KEY_FILE, folder=folder), err=True)


def _differs(path: Path, text: str) -> bool:
    """Whether ``path`` exists and holds something else than ``text`` (the same command run
    again writes the same bytes, and may)."""
    try:
        return path.read_bytes() != text.encode("utf-8")
    except FileNotFoundError:
        return False
    except OSError:
        return True
