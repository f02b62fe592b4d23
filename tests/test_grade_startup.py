"""`bpcli grade FILE --target T --answer A`, which autograders run in a loop, starts without Typer:
``bpcli.__main__`` recognises the plain form and calls the function the Typer command calls. Here:
both ways print the same bytes and exit with the same code, whatever the line holds, and the fast
way really loads neither Typer nor (with --json) Rich, so its speed cannot quietly go.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, cli_env, write_network

CJK = re.compile("[\u4e00-\u9fff]")
# Mazur's two-layer example (the benchmark's TINY_NET): one sample, mse
TINY = """\
input: {X: [[0.05], [0.10]], Y: [[0.01], [0.99]]}
layers:
  - {type: dense, units: 2, activation: sigmoid, W: [[0.15, 0.20], [0.25, 0.30]], b: [0.35, 0.35]}
  - {type: dense, units: 2, activation: sigmoid, W: [[0.40, 0.45], [0.50, 0.55]], b: [0.60, 0.60]}
loss: mse
"""
# layer 2's W with 3 columns where layer 1 gives 2 values: layers[1].W (the list is indexed from 0)
BROKEN_W = TINY.replace("W: [[0.40, 0.45], [0.50, 0.55]]", "W: [[0.40, 0.45, 0.1], [0.50, 0.55, 0.2]]")

#: runs ``bpcli ARGS`` for each line of its stdin (JSON: [args, ...]) in one process through
#: ``bpcli.__main__.main``; "typer" makes the recogniser decline every line, as for a line it does
#: not know, so the same lines go through Typer. Reports, per line, whether the fast path served it.
_RUNNER = r"""
import io, json, sys
import bpcli.commands.grade_answer as entry
from bpcli.__main__ import main

through_typer = sys.argv[1] == "typer"
recognise = entry.plain_grade_request
served = []

def recognise_or_decline(args):
    request = None if through_typer else recognise(args)
    served.append(request is not None)
    return request

