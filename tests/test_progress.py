"""Progress under concurrency: sessions that run at the same time (one per exercise, or two on
the same exercise) each add what they did to the progress file; none overwrites another's."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from filelock import FileLock

from bpcli.quiz import progress
from bpcli.quiz.progress import ProgressStore
from conftest import REPO_ROOT, cli_env

#: one quiz session as the quiz command drives its store: read the file at the start, then save
#: after every graded answer (a try, and the target once right), and the solved flag at the end
SESSION = r"""
import sys
from pathlib import Path
from bpcli.quiz.progress import ProgressStore

path, exercise, tries, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = ProgressStore(Path(path))
print("ready", flush=True)
sys.stdin.readline()                      # every session has read the file before any saves
for attempt in range(tries):
    record = store.get(exercise)
    record.tries += 1
    if attempt == 0:
        record.hints += 1
    if attempt == tries - 1:
        record.targets_solved.append(target)
    assert store.save(), store.warnings
store.get(exercise).solved = True
assert store.save(), store.warnings
print(store.warnings)
"""


def run_sessions_together(path, sessions: list[tuple[str, int, str]]) -> None:
    """Start one process per (exercise, tries, target), let each read the progress file, then
    release them all at once; every one must finish cleanly."""
    processes = [subprocess.Popen([sys.executable, "-c", SESSION, str(path), exercise, str(tries), target],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=cli_env(), cwd=REPO_ROOT)
                 for exercise, tries, target in sessions]
    try:
        for process in processes:
            assert process.stdout.readline() == b"ready\n", process.stderr.read()
        for process in processes:
            process.stdin.write(b"go\n")
            process.stdin.flush()
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err.decode()
            assert out.decode().strip() == "[]", out            # no warning
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def records(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["exercises"]


def test_eight_sessions_at_once_on_eight_exercises_are_all_recorded(tmp_path):
    path = tmp_path / "progress.json"
    earlier = ProgressStore(path)
    earlier.get("00_earlier").tries = 2
    assert earlier.save()
    sessions = [(f"{n:02d}_exercise", n, f"dW{n}") for n in range(1, 9)]   # exercise n: n tries
    run_sessions_together(path, sessions)
    stored = records(path)
    assert sorted(stored) == ["00_earlier"] + [exercise for exercise, _, _ in sessions]
    assert stored["00_earlier"] == {"solved": False, "tries": 2, "hints": 0, "targets_solved": [], "skipped": []}
    for exercise, tries, target in sessions:
        assert stored[exercise] == {"solved": True, "tries": tries, "hints": 1, "targets_solved": [target], "skipped": []}


def test_two_sessions_on_the_same_exercise_add_up(tmp_path):
    path = tmp_path / "progress.json"
    run_sessions_together(path, [("04_two_layer_tanh", 5, "dZ2"), ("04_two_layer_tanh", 3, "dW2")])
    (record,) = records(path).values()
    assert record["tries"] == 5 + 3 and record["hints"] == 1 + 1 and record["solved"] is True
    assert sorted(record["targets_solved"]) == ["dW2", "dZ2"]


def test_a_save_merges_into_what_another_session_saved_meanwhile(tmp_path):
    path = tmp_path / "progress.json"
    first, second = ProgressStore(path), ProgressStore(path)
    first.get("04").tries += 2
    first.get("04").targets_solved.append("dZ2")
    first.get("04").solved = True
    assert first.save()
    second.get("04").tries += 1                    # second still holds the empty file it read
    second.get("04").targets_solved.append("dW2")
    second.get("01").hints += 1
    assert second.save()
    assert second.get("04").tries == 3 and second.get("04").solved  # merged into memory too
    first.get("04").tries += 1                     # first adds only its new try, not 2 + 1 again
    assert first.save()
    assert records(path) == {"01": {"solved": False, "tries": 0, "hints": 1, "targets_solved": [], "skipped": []},
                             "04": {"solved": True, "tries": 4, "hints": 0, "targets_solved": ["dZ2", "dW2"], "skipped": []}}


def test_a_held_lock_makes_save_give_up_with_a_warning_and_keep_the_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "LOCK_TIMEOUT", 0.05)
    store = ProgressStore(tmp_path / "progress.json")
    store.get("04").tries += 1
    with FileLock(store.lock_path):             # another session in the middle of its save
        assert not store.save()
    assert "locked" in str(store.warnings[0]) and not store.path.exists()
    assert store.save()                         # the next save writes what was kept
    assert records(store.path)["04"]["tries"] == 1


@pytest.mark.parametrize("content", ["{not json", '{"exercises": []}'])
def test_a_file_damaged_between_load_and_save_is_set_aside_and_this_session_kept(tmp_path, content):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.get("04").tries += 1
    path.write_text(content, encoding="utf-8")
    assert store.save()
    assert "set aside" in str(store.warnings[0])
    assert len(list(tmp_path.glob("progress.json.damaged-*"))) == 1
    assert records(path) == {"04": {"solved": False, "tries": 1, "hints": 0, "targets_solved": [], "skipped": []}}


def test_a_skip_is_merged_and_dropped_once_another_session_solves_its_target(tmp_path):
    path = tmp_path / "progress.json"
    skipping, solving = ProgressStore(path), ProgressStore(path)
    skipping.get("04").skipped += ["dW1", "db1"]
    assert skipping.save()
    solving.get("04").targets_solved.append("dW1")
    assert solving.save()
    assert records(path)["04"]["skipped"] == ["db1"]      # dW1 was solved meanwhile
    assert records(path)["04"]["targets_solved"] == ["dW1"]
