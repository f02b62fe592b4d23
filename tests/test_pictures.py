"""Issue 11: pictures. Self-contained HTML pages (MathML, no URL), the SVG diagram, heatmaps, the
entries a worked entry used marked in their matrices, navigation, notebooks.

The highlights are checked against the operands' own numbers: the entries a result entry is said
to come from, multiplied and added as its formula says, must give that entry (an independent
evaluation of the formula from the marked entries alone), and the marked entries of exercise 12
are the ones worked out by hand in the comments.
"""

from __future__ import annotations

import io
import importlib.util
import json
import re
import subprocess
import sys
from html import escape
from html.parser import HTMLParser

import numpy as np
import pytest
from rich.console import Console

import bpcli
from bpcli.formatting import error_bound_text
from bpcli.narrate.expr import LATEX
from bpcli.render import html as html_render
from bpcli.render.heatmap import heat_colour, step_scales, text_colour
from bpcli.render.markdown import render_explanation as markdown_page
from bpcli.render.matrix import matrix_table
from bpcli.render.mathml import piece_mathml
from conftest import REPO_ROOT, cli_env

EXERCISES = sorted((REPO_ROOT / "exercises").glob("*.yaml"))
METHODS = ("chain", "trace", "kron", "shapes")
NOTEBOOK = REPO_ROOT / "examples" / "pictures.ipynb"

