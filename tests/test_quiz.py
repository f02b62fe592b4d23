"""bpcli quiz: the session logic with injected input and output, scripted sessions through
stdin, Ctrl-C and end of input, and the progress file (fresh, existing, damaged)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from rich.cells import cell_len

from bpcli.quiz.catalogue import load_exercise
from bpcli.quiz.progress import ProgressStore, data_dir
from bpcli.quiz.session import QuizSession, command_of
from conftest import REPO_ROOT, cli_env
from test_grade import _STANDALONE_APP, _commands_registered, english_words, run_bpcli


class ScriptedIO:
    """QuizIO that answers from a list and records what the session showed."""

    def __init__(self, lines, interrupt_at_end: bool = False):
        self.lines = list(lines)
        self.interrupt_at_end = interrupt_at_end
        self.events: list[tuple] = []

    def read(self, prompt):
        if not self.lines:
            raise KeyboardInterrupt if self.interrupt_at_end else EOFError
        return self.lines.pop(0)

    def show_exercise(self, exercise, result):
        self.events.append(("exercise", exercise.name))

    def show_question(self, target, number, total):
        self.events.append(("question", target))

    def show_grade(self, result):
        self.events.append(("grade", result.target, result.correct, tuple(result.diagnosis)))

    def show_answer_error(self, message):
        self.events.append(("error", message))

    def show_hint(self, level, label, text):
        self.events.append(("hint", level, text))

    def show_solution(self, solution):
        self.events.append(("solution", solution.target, len(solution.steps), solution.formula))

    def show_text(self, key, **values):
        self.events.append(("text", key))

    def show_score(self, score):
        self.events.append(("score", score.solved, score.total, score.interrupted))

    def kinds(self, kind):
        return [event for event in self.events if event[0] == kind]


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_commands():
    assert command_of(" Hint ") == "hint" and command_of("提示") == "hint"
    assert command_of("solution") == "solution" and command_of("skip") == "skip" and command_of("q") == "quit"
    assert command_of("dZ2 @ A1.T") is None


def test_targets_are_asked_output_layer_first(store):
    exercise = load_exercise("04")
    io = ScriptedIO(["(A2 - Y) / m", "dZ2 @ A1.T", "sum(dZ2, axis=1, keepdims=True)", "W2.T @ dZ2",
                     "dA1 * (1 - A1**2)", "dZ1 @ X.T", "sum(dZ1, axis=1, keepdims=True)"])
    score = QuizSession(exercise, io, store).run()
    assert [event[1] for event in io.kinds("question")] == ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    assert score.complete and score.first_try == 7
    assert store.get("04_two_layer_tanh").solved


def test_wrong_then_hints_then_right(store):
    io = ScriptedIO(["A2 - Y", "hint", "hint", "hint", "hint", "(A2 - Y) / m"])
    score = QuizSession(load_exercise("04"), io, store).run()
    grades = io.kinds("grade")
    assert grades[0] == ("grade", "dZ2", False, ("missing_1_over_m",))
    assert grades[1][2] is True
    hints = io.kinds("hint")
    assert [h[1] for h in hints] == [1, 2, 3]
    assert "cross-entropy" in hints[0][2]             # the exercise's own rule ...
    assert "(A2 − Y)/m" not in hints[0][2] and "A2 − Y" not in hints[0][2]   # ... not the answer
    assert "1 × 4" in hints[1][2]                     # shapes
    assert hints[2][2] == "dZ2 = (A2 - Y) / m"        # the formula with names
    assert ("text", "quiz.no_more_hints") in io.events
    assert ("text", "quiz.options") in io.events           # offered after the wrong answer
    outcome = score.outcomes[0]
    assert outcome.solved and outcome.tries == 2 and outcome.hints == 3 and not outcome.first_try
    saved = json.loads(store.path.read_text())["exercises"]["04_two_layer_tanh"]
    assert saved == {"solved": False, "tries": 2, "hints": 3, "targets_solved": ["dZ2"], "skipped": []}


def test_solution_shows_explain_steps_for_the_target(store):
    io = ScriptedIO(["solution", "skip", "quit"])
    score = QuizSession(load_exercise("04"), io, store).run()
    solution = io.kinds("solution")[0]
    assert solution[1] == "dZ2" and solution[2] >= 1 and solution[3] == "(A2 - Y) / m"
    assert score.revealed == 1 and score.outcomes[1].skipped and len(score.outcomes) == 3


@pytest.mark.parametrize("name, shown", [("02", True), ("13", False)])
def test_a_solution_notes_a_texts_slip_only_in_an_exercise_that_follows_the_text(name, shown):
    """db1 = Σⱼ dZ1: text 000 sums one term too many. 02 follows text 000; 13 follows none, and
    its learner has no use for another text's slip (the bias-before-batchnorm note stays)."""
    from bpcli.quiz.session import solution_for

    exercise = load_exercise(name)
    notes = [note for step in solution_for(exercise, "db1", "en").steps for note in step.notes]
    assert ("note.slip000_sum_index" in [note.kind for note in notes]) is shown
    assert all(note.about in (None, "000") for note in notes)
    if name == "13":
        assert "note.bias_without_effect" in [note.kind for note in notes]


