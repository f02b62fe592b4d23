"""The import graph of bpcli: every module imports in a fresh interpreter, no module imports
itself back through others (no cycle, counting imports inside functions too), and the data
layers (core/, narrate/) never reach for Rich or the renderers.

The graph is read from the source (ast), so an import inside a function counts as much as one
at the top: a cycle that only closes when a function runs is still a cycle.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from conftest import cli_env

PACKAGE = Path(__file__).resolve().parents[1] / "bpcli"
#: layers that hold data and numbers only: they never print and never render
DATA_LAYERS = ("bpcli.core", "bpcli.narrate")
RENDERING = ("rich", "bpcli.render")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name (packages by their __init__)."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_names(path: Path, name: str, is_package: bool) -> set[str]:
    """Every module ``path`` imports, anywhere in it (top level, functions, methods), as dotted
    names: 'from bpcli.narrate import methods' names bpcli.narrate.methods when that is a module."""
    known = modules()
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return found


def registered_modules() -> set[str]:
    """The modules ``bpcli.kinds`` imports by name, on first use of a layer kind."""
    from bpcli.kinds import KINDS

    return {reference.partition(":")[0] for kind in KINDS.values()
            for reference in (kind.core, kind.narrate, kind.grading)}


def import_graph() -> dict[str, set[str]]:
    """bpcli module → the bpcli modules it imports. ``bpcli.kinds`` names the kinds' modules as
    strings and imports them on a lookup, as plugins: a caller of the registry does not depend
    on them, so those lookups are not edges (the kinds' modules' own imports are)."""
    known = modules()
    return {name: {target for target in imported_names(path, name, path.name == "__init__.py")
                   if target in known and target != name}
            for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path [a, b, …, a], or None (depth-first search, white/grey/black)."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return trail[trail.index(target):] + [target]
            if state.get(target) is None:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = 2
        trail.pop()
        return None

    for start in sorted(graph):
        if state.get(start) is None:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_every_module_imports_in_a_fresh_interpreter():
    script = ("import importlib, json, sys\n"
              f"names = {sorted(modules())!r}\n"
              "failed = {}\n"
              "for name in names:\n"
              "    try:\n"
              "        importlib.import_module(name)\n"
              "    except Exception as error:\n"
              "        failed[name] = repr(error)\n"
              "print(json.dumps(failed))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}


def test_no_import_cycle_among_bpcli_modules():
    graph = import_graph()
    assert len(graph) > 40 and "bpcli.kinds" in graph["bpcli.narrate.explain"]
    assert registered_modules() <= set(graph)
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_data_layers_never_import_rich_or_the_renderers():
    offenders = []
    for name, path in modules().items():
        if name.startswith(DATA_LAYERS):
            for target in imported_names(path, name, path.name == "__init__.py"):
                if any(target == banned or target.startswith(banned + ".") for banned in RENDERING):
                    offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_importing_and_running_the_narration_loads_no_renderer():
    """The same at run time: explaining a network (the data, not its display) loads neither Rich
    nor bpcli.render."""
    script = ("import sys, bpcli\n"
              f"bpcli.explain({str(PACKAGE / 'exercises' / '04_two_layer_tanh.yaml')!r}, method='trace', check=False)\n"
              "print([m for m in sys.modules if m.split('.')[0] == 'rich' or m.startswith('bpcli.render')])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_cycle_finder_finds_a_cycle_and_the_graph_sees_imports_inside_functions(tmp_path):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    source = tmp_path / "sample.py"
    source.write_text("def show():\n    from bpcli.render.markdown import render_explanation\n", encoding="utf-8")
    assert "bpcli.render.markdown" in imported_names(source, "bpcli.sample", is_package=False)
