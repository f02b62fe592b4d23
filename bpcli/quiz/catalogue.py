"""The bundled exercises (``bpcli/exercises``, a link to the top-level ``exercises/``), each a
network file with an ``exercise:`` section: statement (en, zh), targets in order, hints, and
optionally the title in other languages (``title: {zh: …}``; the network's ``title`` is the
English one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from bpcli.core.network import Network
from bpcli.errors import SpecError, UsageError
from bpcli.formatting import shorten


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

    def title_in(self, lang: str) -> str:
        return self.titles.get(lang) or self.title

    def text(self, lang: str) -> str:
        return self.statement.get(lang) or self.statement.get("en", "")

    def rule_hint(self, target: str, lang: str) -> str | None:
        by_language = self.rule_hints.get(target, {})
        return by_language.get(lang) or by_language.get("en")


def _exercise_files():
    folder = resources.files("bpcli") / "exercises"
    if not folder.is_dir():
        return []
    return sorted((entry for entry in folder.iterdir() if entry.name.endswith(".yaml")), key=lambda e: e.name)


def exercise_names() -> list[str]:
    """The bundled exercises in curriculum order (by file name)."""
    return [entry.name[: -len(".yaml")] for entry in _exercise_files()]


def load_exercise(name: str) -> Exercise:
    """The bundled exercise ``name`` (``04_two_layer_tanh``; the number alone, ``4`` or ``04``,
    and a unique prefix also work). ``UsageError`` lists the exercises when none matches."""
    chosen = _resolve(name, exercise_names())
    return exercise_from_network(chosen, load_bundled_network(chosen))


def load_bundled_network(name: str) -> Network:
    """The network of the bundled exercise ``name`` (any form ``load_exercise`` accepts), so that
    every command can open an exercise by name from wherever bpcli is installed."""
    from bpcli import spec

    chosen = _resolve(name, exercise_names())
    entry = next(e for e in _exercise_files() if e.name == f"{chosen}.yaml")
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
    listing = ", ".join(names)
    if matching:
        raise UsageError(f"{shorten(name)!r} matches several exercises: {', '.join(matching)}")
    raise UsageError(f"no exercise called {shorten(name)!r}; the exercises are {listing} (bpcli quiz --list)")


def exercise_from_network(name: str, network: Network) -> Exercise:
    """An Exercise from a network whose file has an ``exercise:`` section (validated here)."""
    from bpcli.core.network import run
    from bpcli.grading.targets import valid_targets

    section = network.extras.get("exercise")
    where = network.source or name
    if not isinstance(section, dict):
        raise SpecError("an exercise file needs an 'exercise:' mapping with statement, targets and hints",
                        "exercise", "missing_key", file=where)
    statement = section.get("statement", {})
    if not isinstance(statement, dict) or not all(isinstance(v, str) for v in statement.values()):
        raise SpecError("exercise.statement must map languages (en, zh) to text", "exercise.statement",
                        "wrong_type", file=where)
    valid = valid_targets(run(network).tensors())
    targets = section.get("targets")
    if not isinstance(targets, list) or not targets:
        raise SpecError("exercise.targets must be a list of tensor names such as [dZ2, dW2]",
                        "exercise.targets", "wrong_type", file=where)
    for target in targets:
        if target not in valid:
            raise SpecError(f"unknown target {target!r}; this network has {', '.join(valid)}",
                            "exercise.targets", "unknown_target", file=where)
    titles = section.get("title") or {}
    if not isinstance(titles, dict) or not all(isinstance(v, str) for v in titles.values()):
        raise SpecError("exercise.title must map languages (zh) to the title in that language",
                        "exercise.title", "wrong_type", file=where)
    hints = section.get("hints") or {}
    if not isinstance(hints, dict) or not all(isinstance(v, dict) for v in hints.values()):
        raise SpecError("exercise.hints must map targets to {en: …, zh: …}", "exercise.hints",
                        "wrong_type", file=where)
    return Exercise(name, network.title or name, network, dict(statement), list(targets),
                    {str(k): dict(v) for k, v in hints.items()}, {str(k): v for k, v in titles.items()})