#: HTML's void elements: they never have an end tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class PageParser(HTMLParser):
    """Tags balanced (SVG and MathML elements included), ids, links, resources, cells by id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.hrefs, self.resources = [], [], [], [], []
        self.tags: dict[str, int] = {}
        self.cells: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in attributes:
            self.ids.append(attributes["id"])
            if tag == "td":
                self.cells[attributes["id"]] = attributes
        for name in ("src", "href", "xlink:href", "srcset", "data", "action", "poster"):
            if attributes.get(name):
                (self.hrefs if name == "href" and tag == "a" else self.resources).append(attributes[name])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <rect/>, <input/>: opened and closed at once
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> with {self.stack[-3:]} open")


def parsed(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def formulas(explanation):
    for step in explanation.steps:
        yield from ([step.formula] if step.formula is not None else [])
        yield from step.derivation
        yield from (entry.formula(4, explanation.labels.terms) for entry in step.worked)


# ---- self-contained pages ---------------------------------------------------------------

@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_every_formula_of_every_exercise_and_method_converts_to_mathml(path):
    for method in METHODS:
        for formula in formulas(bpcli.explain(str(path), method=method)):
            for piece in formula.pieces(LATEX):
                mathml = piece_mathml(piece)
                # an unknown command would be left in the output as text, backslash and all
                assert mathml.startswith("<math") and "\\" not in mathml, (piece, mathml)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_exercise_page_is_self_contained_with_diagram_and_math(path, lang):
    for method in METHODS if lang == "en" else ("chain",):
        explanation = bpcli.explain(str(path), method=method, lang=lang)
        page = html_render.render_explanation(explanation)
        assert "http://" not in page and "https://" not in page  # no resource, not even a namespace
        parser = parsed(page)
        assert not parser.errors and not parser.stack, (parser.errors[:3], parser.stack)
        assert not parser.resources, parser.resources  # nothing to load: no src, no stylesheet link
        assert parser.tags.get("svg") == 1 and 'class="network"' in page
        assert parser.tags.get("math", 0) >= len(list(formulas(explanation)))
        assert len(parser.ids) == len(set(parser.ids)), "ids repeat"
        assert all(href.startswith("#") and href[1:] in parser.ids for href in parser.hrefs)


def test_markdown_keeps_latex():
    text = markdown_page(bpcli.explain("05"))
    assert "$$" in text and "<math" not in text and "<svg" not in text


# ---- the diagram ------------------------------------------------------------------------

def test_diagram_names_boxes_tensors_and_gradients():
    page = html_render.render_explanation(bpcli.explain("12"))
    svg = re.search(r"<svg class=\"network\".*?</svg>", page, flags=re.S).group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    # exercise 12: X 1×4×4 → conv2d 1@2×2 relu → 1×3×3 → maxpool 2×2/1 → 1×2×2 → flatten → 4 → dense 1 sigmoid → 1
    for label in ("1 · conv2d", "1@2×2 relu", "→ 1×3×3", "2 · maxpool", "2×2/1", "→ 1×2×2", "3 · flatten", "→ 4",
                  "4 · dense", "1 sigmoid", "→ 1", "X", "A⁽¹⁾", "A⁽²⁾", "A⁽³⁾", "A⁽⁴⁾", "1×4×4"):
        assert label in texts, label
    # backward: dA at every tensor, dZ through the two layers with an activation, none through pool/flatten
    assert sorted(t for t in texts if t.startswith("d")) == sorted(["dX", "dZ⁽¹⁾", "dA⁽¹⁾", "dA⁽²⁾", "dA⁽³⁾", "dZ⁽⁴⁾", "dA⁽⁴⁾"])
    # feature maps drawn as stacks: one square per channel (1 here), a column of 4 cells after flatten
    assert svg.count('class="map"') == 3 and svg.count('class="unit"') == 4 + 1
    assert 'aria-label="X 1×4×4 → 1 conv2d 1@2×2 relu → 1×3×3' in svg


def test_diagram_shows_a_convolutions_stride_and_padding():
    # exercise 09: a 3 × 3 kernel, stride 2, padding 1 on 4 × 4: ⌊(4 + 2·1 − 3)/2⌋ + 1 = 2. The
    # box said only '1@3×3 linear', which is also a stride-1, unpadded kernel (that would give 2 × 2
    # too, from ⌊(4 − 3)/1⌋ + 1): the picture must say which convolution it is, as a pool's box does
    page = html_render.render_explanation(bpcli.explain("09"))
    svg = re.search(r"<svg class=\"network\".*?</svg>", page, flags=re.S).group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "1@3×3/2 p1 linear" in texts and "→ 1×2×2" in texts
    assert "conv2d 1@3×3/2 p1 linear" in bpcli.explain("09").summary.network


def test_a_long_size_line_is_fitted_into_its_box():
    from bpcli.render.diagram import BOX_WIDTH
    network = {"input": {"X": np.zeros((2, 1, 9, 9)).tolist(), "Y": [[0.0, 1.0]]},
               "layers": [{"type": "conv2d", "filters": 16, "kernel": 3, "stride": 2, "padding": 1,
                           "activation": "sigmoid"}, {"type": "flatten"},
                          {"type": "dense", "units": 1, "activation": "sigmoid"}], "loss": "bce"}
    svg = re.search(r"<svg class=\"network\".*?</svg>", html_render.render_explanation(bpcli.explain(network)),
                    flags=re.S).group(0)
    line = re.search(r"<text([^>]*)>16@3×3/2 p1 sigmoid</text>", svg)
    assert line is not None
    fitted = re.search(r'textLength="(\d+)"', line.group(1))
    assert fitted is not None and int(fitted.group(1)) < BOX_WIDTH


def test_diagram_draws_at_most_four_maps_per_stack():
    spec = {"input": {"X": np.zeros((1, 1, 5, 5)).tolist(), "Y": [[0.0]]},
            "layers": [{"type": "conv2d", "filters": 6, "kernel": 3, "activation": "relu"}, {"type": "flatten"},
                       {"type": "dense", "units": 1, "activation": "linear"}], "loss": "mse"}
    svg = html_render.render_explanation(bpcli.explain(spec))
    # X: one map; A1: 6 channels drawn as 4 with "6×3×3" written under them
    assert svg.count('class="map"') == 1 + 4 and ">6×3×3<" in svg


# ---- heatmaps ---------------------------------------------------------------------------

def test_diverging_scale_is_white_at_zero_and_full_colour_at_the_scale():
    assert heat_colour(0.0, 2.0) == "#f7f7f7"
    assert heat_colour(2.0, 2.0) == "#b2182b" and heat_colour(5.0, 2.0) == "#b2182b"  # clipped
    assert heat_colour(-2.0, 2.0) == "#2166ac"
    assert heat_colour(float("nan"), 1.0) is None and heat_colour(1.0, 0.0) is None
    assert text_colour("#f7f7f7") == "#000000" and text_colour("#2166ac") == "#ffffff"


def test_a_gradient_and_the_gradient_it_is_routed_into_share_one_scale():
    step = bpcli.explain("12").step_for("dA1")  # dA2 (max |·| 0.5) routed into dA1 (max |·| 0.5)
    scales = step_scales(step)
    by_name = {t.name: scales[id(t)] for t in step.operands + [step.result]}
    gradients = np.concatenate([np.abs(t.value).ravel() for t in step.operands + [step.result] if t.name.startswith("d")])
    assert by_name["dA2"] == by_name["dA1"] == gradients.max()
    assert by_name["A1"] == np.abs(step.operands[0].value).max()  # A1 keeps its own (3)


def test_terminal_heatmap_only_where_colour_is_wanted():
    table = matrix_table(np.array([[1.0, -1.0]]), "W1", heat=1.0)

    def render(color_system):
        buffer = __import__("io").StringIO()
        Console(file=buffer, width=80, color_system=color_system, force_terminal=color_system is not None).print(table)
        return buffer.getvalue()

    coloured = render("truecolor")
    assert "48;2;178;24;43" in coloured and "48;2;33;102;172" in coloured  # red behind 1, blue behind −1
    assert "\x1b[" not in render(None)
    done = subprocess.run([sys.executable, "-m", "bpcli", "explain", "12"], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0 and "\x1b[" not in done.stdout  # NO_COLOR and piped


# ---- what a worked entry used ---------------------------------------------------------

def _operand(step, name):
    return next(t.value for t in step.operands + [step.result] if t.name == name)


def _each_result_entry(step):
    for index in np.ndindex(*step.result.value.shape):
        yield index, step.sources(index)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_sources_give_back_each_result_entry(path):
    """From the marked entries alone each result entry is recomputed by its rule: a sum of
    products of two operands' entries taken in step (dense and conv forward, dW, dA_prev; dZ =
    dA ⊙ g′(Z)) plus the bias, or a sum (db). Pools have their own test."""
    explanation = bpcli.explain(str(path))
    kinds = {row.index: row.kind for row in explanation.layers}
    checked = 0
    for step in explanation.steps:
        if step.sources is None or kinds.get(step.layer) in ("maxpool", "avgpool"):
            continue
        for index, highlight in _each_result_entry(step):
            used = {name: np.array([_operand(step, name)[i] for i in indices]) for name, indices in highlight.used.items()}
            biases = [name for name in used if re.fullmatch(r"b\d+", name)]
            factors = [name for name in used if name not in biases]
            if len(factors) == 2:
                total = float(np.dot(used[factors[0]], used[factors[1]])) + sum(float(used[b][0]) for b in biases)
            elif step.target.startswith("db"):
                total = float(used[factors[0]].sum())
            else:
                continue  # A = g(Z): the rule is the activation, not a sum
            assert np.isclose(total, step.result.value[index], rtol=1e-12, atol=1e-14), (step.target, index)
            checked += 1
    assert checked or set(kinds.values()) <= {"maxpool", "avgpool", "flatten"}


def test_pool_sources_route_like_the_texts():
    for name, kind in (("10", "maxpool"), ("11", "avgpool"), ("12", "maxpool")):
        explanation = bpcli.explain(name)
        layer = next(row for row in explanation.layers if row.kind == kind).index
        k = int(next(row for row in explanation.layers if row.kind == kind).size.split("×")[0])
        forward = explanation.step_for(f"A{layer}")
        A_prev = forward.operands[0].value
        for index, highlight in _each_result_entry(forward):
            values = [A_prev[i] for i in highlight.used[forward.operands[0].name]]
            if kind == "maxpool":  # the window's maximum, the rest of the window around it
                assert values == [forward.result.value[index]] and len(highlight.around[forward.operands[0].name]) == k * k - 1
            else:
                assert np.isclose(np.mean(values), forward.result.value[index]) and len(values) == k * k
        backward = next(s for s in explanation.steps if s.section == "backward" and s.layer == layer)
        upstream = next(t for t in backward.operands if t.name == f"dA{layer}").value
        share = 1.0 if kind == "maxpool" else 1.0 / (k * k)
        for index, highlight in _each_result_entry(backward):
            gathered = share * sum(upstream[i] for i in highlight.used[f"dA{layer}"])
            assert np.isclose(gathered, backward.result.value[index], rtol=1e-12, atol=1e-15), (name, index)


def _cells(page: str, step: str, mark: str) -> dict[int, set[str]]:
    """The cells of ``step`` with class ``mark``, by table number: {table: {'0,0,1,2', …}}."""
    found: dict[int, set[str]] = {}
    for cell_id, attributes in parsed(page).cells.items():
        anchor, table, index = cell_id.rsplit(":", 2)
        if anchor == step and attributes.get("class") == mark:
            found.setdefault(int(table), set()).add(index)
    return found


def test_conv_window_and_max_pool_routing_are_marked_in_exercise_12():
    page = html_render.render_explanation(bpcli.explain("12"))
    # conv forward: Z1 = W1 ⋆ X + b1 with W1 = [[1, 1], [−0.5, −0.5]], b1 = −0.5. The largest entry is
    # Z1[0,1] = (2 + 2) − 0.5·(1 + 0) − 0.5 = 3 (X rows 0–1, columns 1–2): that window of X (table 0),
    # all of W1 (table 1), b1 (table 2) used; Z1[0,1] (table 3, the result) is the worked entry.
    used = _cells(page, "Z1", "used")
    assert used[0] == {"0,0,0,1", "0,0,0,2", "0,0,1,1", "0,0,1,2"}
    assert used[1] == {"0,0,0,0", "0,0,0,1", "0,0,1,0", "0,0,1,1"} and used[2] == {"0"}
    assert _cells(page, "Z1", "worked") == {3: {"0,0,0,1"}}
    # max-pool backward: A1 = relu(Z1) = [[1, 3, 2], [2, 0, 0], [0, 0.5, 2]]; 2×2 windows, stride 1.
    # Windows (0,0) [[1,3],[2,0]] and (0,1) [[3,2],[0,0]] both have their maximum at A1[0,1]: it collects
    # dA2[0,0] + dA2[0,1]. Operands A1 (table 0), mask2 (1), dA2 (2); the result dA1 is table 3.
    used = _cells(page, "dA1", "used")
    assert used[0] == {"0,0,0,1"} and used[1] == {"0,0,0,1"} and used[2] == {"0,0,0,0", "0,0,0,1"}
    assert _cells(page, "dA1", "around")[0] == {"0,0,0,0", "0,0,0,2", "0,0,1,0", "0,0,1,1", "0,0,1,2"}
    assert _cells(page, "dA1", "worked") == {3: {"0,0,0,1"}}


def test_pointing_at_any_result_entry_names_cells_of_the_page():
    page = html_render.render_explanation(bpcli.explain("12"))
    parser = parsed(page)
    sources = [(cell_id, a) for cell_id, a in parser.cells.items() if "data-used" in a]
    assert len(sources) > 20
    for cell_id, attributes in sources:
        step = cell_id.split(":", 1)[0]
        for ref in (attributes["data-used"] + " " + attributes.get("data-around", "")).split():
            assert f"{step}:{ref}" in parser.cells, (cell_id, ref)
    # a dense forward entry Z4[0,0] = Σₖ W4[0,k] A3[k,0] + b4[0]: 4 + 4 + 1 cells
    assert len(parser.cells["Z4:3:0,0"]["data-used"].split()) == 9


# ---- navigation -----------------------------------------------------------------------

def test_page_navigation_works_without_scripts_and_has_a_small_one():
    explanation = bpcli.explain("12")
    page = html_render.render_explanation(explanation)
    parser = parsed(page)
    # every step folds, the summary's closing check too
    steps = len(explanation.steps) + (explanation.summary.check is not None)
    assert parser.tags["details"] == parser.tags["summary"] == steps
    assert 'class="summary-toggle"' in page and ".summary-toggle:checked ~ * .detail" in page  # CSS, no script
    assert "@media print" in page
    toc = re.search(r'<nav class="toc">.*?</nav>', page, flags=re.S).group(0)
    linked = set(re.findall(r'href="#([^"]+)"', toc))
    assert {s.target for s in explanation.steps if s.target} <= linked  # every step reachable
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1 and len(scripts[0].encode()) < 4096 and '"j"' in scripts[0] and '"k"' in scripts[0]


# ---- notebooks and names -----------------------------------------------------------------

def test_api_opens_exercise_names_as_the_cli_does():
    assert bpcli.compute("05")["loss"] == bpcli.compute(str(REPO_ROOT / "exercises" / "05_worked_example_222.yaml"))["loss"]
    assert bpcli.explain("12").title.startswith("A small CNN")
    with pytest.raises(bpcli.SpecError, match="no such file"):
        bpcli.explain("no_such_exercise")


def test_notebook_displays_are_self_contained():
    for html in (bpcli.explain("12")._repr_html_(), bpcli.check("12")._repr_html_(),
                 bpcli.show(bpcli.compute("12"))._repr_html_()):
        parser = parsed(html)
        assert "<style>" in html and not parser.errors and not parser.stack
        assert "http://" not in html and "https://" not in html
    explained = bpcli.explain("12")._repr_html_()
    assert "<svg" in explained and "<math" in explained and "background:#" in explained
    shown = bpcli.show(bpcli.compute("12"))._repr_html_()
    assert "<svg" in shown and "background:#" in shown
    # two displays in one notebook keep their ids apart
    twice = parsed(bpcli.explain("05")._repr_html_() + bpcli.explain("05")._repr_html_())
    assert len(twice.ids) == len(set(twice.ids))
    assert bpcli.check("05").ok and "verdict" in bpcli.check("05")._repr_html_()
    with pytest.raises(TypeError):
        bpcli.show(42)


def test_a_notebook_display_leaves_the_keys_to_the_notebook():
    """JupyterLab's cell editor is neither an input nor a textarea, so a page-wide j / k / s
    caught a learner's typing (and j / k are the notebook's own keys between cells): only a page
    of bpcli's own binds them, and only its toolbar names them."""
    standalone = html_render.render_explanation(bpcli.explain("05"))
    shown = bpcli.explain("05")._repr_html_()
    assert "keydown" in standalone and "j / k" in standalone
    assert "keydown" not in shown and "j / k" not in shown and "Point at an entry" in shown
    assert "mouseover" in shown  # the pointing stays
    # a summary alone has no steps to fold, move between or point into: no toolbar
    summary_only = bpcli.explain("05", detail="summary")._repr_html_()
    assert "summary-toggle" not in summary_only.split("</style>", 1)[1] and "Point at" not in summary_only
    # Jupyter right-aligns and stripes every table; bpcli's equations line up on the left
    assert ".bpcli table.equations td { padding: 0 1rem 0 0; vertical-align: middle; text-align: left; }" in shown
    assert ".bpcli table.equations tbody tr" in shown


