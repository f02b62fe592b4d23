"""bpcli.render: the shared matrix formatting, the terminal/Markdown/HTML renderers, golden
renders of one small network (width 80, no colour, en and zh), and the explain command.

Regenerate the golden files after an intended change with
``BPCLI_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

import bpcli
from bpcli.core.gradcheck import TensorCheck
from bpcli.formatting import error_bound_text
from bpcli.narrate.model import IdentityCheck
from bpcli.render import html as html_render
from bpcli.render import markdown as markdown_render
from bpcli.render.matrix import format_number, matrix_latex, matrix_table, matrix_text
from bpcli.render.terminal import print_explanation
from conftest import REPO_ROOT, cli_env

GOLDEN = Path(__file__).parent / "golden"
SMALL_NET = GOLDEN / "small_net.yaml"
UPDATE = os.environ.get("BPCLI_UPDATE_GOLDEN") == "1"
EXERCISES = sorted((REPO_ROOT / "exercises").glob("*.yaml"))


def plain(renderable, width=80) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue()


def terminal_text(explanation, width=80, precision=4) -> str:
    buffer = io.StringIO()
    print_explanation(explanation, Console(file=buffer, width=width, color_system=None, highlight=False),
                      precision=precision)
    return buffer.getvalue()


# ---- matrix.py ----------------------------------------------------------------------------

@pytest.mark.parametrize("x, precision, text", [
    (1.5, 4, "1.5000"), (-0.25, 2, "-0.25"), (-0.0, 4, "0.0000"), (-1e-9, 4, "-1.000e-09"), (0.0, 4, "0.0000"),
    (2.5e7, 3, "2.50e+07"), (float("nan"), 4, "nan"), (float("-inf"), 4, "-inf"), (3.14159, 0, "3"),
    (-0.00004, 4, "-4.000e-05"), (0.00005, 4, "0.0001"),
])
def test_format_number(x, precision, text):
    assert format_number(x, precision) == text


def test_matrix_text_aligns_decimals_and_summarises_like_numpy():
    text = matrix_text(np.array([[1.0, -22.5], [0.125, 3.0]]), precision=2)
    assert text.splitlines() == ["[ 1.00  -22.50 ]", "[ 0.12    3.00 ]"]
    big = matrix_text(np.arange(400.0).reshape(20, 20), precision=0)
    lines = big.splitlines()
    assert len(lines) == 9 and "⋮" in lines[4] and "…" in lines[0]
    assert lines[0].split()[1] == "0" and lines[-1].split()[-2] == "399"


def test_round_off_of_an_exact_zero_is_shown_as_zero_in_every_format():
    """0.1 + 0.2 − 0.3 is 5.55e-17 in float64: a table of Z showed '5.551e-17' (conv 2×2 stride 2
    padding 1: '2.776e-17'), digits a learner cannot reproduce by hand; a genuinely small entry
    (4e-5 beside 0.08) keeps its scientific notation."""
    noisy = np.array([[0.1 + 0.2 - 0.3, 6.0]])
    assert noisy[0, 0] != 0
    assert matrix_text(noisy, 4) == "[ 0.0000  6.0000 ]"
    assert matrix_latex(noisy, 4) == r"\begin{bmatrix}0.0000 & 6.0000\end{bmatrix}"
    assert matrix_text(np.array([[-4e-5, 0.08]]), 4) == "[ -4.000e-05  0.0800 ]"
    # the LaTeX has the tensor's decimals, as the other formats (0.00879 kept 3 significant digits)
    assert matrix_latex(np.array([[0.00879, 0.001]]), 4) == r"\begin{bmatrix}0.00879 & 0.00100\end{bmatrix}"


def test_explain_shows_no_round_off_digits(tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("input: {X: [[0.1, 1.0], [0.2, 2.0], [-0.3, 3.0]], Y: [[0.0, 1.0]]}\n"
                   "layers: [{type: dense, units: 1, activation: linear, W: [[1.0, 1.0, 1.0]], b: [[0.0]]}]\n"
                   "loss: sse\n")
    for form in ("terminal", "markdown", "html"):
        done = subprocess.run([sys.executable, "-m", "bpcli", "explain", str(net), "--detail", "full", "-f", form],
                              capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, timeout=60)
        assert done.returncode == 0, done.stderr
        # Z (5.551e-17) and dZ (1.110e-16) in their tables, and dZ as a factor of the worked sums of
        # dW and db ('1.110e-16·(-0.3000)', '1.110e-16 + 10.0000'): every one is 0
        assert not re.search(r"\de-1[67]|10\^\{-1[67]\}", done.stdout), form
        if form == "terminal":
            text = " ".join(done.stdout.split())  # as one line, however the terminal wrapped it
            assert "= 0.0000·(-0.3000) + 10.0000·3.0000 = 30.0000" in text
            assert "= 0.0000 + 10.0000 = 10.0000" in text


def test_matrix_latex_is_a_bmatrix_with_summaries():
    assert matrix_latex(np.array([[1.0, -2.0]]), 1) == r"\begin{bmatrix}1.0 & -2.0\end{bmatrix}"
    big = matrix_latex(np.ones((10, 10)), 0)
    assert big.count(r"\cdots") == 8 and r"\vdots" in big and r"\ddots" in big
    images = matrix_latex(np.zeros((3, 2, 2, 2)), 0)
    assert r"\underset{[0, 0]}" in images and r"\cdots" in images
    assert matrix_latex(np.array([np.inf, 1e-9]), 2) == r"\begin{bmatrix}\infty & 1.0\times 10^{-9}\end{bmatrix}"


def test_matrix_table_titles_marks_and_images():
    out = plain(matrix_table(np.array([[1.0, 2.0], [3.0, 4.0]]), "dW2", marks=np.array([[False, True], [False, False]])))
    assert "dW2  2×2" in out and "2.0000✗" in out and out.count("✗") == 1
    images = plain(matrix_table(np.zeros((2, 3, 2, 2)), "A1"))
    assert "A1  2×3×2×2" in images and "A1[0, 0]" in images and "A1[1, 2]" in images
    assert "4 of 6" in images
    counts = plain(matrix_table(np.array([[0, 2], [1, 0]]), "mask2"))
    assert "2" in counts and "." not in counts.replace("…", "")
    big = plain(matrix_table(np.zeros((50, 50)), "W"))
    assert all(cell_len(line) <= 80 for line in big.splitlines())
    with pytest.raises(ValueError):
        matrix_table(np.zeros((2, 2)), "x", marks=np.zeros((3, 3), dtype=bool))


# ---- renderers ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_terminal_output_fits_80_columns(path, lang):
    text = terminal_text(bpcli.explain(str(path), lang=lang))
    too_wide = [line for line in text.splitlines() if cell_len(line) > 80]
    assert not too_wide, too_wide[:3]
    assert "\x1b[" not in text


def test_markdown_math_blocks_are_balanced_and_on_their_own_lines():
    text = markdown_render.render_explanation(bpcli.explain(str(SMALL_NET), method="trace"))
    assert text.count("$$") % 2 == 0
    for block in re.findall(r"\$\$\n(.*?)\n\$\$", text, flags=re.S):
        assert block.count("{") == block.count("}"), block
        assert not re.search(r"\^\{[^{}]*\}\^", block), block  # never a double superscript
        assert block.count(r"\begin{") == block.count(r"\end{")


class _Balance(HTMLParser):
    VOID = {"meta", "link", "br"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(tag)


def test_html_is_a_well_formed_page_readable_without_katex():
    page = html_render.render_explanation(bpcli.explain(str(SMALL_NET), lang="zh"))
    checker = _Balance()
    checker.feed(page)
    assert not checker.errors and not checker.stack
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh"' in page
    assert "<math" in page and "katex" not in page.lower()  # MathML made in Python, no script to fetch
    assert '<table class="matrix">' in page
    # a math font where one is installed: with the page's sans-serif, Chromium drew x̂'s hat beside
    # the x and √ without its bar over σ² + ε
    assert re.search(r"\.bpcli math \{ font-family: [^}]*\bmath; \}", page)


def test_notebook_reprs():
    explanation = bpcli.explain(str(SMALL_NET))
    assert explanation._repr_markdown_().startswith("# Golden")
    assert "<!DOCTYPE" not in explanation._repr_html_() and "<h1 class=\"heading-1\">" in explanation._repr_html_()


def test_step_pause_is_called_between_steps():
    explanation = bpcli.explain(str(SMALL_NET))
    calls = []
    print_explanation(explanation, Console(file=io.StringIO(), width=80), step_pause=lambda: calls.append(1))
    assert len(calls) == len(explanation.steps) - 1


def test_precision_applies_everywhere():
    explanation = bpcli.explain(str(SMALL_NET))
    assert "0.50000000" in terminal_text(explanation, precision=8)
    assert "0.50000000" in markdown_render.render_explanation(explanation, precision=8)


# ---- golden renders ---------------------------------------------------------------------

RENDERERS = {
    "terminal.txt": terminal_text,
    "md": markdown_render.render_explanation,
    "html": html_render.render_explanation,
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("suffix", list(RENDERERS))
def test_golden(lang, suffix):
    text = RENDERERS[suffix](bpcli.explain(str(SMALL_NET), lang=lang))
    path = GOLDEN / f"small_net.{lang}.{suffix}"
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path.name} was missing and has been written; review it and run again")
    expected = path.read_text(encoding="utf-8")
    if suffix == "html":
        # the MathML is latex2mathml's, and its markup differs between the versions pyproject
        # allows (<munder> or <msub> for a Σ): this golden is for the page's layout; the same
        # formulas are compared as LaTeX in the Markdown golden, and tests/test_pictures.py
        # checks that every formula converts
        text, expected = _without_mathml(text), _without_mathml(expected)
    assert text == expected, f"{path.name} differs; BPCLI_UPDATE_GOLDEN=1 regenerates it"


def _without_mathml(html: str) -> str:
    return re.sub(r"<math\b.*?</math>", "<math/>", html, flags=re.S)


def _render_with_round_off(monkeypatch, lang: str, finite_difference_error: float, identity_difference: float) -> str:
    """The golden network's Markdown with the finite-difference errors and the identity checks'
    differences replaced by the given round-off, as another BLAS or CPU would give them."""
    monkeypatch.setattr(TensorCheck, "relative_error", property(lambda self: finite_difference_error))
    monkeypatch.setattr(IdentityCheck, "difference", property(lambda self: identity_difference))
    return markdown_render.render_explanation(bpcli.explain(str(SMALL_NET), lang=lang))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_off_does_not_change_the_explanation(monkeypatch, lang):
    # 2.2e-10 was the goldens' finite-difference error on one machine, 8.3e-10 on another; an
    # identity check's difference is 0 or a few ulps (2.8e-17) depending on summation order
    here = _render_with_round_off(monkeypatch, lang, 2.2e-10, 0.0)
    there = _render_with_round_off(monkeypatch, lang, 8.3e-10, 2.8e-17)
    assert here == there
    assert "| < 1e-8 |" in here and "(max |Δ| < 1e-8)" in here


def test_round_off_does_not_change_the_check_command_table(monkeypatch):
    from bpcli.core.gradcheck import check
    from bpcli.render.summary import check_table
    from bpcli.spec import load

    report = check(load(str(SMALL_NET)))
    tables = []
    for noise in (2.2e-10, 8.3e-10):
        monkeypatch.setattr(TensorCheck, "relative_error", property(lambda self, noise=noise: noise))
        tables.append(plain(check_table(report), width=100))
    assert tables[0] == tables[1] and "< 1e-8" in tables[0]


def test_error_bound_text_names_the_power_of_ten_the_error_stays_under():
    assert [error_bound_text(x) for x in (0.0, 7.1e-10, 9.9e-9)] == ["< 1e-8"] * 3
    assert error_bound_text(1e-8) == "< 1e-7"   # 1e-8 is not under 1e-8
    assert error_bound_text(3.2e-7) == "< 1e-6"
    assert error_bound_text(1e-6) == "< 1e-5"
    assert error_bound_text(0.5) == "< 1"       # |2g − g| / |2g|: a doubled gradient
    assert error_bound_text(2.0) == "< 10"      # |−g − g| / |g|: a sign error
    assert error_bound_text(150.0) == "< 1e3"
    assert error_bound_text(float("nan")) == "nan" and error_bound_text(float("inf")) == "inf"


def test_golden_numbers_are_far_from_a_rounding_boundary():
    """The goldens print every tensor to 4 decimals and J to 6 significant digits. Each of those
    numbers keeps its text when moved by 1e-9 of itself, a million times the summation-order
    noise of another BLAS, so no printed digit can differ between machines. (Exact zeros come
    from relu masks and Y, exact on every machine, and stay zero.)"""
    from bpcli.spec import load

    network, result = load(str(SMALL_NET)), bpcli.compute(str(SMALL_NET))
    values = [network.X, network.Y, result["dX"]]
    for layer in result["layers"]:
        values += [array for key, array in layer.items() if isinstance(array, np.ndarray)]
    for x in np.concatenate([np.ravel(array) for array in values]):
        assert format_number(x * (1 - 1e-9), 4) == format_number(x * (1 + 1e-9), 4), x
    loss = result["loss"]
    assert f"{loss * (1 - 1e-9):.6g}" == f"{loss * (1 + 1e-9):.6g}", loss


# ---- the command ------------------------------------------------------------------------

def run_explain(*args: str) -> subprocess.CompletedProcess:
    """The explain command through a throwaway Typer app (the CLI module registers it too)."""
    code = ("import sys, typer\nfrom bpcli.commands.explain import explain_command\n"
            "app = typer.Typer()\napp.command('explain')(explain_command)\napp.command('noop')(lambda: None)\n"
            "app(args=['explain', *sys.argv[1:]])\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=cli_env(),
                          cwd=REPO_ROOT, timeout=120)


def test_command_formats_filters_and_output(tmp_path):
    done = run_explain(str(SMALL_NET), "--layer", "2", "--backward", "--lang", "zh")
    assert done.returncode == 0, done.stderr
    assert "第 2 层" in done.stdout and "第 1 层：" not in done.stdout and "前向传播" not in done.stdout
    out = tmp_path / "handout.md"
    done = run_explain(str(SMALL_NET), "--format", "markdown", "--method", "kron", "-o", str(out))
    assert done.returncode == 0 and done.stdout == "" and out.read_text().startswith("# Golden")
    done = run_explain(str(SMALL_NET), "--output", str(SMALL_NET))
    assert done.returncode == 2 and "network file itself" in done.stderr
    done = run_explain(str(SMALL_NET), "--layer", "7")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    done = run_explain(str(SMALL_NET), "--step", "--format", "html")
    assert done.returncode == 2


def test_command_module_imports_no_heavy_modules():
    code = ("import sys, bpcli.commands.explain\n"
            "print(sorted(m for m in ('numpy', 'rich', 'bpcli.narrate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_chinese_labels_take_the_full_width_colon():
    explanation = bpcli.explain(str(SMALL_NET), lang="zh")
    md = markdown_render.render_explanation(explanation)
    assert "**维度：** " in md and "**维度:**" not in md
    page = html_render.render_explanation(explanation)
    assert "<strong>维度：</strong>" in page
    buffer = io.StringIO()
    print_explanation(explanation, Console(file=buffer, width=80, color_system=None, highlight=False))
    assert "维度：(" in buffer.getvalue() and "维度:" not in buffer.getvalue()
    assert "**Shapes:** " in markdown_render.render_explanation(bpcli.explain(str(SMALL_NET)))


def test_pool_formula_writes_stride_one_without_a_factor():
    spec = {"input": {"X": np.arange(9.0).reshape(1, 3, 3).tolist(), "Y": [[1], [0], [0], [1]]},
            "layers": [{"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"}], "loss": "mse"}
    step = bpcli.explain(spec).step_for("A1")
    assert "X[n,c, y+i, x+j]" in step.formula_text and "1y" not in step.formula_latex


def test_chinese_sentences_run_on_without_a_space_after_the_full_stop():
    explanation = bpcli.explain(str(SMALL_NET), lang="zh")
    assert "。 " not in markdown_render.render_explanation(explanation)
    assert "。 " not in html_render.render_explanation(explanation)
    assert explanation.labels.paragraph(["甲。", "乙。"]) == "甲。乙。"
    assert bpcli.explain(str(SMALL_NET)).labels.paragraph(["One.", "Two."]) == "One. Two."


@pytest.mark.parametrize("name", ["04", "12", "14"])
def test_summary_equations_are_aligned_on_their_relation(name):
    """The summary's gradients line up on '=' in every format, the short name of dX included
    (its line began two columns left of the others), and a long indexed name (a pool's
    dA[n,c,i,j]) too."""
    explanation = bpcli.explain(name, detail="summary")
    equations = explanation.summary.equations
    assert any(line.sides()[0].text == "dX" for line in equations)
    text = terminal_text(explanation)
    rows = [row for row in text.splitlines() if any(row.lstrip().startswith(f"{line.sides()[0].text} =")
                                                    for line in equations)]
    assert len(rows) == len(equations)
    assert len({row.index(" = ") for row in rows}) == 1, "\n".join(rows)
    markdown = markdown_render.render_explanation(explanation)
    aligned = markdown.split(r"\begin{aligned}")[1].split(r"\end{aligned}")[0].split(r" \\ ")
    assert len(aligned) == len(equations)
    assert all(" &= " in row for row in aligned)
    page = html_render.render_explanation(explanation)
    assert page.count('<td class="side">') == len(equations)


@pytest.mark.parametrize("largest, decimals", [
    (0.5, 4), (0.0878, 4), (0.01, 4), (0.00999, 5), (0.00879, 5), (0.000995, 6), (0.000439, 6), (0.0001, 6), (0.0000439, 4), (5.55e-17, 4),
    (12.5, 4), (0.0, 4), (float("nan"), 4), (-0.00879, 5)])
def test_small_numbers_keep_their_significant_digits(largest, decimals):
    """At 4 decimals text 005's dW1 (0.000439 … 0.000995) read 0.0004 … 0.0010, one digit each:
    a largest magnitude under 0.01 gets one or two more decimals, so that it keeps three."""
    from bpcli.formatting import decimals_for

    assert decimals_for(largest, 4) == decimals


def test_text_005s_small_gradients_are_shown_with_their_digits():
    explanation = bpcli.explain("05", layer=1, backward=True)
    text = terminal_text(explanation)
    # text 005 gives ∂E/∂w1 = 0.000438568 and ∂E/∂w4 = 0.000995; dX[1,0] = 0.2·0.00877 + 0.3·0.00995
    assert "0.000439" in text and "0.000995" in text and "0.0004 " not in text
    assert re.search(r"0\.2000·0\.00877\s+\+ 0\.3000·0\.00995 = 0\.00474", text)


@pytest.mark.parametrize("name", [path.stem[:2] for path in EXERCISES])
def test_every_gradient_as_shown_is_graded_right_when_typed_back(name):
    """What the worked solution and the quiz's solution show of a gradient (every entry at the
    decimals its tensor is shown with) is an answer the grader accepts: a learner copying the
    shown solution is never told to keep more digits."""
    from bpcli.formatting import decimals_for, format_number, largest_magnitude

    computed = bpcli.compute(name)
    for layer in computed["layers"]:
        for key, value in layer.items():
            if not key.startswith("d") or not isinstance(value, np.ndarray):
                continue
            decimals = decimals_for(largest_magnitude(value), 4)
            shown = np.vectorize(lambda v, decimals=decimals: float(format_number(v, decimals)))(value)
            result = bpcli.grade(name, f"{key}{layer['index']}", shown)
            assert result.correct, f"{key}{layer['index']} of {name}: {result.message}"


def test_round_off_never_hides_a_given_number_nor_an_infinite_one(tmp_path):
    """The round-off rule (an entry within 1e-12 of its tensor's largest is shown as 0) took X's
    2.0 and 0.5 beside 1e200 for round-off, and in a worked sum whose factors held inf took every
    factor for 0 ('db = 0.0000 + 0.0000 = inf'). Round-off of an exact 0 is never above 1e-9, and
    inf or nan is never a 0."""
    given = matrix_text(np.array([[1e200, 2.0], [0.5, 0.0]]), 4)
    assert "2.0000" in given and "0.5000" in given, given
    net = tmp_path / "big.yaml"
    net.write_text("input: {X: [[1.0e200, 2.0], [0.5, 0.0]], Y: [[1, 0]]}\n"
                   "layers: [{type: dense, units: 1, activation: linear, W: [[1.0e200, 1.0]]}]\nloss: mse\n")
    done = subprocess.run([sys.executable, "-m", "bpcli", "explain", str(net), "--detail", "full"],
                          capture_output=True, text=True, env=cli_env(COLUMNS="120"), cwd=REPO_ROOT, timeout=60)
    text = " ".join(done.stdout.split())
    assert done.returncode == 0, done.stderr
    assert "= inf + 1.000e+200 = inf" in text and "0.0000 + 0.0000 = inf" not in text
    assert "1.000e+200·2.0000" in text