entry.plain_grade_request = recognise_or_decline
results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    sys.argv, sys.stdout, sys.stderr = ["bpcli", *args], out, err
    served.clear()
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    results.append([code, out.getvalue(), err.getvalue(), any(served)])
json.dump(results, sys.stdout)
"""


def run_both_ways(many_args: list[list[str]], env: dict[str, str] | None = None):
    """(fast, through Typer): for each ARGS, [exit code, stdout, stderr, served by the fast path]."""
    payload = json.dumps([[str(a) for a in args] for args in many_args])
    outcomes = []
    for way in ("fast", "typer"):
        done = subprocess.run([sys.executable, "-c", _RUNNER, way], input=payload, capture_output=True,
                              text=True, env=env or cli_env(), cwd=REPO_ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
        outcomes.append(json.loads(done.stdout))
    return outcomes


def plain_lines(file: str, broken: str) -> list[list[str]]:
    """Lines of the plain form: every one is served by the fast path."""
    return [
        ["grade", file, "--target", "dW2", "--answer", "dZ2 @ A1.T"],  # right (a formula)
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0"],  # wrong: the marked matrix
        ["grade", file, "--target", "dW2", "--answer", "A1 @ dZ2.T"],  # wrong: transposed
        ["grade", file, "--target", "dW2", "--answer", "1 2 ;; x"],  # numbers it cannot read
        ["grade", file, "--target", "dW2", "--answer", "dZ2 @@ A1"],  # a formula it cannot read
        ["grade", file, "--target", "dW9", "--answer", "0"],  # a layer the network lacks
        ["grade", file, "--target", "weights", "--answer", "0"],  # not a target at all
        ["grade", file + ".missing", "--target", "dW2", "--answer", "0"],  # no such file
        ["grade", broken, "--target", "dW2", "--answer", "0"],  # layer 2's W of the wrong shape
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--json"],
        ["grade", file, "--target", "dW2", "--answer", "dZ2 @ A1.T", "--json"],
        ["grade", file, "--target", "dW2", "--answer", "dZ2 @@ A1", "--json"],
        ["grade", file, "--target", "dW9", "--answer", "0", "--json"],
        ["grade", broken, "--target", "dW2", "--answer", "0", "--json"],
        ["grade", file + ".missing", "--target", "dW2", "--answer", "0", "--json"],
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--lang", "zh"],
        ["grade", file, "--target", "dW2", "--answer", "A1 @ dZ2.T", "--lang=zh", "--json"],
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--lang", "en"],
        ["grade", "--json", "--answer", "A1 @ dZ2.T", "--target", "dW2", file],  # other orders
        ["grade", "--target", "dW2", file, "--answer", "dZ2 @ A1.T"],
        ["grade", file, "--answer=0 0; 0 0", "--target=dW2"],  # the = forms
        ["grade", file, "-t", "db1", "-a", "0; 0"],
        ["grade", "--target", "dW2", "--answer", "-0.1", "--", file],  # a value with a dash; --
        ["grade", "--target", "dW2", "--answer", "--json", file],  # a value is the next word, whatever it is
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--rtol", "0.9"],
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--rtol=0.9", "--json"],
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--rtol", "nan", "--json"],  # refused by grade
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--rtol", "2"],
        ["grade", file, "--target", "", "--answer", "0"],
        ["grade", file, "--target", "dW2", "--answer", "--"],  # "--" as a value, not the end of options
    ]


def typer_lines(file: str) -> list[list[str]]:
    """Lines the fast path leaves to Typer: help, usage errors, --batch, values Typer must read."""
    return [
        ["grade", "--help"],
        ["grade", file, "--target", "dW2", "--answer", "0", "-h"],
        ["grade", file, "--target", "dW2"],  # no answer
        ["grade", file, "--target", "dW2", "--answer"],  # no value
        ["grade", file, "--target", "dW2", "--target", "db2", "--answer", "0"],  # repeated
        ["grade", file, "--target", "dW2", "--answer", "0", "--bogus"],
        ["grade", file, "--target", "dW2", "--answer", "0", "--json=yes"],
        ["grade", file, file, "--target", "dW2", "--answer", "0"],  # two files
        ["grade", "--target", "dW2", "--answer", "0", "--", file, "--json"],
        ["grade", file, "--target", "dW2", "--answer", "0", "--rtol", "a lot"],
        ["grade", file, "--target", "dW2", "--answer", "0", "--lang", "fr"],
        ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0", "--lang", "ZH"],  # Typer ignores case
        ["grade", file, "-tdW2", "--answer", "0"],
        ["grade", file, "-t=dW2", "--answer", "0"],
        ["grade", file, "--target", "dW2", "--answer", "0", "--stats"],
        ["grade", "--batch", file],
        ["--version", "grade", file, "--target", "dW2", "--answer", "0"],
    ]


@pytest.fixture
def files(tmp_path):
    return str(write_network(tmp_path, TINY)), str(write_network(tmp_path, BROKEN_W, "broken.yaml"))


def _assert_same(many_args, fast, typer, served_fast: bool):
    for args, by_fast_path, by_typer in zip(many_args, fast, typer):
        assert by_fast_path[3] is served_fast, args
        assert not by_typer[3], args
        assert by_fast_path[:3] == by_typer[:3], args


def test_the_plain_form_is_served_without_typer_and_prints_what_typer_prints(files):
    file, broken = files
    lines = plain_lines(file, broken)
    fast, typer = run_both_ways(lines)
    _assert_same(lines, fast, typer, served_fast=True)
    codes = [code for code, *_ in fast]
    # the table covers right (0), wrong (1) and unusable (2) lines, and the bpcli.error/1 document
    assert {0, 1, 2} <= set(codes)
    assert codes[:9] == [0, 1, 1, 2, 2, 2, 2, 2, 2]
    assert json.loads(fast[13][1])["error"]["path"] == "layers[1].W"
    assert json.loads(fast[11][1])["error"]["code"] == "invalid_answer"


def test_every_other_line_is_left_to_typer(files):
    file, _ = files
    lines = typer_lines(file)
    fast, typer = run_both_ways(lines)
    _assert_same(lines, fast, typer, served_fast=False)
    assert fast[0][0] == 0 and "--target" in fast[0][1]  # the help
    assert fast[2][0] == 2 and fast[2][2].startswith("bpcli: error:")


def test_the_locale_language_and_a_terminal_get_the_same_output_both_ways(files):
    file, broken = files
    lines = [["grade", file, "--target", "dW2", "--answer", answer, *more]
             for answer in ("dZ2 @ A1.T", "0 0; 0 0", "A1 @ dZ2.T", "dZ2 @@ A1") for more in ([], ["--json"])]
    lines.append(["grade", broken, "--target", "dW2", "--answer", "0"])
    chinese = cli_env(LANG="zh_CN.UTF-8")  # the verdict in Chinese; the JSON stays English
    fast, typer = run_both_ways(lines, env=chinese)
    _assert_same(lines, fast, typer, served_fast=True)
    assert CJK.search(fast[2][1]) and not CJK.search(json.loads(fast[3][1])["message"])
    terminal = cli_env(FORCE_COLOR="1")  # Rich treats stdout as a terminal: colours (TTY_COMPATIBLE needs Rich 14)
    terminal.pop("NO_COLOR")
    fast, typer = run_both_ways(lines, env=terminal)
    _assert_same(lines, fast, typer, served_fast=True)
    assert "\x1b[" in fast[2][1]


def test_the_network_on_standard_input_through_the_real_command(files):
    """FILE "-": the process's own stdin, read once, both ways."""
    file, _ = files
    args = ["grade", "-", "--target", "dW2", "--answer", "0 0; 0 0"]
    single = ("import sys\nimport bpcli.commands.grade_answer as entry\n"
              "entry.plain_grade_request = lambda args: None\n"
              "from bpcli.__main__ import main\nsys.argv = ['bpcli', *sys.argv[1:]]\nmain()\n")
    runs = [subprocess.run(command, input=TINY, capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT,
                           timeout=60)
            for command in ([sys.executable, "-m", "bpcli", *args], [sys.executable, "-c", single, *args])]
    fast, typer = ((done.returncode, done.stdout, done.stderr) for done in runs)
    assert fast == typer
    assert fast[0] == 1 and "your dW2" in fast[1]


