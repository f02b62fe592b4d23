"""Text from the user's files reaches the terminal as written, never as Rich markup."""

from __future__ import annotations

import subprocess
import sys

from conftest import cli_env


def test_a_title_with_brackets_is_printed_as_written(tmp_path):
    file = tmp_path / "net.yaml"
    file.write_text('title: "Homework [/b] net [red]A[/red]"\n'
                    "input: {X: [[1.0]], Y: [[0.5]]}\n"
                    "layers: [{type: dense, units: 1, activation: linear, W: [[2]], b: [0]}]\n"
                    "loss: mse\n")
    done = subprocess.run([sys.executable, "-m", "bpcli", "compute", str(file)], capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Homework [/b] net [red]A[/red]" in done.stdout
