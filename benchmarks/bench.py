"""Speed of bpcli, beside PyTorch when one is given (a benchmark, not a test).

Start-ups, the library in a plain process, the command line's settings, the scaling series and
peak memory.

    python benchmarks/bench.py                  # everything
    python benchmarks/bench.py --quick          # fewer rounds and repetitions
    python benchmarks/bench.py --only scaling   # one part: startup, library, scaling, memory
    python benchmarks/bench.py --repo ../old    # another checkout's bpcli (before and after)
    BPCLI_TORCH_PYTHON=/path/to/python-with-torch python benchmarks/bench.py

Every figure is timed in separate processes, bpcli and PyTorch alternating (numpy and PyTorch in
one process fight over threads, and drift on a busy machine then hits both alike); a process
reports the median of its repetitions, and a figure is the median over the rounds, with the
range of the per-round ratios to PyTorch. The library is timed as a notebook or a script uses
it: ``bpcli.compute(mapping)`` (validation, both passes, warnings, the result) in a process
without any environment variable or allocator setting. PyTorch (CPU, float64, its default
threads) runs the same forward and backward pass. PyTorch is not a dependency: make a separate
environment with it (``python -m venv /tmp/torch && /tmp/torch/bin/pip install torch numpy``).
This file imports only the standard library, so it also runs as PyTorch's worker.
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
#: settings a host process may have made that would change what is measured
PROCESS_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_",
                    "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")
#: (m, image side) of the scaling series
SCALING = [(m, side) for side in (16, 32) for m in (1, 8, 32, 128)] + [(32, 64)]
TORCH_THREADS = 0  # 0: PyTorch's default
CNN = ("cnn", 8, 32)  # the benchmark CNN: 8 × 3 × 32 × 32 → conv 16 3×3 pad 1 → relu → maxpool 2 → dense 10
DENSE = ("dense", 64, 0)  # 784-128-10, relu then softmax_ce, m = 64


def plain_env() -> dict[str, str]:
    """A process as a user's script gets it: bpcli from this checkout (bytecode cached, as an
    installed package has it), none of the settings above."""
    env = {name: value for name, value in os.environ.items() if name not in PROCESS_SETTINGS}
    env["PYTHONPATH"] = str(REPO)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# ----------------------------------------------------------------------------------------------
# Workers: one process, one case; prints {"seconds": median, "rss_before": …, "peak": …} (bytes)

def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _time(step, repeats: int) -> dict[str, float]:
    warm_up = max(3, min(20, repeats // 5))
    rss_before = _rss_bytes()
    for _ in range(warm_up):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "rss_before": rss_before, "peak": _peak_bytes()}


def bpcli_worker(case: str, m: int, side: int, repeats: int, command_line_settings: bool) -> dict:
    if command_line_settings:  # before numpy is imported, as the command line does
        from bpcli.__main__ import apply_process_settings

        apply_process_settings()
    import numpy as np

    import bpcli
    rng = np.random.default_rng(0)
    classes = 10
    labels = rng.integers(0, classes, m)
    Y = np.zeros((classes, m))
    Y[labels, np.arange(m)] = 1
    # every W and b given, as PyTorch's are (drawing them is part of loading a file without them)
    if case == "dense":
        X = rng.normal(size=(784, m))
        layers = [{"type": "dense", "units": 128, "activation": "relu",
                   "W": rng.normal(size=(128, 784)) * 0.03, "b": np.zeros((128, 1))},
                  {"type": "dense", "units": classes, "activation": "softmax",
                   "W": rng.normal(size=(classes, 128)) * 0.09, "b": np.zeros((classes, 1))}]
    else:
        X = rng.normal(size=(m, 3, side, side))
        flat = 16 * (side // 2) ** 2
        layers = [{"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1, "activation": "relu",
                   "W": rng.normal(size=(16, 3, 3, 3)) * 0.2, "b": np.zeros(16)},
                  {"type": "maxpool", "size": 2}, {"type": "flatten"},
                  {"type": "dense", "units": classes, "activation": "softmax",
                   "W": rng.normal(size=(classes, flat)) * 0.015, "b": np.zeros((classes, 1))}]
    spec = {"input": {"X": X, "Y": Y}, "layers": layers, "loss": "softmax_ce"}
    return _time(lambda: bpcli.compute(spec), repeats)


def torch_worker(case: str, m: int, side: int, repeats: int, threads: int) -> dict:
    import torch
    import torch.nn.functional as functional

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    f64 = torch.float64
    labels = torch.randint(0, 10, (m,))
    if case == "dense":
        X = torch.randn(m, 784, dtype=f64, requires_grad=True)
        W1 = (torch.randn(128, 784, dtype=f64) * 0.03).requires_grad_()
        b1 = torch.zeros(128, dtype=f64, requires_grad=True)
        W2 = (torch.randn(10, 128, dtype=f64) * 0.09).requires_grad_()
        b2 = torch.zeros(10, dtype=f64, requires_grad=True)

        def step():
            functional.cross_entropy(torch.relu(X @ W1.T + b1) @ W2.T + b2, labels).backward()
    else:
        X = torch.randn(m, 3, side, side, dtype=f64, requires_grad=True)
        Wc = (torch.randn(16, 3, 3, 3, dtype=f64) * 0.2).requires_grad_()
        bc = torch.zeros(16, dtype=f64, requires_grad=True)
        Wd = (torch.randn(10, 16 * (side // 2) ** 2, dtype=f64) * 0.015).requires_grad_()
        bd = torch.zeros(10, dtype=f64, requires_grad=True)

        def step():
            pooled = functional.max_pool2d(torch.relu(functional.conv2d(X, Wc, bc, padding=1)), 2)
            functional.cross_entropy(pooled.flatten(1) @ Wd.T + bd, labels).backward()
    return _time(step, repeats)


# ----------------------------------------------------------------------------------------------
# The driver

def run_worker(python: str, args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run([python, str(Path(__file__).resolve()), "--worker", *args], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_python() -> str | None:
    """A Python that can import torch: $BPCLI_TORCH_PYTHON, or this one."""
    for python in (os.environ.get("BPCLI_TORCH_PYTHON"), sys.executable):
        if python and subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0:
            return python
    return None


def compare(case: tuple[str, int, int], rounds: int, repeats: int, torch: str | None,
            command_line_settings: bool = False) -> dict:
    """bpcli and PyTorch on one case, alternating processes: medians and per-round ratios."""
    name, m, side = case
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run_worker(sys.executable, ["bpcli", name, str(m), str(side), str(repeats),
                                                str(int(command_line_settings))], plain_env()))
        if torch:
            theirs.append(run_worker(torch, ["torch", name, str(m), str(side), str(repeats), str(TORCH_THREADS)],
                                     plain_env()))
    result = {"bpcli": ours, "torch": theirs, "seconds": statistics.median(r["seconds"] for r in ours)}
    if torch:
        ratios = [o["seconds"] / t["seconds"] for o, t in zip(ours, theirs)]
        result.update(torch_seconds=statistics.median(r["seconds"] for r in theirs),
                      ratio=statistics.median(ratios), ratio_range=(min(ratios), max(ratios)))
    return result


def describe(label: str, result: dict, goal: float | None = None) -> str:
    line = f"{label:<34} bpcli {result['seconds'] * 1e3:8.2f} ms"
    if "ratio" in result:
        low, high = result["ratio_range"]
        line += (f"   PyTorch {result['torch_seconds'] * 1e3:8.2f} ms   ratio {result['ratio']:.2f} "
                 f"({low:.2f}–{high:.2f})")
        if goal is not None:
            line += f"   goal ≤ {goal}"
    return line


def library(rounds: int, repeats: int, torch: str | None) -> None:
    print("bpcli.compute in a plain process (no environment variables, no allocator settings):")
    print(describe("  CNN 8×3×32×32 conv16-relu-pool-dense", compare(CNN, rounds, repeats, torch), 1.0))
    print(describe("  dense 784-128-10, m = 64", compare(DENSE, rounds, repeats, torch), 0.7))
    print("the same with the command line's process settings (bpcli.__main__.apply_process_settings):")
    try:
        print(describe("  CNN", compare(CNN, rounds, repeats, torch, command_line_settings=True)))
        print(describe("  dense", compare(DENSE, rounds, repeats, torch, command_line_settings=True)))
    except subprocess.CalledProcessError:  # an older checkout (--repo) without them
        print("  (this checkout has no apply_process_settings)")


def scaling(rounds: int, repeats: int, torch: str | None) -> None:
    print("scaling series, bpcli.compute in a plain process (m × 3 × side², conv16-relu-pool-dense):")
    for m, side in SCALING:
        reps = max(5, repeats * 8 // (m * side * side // 256 + 8))  # fewer repetitions of the big ones
        print(describe(f"  m = {m:<3} × {side}²", compare(("cnn", m, side), rounds, reps, torch), 1.2))


def memory(rounds: int, torch: str | None) -> None:
    print("peak memory (MiB): whole process, and its growth from before the first pass")
    for m, side in ((128, 32), (32, 64)):
        result = compare(("cnn", m, side), rounds, 5, torch)
        line = f"  m = {m} × {side}²:"
        for who in ("bpcli", "torch"):
            if result[who]:
                peak = statistics.median(r["peak"] for r in result[who]) / 2 ** 20
                growth = statistics.median(r["peak"] - r["rss_before"] for r in result[who]) / 2 ** 20
                line += f"   {who} {peak:6.1f} (+{growth:.1f})"
        print(line)


def start_up_hooks() -> list[str]:
    """The .pth files of editable installs of bpcli in this environment: each Python start there
    runs their import hook (~28 ms measured on a 2-core VM), the bare imports' as well as bpcli's,
    so the start-up ratios would be off."""
    import glob
    import site

    folders = site.getsitepackages() + [site.getusersitepackages()]
    return sorted(path for folder in folders for path in glob.glob(os.path.join(folder, "__editable__*bpcli*.pth")))


def startup(runs: int) -> None:
    for hook in start_up_hooks():
        print(f"warning: an editable install of bpcli runs {hook} at every Python start here; the start-up "
              "ratios are off (measure in an environment without bpcli installed)")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(TINY_NET)
    # `python -m` puts the working directory first on sys.path: each command runs in REPO, so that
    # its bpcli is the one measured, not one in the directory bench.py was started from
    bpcli = [sys.executable, "-m", "bpcli"]
    bare = [sys.executable, "-c", "import numpy, yaml, json"]
    # the command line starts OpenBLAS on one thread, which saves starting the others: the bare
    # imports are timed both ways
    commands = {
        "bare": (bare, {}),
        "bare, OPENBLAS_NUM_THREADS=1": (bare, {"OPENBLAS_NUM_THREADS": "1"}),
        "compute --json": ([*bpcli, "compute", handle.name, "--json"], {}),
        "grade --target --answer": ([*bpcli, "grade", handle.name, "--target", "dW2", "--answer", "0 0; 0 0"], {}),
        "explain (terminal)": ([*bpcli, "explain", handle.name], {}),
    }
    goals = {"compute --json": 1.3, "grade --target --answer": 1.5}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command, extra in commands.values():  # writes the bytecode caches
        subprocess.run(command, env={**plain_env(), **extra}, cwd=REPO, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    for _ in range(runs):  # alternate, so drift on a noisy machine hits all alike
        for name, (command, extra) in commands.items():
            env = {**plain_env(), **extra}
            start = time.perf_counter()
            subprocess.run(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    os.unlink(handle.name)
    bare = statistics.median(times["bare"])
    print(f"start-up (median of {runs}; ratio to bare `import numpy, yaml, json`, {bare * 1e3:.0f} ms):")
    for name in list(commands)[1:]:
        median = statistics.median(times[name])
        goal = f"   goal ≤ {goals[name]}" if name in goals else ""
        print(f"  {name:<26} {median * 1e3:6.0f} ms   ratio {median / bare:.2f}{goal}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        who, case, m, side, repeats, *rest = sys.argv[2:]
        if who == "torch":
            result = torch_worker(case, int(m), int(side), int(repeats), int(rest[0]))
        else:
            result = bpcli_worker(case, int(m), int(side), int(repeats), bool(int(rest[0])))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])  # the sentence above
    parser.add_argument("--quick", action="store_true", help="fewer rounds and repetitions")
    parser.add_argument("--only", choices=("startup", "library", "scaling", "memory"), action="append")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="PyTorch's intra-op threads (default: its own choice, one per core)")
    parser.add_argument("--repo", type=Path, default=None,
                        help="measure the bpcli of this checkout (default: the one holding this file)")
    args = parser.parse_args()
    global TORCH_THREADS, REPO
    TORCH_THREADS = args.torch_threads
    REPO = (args.repo or REPO).resolve()
    parts = args.only or ["startup", "library", "scaling", "memory"]
    rounds, repeats = (3, 40) if args.quick else (7, 150)
    torch = torch_python()
    if torch is None and parts != ["startup"]:
        print("(PyTorch not found: set BPCLI_TORCH_PYTHON to a Python that has it for the ratios)")
    if "startup" in parts:
        startup(runs=10 if args.quick else 30)
    if "library" in parts:
        library(rounds, repeats, torch)
    if "scaling" in parts:
        scaling(rounds, repeats, torch)
    if "memory" in parts:
        memory(rounds, torch)


if __name__ == "__main__":
    main()