def _code_cells() -> list[str]:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_notebook_example_cells_run_in_process():
    """What nbconvert does, without Jupyter: each cell run in one namespace, the value of its
    last line displayed as HTML."""
    namespace: dict = {}
    shown = []
    for source in _code_cells():
        *body, last = source.strip().splitlines()
        exec(compile("\n".join(body), str(NOTEBOOK), "exec"), namespace)
        value = eval(compile(last, str(NOTEBOOK), "eval"), namespace)
        if value is not None:
            shown.append(value._repr_html_())
    assert len(shown) >= 3 and all("<style>" in html for html in shown)


@pytest.mark.skipif(importlib.util.find_spec("nbconvert") is None or importlib.util.find_spec("ipykernel") is None,
                    reason="nbconvert and ipykernel are the [notebook] extra")
def test_notebook_example_executes_with_nbconvert(tmp_path):
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output-dir", str(tmp_path), str(NOTEBOOK)], capture_output=True, text=True,
                          env=cli_env(), cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    executed = json.loads((tmp_path / NOTEBOOK.name).read_text(encoding="utf-8"))
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 3 and any("<svg" in "".join(h) for h in html)


def test_the_legend_names_a_dashed_window_only_where_there_is_one():
    """Every worked entry's legend spoke of 'the rest of their window (dashed)', dense ones too."""
    from bpcli.narrate import explain
    from bpcli.render.html import render_explanation

    page = render_explanation(explain(bpcli.load("12"), detail="full"))
    legends = {anchor: re.search(r'class="legend">([^<]*)', body)
               for anchor, body in re.findall(r'<section class="step" id="([^"]+)"(.*?)</section>', page, flags=re.S)}
    assert "dashed" not in legends["Z4"].group(1) and "dashed" not in legends["dW4"].group(1)
    assert "dashed" in legends["dA1"].group(1)  # the max pool's dA1: the rest of each window


