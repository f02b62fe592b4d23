"""Speed of bpcli (not a test): start-up of `compute --json`, and the core's forward + backward.

    python benchmarks/bench.py            # all figures
    python benchmarks/bench.py --quick    # fewer repetitions

If PyTorch is importable (it is not a dependency; `pip install torch==2.13.0` in a separate venv
here), the same computations are timed in PyTorch (float64, CPU) in a separate process, since
numpy and PyTorch in one process fight over threads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY_NET = """\
input: {X: [[0.05], [0.10]], Y: [[0.01], [0.99]]}
layers:
  - {type: dense, units: 2, activation: sigmoid, W: [[0.15, 0.20], [0.25, 0.30]], b: [0.35, 0.35]}
  - {type: dense, units: 2, activation: sigmoid, W: [[0.40, 0.45], [0.50, 0.55]], b: [0.60, 0.60]}
loss: mse
"""


def bench_env() -> dict[str, str]:
    """The environment of the timed processes: bpcli from this checkout, with its bytecode
    cached as an installed package has it (PYTHONDONTWRITEBYTECODE would recompile every run)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def wall_times(command: list[str], runs: int) -> list[float]:
    env = bench_env()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def startup(runs: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(TINY_NET)
    bare = [sys.executable, "-c", "import numpy, yaml, json"]
    ours = [sys.executable, "-m", "bpcli", "compute", handle.name, "--json"]
    bare_times, our_times = [], []
    wall_times(ours, 1)  # writes the bytecode cache
    for _ in range(runs):  # alternate, so drift on a noisy machine hits both alike
        bare_times += wall_times(bare, 1)
        our_times += wall_times(ours, 1)
    os.unlink(handle.name)
    b, o = statistics.median(bare_times), statistics.median(our_times)
    print(f"start-up: bare `import numpy, yaml, json` {b * 1e3:.0f} ms, "
          f"`bpcli compute tiny.yaml --json` {o * 1e3:.0f} ms, ratio {o / b:.2f} (goal <= 1.3)")


# ----------------------------------------------------------------------------------------------
# The two core cases. Each worker prints the median time of one forward + backward in seconds.

NUMPY_WORKER = r"""
import sys, time, statistics, numpy as np
from bpcli.core.allocator import keep_freed_memory
keep_freed_memory()  # as the command line does
from bpcli.spec import from_mapping
from bpcli.core.network import forward, backward
case, repeats = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
if case == "dense":
    X = rng.normal(size=(784, 64)); labels = rng.integers(0, 10, 64)
    Y = np.zeros((10, 64)); Y[labels, np.arange(64)] = 1
    spec = {"input": {"X": X, "Y": Y}, "loss": "softmax_ce", "layers": [
        {"type": "dense", "units": 128, "activation": "relu"},
        {"type": "dense", "units": 10, "activation": "softmax"}]}
else:
    X = rng.normal(size=(8, 3, 32, 32)); labels = rng.integers(0, 10, 8)
    Y = np.zeros((10, 8)); Y[labels, np.arange(8)] = 1
    spec = {"input": {"X": X, "Y": Y}, "loss": "softmax_ce", "layers": [
        {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1, "activation": "relu"},
        {"type": "maxpool", "size": 2}, {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"}]}
net = from_mapping(spec)
def step():
    records, loss = forward(net)
    backward(net, records)
for _ in range(20): step()
times = []
for _ in range(repeats):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
print(statistics.median(times))
"""

TORCH_WORKER = r"""
import sys, time, statistics, torch
torch.manual_seed(0)
case, repeats = sys.argv[1], int(sys.argv[2])
f64 = torch.float64
if case == "dense":
    X = torch.randn(64, 784, dtype=f64); y = torch.randint(0, 10, (64,))
    W1 = (torch.randn(128, 784, dtype=f64) * 0.03).requires_grad_(); b1 = torch.zeros(128, dtype=f64, requires_grad=True)
    W2 = (torch.randn(10, 128, dtype=f64) * 0.09).requires_grad_(); b2 = torch.zeros(10, dtype=f64, requires_grad=True)
    X.requires_grad_()
    def step():
        loss = torch.nn.functional.cross_entropy(torch.relu(X @ W1.T + b1) @ W2.T + b2, y)
        loss.backward()
else:
    X = torch.randn(8, 3, 32, 32, dtype=f64, requires_grad=True); y = torch.randint(0, 10, (8,))
    Wc = (torch.randn(16, 3, 3, 3, dtype=f64) * 0.2).requires_grad_(); bc = torch.zeros(16, dtype=f64, requires_grad=True)
    Wd = (torch.randn(10, 4096, dtype=f64) * 0.015).requires_grad_(); bd = torch.zeros(10, dtype=f64, requires_grad=True)
    def step():
        a = torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(X, Wc, bc, padding=1)), 2)
        loss = torch.nn.functional.cross_entropy(a.flatten(1) @ Wd.T + bd, y)
        loss.backward()
for _ in range(20): step()
times = []
for _ in range(repeats):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
print(statistics.median(times))
"""


def time_worker(code: str, case: str, repeats: int, python: str) -> float:
    env = bench_env()
    out = subprocess.run([python, "-c", code, case, str(repeats)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def torch_python() -> str | None:
    """A Python that can import torch: this one, or $BPCLI_TORCH_PYTHON."""
    for python in (sys.executable, os.environ.get("BPCLI_TORCH_PYTHON")):
        if python and subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0:
            return python
    return None


def core(repeats: int, rounds: int) -> None:
    torch = torch_python()
    goals = {"dense": 1.0, "cnn": 1.5}
    names = {"dense": "dense 784-128-10 relu/softmax_ce, m = 64",
             "cnn": "conv 16×3×3 pad 1 on 8×3×32×32 → relu → maxpool 2 → flatten → dense 10 softmax_ce"}
    for case in ("dense", "cnn"):
        ours, theirs = [], []
        for _ in range(rounds):  # alternate processes, then take medians
            ours.append(time_worker(NUMPY_WORKER, case, repeats, sys.executable))
            if torch:
                theirs.append(time_worker(TORCH_WORKER, case, repeats, torch))
        line = f"{names[case]}: bpcli {statistics.median(ours) * 1e3:.2f} ms"
        if torch:
            t = statistics.median(theirs)
            line += (f", PyTorch {t * 1e3:.2f} ms, ratio {statistics.median(ours) / t:.2f} "
                     f"(goal <= {goals[case]})")
        else:
            line += " (PyTorch not found: set BPCLI_TORCH_PYTHON to a Python that has it)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    startup(runs=8 if args.quick else 30)
    core(repeats=50 if args.quick else 200, rounds=2 if args.quick else 5)


if __name__ == "__main__":
    main()
