"""Exercises: the bundled ones (``bpcli/exercises``, a link to the top-level ``exercises/``), the
files of a teacher's folders (``quiz --dir DIR``, ``$BPCLI_EXERCISES_DIR``) and any network file.

An exercise file is a network file, optionally with an ``exercise:`` section: ``statement`` (per
language), ``targets`` in order, ``hints`` (per target, per language), ``title`` in other
languages than English (the network's ``title`` is the English one), ``points`` (per target,
1 when not given), ``text`` (the source text it follows, ``000``..``004``, or ``none``) and ``given`` (forward
values a worksheet gives, such as ``[Z1, A1]``). Without the section, every gradient from the output
back to dX is asked, with a generated statement and the generic hints.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bpcli.core.network import Network, Run
from bpcli.errors import SpecError, UsageError
from bpcli.formatting import printable, shorten, without_spaces_between_wide
from bpcli.sources import NO_TEXT, SOURCE_TEXTS, text_code
from bpcli.texts import Joined, Msg, languages, usage_error

#: the environment variable naming teachers' exercise folders (several joined by os.pathsep)
DIRS_VARIABLE = "BPCLI_EXERCISES_DIR"
#: the name of an exercise read from standard input (``-``), where a file's name would be: in
#: progress and, for ``bpcli variant``, in file names, so a plain word (not the '<stdin>' of messages)
STDIN_NAME = "stdin"


@dataclass
class Exercise:
    """One exercise: ``name`` (the file name without .yaml), the network, the statement per
    language, the targets to ask in order, per target an optional rule hint per language, and
    the title in other languages than English."""

    name: str
    title: str
    network: Network
    statement: dict[str, str]
    targets: list[str]
    rule_hints: dict[str, dict[str, str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    #: points per target (every target has an entry; 1 unless the file says otherwise)
    points: dict[str, float] = field(default_factory=dict)
    #: the source text the exercise follows ("000".."004"), when it says
    source_text: str | None = None
    #: forward values a worksheet gives beside X, Y and the parameters
    given: list[str] = field(default_factory=list)

    def points_of(self, target: str) -> float:
        return self.points.get(target, 1)

    @property
    def total_points(self) -> float:
        return sum(self.points_of(target) for target in self.targets)

    def title_in(self, lang: str) -> str:
        return self.titles.get(lang) or self.title

    def text(self, lang: str) -> str:
        return self.statement.get(lang) or self.statement.get("en", "")

    def rule_hint(self, target: str, lang: str) -> str | None:
        by_language = self.rule_hints.get(target, {})
        return by_language.get(lang) or by_language.get("en")


def _bundled_files():
    folder = resources.files("bpcli") / "exercises"
    if not folder.is_dir():
        return []
    return sorted((entry for entry in folder.iterdir() if entry.name.endswith(".yaml")), key=lambda e: e.name)


def exercise_dirs(extra: list[str] | tuple[str, ...] = ()) -> list[Path]:
    """Teachers' exercise folders: those given (``quiz --dir``), then those of
    ``$BPCLI_EXERCISES_DIR`` (several separated by os.pathsep)."""
    named = list(extra) + [part for part in os.environ.get(DIRS_VARIABLE, "").split(os.pathsep) if part]
    return [Path(folder) for folder in named]


def _folder_files(folder: Path) -> list[Path]:
    try:
        return sorted(path for path in folder.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file())
    except OSError as error:
        raise usage_error("quiz.bad_dir", folder=str(folder), error=error.strerror or error) from None


def _entries(dirs: list[Path]) -> dict[str, object]:
    """Every exercise by name: the bundled ones, then each folder's (a folder's file does not
    replace a bundled exercise of the same name)."""
    entries: dict[str, object] = {entry.name.rsplit(".", 1)[0]: entry for entry in _bundled_files()}
    for folder in dirs:
        for path in _folder_files(folder):
            entries.setdefault(path.stem, path)
    return entries


def exercise_names(dirs: list[Path] | tuple[Path, ...] = ()) -> list[str]:
    """The bundled exercises in curriculum order (by file name), then those of ``dirs``."""
    return list(_entries(list(dirs)))


def load_exercise(name: str, dirs: list[Path] | tuple[Path, ...] = ()) -> Exercise:
    """The exercise ``name``: a network file's path (any valid network), or the name of a bundled
    exercise or of one in ``dirs`` (``04_two_layer_tanh``; the number alone, ``4`` or ``04``, and
    a unique prefix also work). ``UsageError`` lists the exercises when none matches."""
    if name == "-" or os.path.exists(name):
        from bpcli import spec

        data, label = spec.read_source(name)  # a folder is refused there, as a folder
        return exercise_from_network(STDIN_NAME if name == "-" else Path(name).stem, spec.load_bytes(data, label))
    try:
        chosen = _resolve(name, exercise_names(dirs))
    except UsageError:
        if os.sep in name or "/" in name or name.endswith((".yaml", ".yml", ".json")):
            from bpcli.spec import missing_file

            # a mistyped file name is a missing file, as every other command says, not a list of exercises
            raise missing_file(name) from None
        raise
    return exercise_from_network(chosen, _load_entry(chosen, _entries(list(dirs))[chosen]))


def load_bundled_network(name: str) -> Network:
    """The network of the bundled exercise ``name`` (any form ``load_exercise`` accepts), so that
    every command can open an exercise by name from wherever bpcli is installed."""
    entries = _entries([])
    chosen = _resolve(name, list(entries))
    return _load_entry(chosen, entries[chosen])


def bundled_source(name: str) -> tuple[bytes, str]:
    """(the file's bytes, its label) of the bundled exercise ``name``, for commands that rewrite
    a file rather than run it (``bpcli variant``)."""
    entries = _entries([])
    entry = entries[_resolve(name, list(entries))]
    return entry.read_bytes(), f"exercises/{entry.name}"


def _load_entry(name: str, entry) -> Network:
    from bpcli import spec

    if isinstance(entry, Path):
        return spec.load(str(entry))
    return spec.load_bytes(entry.read_bytes(), f"exercises/{entry.name}")


def _resolve(name: str, names: list[str]) -> str:
    if name in names:
        return name
    stem = name[:-5] if name.endswith(".yaml") else name
    if stem.isdigit():
        matching = [n for n in names if n.split("_", 1)[0].lstrip("0") == stem.lstrip("0")]
    else:
        matching = [n for n in names if n.startswith(stem) or n.split("_", 1)[-1].startswith(stem)]
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise usage_error("quiz.several_exercises", name=shorten(name), matching=Joined(matching))
    raise usage_error("quiz.no_exercise", name=shorten(name), names=Joined(names))


def backward_targets(network: Network, tensors: dict | None = None) -> list[str]:
    """Every gradient from the output back to dX, in the order backpropagation finds them: per
    layer, last first, dZ (where the layer has an activation) and its parameter gradients (dW, db;
    dgamma, dbeta), then dA of the layer below, and finally dX."""
    if tensors is None:
        from bpcli.core.network import run

        tensors = run(network).tensors()
    targets: list[str] = []
    for layer in reversed(network.layers):
        l = layer.index
        names = [f"dZ{l}"] + [f"d{parameter}{l}" for parameter in layer.parameters()]
        targets += [name for name in names if name in tensors]
        targets.append(f"dA{l - 1}" if l > 1 else "dX")
    return targets


def formula_example(network: Network) -> str:
    """A formula over this network's own tensors, for the quiz's line on what may be typed:
    dZ2 @ A1.T where layer 2 is dense, else the last layer's A − Y (12 has no dZ2)."""
    for layer in reversed(network.layers):
        if layer.kind == "dense" and layer.index > 1:
            return f"dZ{layer.index} @ A{layer.index - 1}.T"
    return f"A{network.layers[-1].index} - Y"


def exercise_from_network(name: str, network: Network, computed: Run | None = None) -> Exercise:
    """An Exercise from any network: its ``exercise:`` section (validated here) or, without one,
    every gradient from the output back to dX with a generated statement. ``computed``: the
    network's run, when the caller has it."""
    from bpcli.core.network import run
    from bpcli.grading.targets import valid_targets

    tensors = (computed if computed is not None else run(network)).tensors()
    section = network.extras.get("exercise")
    where = network.source or name
    if section is None:
        return _generated_exercise(name, network, backward_targets(network, tensors))
    if not isinstance(section, dict):
        raise _section_error(Msg("exercise.error.section"), "exercise", "wrong_type", where)
    _check_keys(section, EXERCISE_KEYS, "exercise", Msg("exercise.error.the_section"), where)
    statement = section.get("statement", {})
    if not isinstance(statement, dict) or not all(isinstance(v, str) for v in statement.values()):
        raise _section_error(Msg("exercise.error.statement"), "exercise.statement", "wrong_type", where)
    _check_keys(statement, languages(), "exercise.statement",
                Msg("exercise.error.languages_of", what="exercise.statement"), where)
    valid = valid_targets(tensors)
    targets = section.get("targets")
    if targets is None:
        targets = backward_targets(network, tensors)
    if not isinstance(targets, list) or not targets:
        raise _section_error(Msg("exercise.error.targets"), "exercise.targets", "wrong_type", where)
    for target in targets:
        if target not in valid:
            raise _section_error(Msg("exercise.error.unknown_target", target=repr(target), valid=", ".join(valid)),
                                 "exercise.targets", "unknown_target", where)
    _refuse_repeats(targets, "exercise.targets", where)
    titles = section.get("title") or {}
    if not isinstance(titles, dict) or not all(isinstance(v, str) for v in titles.values()):
        raise _section_error(Msg("exercise.error.title"), "exercise.title", "wrong_type", where)
    _check_keys(titles, languages(), "exercise.title", Msg("exercise.error.languages_of", what="exercise.title"), where)
    hints = section.get("hints") or {}
    if not isinstance(hints, dict) or not all(isinstance(v, dict) for v in hints.values()):
        raise _section_error(Msg("exercise.error.hints"), "exercise.hints", "wrong_type", where)
    for target, by_language in hints.items():
        if target not in targets:
            raise _section_error(Msg("exercise.error.hint_target", target=repr(target), targets=", ".join(targets)),
                                 f"exercise.hints.{target}", "unknown_target", where)
        _check_keys(by_language, languages(), f"exercise.hints.{target}",
                    Msg("exercise.error.languages_of_hint", target=target), where)
    def tidy(text: str) -> str:
        return printable(without_spaces_between_wide(text))

    exercise = Exercise(name, network.title or name, network, {k: tidy(v) for k, v in statement.items()}, list(targets),
                        {str(k): {lang: tidy(str(text)) for lang, text in v.items()} for k, v in hints.items()},
                        {str(k): tidy(v) for k, v in titles.items()},
                        points=_points(section, targets, where), source_text=_source_text(section, where),
                        given=_given(section, tensors, where))
    generated = _generated_statement(exercise.targets)
    if not exercise.statement:
        exercise.statement = generated
    # a statement only in Chinese still gives the English sheet one (Chinese falls back to English)
    exercise.statement.setdefault("en", generated["en"])
    return exercise


#: the keys of a network file's ``exercise:`` section
EXERCISE_KEYS = ("statement", "title", "targets", "points", "given", "text", "hints")


def _check_keys(mapping: dict, allowed, path: str, what: Msg, where: str) -> None:
    """A key not among ``allowed`` is a SpecError naming the file and the place, with the closest
    key suggested: `target:` for `targets:` was ignored, and every gradient asked."""
    from bpcli.spec import check_keys

    try:
        check_keys(mapping, tuple(allowed), path, what)
    except SpecError as error:
        raise error.with_file(where) from None


def _refuse_repeats(names: list, path: str, where: str) -> None:
    repeated = sorted({str(name) for name in names if names.count(name) > 1})
    if repeated:
        raise _section_error(Msg("exercise.error.repeated", names=", ".join(repeated)), path, "repeated", where)


def _section_error(message: Msg, path: str, code: str, where: str) -> SpecError:
    """An error of the exercise section, naming the file and the place, in the learner's language
    where the command line shows it."""
    from bpcli.spec import worded_error

    return worded_error(message, path, code, where)


def _generated_exercise(name: str, network: Network, targets: list[str]) -> Exercise:
    return Exercise(name, network.title or name, network, _generated_statement(targets), targets,
                    points={target: 1 for target in targets})


def _generated_statement(targets: list[str]) -> dict[str, str]:
    statement = Msg("exercise.generated_statement", targets=Joined(targets), count=len(targets))
    return {lang: statement.text(lang) for lang in languages()}


def _points(section: dict, targets: list[str], where: str) -> dict[str, float]:
    given = section.get("points") or {}
    if not isinstance(given, dict):
        raise _section_error(Msg("exercise.error.points"), "exercise.points", "wrong_type", where)
    points = {}
    for target, value in given.items():
        if target not in targets:
            raise _section_error(Msg("exercise.error.points_target", target=repr(target), targets=", ".join(targets)),
                                 f"exercise.points.{target}", "unknown_target", where)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise _section_error(Msg("exercise.error.points_value", value=repr(value)), f"exercise.points.{target}",
                                 "wrong_type", where)
        points[str(target)] = value
    return {target: points.get(target, 1) for target in targets}


def _source_text(section: dict, where: str) -> str | None:
    text = section.get("text")
    code = text_code(text)
    if code is None or code == NO_TEXT:
        return None
    if code not in SOURCE_TEXTS:
        raise _section_error(Msg("exercise.error.text", texts=", ".join(SOURCE_TEXTS), none=NO_TEXT, found=repr(text)),
                             "exercise.text", "wrong_type", where)
    return code


def _given(section: dict, tensors: dict, where: str) -> list[str]:
    from bpcli.grading.targets import valid_targets

    given = section.get("given") or []
    forward = [name for name in valid_targets(tensors) if not name.startswith("d")]
    if not isinstance(given, list) or not all(isinstance(name, str) and name in forward for name in given):
        raise _section_error(Msg("exercise.error.given", forward=", ".join(forward), found=repr(given)),
                             "exercise.given", "wrong_type", where)
    _refuse_repeats(given, "exercise.given", where)
    return list(given)
