"""bpcli.texts, the one text mechanism: every language has every key with the same fields, one
plural rule, a missing key said in English, a third language as one file, and --lang defaulting
from the locale (LC_ALL, LC_MESSAGES, LANG)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from bpcli import texts
from bpcli.core.network import run
from bpcli.errors import AnswerError
from bpcli.grading import grade, parse_target
from bpcli.narrate import explain
from bpcli.quiz.catalogue import load_exercise
from bpcli.quiz.generator import generate
from bpcli.quiz.hints import hint
from bpcli.quiz.progress import ProgressStore
from bpcli.texts import Msg, error_text, language_from_environment, languages, say, template_fields
from conftest import REPO_ROOT, cli_env, run_cli

TWO_LAYER = "04_two_layer_tanh"
ENGLISH = texts.templates("en")
#: what every template of the made-up language starts with
MARK = "‹xx›"


# -- every language has every key, with the same fields ----------------------------------------

@pytest.mark.parametrize("lang", languages())
def test_every_language_has_every_key_with_the_same_fields(lang):
    table = texts.templates(lang)
    assert set(table) == set(ENGLISH), sorted(set(table) ^ set(ENGLISH))
    for key, template in ENGLISH.items():
        assert template_fields(table[key]) == template_fields(template), (lang, key)
        for pair in (template, table[key]):
            if isinstance(pair, dict):  # a plural pair: both forms, and chosen by count
                assert set(pair) == {"one", "other"} and "count" in template_fields(pair), (lang, key)
                assert template_fields(pair["one"]) == template_fields(pair["other"]), (lang, key)


def test_languages_are_the_modules_of_the_package():
    assert languages() == ("en", "zh")
    from bpcli.commands.arguments import Language

    assert [language.value for language in Language] == list(languages())


def _strings_of_the_code() -> tuple[set[str], set[str]]:
    """(string literals, leading parts of f-strings) in bpcli's code, the language modules aside."""
    literals, prefixes = set(), set()
    for path in (REPO_ROOT / "bpcli").rglob("*.py"):
        if path.parent.name == "texts" and path.name != "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(node.values[0].value)
    return literals, {prefix for prefix in prefixes if "." in prefix}


def test_every_key_is_named_somewhere_in_the_code():
    literals, prefixes = _strings_of_the_code()
    suffixes = {text for text in literals if text[:1] in "._" and text[1:].isidentifier()}  # key + ".plain"

    def named(key: str) -> bool:
        return (key in literals or any(key.startswith(prefix) for prefix in prefixes)
                or any(key.endswith(suffix) and key[: -len(suffix)] in literals for suffix in suffixes))

    assert not [key for key in ENGLISH if not named(key)]


# -- one plural rule -----------------------------------------------------------------------------

