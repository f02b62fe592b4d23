"""The learner's progress per exercise (solved, tries, hints used), kept as JSON in the user's
data directory: ``$BPCLI_DATA_DIR``, else ``$XDG_DATA_HOME/bpcli``, else ``~/.local/share/bpcli``.

Writes are atomic (a temporary file in the same folder, then ``os.replace``). A file that cannot
be read as progress is renamed aside (``progress.json.damaged-<time>``) with a warning, and the
learner starts afresh; a folder that cannot be written gives a warning, never a crash.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bpcli.texts import Msg

FILE_NAME = "progress.json"
SCHEMA = "bpcli.progress/1"


def data_dir() -> Path:
    """Where bpcli keeps the learner's data."""
    if os.environ.get("BPCLI_DATA_DIR"):
        return Path(os.environ["BPCLI_DATA_DIR"])
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / "bpcli"
    return Path.home() / ".local" / "share" / "bpcli"


@dataclass
class ExerciseProgress:
    """One exercise's record: ``solved`` once every target was answered right; ``tries`` counts
    graded answers, ``hints`` hints shown; ``targets_solved`` ever answered right; ``skipped``
    skipped and not solved since (a resumed quiz asks them last)."""

    solved: bool = False
    tries: int = 0
    hints: int = 0
    targets_solved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class ProgressStore:
    """Progress of every exercise, loaded from and saved to ``path``. ``warnings`` collects what
    went wrong with the file, as ``Msg`` for the caller to word in the learner's language."""

    def __init__(self, path: Path | None = None):
        self.path = path or data_dir() / FILE_NAME
        self.warnings: list[Msg] = []
        #: False when an unusable file could not be set aside: it is then left alone
        self.writable = True
        self.exercises: dict[str, ExerciseProgress] = self._load()

    def _load(self) -> dict[str, ExerciseProgress]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except (OSError, UnicodeDecodeError) as error:
            self._set_aside(Msg("progress.unreadable", error=error))
            return {}
        try:
            document = json.loads(text)
            records = document["exercises"]
            return {str(name): _record(value) for name, value in records.items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            self._set_aside(Msg("progress.damaged"))
            return {}

    def _set_aside(self, reason: Msg) -> None:
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            self.warnings.append(Msg("progress.set_aside", path=self.path, aside=aside.name, reason=reason))
        except OSError as error:
            self.writable = False
            self.warnings.append(Msg("progress.unusable", path=self.path, reason=reason, error=error.strerror))

    def get(self, name: str) -> ExerciseProgress:
        return self.exercises.setdefault(name, ExerciseProgress())

    def save(self) -> bool:
        """Write atomically; on failure add a warning and return False."""
        if not self.writable:
            return False
        document = {"schema": SCHEMA, "exercises": {name: asdict(p) for name, p in sorted(self.exercises.items())}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(document, stream, indent=1, ensure_ascii=False)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            return True
        except OSError as error:
            message = Msg("progress.not_saved", path=self.path, error=error.strerror or error)
            if str(message) not in map(str, self.warnings):
                self.warnings.append(message)
            return False

    def reset(self) -> bool:
        """Forget all progress (the file is removed). False when it could not be removed."""
        self.exercises = {}
        try:
            self.path.unlink(missing_ok=True)
            return True
        except OSError as error:
            self.warnings.append(Msg("progress.not_removed", path=self.path, error=error.strerror or error))
            return False


def _record(value) -> ExerciseProgress:
    if not isinstance(value, dict):
        raise TypeError("not a record")
    solved, tries, hints = value.get("solved", False), value.get("tries", 0), value.get("hints", 0)
    targets = value.get("targets_solved", [])
    if not isinstance(solved, bool) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                               for n in (tries, hints)):
        raise TypeError("bad fields")
    skipped = value.get("skipped", [])  # absent from files written before skips were kept
    if not all(isinstance(names, list) and all(isinstance(t, str) for t in names) for names in (targets, skipped)):
        raise TypeError("bad targets")
    return ExerciseProgress(solved, tries, hints, list(targets), list(skipped))
