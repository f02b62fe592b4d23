"""Shared helpers for the test suite: running the CLI as a user would, and writing network files.

``run_cli`` starts ``python -m bpcli`` in a subprocess (so exit codes, stdout and stderr are the
real ones), with the repository root on PYTHONPATH (works from a checkout and from an install),
``NO_COLOR=1`` and an 80-column terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
#: the shared reference cases live next to the repository: <parent>/shared/reference_cases
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference_cases"


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: the repo importable, no colour, 80 columns, and a
    locale that names no language (the learner's LANG=zh_CN.UTF-8 would make bpcli speak Chinese)."""
    env = dict(os.environ)
    for name in ("LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "80"
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


def run_cli(args: list[str], input: str | bytes | None = None, timeout: float = 60,
            env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``python -m bpcli ARGS``; returns (exit code, stdout, stderr) as text."""
    data = input.encode("utf-8") if isinstance(input, str) else input
    done = subprocess.run([sys.executable, "-m", "bpcli", *map(str, args)], input=data,
                          capture_output=True, timeout=timeout, env=env or cli_env(), cwd=REPO_ROOT)
    return (done.returncode, done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"))


_BATCH_RUNNER = r"""
import io, json, sys, traceback
from bpcli.__main__ import main
results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    sys.argv, sys.stdout, sys.stderr = ["bpcli", *args], out, err
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # what the interpreter would print, and its exit code
        traceback.print_exc()
        code = 1
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    results.append([code, out.getvalue(), err.getvalue()])
json.dump(results, sys.stdout)
"""


def run_cli_batch(many_args: list[list[Any]], timeout: float = 120,
                  env: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """Run ``bpcli ARGS`` for each ARGS in one Python process (``bpcli.__main__.main`` with
    sys.argv set, stdout/stderr captured, SystemExit as the exit code, an escaped exception as a
    traceback on stderr and exit code 1): the CLI's own code path without paying interpreter and
    import start-up per call (no stdin: FILE must not be -). Use ``run_cli`` where the process
    boundary itself matters."""
    payload = json.dumps([[str(a) for a in args] for args in many_args]).encode()
    done = subprocess.run([sys.executable, "-c", _BATCH_RUNNER], input=payload, capture_output=True,
                          timeout=timeout, env=env or cli_env(), cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return [tuple(result) for result in json.loads(done.stdout)]


def write_network(directory: Path, network: dict[str, Any] | str, name: str = "net.yaml") -> Path:
    """Write a network (a mapping, dumped as YAML, or YAML text as is) into DIRECTORY."""
    path = Path(directory) / name
    text = network if isinstance(network, str) else yaml.safe_dump(network, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def network_file(tmp_path):
    """``network_file(mapping_or_text, name="net.yaml")`` writes a network into tmp_path."""
    def write(network: dict[str, Any] | str, name: str = "net.yaml") -> Path:
        return write_network(tmp_path, network, name)
    return write


def reference_names() -> list[str]:
    """Names of the reference cases (empty when shared/ is absent; tests then skip)."""
    if not REFERENCE_DIR.is_dir():
        return []
    return sorted(p.name[: -len(".expected.json")] for p in REFERENCE_DIR.glob("*.expected.json"))