def test_plural_is_chosen_by_count():
    assert [say("en", "count.rows", count=n) for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert say("zh", "count.rows", count=2) == "2 行"
    # the same rule in the narration, grading and the quiz
    assert say("en", "diag.entries.some", count=1, size=4).startswith("1 of 4 entries of your answer is wrong")
    assert say("en", "count.hints", count=1) == "1 hint" and say("en", "count.hints", count=3) == "3 hints"


def test_a_message_is_worded_when_shown_with_its_parts_in_the_same_language():
    message = Msg("hint.shapes.have", shape_sentence="X", tensors=texts.Joined(
        [Msg("hint.tensor_shape", name="A1", shape="2 × 3"), Msg("hint.tensor_shape", name="Y", shape="1 × 3")]))
    assert str(message) == "X. You have: A1 is 2 × 3, Y is 1 × 3."
    assert message.text("zh") == "X。已知：A1 是 2 × 3，Y 是 1 × 3。"


# -- a third language is one file ------------------------------------------------------------------

THIRD_LANGUAGE = f'''
"""A made-up language: English with a mark in front of every sentence."""
from bpcli.texts.en import TEXTS as ENGLISH

def _marked(template):
    if isinstance(template, dict):
        return {{form: _marked(text) for form, text in template.items()}}
    return "{MARK}" + template

TEXTS = {{key: _marked(template) for key, template in ENGLISH.items() if key != "verdict.right"}}
'''


@pytest.fixture
def third_language(tmp_path, monkeypatch):
    """The language ``xx`` as one module in a folder of the ``bpcli.texts`` package (as a new
    ``bpcli/texts/xx.py`` would be); it lacks one key, ``verdict.right``."""
    (tmp_path / "xx.py").write_text(THIRD_LANGUAGE, encoding="utf-8")
    monkeypatch.setattr(texts, "__path__", [*texts.__path__, str(tmp_path)])
    yield tmp_path
    texts._loaded.pop("xx", None)
    sys.modules.pop("bpcli.texts.xx", None)


def test_a_third_language_needs_one_file(third_language):
    assert languages() == ("en", "xx", "zh")
    network = load_exercise(TWO_LAYER).network
    explanation = explain(network, lang="xx")
    assert explanation.steps and explanation.conventions.startswith(MARK)
    for step in explanation.steps:
        assert step.title.startswith(MARK) and all(s.startswith(MARK) for s in step.explanation), step.title
    wrong = grade(network, "dZ2", "A2 - Y", lang="xx")
    assert wrong.message.startswith(MARK) and wrong.diagnosis == ["missing_1_over_m"]
    with pytest.raises(AnswerError) as caught:
        grade(network, "dW2", "[1, 2", lang="xx")
    assert error_text(caught.value, "xx").startswith(MARK)
    tensors = run(network).tensors()
    for level in (1, 2, 3):
        label, text = hint(network, parse_target("dW1", tensors), level, "xx", None, tensors)
        assert label.startswith(MARK)
    assert generate(1, 0).text("xx").startswith(MARK) and generate(1, 0).title_in("xx").startswith(MARK)
    # a key the language lacks is said in English, never a crash
    right = grade(network, "dZ2", "(A2 - Y) / m", lang="xx")
    assert right.correct and right.message == grade(network, "dZ2", "(A2 - Y) / m").message


def test_a_third_language_on_the_command_line(third_language, tmp_path):
    # the module found where bpcli/texts/ is, then the command line as a user runs it
    code = ("import sys, bpcli.texts\nbpcli.texts.__path__.append(sys.argv.pop(1))\n"
            "from bpcli.__main__ import main\nmain()\n")

    def bpcli_with_xx(args, **env):
        done = subprocess.run([sys.executable, "-c", code, str(third_language), *args], capture_output=True,
                              text=True, env=cli_env(**env), cwd=REPO_ROOT, timeout=60)
        return done.returncode, done.stdout, done.stderr

    status, out, err = bpcli_with_xx(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--lang", "xx"])
    assert status == 1 and MARK in out, err
    status, out, err = bpcli_with_xx(["explain", TWO_LAYER, "--format", "markdown", "--forward"], LANG="xx_YY.UTF-8")
    assert status == 0 and out.count(MARK) > 5, err
    status, out, err = bpcli_with_xx(["quiz", "--list", "--lang", "xx"], BPCLI_DATA_DIR=str(tmp_path / "data"))
    assert status == 0 and out.startswith(MARK), err


# -- --lang from the locale ----------------------------------------------------------------------

@pytest.mark.parametrize("environment, expected", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW"}, "zh"),
    ({"LANG": "zh"}, "zh"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),           # LC_ALL overrides everything
    ({"LC_ALL": "", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # empty means not set
    ({"LC_MESSAGES": "en_GB", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_MESSAGES before LANG
    ({"LC_ALL": "zh_SG.gb2312@stroke", "LANG": "en_US"}, "zh"),
])
def test_language_of_the_locale(environment, expected):
    assert language_from_environment(environment) == expected


def test_lang_defaults_from_the_locale_on_the_command_line():
    grade_dZ2 = ["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y"]
    chinese, english = "还不对：你的 dZ2 有错。", "Not yet: your dZ2 is wrong."
    cases = [({"LANG": "zh_CN.UTF-8"}, [], chinese), ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, [], english),
             ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, [], chinese),
             ({"LANG": "de_DE.UTF-8"}, [], english), ({"LANG": "zh_CN.UTF-8"}, ["--lang", "en"], english),
             ({"LANG": "en_US.UTF-8"}, ["--lang", "ZH"], chinese)]
    for environment, option, expected in cases:
        status, out, err = run_cli(grade_dZ2 + option, env=cli_env(**environment))
        assert status == 1 and expected in out, (environment, option, out, err)
    status, out, err = run_cli(["explain", TWO_LAYER, "--forward", "--format", "markdown"],
                               env=cli_env(LANG="zh_CN.UTF-8"))
    assert status == 0 and "前向传播" in out, err


# -- the quiz's file messages in the learner's language --------------------------------------------

def test_progress_file_warnings_in_the_learners_language(tmp_path):
    damaged = tmp_path / "progress.json"
    damaged.write_text("{not json", encoding="utf-8")
    store = ProgressStore(damaged)
    assert [warning.key for warning in store.warnings] == ["progress.set_aside"]
    assert "was set aside as" in str(store.warnings[0]) and "已改名为" in store.warnings[0].text("zh")

    data = tmp_path / "data"
    data.mkdir()
    (data / "progress.json").write_text("[]", encoding="utf-8")
    status, out, err = run_cli(["quiz", "--progress", "--lang", "zh"], env=cli_env(BPCLI_DATA_DIR=str(data)))
    assert status == 0 and "bpcli: warning: 进度文件" in err and "它不是 bpcli 的进度文件" in err, err
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, out, err = run_cli(["quiz", "01", "--lang", "zh"], input="0\nquit\n",
                               env=cli_env(BPCLI_DATA_DIR=str(blocker)))  # its folder is a file
    assert status == 1 and "bpcli: warning: 无法把进度保存到" in err, err


def test_unknown_exercise_in_the_learners_language():
    status, _, err = run_cli(["quiz", "no_such_exercise"], env=cli_env(LANG="zh_CN.UTF-8"))
    assert status == 2 and "没有名为 'no_such_exercise' 的练习" in err and len(err.splitlines()) == 1
    status, _, err = run_cli(["quiz", "no_such_exercise"])
    assert status == 2 and "no exercise called 'no_such_exercise'" in err


def test_the_json_of_a_grade_stays_english_unless_lang_is_given():
    # scripts read the JSON: a learner's Chinese locale words the terminal, not the JSON message
    zh_locale = cli_env(LANG="zh_CN.UTF-8")
    status, out, _ = run_cli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--json"], env=zh_locale)
    assert status == 1 and json.loads(out)["message"].startswith("Not yet")
    status, out, _ = run_cli(["grade", TWO_LAYER, "-t", "dZ2", "-a", "A2 - Y", "--json", "--lang", "zh"], env=zh_locale)
    assert status == 1 and json.loads(out)["message"].startswith("还不对")


def test_quiz_commands_in_every_language():
    from bpcli.quiz.session import command_of

    assert [command_of(word) for word in ("hint", "?", "提示", "答案", "解答", "跳过", "退出", "Q", "1 2")] == \
        ["hint", "hint", "hint", "solution", "solution", "skip", "quit", "quit", None]
    status, _, err = run_cli(["quiz"], env=cli_env(LANG="zh_CN.UTF-8"))
    assert status == 2 and "请指定一个练习" in err


def test_chinese_asides_take_full_width_parentheses():
    """A parenthesised aside in Chinese prose is written （…）, as '第 1 层（dense）' is; the zh
    texts wrote '损失函数 (bce)', 'A (输出)' and '逐元素相乘 (⊙)'. Half-width parentheses stay
    for mathematics: '(A − Y)/m', '(m × C × H × W)', an equation's number '(17)'."""
    import re

    from bpcli.texts import templates

    chinese = re.compile(r"[\u4e00-\u9fff]")
    zh = templates("zh")
    for key, template in zh.items():
        for form in template.values() if isinstance(template, dict) else [template]:
            for aside in re.findall(r"\(([^()]*)\)", form):
                assert not chinese.search(aside), (key, aside)
    assert zh["title.loss"] == "损失函数（{loss}）" and zh["table.output"] == "A（输出）"
    assert "逐元素相乘（⊙）" in zh["shapes.activation"]


# -- the operand order of ⋆ ----------------------------------------------------------------------

#: a kernel W (W, W1, W{l}, W⁽ˡ⁾) written as the left operand of ⋆
KERNEL_ON_THE_LEFT = re.compile(r"(?<![\w(])W(\{\w+\}|\d+|⁽[^⁾]*⁾)?\s*⋆")


@pytest.mark.parametrize("lang", languages())
def test_cross_correlation_slides_its_right_operand_over_its_left(lang):
    # text 001 (26) writes z = a ⋆ w + b, the image on the left and the kernel on the right, and
    # bpcli's own backward rules follow it (dW = A_prev ⋆ dZ, dX = pad(dZ) ⋆ ROT180(W)): a
    # forward pass written W ⋆ A would be Σ W[y+i, x+j] A[i, j], another sum
    for key, template in texts.templates(lang).items():
        for text in (template.values() if isinstance(template, dict) else [template]):
            assert not KERNEL_ON_THE_LEFT.search(text), (lang, key, text)
