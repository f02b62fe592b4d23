"""Output as a shell user meets it: floating-point events as bpcli warnings (never numpy's own
RuntimeWarning with a source line), a closed or full stdout (one line, exit 74), a reader that
stops early (quiet, the same for every command), `--output` that never loses anything, and every
exit code of the CLI through the real command line."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import bpcli
from bpcli import exit_codes
from bpcli.errors import OutputError
from bpcli.exit_codes import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INPUT_ERROR, EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED,
                              EXIT_OK, EXIT_OUTPUT_ERROR)
from conftest import REPO_ROOT, cli_env, run_cli, run_cli_batch, write_network

try:
    import resource
except ImportError:  # not on Windows
    resource = None

# Z1 = W1 X = 1e200 · 1e200 = 1e400 for the first sample (2e400 for the second): beyond the float64
# maximum (about 1.8e308), so the matmul overflows to +inf; layer 2 only passes it on.
OVERFLOWING = {
    "input": {"X": [[1.0e200, 2.0e200]], "Y": [[0, 1]]},
    "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1.0e200]], "b": [[0]]},
               {"type": "dense", "units": 1, "activation": "linear", "W": [[1.0]], "b": [[0]]}],
    "loss": "mse",
}
# Z1 = [[1e400, -1e400], [-1e400, 1e400]] overflows to [[inf, -inf], [-inf, inf]]; then
# Z2 = 1·inf + 1·(-inf) has no value: NaN (an invalid operation), first in Z2.
OVERFLOW_THEN_NAN = {
    "input": {"X": [[1.0e200, -1.0e200]], "Y": [[0, 1]]},
    "layers": [{"type": "dense", "units": 2, "activation": "linear", "W": [[1.0e200], [-1.0e200]],
                "b": [[0], [0]]},
               {"type": "dense", "units": 1, "activation": "linear", "W": [[1.0, 1.0]], "b": [[0]]}],
    "loss": "mse",
}


# ---------------------------------------------------------------------------------------------
# floating-point events


def test_an_overflow_is_a_bpcli_warning_naming_where_it_happened_not_numpys(tmp_path):
    file = write_network(tmp_path, OVERFLOWING)
    code, out, err = run_cli(["compute", file, "--json"])
    assert code == 0, err
    assert "RuntimeWarning" not in err and ".py:" not in err  # no numpy warning with its source line
    warnings = json.loads(out)["warnings"]
    overflow = [w for w in warnings if "overflow" in w]
    assert len(overflow) == 1 and "Z1" in overflow[0], warnings
    assert f"bpcli: warning: {overflow[0]}" in err


@pytest.mark.parametrize("args", [["explain"], ["explain", "--format", "markdown"], ["explain", "--format", "html"],
                                  ["compute"], ["check"]])
def test_no_command_lets_numpys_warnings_through(tmp_path, args):
    file = write_network(tmp_path, OVERFLOW_THEN_NAN)
    code, out, err = run_cli([*args, file])
    assert "RuntimeWarning" not in err and "Traceback" not in err, err
    assert all(line.startswith("bpcli: ") for line in err.splitlines()), err


def test_an_invalid_operation_is_reported_where_the_first_nan_appears():
    warnings = bpcli.compute(OVERFLOW_THEN_NAN)["warnings"]
    assert any(w.startswith("floating-point overflow in Z1:") for w in warnings), warnings
    assert any(w.startswith("invalid operation in Z2:") and "NaN" in w for w in warnings), warnings


def test_float_event_warnings_are_worded_in_the_learners_language():
    sentences = bpcli.explain(OVERFLOW_THEN_NAN, lang="zh").warnings
    assert any("Z1" in s and "上溢" in s for s in sentences), sentences
    assert not any("overflow" in s for s in sentences)


def test_a_finite_run_has_no_float_event_warnings():
    # the saturated sigmoid of test_warnings computes exp only of -|z|: no event, only its own warnings
    result = bpcli.compute({"input": {"X": [[800, -800]], "Y": [[0, 1]]},
                            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]],
                                        "b": [[0]]}], "loss": "bce"})
    assert not [w for w in result["warnings"] if "overflow" in w or "invalid" in w or "division" in w]


# ---------------------------------------------------------------------------------------------
# a closed or full stdout: one line on stderr, exit 74, for every command

# every command, in each of its output forms; the quiz session reads "skip" from stdin
EVERY_COMMAND = [
    ["compute", "05"], ["compute", "05", "--json"], ["explain", "05"], ["explain", "05", "--format", "markdown"],
    ["explain", "05", "--format", "html"], ["check", "05"], ["grade", "05", "--target", "dW2", "--answer", "0"],
    ["quiz", "--list"], ["quiz", "01"], ["new", "dense"], ["--help"], ["--version"],
]


def _start(args: list[str], tmp_path, stdout, preexec_fn=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bpcli", *map(str, args)], stdin=subprocess.PIPE, stdout=stdout,
                            stderr=subprocess.PIPE, env=cli_env(BPCLI_DATA_DIR=str(tmp_path / "data")),
                            cwd=REPO_ROOT, preexec_fn=preexec_fn)


def _finish(process: subprocess.Popen, stdin: bytes = b"skip\n") -> tuple[int, str]:
    _, err = process.communicate(stdin, timeout=120)
    return process.returncode, err.decode("utf-8", "replace")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_74_for_every_command(tmp_path):
    with open("/dev/full", "wb") as full:
        processes = [_start(args, tmp_path, full) for args in EVERY_COMMAND]  # concurrently: one wait
        results = [_finish(process) for process in processes]
    for args, (code, err) in zip(EVERY_COMMAND, results):
        assert (code, err) == (EXIT_OUTPUT_ERROR, "bpcli: error: cannot write output: No space left on device\n"), args


@pytest.mark.skipif(os.name != "posix", reason="closes file descriptor 1 before the interpreter starts")
def test_a_closed_stdout_is_one_line_and_exit_74_for_every_command(tmp_path):
    processes = [_start(args, tmp_path, None, preexec_fn=lambda: os.close(1)) for args in EVERY_COMMAND]
    results = [_finish(process) for process in processes]
    for args, (code, err) in zip(EVERY_COMMAND, results):
        assert (code, err) == (EXIT_OUTPUT_ERROR, "bpcli: error: cannot write output: standard output is closed\n"), args


@pytest.mark.skipif(os.name != "posix", reason="closes file descriptor 1 before the interpreter starts")
def test_a_closed_stdout_does_not_matter_when_the_output_goes_to_a_file(tmp_path):
    process = _start(["explain", "05", "--output", tmp_path / "handout.txt"], tmp_path, None,
                     preexec_fn=lambda: os.close(1))
    assert _finish(process) == (0, "")
    assert "Forward pass" in (tmp_path / "handout.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# a reader that stops early: quiet, and the same for every command

SIGPIPE_ENDED = -getattr(signal, "SIGPIPE", 13)  # how Python reports a child ended by the signal
# X: 2 images of 24 × 24; conv2d with 4 filters of 3 × 3 gives Z, A, dA, dZ of 2·4·22·22 = 3,872
# numbers each: a --json document of several hundred kB, far more than a pipe buffer (64 kB)
BIG_CNN = {
    "input": {"X": [[[(i * 7 + j * 3) % 11 / 10 for j in range(24)] for i in range(24)]] * 2,
              "Y": [[0.5, -0.5]]},
    "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "activation": "tanh"},
               {"type": "flatten"}, {"type": "dense", "units": 1, "activation": "linear"}],
    "loss": "mse",
}


def _read_a_little_then_close(args: list[str], tmp_path) -> tuple[int, str]:
    process = _start(args, tmp_path, subprocess.PIPE)
    process.stdin.close()
    assert process.stdout.read(16)  # the reader takes a few bytes and goes away
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=120)
    return process.returncode, err.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="Windows has no SIGPIPE; Rich and Typer exit 1 there")
def test_a_reader_that_stops_early_ends_every_command_quietly(tmp_path):
    big_cnn = write_network(tmp_path, BIG_CNN, "big_cnn.yaml")
    for args in (["explain", "12"], ["compute", big_cnn, "--json"]):
        # more than the pipe holds, or written piece by piece: the reader's leaving interrupts the writing
        assert _read_a_little_then_close(args, tmp_path) == (SIGPIPE_ENDED, ""), args
    for args in (["new", "cnn"], ["quiz", "--list"], ["--help"], ["grade", "05", "-t", "dW2", "-a", "0"],
                 ["compute", big_cnn], ["check", "05"], ["explain", "12", "--format", "markdown"]):
        # one write that fits the pipe may end before the reader leaves: finished (exit 1 for the
        # wrong grade) or ended by SIGPIPE, never a message
        code, err = _read_a_little_then_close(args, tmp_path)
        assert code in (0, 1, SIGPIPE_ENDED) and err == "", (args, code, err)


@pytest.mark.skipif(not shutil.which("bash") or not hasattr(signal, "SIGPIPE"), reason="needs bash and SIGPIPE")
def test_the_shell_sees_141_for_bpcli_piped_into_head():
    script = f'"{sys.executable}" -m bpcli explain 12 | head -c 100 > /dev/null; echo "${{PIPESTATUS[0]}}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT,
                          timeout=120)
    assert (done.stdout.strip(), done.stderr) == (str(EXIT_BROKEN_PIPE), "")


# ---------------------------------------------------------------------------------------------
# --output never loses anything


@pytest.fixture
def network_copy(tmp_path):
    """A copy of exercise 05 in tmp_path, and its bytes."""
    path = tmp_path / "in.yaml"
    path.write_bytes((REPO_ROOT / "exercises" / "05_worked_example_222.yaml").read_bytes())
    return path, path.read_bytes()


def test_output_refuses_the_input_given_on_stdin(network_copy):
    path, original = network_copy
    with open(path, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "bpcli", "explain", "-", "--output", path.name], stdin=stdin,
                              capture_output=True, text=True, env=cli_env(), cwd=path.parent, timeout=60)
    assert done.returncode == EXIT_INPUT_ERROR
    assert done.stderr.count("\n") == 1 and "network file itself" in done.stderr
    assert path.read_bytes() == original


def test_output_refuses_the_input_file_by_identity_not_by_name(network_copy):
    path, original = network_copy
    os.link(path, path.parent / "hard.yaml")
    (path.parent / "soft.yaml").symlink_to(path.name)
    for target in (f"{path.parent}/./in.yaml", path.parent / "hard.yaml", path.parent / "soft.yaml"):
        code, out, err = run_cli(["explain", path, "--output", target])
        assert code == EXIT_INPUT_ERROR and "network file itself" in err, (target, err)
    assert path.read_bytes() == original


def test_a_refusal_names_the_option_and_the_file_as_the_command_has_them(network_copy):
    path, original = network_copy
    code, _, err = run_cli(["variant", path, "--student", "b", "--out", path])
    assert code == EXIT_INPUT_ERROR and f"--out {path} is the network file itself" in err, err
    answers = path.parent / "answers.jsonl"
    answers.write_text('{"student": "a", "file": "04", "target": "dW2", "answer": "1"}\n', encoding="utf-8")
    code, _, err = run_cli(["grade", "--batch", answers, "--output", answers])
    assert code == EXIT_INPUT_ERROR and f"--output {answers} is the answers file itself" in err, err
    assert path.read_bytes() == original and answers.read_text(encoding="utf-8").startswith('{"student"')


def test_output_refuses_the_bundled_exercise_it_reads_and_the_installed_package():
    package = Path(bpcli.__file__).resolve().parent
    exercise = package / "exercises" / "05_worked_example_222.yaml"
    original = exercise.read_bytes()
    try:
        code, out, err = run_cli(["explain", "05", "--output", exercise])
        assert code == EXIT_INPUT_ERROR and "bundled exercise" in err, err
        assert exercise.read_bytes() == original
    finally:  # should this ever fail, the exercise is put back for the other tests
        if exercise.read_bytes() != original:
            exercise.write_bytes(original)
    code, out, err = run_cli(["explain", "05", "--output", package / "handout.md"])
    assert code == EXIT_INPUT_ERROR and "installed package" in err, err
    assert not (package / "handout.md").exists()


def _limit_file_size_to(limit: int):
    """A child process whose files cannot grow beyond LIMIT bytes (EFBIG, as a full disk gives ENOSPC)."""
    def limit_it():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel ends the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_it


@pytest.mark.skipif(resource is None or not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_failure_mid_write_leaves_the_old_output_file_as_it_was(tmp_path):
    handout = tmp_path / "handout.md"
    handout.write_text("the handout of last week\n", encoding="utf-8")
    # the handout of exercise 05 is ~10 kB: writing it stops at 1,000 bytes
    done = subprocess.run([sys.executable, "-m", "bpcli", "explain", "05", "--format", "markdown", "--output",
                           handout], capture_output=True, text=True, env=cli_env(), cwd=tmp_path, timeout=60,
                          preexec_fn=_limit_file_size_to(1000))
    assert done.returncode == EXIT_OUTPUT_ERROR, done.stderr
    assert done.stderr == f"bpcli: error: cannot write {handout}: File too large\n"
    assert handout.read_text(encoding="utf-8") == "the handout of last week\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.md"]  # no temporary file left


def test_write_output_keeps_the_old_file_when_writing_fails_in_process(tmp_path, monkeypatch):
    from bpcli.commands import output

    handout = tmp_path / "handout.md"
    handout.write_text("old\n", encoding="utf-8")

    def full_disk(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        output.write_output("new\n", handout, input_file="-")
    assert handout.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["handout.md"]


def test_output_replaces_a_file_keeping_its_permissions_and_writes_through_a_link(tmp_path):
    handout = tmp_path / "handout.md"
    handout.write_text("old\n", encoding="utf-8")
    handout.chmod(0o640)
    link = tmp_path / "latest.md"
    link.symlink_to(handout.name)
    code, out, err = run_cli(["explain", "05", "--format", "markdown", "--output", link])
    assert (code, out, err) == (0, "", "")
    assert link.is_symlink() and handout.read_text(encoding="utf-8").startswith("# ")
    assert stat.S_IMODE(handout.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.md", "latest.md"]


def test_a_new_output_file_gets_the_permissions_open_would_give(tmp_path):
    old_umask = os.umask(0o027)
    try:
        code, out, err = run_cli(["explain", "05", "--output", tmp_path / "new.txt"])
    finally:
        os.umask(old_umask)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o666 & ~0o027


#: every command that writes one file, with the option that names it
FILE_OUTPUTS = [(["explain", "05"], "--output"), (["explain", "05"], "-o"), (["worksheet", "05"], "--output"),
                (["variant", "05", "--student", "a"], "--out"), (["quiz", "--random", "--seed", "3"], "--export"),
                (["grade", "--batch", "ANSWERS"], "--output")]


def test_a_folder_where_a_file_is_wanted_is_a_usage_error_for_every_command(tmp_path):
    """`variant --out newdir/` and `explain -o newdir/` wrote a FILE called newdir (pathlib drops the
    final '/'); `worksheet -o DIR` and `variant --out DIR` exited 74 ('cannot write DIR: Is a
    directory', output that could not be written) while explain and grade exited 2 with click's
    wording. A folder, or a path ending in a separator, where a file is wanted is the user's
    mistake: exit 2, one line naming the option, nothing written, for every command alike."""
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"student": "a", "file": "05", "target": "dW2", "answer": "0"}\n', encoding="utf-8")
    folder = tmp_path / "existing"
    folder.mkdir()
    runs, expected = [], []
    for number, (command, option) in enumerate(FILE_OUTPUTS):
        command = [answers if word == "ANSWERS" else word for word in command]
        runs.append([*command, option, folder])
        expected.append(f"{folder} is a folder")
        runs.append([*command, option, f"{tmp_path / f'new{number}'}{os.sep}"])
        expected.append(f"new{number}{os.sep} ends in '{os.sep}', so it names a folder")
    for args, words, (code, out, err) in zip(runs, expected, run_cli_batch(runs)):
        assert code == EXIT_INPUT_ERROR and err.count("\n") == 1 and out == "", (args, err)
        assert err.startswith("bpcli: error: --") and words in err, (args, err)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["answers.jsonl", "existing"]
    assert list(folder.iterdir()) == []


def test_a_set_of_variants_still_takes_a_folder_ending_in_a_separator(tmp_path):
    code, _, err = run_cli(["variant", "05", "--count", "2", "--out", f"{tmp_path / 'set'}{os.sep}"])
    assert code == 0, err
    assert sorted(path.name for path in (tmp_path / "set").iterdir()) == [
        "05_worked_example_222-s01.yaml", "05_worked_example_222-s02.yaml", "key.json"]


def test_the_folder_message_is_in_the_learners_language(tmp_path):
    code, _, err = run_cli(["explain", "05", "--lang", "zh", "--output", tmp_path])
    assert code == EXIT_INPUT_ERROR and f"--output {tmp_path} 是一个文件夹" in err, err


def test_output_dash_means_standard_output(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bpcli", "explain", "05", "--format", "markdown", "-o", "-"],
                          capture_output=True, text=True, env=cli_env(), cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# ")
    assert list(tmp_path.iterdir()) == []  # no file called "-"


# ---------------------------------------------------------------------------------------------
# messages are one line, whatever they hold


def test_errors_and_warnings_are_folded_to_one_line(capsys):
    from bpcli.commands.common import print_error, print_warnings

    print_error("while scanning a plain scalar\n  in \"<unicode string>\", line 1\r\nfound a tab")
    print_warnings(["first line\nsecond line"])
    assert capsys.readouterr().err == ('bpcli: error: while scanning a plain scalar in "<unicode string>", line 1 '
                                       "found a tab\nbpcli: warning: first line second line\n")


# ---------------------------------------------------------------------------------------------
# every exit code: documented, and returned by the real command line

RUN_WITH_PLANTED = """
import sys
import bpcli.core.network
def planted(network):
    raise {exception}
bpcli.core.network.run = planted
sys.argv = ["bpcli", *sys.argv[1:]]
from bpcli.__main__ import main
main()
"""


def _run_with_planted(exception: str, args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-c", RUN_WITH_PLANTED.format(exception=exception), *args],
                          capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_exit_0_1_2_through_the_command_line(tmp_path):
    assert run_cli(["compute", "05"])[0] == EXIT_OK
    # exercise 05's dW2 is not all zeros (its worked example has non-zero gradients), so 0 is wrong
    assert run_cli(["grade", "05", "--target", "dW2", "--answer", "0"])[0] == EXIT_FAILED
    code, out, err = run_cli(["compute", tmp_path / "missing.yaml"])
    assert code == EXIT_INPUT_ERROR and err.count("\n") == 1


def test_exit_70_for_a_bug_is_one_line():
    code, out, err = _run_with_planted('RuntimeError("planted bug")', ["compute", "05"])
    assert code == EXIT_INTERNAL_ERROR
    assert err.count("\n") == 1 and "internal error" in err and "planted bug" in err and "Traceback" not in err


def test_exit_130_when_interrupted():
    for args in (["compute", "05"], ["compute", "05", "--json"]):  # through Typer and through the fast path
        code, out, err = _run_with_planted("KeyboardInterrupt", args)
        assert (code, err) == (EXIT_INTERRUPTED, "bpcli: error: interrupted\n"), args


def test_the_readme_documents_every_exit_code():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(number) for number in re.findall(r"\b(\d+)\b", section)}
    codes = {value for name, value in vars(exit_codes).items() if name.startswith("EXIT_")}
    assert codes == {0, 1, 2, 70, 74, 130, 141}  # the tests above reach each of them
    assert codes <= documented, sorted(codes - documented)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_output_to_a_device_or_pipe_is_written_directly():
    code, out, err = run_cli(["explain", "05", "--format", "markdown", "--output", "/dev/stdout"])  # a pipe here
    assert (code, err) == (0, "") and out.startswith("# ")