def test_a_notebook_check_reads_as_the_command_line_check():
    """The notebook's table is the command line's: the relative error as the power of ten it
    stays under (its own digits are round-off, which differs between machines; the notebook
    wrote them as '3.2e-10'), and the notes that say what rel.err and kinks are."""
    from bpcli.render.summary import check_table

    report = bpcli.check("12")
    page = report._repr_html_()
    terminal = Console(file=io.StringIO(), width=120, color_system=None)
    terminal.print(check_table(report))
    printed = terminal.file.getvalue()
    for tensor in report.tensors:
        bound = error_bound_text(tensor.relative_error)
        assert bound in printed and escape(bound) in page
    assert not re.search(r"\d\.\de-\d\d</td>", page)
    assert "rel.err: max |analytic − numeric|" in printed and escape("rel.err: max |analytic − numeric|") in page
    at_kink = {"input": {"X": [[1.0], [-1.0]], "Y": [[1.0]]},  # Z1 = 1 - 1 = 0: relu's kink
               "layers": [{"type": "dense", "units": 1, "activation": "relu", "W": [[1.0, 1.0]], "b": [[0.0]]},
                          {"type": "dense", "units": 1, "activation": "sigmoid", "W": [[2.0]], "b": [[0.5]]}],
               "loss": "bce"}
    assert "kinks: entries where the loss has no derivative" in bpcli.check(at_kink)._repr_html_()