WATCHED_MODULES = ("typer", "click", "rich", "rich._emoji_codes", "numpy.ma")


def _modules_after(args: list[str], **env: str) -> dict[str, bool]:
    """Which frameworks (and Rich's emoji table) a real ``bpcli ARGS`` process has loaded by the
    time it exits."""
    script = ("import atexit, sys\n"
              "watched = set(sys.argv[1].split())\n"
              "atexit.register(lambda: sys.__stderr__.write('MODULES ' + repr(sorted(\n"
              "    ({m.split('.')[0] for m in sys.modules} | set(sys.modules)) & watched)) + '\\n'))\n"
              "from bpcli.__main__ import main\nsys.argv = ['bpcli', *sys.argv[2:]]\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script, " ".join(WATCHED_MODULES), *args], capture_output=True,
                          text=True, env=cli_env(**env), cwd=REPO_ROOT, timeout=60)
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))
    loaded = eval(line[len("MODULES "):], {})  # noqa: S307 - our own repr of a list of names
    return {name: name in loaded for name in WATCHED_MODULES}


def _rich_loads_its_emoji_table() -> bool:
    """Whether importing what the verdict uses loads Rich's emoji table by itself."""
    code = "import sys, rich.console, rich.table; print('rich._emoji_codes' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip() == "True"


def _numpy_loads_its_masked_arrays() -> bool:
    """Whether ``import numpy`` loads numpy.ma by itself (numpy 1.x does; 2.x on first use)."""
    code = "import sys, numpy; print('numpy.ma' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip() == "True"


def test_a_plain_grade_loads_neither_typer_nor_with_json_rich(files):
    file, _ = files
    wrong = ["grade", file, "--target", "dW2", "--answer", "0 0; 0 0"]
    # nor numpy's masked arrays (10 ms), which np.unique loaded for an answer holding zeros
    nothing = {**dict.fromkeys(WATCHED_MODULES, False), "numpy.ma": _numpy_loads_its_masked_arrays()}
    assert _modules_after(wrong + ["--json"]) == nothing
    # the human verdict is Rich's (colours, the width, wrapping, the marked matrix): Typer still
    # stays out, and so does Rich's table of :name: emoji codes (1.8 ms), which bpcli never prints,
    # unless Rich loads it on import itself (Rich 13.0 does)
    assert _modules_after(wrong) == {**nothing, "rich": True, "rich._emoji_codes": _rich_loads_its_emoji_table()}
    # and the check can see them: a line the fast path leaves to Typer loads it
    assert _modules_after(wrong + ["--lang", "ZH"])["typer"]
    # a shell asking for completions gets Typer's, whatever the line holds
    assert _modules_after(wrong + ["--json"], _BPCLI_COMPLETE="complete_bash", COMP_WORDS="bpcli grade",
                          COMP_CWORD="1")["typer"]
