"""The learner's progress per exercise (solved, tries, hints used), kept as JSON in the user's
data directory: ``$BPCLI_DATA_DIR``, else ``$XDG_DATA_HOME/bpcli``, else ``~/.local/share/bpcli``.

Several sessions may run at once (one per exercise, in several terminals), so a save never
writes this session's view over the file: under a lock (``progress.json.lock``) it re-reads the
file, adds this session's increments to it (tries and hints add up; solved flags and solved
targets are unions, never dropped) and writes the result atomically (a temporary file in the
same folder, then ``os.replace``). Reading needs no lock, since the file is only ever replaced
whole. A file that cannot be read as progress is renamed aside (``progress.json.damaged-<time>``)
with a warning, and the learner starts afresh; a folder that cannot be written gives a warning,
never a crash.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bpcli.texts import Msg

FILE_NAME = "progress.json"
SCHEMA = "bpcli.progress/1"
#: seconds a save waits for another session's save; each holds the lock for milliseconds
LOCK_TIMEOUT = 10.0


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
        #: the records as last read or written: what this session changed is measured from them
        self._baseline = copy.deepcopy(self.exercises)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.lock")

    @contextmanager
    def _locked(self):
        """Hold the lock on the progress file; raises OSError (or filelock.Timeout) when it
        cannot be had."""
        from filelock import FileLock  # only sessions that write pay for the import

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.lock_path, timeout=LOCK_TIMEOUT):
            yield

    def _load(self) -> dict[str, ExerciseProgress]:
        records, problem = self._read()
        if problem is None:
            return records
        # another session may have replaced the file meanwhile: decide under the lock, on a
        # fresh read, so a good file written a moment ago is never set aside
        try:
            with self._locked():
                return self._read_or_set_aside()
        except OSError:  # no lock (a read-only folder; filelock.Timeout is an OSError too): decide without it
            return self._read_or_set_aside()

    def _read_or_set_aside(self) -> dict[str, ExerciseProgress]:
        records, problem = self._read()
        if problem is not None:
            self._set_aside(problem)
        return records

    def _read(self) -> tuple[dict[str, ExerciseProgress], Msg | None]:
        """The records in the file (none when it does not exist), or no records and the reason
        the file is unusable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return {}, None
        except (OSError, UnicodeDecodeError) as error:
            return {}, Msg("progress.unreadable", error=error)
        try:
            document = json.loads(text)
            records = document["exercises"]
            return {str(name): _record(value) for name, value in records.items()}, None
        except (ValueError, KeyError, TypeError, AttributeError):
            return {}, Msg("progress.damaged")

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
        """Merge this session's changes into the file as it is now, under the lock, and write
        it atomically; ``exercises`` then holds the merged records. On failure add a warning
        and return False (the changes stay in memory for the next save)."""
        from filelock import Timeout

        if not self.writable:
            return False
        try:
            with self._locked():
                merged = self._read_or_set_aside()
                if not self.writable:  # an unusable file that could not be set aside
                    return False
                for name, current in self.exercises.items():
                    _add_changes(merged.setdefault(name, ExerciseProgress()), current,
                                 self._baseline.get(name, ExerciseProgress()))
                self._write(merged)
        except Timeout:
            self._warn_once(Msg("progress.locked", path=self.path, lock=self.lock_path.name, seconds=f"{LOCK_TIMEOUT:g}"))
            return False
        except OSError as error:
            self._warn_once(Msg("progress.not_saved", path=self.path, error=error.strerror or error))
            return False
        for name, record in merged.items():  # in place: records handed out by get() stay current
            vars(self.exercises.setdefault(name, ExerciseProgress())).update(copy.deepcopy(vars(record)))
        self._baseline = copy.deepcopy(merged)
        return True

    def _write(self, exercises: dict[str, ExerciseProgress]) -> None:
        document = {"schema": SCHEMA, "exercises": {name: asdict(p) for name, p in sorted(exercises.items())}}
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

    def _warn_once(self, message: Msg) -> None:
        if str(message) not in map(str, self.warnings):
            self.warnings.append(message)

    def reset(self) -> bool:
        """Forget all progress (the file is removed). False when it could not be removed."""
        self.exercises = {}
        self._baseline = {}
        try:
            self.path.unlink(missing_ok=True)
            return True
        except OSError as error:
            self.warnings.append(Msg("progress.not_removed", path=self.path, error=error.strerror or error))
            return False


def _add_changes(stored: ExerciseProgress, current: ExerciseProgress, baseline: ExerciseProgress) -> None:
    """Add to ``stored`` (the file's record) what this session did since ``baseline``: its new
    tries and hints, and the solved flag and targets it reached. Nothing already stored is lost."""
    stored.tries += max(0, current.tries - baseline.tries)
    stored.hints += max(0, current.hints - baseline.hints)
    stored.solved = stored.solved or current.solved
    stored.targets_solved += [t for t in current.targets_solved if t not in stored.targets_solved]
    # a skip stays until its target is solved, in this session or another
    stored.skipped = [t for t in dict.fromkeys(stored.skipped + current.skipped) if t not in stored.targets_solved]


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