def test_unreadable_answer_is_not_a_try(store):
    io = ScriptedIO(["[1, 2", "__import__('os')"])
    score = QuizSession(load_exercise("01"), io, store).run()
    assert len(io.kinds("error")) == 2 and score.outcomes[0].tries == 0


def test_a_product_missing_a_transpose_is_graded_in_the_quiz_as_by_grade(store):
    """04's dW2 = dZ2 @ A1.T: dZ2 @ A1 (1 × 4 @ 3 × 4) cannot be computed, but is the slip the
    square 05 names missing_transpose: a wrong try, not an unreadable answer; one that no
    transpose makes right is still unreadable, and suggests the transpose that computes."""
    io = ScriptedIO(["skip", "dZ2 @ A1", "dZ2 @ A1 * 2"])
    score = QuizSession(load_exercise("04"), io, store).run()
    assert io.kinds("grade") == [("grade", "dW2", False, ("missing_transpose",))]
    assert score.outcomes[1].tries == 1
    (error,) = io.kinds("error")
    assert "Did you mean A1.T?" in error[1]


def test_end_of_input_and_interrupt_end_with_a_score(store):
    io = ScriptedIO(["-2"])
    score = QuizSession(load_exercise("01"), io, store).run()
    assert score.solved == 1 and not score.interrupted and io.events[-1] == ("score", 1, 4, False)
    io = ScriptedIO(["-2"], interrupt_at_end=True)
    score = QuizSession(load_exercise("01"), io, store).run()
    assert score.interrupted and io.events[-1] == ("score", 1, 4, True)


# -- progress ---------------------------------------------------------------------------------

def test_progress_fresh_existing_and_reset(tmp_path):
    path = tmp_path / "sub" / "progress.json"
    fresh = ProgressStore(path)
    assert fresh.exercises == {} and fresh.warnings == []
    fresh.get("01_sigmoid_neuron").tries = 3
    assert fresh.save()
    again = ProgressStore(path)
    assert again.get("01_sigmoid_neuron").tries == 3 and again.warnings == []
    assert not list(path.parent.glob(".progress-*"))      # the temporary file was renamed
    assert again.reset() and not path.exists()


@pytest.mark.parametrize("content", ["{not json", "[]", '{"exercises": {"a": {"tries": "x"}}}', "\udcff"])
def test_damaged_progress_is_set_aside(tmp_path, content):
    path = tmp_path / "progress.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    store = ProgressStore(path)
    assert store.exercises == {} and "set aside" in str(store.warnings[0])
    assert not path.exists() and len(list(tmp_path.glob("progress.json.damaged-*"))) == 1
    assert store.save() and ProgressStore(path).warnings == []


