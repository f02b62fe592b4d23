"""How long `bpcli explain` takes beside a bare `python -c "import numpy, yaml, json"`.

Whole-process times, medians of alternating runs (so load on the machine hits every case alike):
wall time, and CPU time (user + system of the child), which a busy machine disturbs less.
Byte-code caches are warmed first (PYTHONPYCACHEPREFIX, outside the checkout) since an installed
bpcli has them. Compare the ratios, not the milliseconds: machines differ.

    python benchmarks/explain_speed.py                       # this checkout, every bundled exercise
    python benchmarks/explain_speed.py --compare ../main     # and another checkout beside it
    python benchmarks/explain_speed.py --runs 9 --exercises 05,12 --args "--detail full"
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def environment(root: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(root), COLUMNS="80",
               PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / f"bpcli-bench-{abs(hash(str(root)))}"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run, in the checkout on PYTHONPATH (``python -m`` would import
    the package of the working directory first)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False,
                   cwd=env["PYTHONPATH"])
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", type=Path, help="another checkout to time beside this one")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exercises", default=",".join(f"{n:02d}" for n in range(1, 13)))
    parser.add_argument("--args", default="", help="extra arguments for explain, e.g. '--detail full'")
    options = parser.parse_args()
    checkouts = {"this": HERE} | ({"other": options.compare.resolve()} if options.compare else {})
    cases = [("bare", "", [sys.executable, "-c", "import numpy, yaml, json"], environment(HERE))]
    for label, root in checkouts.items():
        for exercise in options.exercises.split(","):
            cases.append((label, exercise, [sys.executable, "-m", "bpcli", "explain", exercise,
                                            *shlex.split(options.args)], environment(root)))
    for _, _, command, env in cases:
        timed(command, env)  # warm the byte-code caches and the disk
    walls: list[list[float]] = [[] for _ in cases]
    cpus: list[list[float]] = [[] for _ in cases]
    for _ in range(options.runs):
        for position, (_, _, command, env) in enumerate(cases):
            wall, cpu = timed(command, env)
            walls[position].append(wall)
            cpus[position].append(cpu)
    bare_wall, bare_cpu = statistics.median(walls[0]), statistics.median(cpus[0])
    print(f"bare python -c 'import numpy, yaml, json': wall {bare_wall * 1000:.0f} ms, CPU {bare_cpu * 1000:.0f} ms "
          f"(medians of {options.runs})")
    for position, (label, exercise, _, _) in list(enumerate(cases))[1:]:
        wall, cpu = statistics.median(walls[position]), statistics.median(cpus[position])
        print(f"{label:5}  explain {exercise} {options.args}:  wall {wall * 1000:5.0f} ms {wall / bare_wall:.2f}×"
              f"   CPU {cpu * 1000:5.0f} ms {cpu / bare_cpu:.2f}×")


if __name__ == "__main__":
    main()
