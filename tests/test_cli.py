"""The command line as a user meets it: help, version, starters, compute's human and JSON output,
plain output when piped or with NO_COLOR, and `check`'s exit codes (0 agree, 1 disagree, kinks
flagged but not failing)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import yaml
from rich.cells import cell_len

import bpcli
from bpcli.core import gradcheck
from bpcli.core.dense import Dense
from conftest import REFERENCE_DIR, REPO_ROOT, cli_env, reference_names, run_cli, run_cli_batch, write_network

ANSI = re.compile(r"\x1b\[")

SATURATED = {  # a sigmoid at z = ±800: finite loss and dZ, and a warning
    "input": {"X": [[800, -800]], "Y": [[0, 1]]},
    "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]], "b": [[0]]}],
    "loss": "bce",
}
RELU_AT_ZERO = {  # Z1 = W·1 + b = 0 for the first sample: relu's kink
    "input": {"X": [[1, 2]], "Y": [[-1, 0]]},
    "layers": [{"type": "dense", "units": 1, "activation": "relu", "W": [[1]], "b": [[-1]]},
               {"type": "dense", "units": 1, "activation": "linear", "W": [[2]], "b": [[0]]}],
    "loss": "mse",
}
TWO_DENSE = {
    "input": {"X": [[1.0, 2.0, -1.0], [0.5, 0.0, 1.5]], "Y": [[1, 0, 1]]},
    "layers": [{"type": "dense", "units": 3, "activation": "tanh"},
               {"type": "dense", "units": 1, "activation": "sigmoid"}],
    "loss": "bce",
}


# ---------------------------------------------------------------------------------------------
# help and version


@pytest.mark.parametrize("command", ["compute", "check", "new"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_of_each_command_shows_an_example(command, flag):
    (code, out, err), = run_cli_batch([[command, flag]])
    assert code == 0, err
    assert "Usage:" in out
    assert re.search(rf"Example: bpcli {command} ", out), out


def test_top_level_help_lists_the_commands_and_a_first_step():
    code, out, err = run_cli(["--help"])
    assert code == 0, err
    for command in ("compute", "check", "new"):
        assert re.search(rf"^\W*{command}\s", out, re.MULTILINE), f"{command} missing from --help"
    assert "bpcli new dense" in out  # how to start
    assert "--install-completion" in out  # shell completion is offered
    assert not ANSI.search(out)


def test_version():
    code, out, err = run_cli(["--version"])
    assert code == 0, err
    assert out.strip() == f"bpcli {bpcli.__version__}"


def test_no_arguments_shows_help_not_a_traceback():
    code, out, err = run_cli([])
    assert code in (0, 2)
    assert "Usage:" in out + err
    assert "Traceback" not in err


def test_unknown_command_is_a_usage_error():
    code, out, err = run_cli(["comptue", "x.yaml"])
    assert code == 2
    assert "No such command" in err and "Traceback" not in err


@pytest.mark.parametrize("args, words", [
    (["explain", "04", "--detail", "bogus"], "'bogus' is not one of"),
    (["explain", "04", "--bogus"], "--bogus"),  # "No such option: --bogus", or quoted by newer Clicks
    (["new", "rnn"], "'rnn' is not one of"),
    (["explain"], "Missing argument"),
    (["grade", "04", "--target", "dW2", "--answer", "x", "--rtol", "abc"], "'abc' is not a valid float"),
    (["quiz", "--random", "--level", "0"], "not in the range"),
], ids=["bad choice", "unknown option", "bad argument", "missing argument", "bad number", "out of range"])
def test_a_usage_error_is_one_line_on_stderr(args, words):
    code, out, err = run_cli(args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("bpcli: error: ") and words in err, err
    assert f"(see 'bpcli {args[0]} -h')" in err


IGNORED_OPTIONS = [
    (["quiz", "04", "--list"], "give only one of NAME, --list, --random, --progress, --reset (found NAME and --list)"),
    (["quiz", "--list", "--progress"], "(found --list and --progress)"),
    (["quiz", "04", "--level", "1"], "--level goes with --random"),  # typed, though it is the default
    (["quiz", "04", "--seed", "3"], "--seed goes with --random"),
    (["quiz", "04", "--export", "x.yaml"], "--export goes with --random"),
    (["quiz", "--progress", "--yes"], "--yes goes with --reset"),
    (["quiz", "--random", "--reset", "--yes"], "(found --random and --reset)"),
    (["explain", "04", "--forward", "--backward"], "give only one of --forward, --backward"),
    (["explain", "04", "--step", "--format", "markdown"], "--step pauses in the terminal"),
    (["grade", "04", "--target", "dW2", "--answer", "x", "--stats"], "--stats goes with --batch ANSWERS"),
    (["quiz", "04", "--level", "2", "--lang", "zh"], "--level 只能与 --random 一起用"),
]


def test_options_that_would_be_ignored_are_refused(tmp_path):
    """An option that does nothing with the others given (quiz's --level without --random, NAME
    with --list) is a usage error, not silently dropped: exit 2, one line, nothing done."""
    data = tmp_path / "data"
    data.mkdir()
    results = run_cli_batch([args for args, _ in IGNORED_OPTIONS], env=cli_env(BPCLI_DATA_DIR=str(data)))
    for (args, words), (code, out, err) in zip(IGNORED_OPTIONS, results):
        assert (code, out) == (2, ""), (args, code, out, err)
        assert err.count("\n") == 1 and err.startswith("bpcli: error: ") and words in err, (args, err)
    assert not (REPO_ROOT / "x.yaml").exists()
    assert list(data.iterdir()) == []  # no progress file made, none reset


def test_the_options_a_mode_takes_are_accepted(tmp_path):
    """The same options where they belong still work: --random with --level, --seed and --export."""
    target = tmp_path / "generated.yaml"
    code, out, err = run_cli(["quiz", "--random", "--level", "2", "--seed", "3", "--export", target])
    assert code == 0, err
    assert "layers" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("cause, expected", [(KeyboardInterrupt, 130), (EOFError, 1)], ids=["ctrl-c", "ctrl-d"])
def test_a_prompts_abort_exits_130_when_interrupted(monkeypatch, cause, expected):
    """Click turns Ctrl-C and Ctrl-D at a prompt (quiz --reset's) into an Abort, which Typer exited
    with 1 and 'Aborted!': Ctrl-C is an interruption (130), Ctrl-D declines (1)."""
    import typer

    import bpcli.cli
    from bpcli import __main__ as entry

    def prompt(*args, **kwargs):
        try:
            raise cause()
        except cause:
            raise typer.Abort() from None  # as Click's prompts do

    monkeypatch.setattr(bpcli.cli, "app", prompt)
    with pytest.raises(SystemExit) as exited:
        entry._run(["quiz", "--reset"])
    assert exited.value.code == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal and POSIX signals")
def test_ctrl_c_at_the_reset_prompt_of_a_terminal_exits_130(tmp_path):
    import os
    import pty
    import selectors
    import signal
    import time

    terminal, child_side = pty.openpty()
    # stdin a terminal, as at the keyboard (the prompt needs one); stdout a pipe to read from. A
    # shell's background job ignores SIGINT and a child inherits that: Ctrl-C reaches a user's.
    child = subprocess.Popen([sys.executable, "-m", "bpcli", "quiz", "--reset"], stdin=child_side,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=cli_env(BPCLI_DATA_DIR=str(tmp_path)), cwd=REPO_ROOT,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(child_side)
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    shown, deadline = b"", time.monotonic() + 30
    try:
        while b"[y/N]" not in shown and selector.select(timeout=max(0.0, deadline - time.monotonic())):
            chunk = os.read(child.stdout.fileno(), 4096)
            if not chunk:
                break
            shown += chunk
        assert b"[y/N]" in shown, shown
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        assert child.returncode == 130, err
        assert b"Traceback" not in err and b"Aborted" not in err
    finally:
        child.kill()
        selector.close()
        os.close(terminal)


# ---------------------------------------------------------------------------------------------
# new: starter files that load and compute


@pytest.mark.parametrize("kind", ["dense", "cnn"])
def test_new_prints_a_commented_starter_that_computes(kind):
    code, starter, err = run_cli(["new", kind])
    assert code == 0, err
    assert "#" in starter  # commented, for a learner to edit
    spec = yaml.safe_load(starter)
    result = bpcli.compute(spec)  # loads and runs through the API ...
    assert np.isfinite(result["loss"])
    if kind == "cnn":
        assert {layer["type"] for layer in result["layers"]} >= {"conv2d", "flatten", "dense"}
    # ... and piped into `compute -`, as the README suggests
    code, out, err = run_cli(["compute", "-", "--json"], input=starter)
    assert code == 0, err
    assert json.loads(out)["loss"] == pytest.approx(result["loss"], rel=1e-15)
    code, out, err = run_cli(["compute", "-"], input=starter)
    assert code == 0, err
    assert "loss" in out


def test_new_with_an_unknown_kind_is_a_usage_error():
    (code, out, err), = run_cli_batch([["new", "rnn"]])
    assert code == 2
    assert "rnn" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# compute


def test_compute_human_output_shows_the_loss_and_shapes(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    expected = bpcli.compute(TWO_DENSE)
    code, out, err = run_cli(["compute", file])
    assert code == 0, err
    found = re.search(r"loss J = ([-+0-9.e]+)", out)
    assert found, out
    assert float(found.group(1)) == pytest.approx(expected["loss"], rel=1e-9)
    assert "bce" in out and "m = 3" in out
    assert "3×3" in out and "1×3" in out  # A1 (3 units × 3 samples), dW2 (1 × 3)
    assert err == ""


def test_compute_json_prints_one_document_and_warnings_on_stderr(tmp_path):
    file = write_network(tmp_path, SATURATED)
    code, out, err = run_cli(["compute", file, "--json"])
    assert code == 0, err
    assert out.endswith("}\n") and out.count("\n") == 1  # one JSON document, nothing else
    document = json.loads(out)
    assert document["schema"] == "bpcli.compute/1"
    assert document["warnings"], "a saturated sigmoid must be reported"
    for warning in document["warnings"]:
        assert f"bpcli: warning: {warning}" in err
    assert "NaN" not in out and "Infinity" not in out  # non-finite numbers are written as null


def test_compute_json_full_precision_round_trip(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    code, out, err = run_cli(["compute", file, "--json"])
    assert code == 0, err
    document = json.loads(out)
    expected = bpcli.compute(TWO_DENSE)
    assert document["loss"] == expected["loss"]  # bit for bit: shortest round-trip floats
    assert np.array_equal(np.array(document["layers"][0]["dW"]), expected["layers"][0]["dW"])
    assert np.array_equal(np.array(document["dX"]), expected["dX"])


def test_compute_json_is_the_same_through_the_fast_path_and_through_typer(tmp_path):
    """`compute FILE --json` skips Typer; `compute --json -- FILE` goes through it."""
    file = write_network(tmp_path, SATURATED)
    fast, fast_reversed, typer = run_cli_batch([["compute", file, "--json"], ["compute", "--json", file],
                                                ["compute", "--json", "--", file]])
    assert fast[0] == fast_reversed[0] == typer[0] == 0
    assert fast[1] == fast_reversed[1] == typer[1]
    assert fast[2] == typer[2]


def test_nothing_on_stdout_is_coloured_when_piped_or_with_no_color(tmp_path):
    file = write_network(tmp_path, SATURATED)
    # piped (not a terminal) with a colour terminal declared, and NO_COLOR unset
    env = cli_env(TERM="xterm-256color")
    env.pop("NO_COLOR")
    for args in (["compute", file], ["check", file], ["compute", file, "--json"], ["--help"]):
        done = subprocess.run([sys.executable, "-m", "bpcli", *map(str, args)], capture_output=True,
                              env=env, cwd=REPO_ROOT, timeout=60)
        assert not ANSI.search(done.stdout.decode()), args
        assert not ANSI.search(done.stderr.decode()), args
    # and with NO_COLOR set
    for args in (["compute", file], ["check", file]):
        code, out, err = run_cli(args)
        assert code == 0 and not ANSI.search(out) and not ANSI.search(err)


def test_no_color_on_a_terminal_is_plain(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    code, out, err = run_cli(["compute", file], env=cli_env(TTY_COMPATIBLE="1"))  # Rich: act as a terminal
    assert code == 0, err
    assert not ANSI.search(out)


# ---------------------------------------------------------------------------------------------
# check


REFERENCES = reference_names()


@pytest.mark.skipif(not REFERENCES, reason=f"shared reference cases not found at {REFERENCE_DIR}")
def test_check_exits_0_on_every_reference_case():
    results = run_cli_batch([["check", REFERENCE_DIR / f"{name}.yaml"] for name in REFERENCES])
    for name, (code, out, err) in zip(REFERENCES, results):
        assert code == 0, f"{name}: {out}{err}"
        assert "All gradients agree" in out
        assert "DISAGREES" not in out


@pytest.mark.skipif(not REFERENCES, reason=f"shared reference cases not found at {REFERENCE_DIR}")
def test_check_in_its_own_process_with_all_entries():
    code, out, err = run_cli(["check", REFERENCE_DIR / f"{REFERENCES[0]}.yaml", "--all"])
    assert code == 0, err
    assert "All gradients agree" in out


def doubled_dW_backward(original):
    def backward(self, dZ, A_prev):
        dA_prev, gradients = original(self, dZ, A_prev)
        return dA_prev, {**gradients, "W": gradients["W"] * 2}
    return backward


def test_gradcheck_finds_a_wrong_dW(monkeypatch):
    monkeypatch.setattr(Dense, "backward", doubled_dW_backward(Dense.backward))
    report = gradcheck.check(bpcli.load(TWO_DENSE), sample=None)
    assert not report.ok
    failing = {t.name for t in report.tensors if not t.ok}
    assert failing == {"W1", "W2"}  # b and X are still right
    w2 = next(t for t in report.tensors if t.name == "W2")
    assert w2.relative_error == pytest.approx(0.5, rel=1e-4)  # |2g − g| / |2g|


def test_gradcheck_passes_the_unpatched_network():
    report = gradcheck.check(bpcli.load(TWO_DENSE), sample=None)
    assert report.ok
    assert all(t.relative_error < 1e-7 for t in report.tensors)


PATCH_THEN_RUN = """
import sys
from bpcli.core.dense import Dense
original = Dense.backward
def backward(self, dZ, A_prev):
    dA_prev, gradients = original(self, dZ, A_prev)
    return dA_prev, {**gradients, "W": gradients["W"] * 2}
Dense.backward = backward
sys.argv = ["bpcli", "check", *sys.argv[1:]]
from bpcli.__main__ import main
main()
"""


def test_check_exits_1_when_a_gradient_disagrees(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    done = subprocess.run([sys.executable, "-c", PATCH_THEN_RUN, str(file)], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "WRONG" in done.stdout
    assert "Some gradients disagree" in done.stdout
    assert "disagrees" in done.stderr and "Traceback" not in done.stderr
    # and the same file, unpatched, passes
    code, out, err = run_cli(["check", file])
    assert code == 0, out + err


def test_relu_exactly_at_zero_is_flagged_as_a_kink_and_does_not_fail(tmp_path):
    report = gradcheck.check(bpcli.load(RELU_AT_ZERO), sample=None)
    assert report.ok
    kinks = {t.name: t.kinks for t in report.tensors}
    assert kinks["W1"] == [(0, 0)] and kinks["b1"] == [(0, 0)]
    assert kinks["X"] == [(0, 0)]  # sample 0 sits on the kink, sample 1 does not
    assert kinks["W2"] == [] and kinks["b2"] == []

    file = write_network(tmp_path, RELU_AT_ZERO)
    code, out, err = run_cli(["check", file])
    assert code == 0, out + err
    assert "kinks" in out.lower()
    row = next(line for line in out.splitlines() if re.match(r"\W*W1\s", line))
    assert re.search(r"\b1\b\s*\W*\s*ok", row), row  # one kink, still ok


def test_check_table_fits_80_columns_without_cutting_numbers(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    done = subprocess.run([sys.executable, "-c", PATCH_THEN_RUN, str(file)], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 1
    assert "…" not in done.stdout
    too_wide = [line for line in done.stdout.splitlines() if cell_len(line) > 80]
    assert not too_wide, too_wide
    # one row per tensor, on one line, with its whole relative error (W doubled: |2g − g|/|2g| = 0.5,
    # shown as the power of ten it stays under)
    for name, error in (("W1", "< 1 "), ("W2", "< 1 ")):
        row = next(line for line in done.stdout.splitlines() if re.match(rf"\W*{name}\s", line))
        assert error in row and "WRONG" in row, row


def test_check_and_compute_speak_the_learners_language(tmp_path):
    """check and compute's summary were English only, whatever --lang or the locale said (a network
    file's mistakes too); they take --lang, and default to the locale, as explain, quiz and grade do.
    compute --json stays English: its JSON is for scripts."""
    file = write_network(tmp_path, TWO_DENSE)
    done = subprocess.run([sys.executable, "-c", PATCH_THEN_RUN, str(file), "--lang", "zh"], capture_output=True,
                          text=True, env=cli_env(), cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "有限差分检验" in done.stdout and "有些梯度与有限差分不一致" in done.stdout
    assert "WRONG" not in done.stdout and "rel.err" not in done.stdout
    row = next(line for line in done.stdout.splitlines() if re.match(r"\W*W2\s", line))
    assert "< 1 " in row and "错误" in row, row
    assert done.stderr.strip() == "bpcli: error: 有解析梯度与有限差分不一致", done.stderr
    too_wide = [line for line in done.stdout.splitlines() if cell_len(line) > 80]
    assert not too_wide, too_wide
    relu_file = write_network(tmp_path, RELU_AT_ZERO, "relu.yaml")
    code, out, err = run_cli(["check", relu_file], env=cli_env(LANG="zh_CN.UTF-8"))
    assert code == 0 and "所有梯度都与有限差分一致" in out and "不可导点：" in out, out + err
    code, out, err = run_cli(["compute", relu_file, "--lang", "zh"])
    assert code == 0 and "损失 J = " in out and "A 的维度" in out and "全部数值" in out, out + err
    assert "恰好为 0" in err and "exactly 0" not in err, err  # the run's warning
    code, out, err = run_cli(["compute", relu_file, "--json"], env=cli_env(LANG="zh_CN.UTF-8"))
    assert code == 0 and "exactly 0" in out and "exactly 0" in err, err
    broken = write_network(tmp_path, {**TWO_DENSE, "layers": [{**TWO_DENSE["layers"][0], "W": [[1.0]]},
                                                              TWO_DENSE["layers"][1]]}, "broken.yaml")
    for command in ("check", "compute"):
        code, _, err = run_cli([command, broken, "--lang", "zh"])
        assert code == 2 and re.search("[\u4e00-\u9fff]", err) and "Traceback" not in err, err


def test_the_notebook_check_report_speaks_the_language_asked():
    report = bpcli.check(bpcli.load(TWO_DENSE), lang="zh")
    page = report._repr_html_()
    assert "有限差分检验" in page and "相对误差" in page and "rel.err" not in page
    assert "rel.err" in bpcli.check(bpcli.load(TWO_DENSE))._repr_html_()
    with pytest.raises(bpcli.UsageError, match="unknown language 'fr'"):
        bpcli.check(TWO_DENSE, lang="fr")


MAXPOOL_TIES = {  # the tie example of test_hand_worked: 2 × 2 windows, stride 1, on a 3 × 3 input
    "input": {"X": [[[7, 1, 3], [0, 3, 3], [6, 6, 2]]], "Y": [[6], [1], [3], [2]]},
    "layers": [{"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"}],
    "loss": "mse",
}


def test_max_pool_ties_are_flagged_as_kinks_and_do_not_fail(tmp_path):
    # Windows and their maxima: (0,0) 7 alone; (0,1) {1, 3, 3, 3}: the 3s at (0,2), (1,1), (1,2)
    # tie; (1,0) {0, 3, 6, 6}: the 6s at (2,0), (2,1) tie; (1,1) {3, 3, 6, 2}: 6 alone. Nudging a
    # tied element up makes it the window's winner, down makes it lose: the one-sided slopes
    # differ, so exactly those five entries are kinks. Every other entry is compared.
    report = gradcheck.check(bpcli.load(MAXPOOL_TIES), sample=None)
    assert report.ok
    (x,) = report.tensors
    assert x.name == "X" and sorted(x.kinks) == [(0, 0, 2), (0, 1, 1), (0, 1, 2), (0, 2, 0), (0, 2, 1)]
    assert x.relative_error < 1e-7 and len(x.indices) == 9

    file = write_network(tmp_path, MAXPOOL_TIES)
    code, out, err = run_cli(["check", file])
    assert code == 0, out + err
    row = next(line for line in out.splitlines() if re.match(r"\W*X\s", line))
    assert re.search(r"\b5\b\s*\W*\s*ok", row), row  # five kinks, still ok


def test_saturation_warning_counts_units_not_entries():
    result = bpcli.compute(SATURATED)  # 1 unit, m = 2, both samples saturated
    (warning,) = [w for w in result["warnings"] if "saturated" in w]
    # whatever the wording ("entries of Z" is right too), it must not claim more units than 1
    claimed = re.search(r"of (\d+) units?\b", warning)
    assert claimed is None or int(claimed.group(1)) <= 1, warning


def test_check_option_errors_are_usage_errors(tmp_path):
    file = write_network(tmp_path, TWO_DENSE)
    (code, out, err), = run_cli_batch([["check", file, "--sample", "0"]])
    assert code == 2 and "Traceback" not in err


def test_commands_open_a_bundled_exercise_by_name_from_any_folder(tmp_path):
    exercise = REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml"
    by_file = json.loads(run_cli(["compute", str(exercise), "--json"])[1])
    for name in ("04_two_layer_tanh", "4"):
        done = subprocess.run([sys.executable, "-m", "bpcli", "compute", name, "--json"], capture_output=True,
                              text=True, env=cli_env(), cwd=tmp_path, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["loss"] == by_file["loss"]
    done = subprocess.run([sys.executable, "-m", "bpcli", "explain", "4", "--forward"], capture_output=True,
                          text=True, env=cli_env(), cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and "Forward pass" in done.stdout, done.stderr
    code, out, err = run_cli(["compute", str(tmp_path / "missing.yaml")])
    assert code == 2 and "no such file" in err and "bpcli quiz --list" in err


def test_a_files_own_text_cannot_drive_the_terminal(tmp_path):
    """A title, statement or hint holding escape codes ('\\e[2J' clears the screen, '\\e]0;…\\a'
    retitles the window) reached the terminal raw through explain, compute, quiz and worksheet
    (error messages already escaped them); a file's text is printed with its control characters
    written out ('\\x1b[2J'), its line breaks kept."""
    escape = "\x1b"
    file = write_network(tmp_path, {"title": f"{escape}[31mred{escape}[2J", "input": {"X": [[1.0, 2.0]], "Y": [[1, 0]]},
                                    "layers": [{"type": "dense", "units": 1, "activation": "linear"}], "loss": "mse",
                                    "exercise": {"statement": {"en": f"Go{escape}[1m now\rline\nnext"},
                                                 "hints": {"dZ1": {"en": f"{escape}]0;pwned\x07 hint"}}}})
    assert bpcli.load(file).title == "\\x1b[31mred\\x1b[2J"
    for args, stdin in ((["explain", file], None), (["compute", file], None), (["worksheet", file], None),
                        (["quiz", file], "hint\nhint\nhint\nhint\nquit\n")):
        code, out, err = run_cli(args, input=stdin)
        assert code in (0, 1) and out, (args, err)
        assert escape not in out and "\x07" not in out and "\r" not in out, args
        assert "\\x1b[31mred" in out, args
    assert "Go\\x1b[1m now\\rline" in out and "\\x1b]0;pwned\\x07 hint" in out, out