def test_unwritable_progress_warns(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = ProgressStore(blocker / "progress.json")   # its folder is a file
    assert not store.save() and "could not save" in str(store.warnings[0])


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("BPCLI_DATA_DIR", str(tmp_path / "a"))
    assert data_dir() == tmp_path / "a"
    monkeypatch.delenv("BPCLI_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x" / "bpcli"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert data_dir() == tmp_path / "h" / ".local" / "share" / "bpcli"


# -- through the command line -----------------------------------------------------------------

@pytest.fixture
def env(tmp_path):
    return cli_env(BPCLI_DATA_DIR=str(tmp_path / "data"))


def test_cli_scripted_session(env, tmp_path):
    script = "A2 - Y\nhint\n(A2 - Y) / m\nA1 @ dZ2.T\ndZ2 @ A1.T\n"
    code, out, err = run_bpcli(["quiz", "04"], input=script, env=env)
    assert code == 1, err                      # a scripted quiz with targets left unsolved
    assert "Question 1 of 7: compute dZ2." in out and "dZ2 = A2 - Y" in out
    assert "missing_1_over_m" in out and "Hint 1" in out and "transposed" in out
    assert "Score for 04_two_layer_tanh: 2 of 7 solved" in out
    progress = json.loads((tmp_path / "data" / "progress.json").read_text())
    assert progress["exercises"]["04_two_layer_tanh"]["targets_solved"] == ["dZ2", "dW2"]
    code, out, _ = run_bpcli(["quiz", "--progress"], env=env)
    assert code == 0 and "04_two_layer_tanh" in out and "tries 4" in out
    code, out, _ = run_bpcli(["quiz", "--reset", "--yes"], env=env)
    assert code == 0 and not (tmp_path / "data" / "progress.json").exists()


def test_cli_list_random_and_chinese(env):
    code, out, _ = run_bpcli(["quiz", "--list"], env=env)
    assert code == 0 and "01_sigmoid_neuron" in out and "12_small_cnn" in out
    code, out, _ = run_bpcli(["quiz", "--random", "--level", "2", "--seed", "3"], input="", env=env)
    assert code == 1 and "level 2, seed 3" in out and "Score" in out
    code, out, _ = run_bpcli(["quiz", "01", "--lang", "zh"], input="hint\n", env=env)
    assert code == 1 and "提示 1" in out and "得分" in out


def test_cli_errors(env, tmp_path):
    code, _, err = run_bpcli(["quiz", "no_such_exercise"], env=env)
    assert code == 2 and "quiz --list" in err and "Traceback" not in err
    code, _, err = run_bpcli(["quiz"], env=env)
    assert code == 2
    data = tmp_path / "data"
    data.mkdir()
    (data / "progress.json").write_text("garbage")
    code, out, err = run_bpcli(["quiz", "01"], input="-2\n", env=env)
    assert code == 1 and "set aside" in err and "Traceback" not in err


#: how long the Ctrl-C test waits for each prompt: far more than a loaded machine needs to start
#: Python and bpcli, so the interrupt never lands before the question is asked
PROMPT_TIMEOUT = 300


class ChildOutput:
    """A child process's stdout read as it comes (select, no sleeps), to wait for a prompt."""

    def __init__(self, process: subprocess.Popen):
        import selectors

        self.process = process
        self.seen = b""
        self.selector = selectors.DefaultSelector()
        self.selector.register(process.stdout, selectors.EVENT_READ)

    def wait_for(self, text: bytes, after: bytes) -> None:
        """Read until ``text`` appears after ``after`` (a question's own prompt, not the same
        words in the exercise's statement); fail after PROMPT_TIMEOUT seconds or at its end."""
        deadline = time.monotonic() + PROMPT_TIMEOUT
        while text not in self.seen.partition(after)[2]:
            left = deadline - time.monotonic()
            assert left > 0 and self.selector.select(timeout=left), f"no {text!r} after {after!r}: {self.seen!r}"
            chunk = os.read(self.process.stdout.fileno(), 65536)
            assert chunk, f"the quiz ended before {text!r}: {self.seen!r}"
            self.seen += chunk


def _quiz_process(env, stdin) -> subprocess.Popen:
    if _commands_registered():
        command = [sys.executable, "-m", "bpcli", "quiz", "01"]
    else:
        command = [sys.executable, "-c", _STANDALONE_APP, "quiz", "01"]
    # a shell starts a background job (`pytest &`, some CI runners) with SIGINT ignored, and the
    # child inherits that: Python then never raises KeyboardInterrupt. A user's Ctrl-C reaches a
    # foreground quiz, so the child gets the default handling back before it starts.
    return subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=REPO_ROOT, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_and_finish(process: subprocess.Popen, output: ChildOutput) -> None:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=PROMPT_TIMEOUT)
    output.seen += out
    assert process.returncode == 130, err
    assert b"Score for 01_sigmoid_neuron: 1 of 4 solved" in output.seen, output.seen


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and terminals")
def test_cli_ctrl_c_at_the_prompt_exits_130_with_a_score(env):
    """A learner at a terminal answers the first question and presses Ctrl-C at the second
    prompt: stdin is a terminal (so the prompt is printed before reading), and the interrupt is
    sent only once that prompt is on the screen."""
    import pty

    terminal, child_side = pty.openpty()
    process = _quiz_process(env, stdin=child_side)
    os.close(child_side)
    try:
        output = ChildOutput(process)
        output.wait_for(b"dA1 = ", after=b"Question 1 of 4")
        os.write(terminal, b"-2\n")
        output.wait_for(b"dZ1 = ", after=b"Question 2 of 4")
        _interrupt_and_finish(process, output)
    finally:
        process.kill()
        os.close(terminal)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_cli_ctrl_c_in_a_scripted_session_exits_130_with_a_score(env):
    """With answers on a pipe the prompt is echoed with the answer, so the second question's
    line, the last thing printed before reading, is what the interrupt waits for."""
    process = _quiz_process(env, stdin=subprocess.PIPE)
    try:
        process.stdin.write(b"-2\n")
        process.stdin.flush()
        output = ChildOutput(process)
        output.wait_for(b"compute dZ1.\n", after=b"Question 2 of 4")
        _interrupt_and_finish(process, output)
    finally:
        process.kill()


def test_cli_chinese_session_speaks_chinese_throughout(env):
    # a wrong answer (diagnosis), two hints, an unreadable answer, a right one, a transposed one,
    # then the end of input: every sentence Chinese, apart from formulas and tensor names
    script = "A2 - Y\nhint\nhint\n(A2 - Y) / m\nA1 @ dZ2.T\n[1, 2\nX @ X\n"
    code, out, err = run_bpcli(["quiz", "04_two_layer_tanh", "--lang", "zh"], input=script, env=env)
    assert code == 1, err
    flat = re.sub(r"\s+", "", out)                                 # lines wrap at any width
    assert "两层网络" in out                                       # the title
    assert "还不对：你的dZ2有错。你的答案是正确值的m=4倍" in flat      # verdict and diagnosis
    assert "提示 1（规则）" in out and "提示 2（维度）" in out and "已知：" in out
    assert "正确：你的 dZ2 对了" in out and "你的答案转置了" in out
    assert "无法评分：有一个'['没有闭合" in flat
    assert "04_two_layer_tanh得分：7题中答对1题；本次：0题一次答对，用了2个提示，看了0个解答。" in flat
    assert english_words(out) == []
    code, out, _ = run_bpcli(["quiz", "--progress", "--lang", "zh"], env=env)
    rows = out.split("）：", 1)[1]                                  # after the header with the file's path
    assert code == 0 and "答对 1 个目标" in rows and "尝试 3" in rows and english_words(rows) == []


@pytest.mark.parametrize("lang, kernel, images, samples", [("en", "filter, channel", "sample, channel", "sample"),
                                                            ("zh", "卷积核, 通道", "样本, 通道", "样本")])
def test_a_kernels_slices_are_named_as_explain_names_them(env, lang, kernel, images, samples):
    """14: W1 is filters × channels × kh × kw, Z1 samples × channels × H × W, X given as m × H × W
    (sliced by sample alone); the quiz named W1's slices [sample, channel], in English under zh."""
    code, out, err = run_bpcli(["quiz", "14", "--lang", lang], input="quit\n", env=env)
    headings = {line.split()[0]: line.split("[", 1)[1].split("]")[0]
                for line in out.splitlines() if re.match(r"\w+\s+[\d×]+\s+\[", line)}
    assert headings["W1"] == kernel and headings["Z1"] == images and headings["X"] == samples, headings
    code, explained, _ = run_bpcli(["explain", "14", "--lang", lang, "--forward", "--detail", "full"], env=env)
    assert f"[{kernel}]" in explained                              # the words explain uses
    if lang == "zh":
        assert "sample" not in out and "filter" not in out


def test_a_wrong_kernel_is_drawn_with_its_slices_named(env):
    from bpcli.core.network import run
    from bpcli.grading import grade
    from bpcli.render.grading import grade_renderable
    from rich.console import Console

    exercise = load_exercise("14")
    dW1 = run(exercise.network).tensors()["dW1"].copy()
    assert dW1.shape[:2] == (2, 1)  # two filters of one channel: two slices
    dW1[0, 0, 0, 0] += 1.0
    result = grade(exercise.network, "dW1", json.dumps(dW1.tolist()), lang="zh")
    assert result.diagnosis == ["entries"]
    console = Console(width=100, record=True, color_system=None)
    console.print(grade_renderable(result, lang="zh"))
    assert "[卷积核, 通道]" in console.export_text()


def test_score_line_counts_in_both_languages():
    from bpcli.render.quiz import score_line
    from bpcli.quiz.session import Score, TargetOutcome

    score = Score("01_sigmoid_neuron", 4, [TargetOutcome("dA1", solved=True, tries=1, hints=1),
                                          TargetOutcome("dZ1", revealed=True)])
    assert score_line(score, "en") == ("Score for 01_sigmoid_neuron: 1 of 4 solved; this session: 0 at the first try, "
                                       "1 hint, 1 solution shown.")
    assert score_line(score, "zh") == "01_sigmoid_neuron 得分：4 题中答对 1 题；本次：0 题一次答对，用了 1 个提示，看了 1 个解答。"
    # solved in an earlier session: counted among the solved, not among this session's tries
    resumed = Score("01_sigmoid_neuron", 4, [TargetOutcome("dZ1", solved=True, tries=1)], solved_before=["dA1"])
    assert score_line(resumed, "en").startswith("Score for 01_sigmoid_neuron: 2 of 4 solved; this session: 1 at")


@pytest.mark.parametrize("name", ["01", "04", "07", "08", "10", "12"])
def test_hints_in_chinese(store, name):
    exercise = load_exercise(name)
    io = ScriptedIO(["hint", "hint", "hint"])
    QuizSession(exercise, io, store, lang="zh").run()
    for _, level, text in io.kinds("hint"):
        assert english_words(text) == [], (level, text)


@pytest.mark.parametrize("word", ["help", "HELP", "commands", "帮助"])
def test_help_at_a_question_shows_what_may_be_typed(word):
    """'help' was graded as a formula: 'unknown name help in the formula'."""
    io = ScriptedIO([word, "quit"])
    QuizSession(load_exercise("01"), io).run()
    assert ("text", "quiz.commands") in io.events
    assert io.kinds("error") == [] and io.kinds("grade") == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_progress_table_keeps_a_space_after_the_longest_state(env, lang):
    """'进行中，答对 0 个目标，跳过 1 个' fills the 28 cells the states had, and ran into '尝试'."""
    code, _, err = run_bpcli(["quiz", "03"], input="skip\nquit\n", env=env)
    code, out, err = run_bpcli(["quiz", "--progress", "--lang", lang], env=env)
    assert code == 0, err
    word = "尝试" if lang == "zh" else "tries"
    rows = [line for line in out.splitlines() if word in line]
    assert rows and all(f" {word} " in row for row in rows)
    assert len({cell_len(row[:row.index(word)]) for row in rows}) == 1, rows  # one column


def test_the_line_on_what_to_type_names_this_networks_tensors():
    from bpcli.quiz.catalogue import formula_example

    assert formula_example(load_exercise("04").network) == "dZ2 @ A1.T"
    assert formula_example(load_exercise("12").network) == "dZ4 @ A3.T"  # 12 has no dZ2: layer 2 pools
    assert formula_example(load_exercise("10").network) == "A2 - Y"  # no dense layer at all


def test_the_given_tables_stand_apart():
    """Two tables side by side had one space between them: X's last column ran into Y's row
    numbers ('0.5000 0  1.0000')."""
    done = subprocess.run([sys.executable, "-m", "bpcli", "quiz", "04"], input=b"", capture_output=True,
                          env=cli_env(BPCLI_DATA_DIR="/nonexistent-bpcli-test"), cwd=REPO_ROOT, timeout=60)
    intro = done.stdout.decode("utf-8")
    assert "X  2×4" in intro and "Y  1×4" in intro
    assert not re.search(r"\d\.\d{4} \d ", intro), intro


def test_chinese_messages_fill_the_line_and_statements_have_no_spaces_between_characters():
    """Rich broke Chinese only at spaces: a verdict's lines ended near column 60 and cut '4 ⏎ 个
    样本'; and YAML's folded lines left spaces inside the Chinese statements ('损失。 原文写')."""
    env = cli_env(LANG="zh_CN.UTF-8")
    done = subprocess.run([sys.executable, "-m", "bpcli", "grade", "04", "--target", "dZ2", "--answer", "A2 - Y"],
                          capture_output=True, env=env, cwd=REPO_ROOT, timeout=60)
    verdict = done.stdout.decode("utf-8").splitlines()
    assert verdict[0].startswith("✗ 还不对") and len(verdict) >= 3
    paragraph = verdict[:-1]  # the verdict's lines, then the diagnosis
    assert all(cell_len(line) <= 80 for line in verdict)
    assert all(cell_len(line) >= 70 for line in paragraph[:-1]), verdict  # 63 and 52 before
    wide = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
    from bpcli.quiz.catalogue import exercise_names

    for name in exercise_names():
        exercise = load_exercise(name)
        text = exercise.text("zh") + exercise.title_in("zh")
        assert not re.search(f"{wide} +{wide}", text), (name, text)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_an_output_dz_without_a_shortcut_is_hinted_from_the_loss(store, level):
    """A generated exercise asks dZ of its linear output first (sse or mse), and never shows dA of
    the output: the hints said 'dZ = dA ⊙ g′(Z) …; for sigmoid + bce or softmax + softmax_ce …'
    and 'dZ2 = dA2', so a learner was never told where dA comes from. They now say the loss's
    derivative, and the formula names only what the quiz shows."""
    import numpy as np

    from bpcli.quiz.generator import generate

    exercise = generate(level, 0)
    network = exercise.network
    last = len(network.layers)
    assert exercise.targets[0] == f"dZ{last}" and f"dA{last}" not in exercise.targets
    io = ScriptedIO(["hint", "hint", "hint"])
    QuizSession(exercise, io, store).run()
    rule, _, formula = [text for _, _, text in io.kinds("hint")]
    assert "sigmoid" not in rule and ("2(A" if network.loss == "sse" else "(A") + f"{last} − Y)" in rule
    name, _, expression = formula.partition(" = ")
    assert name == f"dZ{last}" and f"dA{last}" not in expression
    # the formula is right: evaluated here by numpy on the network's own A and Y
    A, Y = np.asarray(exercise_run_output(exercise)), np.asarray(network.Y)
    m = Y.shape[1]
    expected = 2 * (A - Y) if network.loss == "sse" else (A - Y) / m
    env = {f"A{last}": A, "Y": Y, "m": m}
    assert np.allclose(eval(expression, {}, env), expected)  # noqa: S307 - a test's own formula
    io = ScriptedIO([expression])
    assert QuizSession(exercise, io, store).run().outcomes[0].solved


def exercise_run_output(exercise):
    """The output A of ``exercise``'s network, by the core's forward pass."""
    from bpcli.core.network import run

    return run(exercise.network).tensors()[f"A{len(exercise.network.layers)}"]


def test_the_solution_of_an_output_dz_without_a_shortcut_derives_da_first(store):
    """Generated level 2 (mse, linear output) asks dZ2 but not dA2: its solution showed dA2's
    numbers inside 'dZ from dA' without saying where they came from; the loss's step comes first."""
    from bpcli.quiz.generator import generate
    from bpcli.quiz.session import solution_for

    exercise = generate(2, 0)
    solution = solution_for(exercise, "dZ2", "en")
    assert [step.target for step in solution.steps] == ["dA2", "dZ2"]
    assert solution.formula == "(A2 - Y) / m"
    # where the exercise asks dA first (03, sse), or the loss has its shortcut (04, bce): one step
    assert [step.target for step in solution_for(load_exercise("03"), "dZ1", "en").steps] == ["dZ1"]
    assert [step.target for step in solution_for(load_exercise("04"), "dZ2", "en").steps] == ["dZ2"]


def test_an_answer_that_cannot_be_graded_is_said_in_a_whole_sentence(env):
    """'无法评分：公式里用到了 dZ2，…请用推出它的那些张量来写' ended without its '。' (the
    message is the clause a one-line error gives); the quiz ends it as the language does."""
    for lang, words, stop in (("en", "Cannot grade that: the formula uses dZ2", "."),
                              ("zh", "无法评分：公式里用到了 dZ2", "。")):
        code, out, err = run_bpcli(["quiz", "04", "--lang", lang], input="A1 @ dZ2.T\nquit\n", env=env)
        said = out[out.index(words):out.index("dZ2 = quit")].strip()
        assert said.endswith(stop) and not said.endswith(stop * 2), said


def test_a_broken_file_in_a_folder_does_not_hide_the_others_from_the_list(env, tmp_path):
    """quiz --dir FOLDER --list printed its header and stopped at the first file it could not
    read (exit 2), so one broken file hid every exercise after it; the others are listed, the
    broken one is marked, its error said on stderr, and the exit code is still 2."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_broken.yaml").write_text("input: {X: [[1]]}\nlayers: []\nloss: mse\n", encoding="utf-8")
    (folder / "b_good.yaml").write_text((REPO_ROOT / "exercises" / "04_two_layer_tanh.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    code, out, err = run_bpcli(["quiz", "--dir", folder, "--list"], env=env)
    assert code == 2 and "Traceback" not in err, err
    assert "b_good" in out and "Two-layer network" in out and "01_" in out, out
    assert re.search(r"a_broken\s+cannot be read", out), out
    assert err.count("\n") == 1 and "a_broken.yaml" in err and "layers" in err, err
