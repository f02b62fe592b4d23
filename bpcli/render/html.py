"""The worked solution as one self-contained HTML page: nothing is fetched, offline it looks the same.

- Formulas are MathML made in Python (``render.mathml``), matrices are HTML tables whose cells
  are coloured by value (``render.heatmap``), the network is an inline SVG (``render.diagram``).
- Each step folds open (``<details>``); a table of contents leads to every step, grouped by
  section and layer; a "summary only" switch (a checkbox and CSS) leaves the titles, formulas and
  results; print CSS opens everything for a handout.
- The entries a worked entry used are marked in their matrices (from the narration's
  ``WorkedEntry.highlight``), readable without JavaScript. A few lines of inline script add
  j / k to move between steps and mark, for any entry of a result one points at, what it was
  computed from (``Step.sources``).

The same body, with its style, is what a notebook shows (``render_explanation(..., standalone=False)``).
"""

from __future__ import annotations

from html import escape
from typing import Callable

import numpy as np

from bpcli.formatting import format_alone, shape_text
from bpcli.narrate.model import (Equation, Explanation, Formula, Highlight, IdentityCheck, Index, NamedTensor, Step,
                                 TableData)
from bpcli.render.diagram import explanation_svg
from bpcli.render.heatmap import heat_colour, heat_scale, step_scales, text_colour
from bpcli.render.mathml import formula_mathml
from bpcli.render.matrix import ELLIPSIS, matrix_slices, shown_positions
from bpcli.render.page import render_page
from bpcli.texts import say

#: rows and columns of a matrix shown before it is summarised
MAX_SHOWN = 8

#: the page around the content (only in a standalone page; a notebook has its own)
PAGE_STYLE = """
body { max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
@media print { body { max-width: none; margin: 0; } }
"""

#: everything under .bpcli, so that a notebook's own style and this one stay apart
STYLE = """
.bpcli { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
         line-height: 1.5; color: #222; }
.bpcli .heading-1 { font-size: 1.6rem; }
.bpcli .heading-2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
.bpcli .heading-3 { font-size: 1.1rem; }
.bpcli section.step { margin: 1rem 0; padding-left: 0.8rem; border-left: 3px solid #dde; }
.bpcli section.step.current { border-left-color: #1a73e8; }
.bpcli section.step:focus { outline: none; }
.bpcli summary { cursor: pointer; }
.bpcli table.equations td { padding: 0 1rem 0 0; vertical-align: middle; text-align: left; }
.bpcli table.equations td.side { padding: 0 0.3em 0 0; text-align: right; }
.bpcli table.data td, .bpcli table.data th { text-align: left; }
.bpcli table.equations tbody tr, .bpcli table.data tbody tr, .bpcli table.matrix tbody tr { background: none; }
.bpcli table.equations .math { margin: 0.2rem 0; }
.bpcli summary .heading-3 { display: inline; }
.bpcli .math { margin: 0.6rem 0 0.6rem 1rem; line-height: 2.4; font-size: 1.05rem; }
.bpcli .math math { margin-right: 0.3em; }
.bpcli math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre", math; }
.bpcli .tensors { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.bpcli table.matrix { border-collapse: separate; border-spacing: 2px; margin: 0.2rem 0.6rem 0.2rem 0;
                      font-family: ui-monospace, monospace; font-size: 0.88em; display: inline-table; }
.bpcli table.matrix caption { font-weight: bold; text-align: left; white-space: nowrap; }
.bpcli table.matrix td { text-align: right; padding: 0.1rem 0.45rem; border-radius: 2px; }
.bpcli table.matrix th { color: #888; font-weight: normal; padding: 0 0.3rem; background: none; }
.bpcli table.matrix tr { background: none; }
.bpcli td.used { outline: 2px solid #111; outline-offset: -2px; }
.bpcli td.around { outline: 2px dashed #666; outline-offset: -2px; }
.bpcli td.worked { outline: 3px solid #111; outline-offset: -3px; font-weight: bold; }
.bpcli td[data-used] { cursor: pointer; }
.bpcli td.lit-around { outline: 2px dashed #e37400; outline-offset: -2px; }
.bpcli td.lit { outline: 3px solid #e37400; outline-offset: -3px; }
.bpcli td.lit-self { outline: 3px solid #1a73e8; outline-offset: -3px; }
.bpcli table.data { border-collapse: collapse; }
.bpcli table.data td, .bpcli table.data th { border: 1px solid #ccc; padding: 0.2rem 0.6rem; }
.bpcli .check.ok { color: #1a7f37; } .bpcli .check.bad { color: #b00; font-weight: bold; }
.bpcli .note { background: #fff8e1; padding: 0.3rem 0.6rem; margin: 0.4rem 0; }
.bpcli .legend { color: #555; font-size: 0.9em; }
.bpcli figure.diagram { margin: 1rem 0; overflow-x: auto; }
.bpcli figure.diagram figcaption { color: #555; font-size: 0.9em; }
.bpcli nav.toc ol { margin: 0.2rem 0; padding-left: 1.4rem; }
.bpcli nav.toc a { text-decoration: none; }
.bpcli nav.toc .layer { color: #555; }
.bpcli .toolbar { font-size: 0.9em; color: #555; }
.bpcli .summary-toggle:checked ~ * .detail { display: none; }
@media print {
  .bpcli .toolbar, .bpcli .summary-toggle, .bpcli nav.toc { display: none; }
  .bpcli section.step { break-inside: avoid; border-left: none; padding-left: 0; }
  .bpcli td, .bpcli svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .bpcli td[data-used] { cursor: auto; }
}
"""

#: pointing at (or clicking) a result entry marks its sources; every step opened before printing.
#: Bound once per page, whatever the number of explanations a notebook shows.
SCRIPT = """
(function () {
  if (window.bpcliPage) return;
  window.bpcliPage = true;
  var pinned = null;
  function mark(cell, on) {
    var step = cell.closest("section.step");
    [["data-used", "lit"], ["data-around", "lit-around"]].forEach(function (pair) {
      (cell.getAttribute(pair[0]) || "").split(" ").forEach(function (ref) {
        var target = ref && document.getElementById(step.id + ":" + ref);
        if (target) target.classList.toggle(pair[1], on);
      });
    });
    cell.classList.toggle("lit-self", on);
  }
  function source(e) { return e.target.closest ? e.target.closest("td[data-used]") : null; }
  document.addEventListener("mouseover", function (e) { var c = source(e); if (c && !pinned) mark(c, true); });
  document.addEventListener("mouseout", function (e) { var c = source(e); if (c && !pinned) mark(c, false); });
  document.addEventListener("click", function (e) {
    var c = source(e);
    if (pinned) mark(pinned, false);
    pinned = c && c !== pinned ? c : null;
    if (pinned) mark(pinned, true);
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".bpcli details").forEach(function (d) { d.open = true; });
  });
})();
"""

#: j / k between steps, s for the summary: only on a page of bpcli's own. In a notebook the keys
#: are the notebook's (JupyterLab's editor is neither an input nor a textarea, and j / k move
#: between its cells), so a notebook's explanation has no keys.
KEYS_SCRIPT = """
(function () {
  if (window.bpcliKeys) return;
  window.bpcliKeys = true;
  var current = -1;
  function go(delta) {
    var all = Array.prototype.slice.call(document.querySelectorAll(".bpcli section.step"));
    if (!all.length) return;
    if (current < 0 || current >= all.length) {
      current = all.findIndex(function (s) { return s.getBoundingClientRect().top > 1; });
      current = current < 0 ? all.length - 1 : current - (delta > 0 ? 1 : 0);
    }
    current = Math.max(0, Math.min(all.length - 1, current + delta));
    all.forEach(function (s) { s.classList.remove("current"); });
    var step = all[current];
    step.classList.add("current");
    step.querySelector("details").open = true;
    step.scrollIntoView({block: "start"});
    step.focus({preventScroll: true});
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
    if (e.key === "j") go(1);
    else if (e.key === "k") go(-1);
    else if (e.key === "s") { var toggle = document.querySelector(".bpcli .summary-toggle"); if (toggle) toggle.click(); }
  });
})();
"""


def _math(formula: Formula) -> str:
    return f'<div class="math">{formula_mathml(formula)}</div>'


def data_table(data: TableData) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in data.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in data.rows)
    return f'<table class="data"><tr>{head}</tr>{body}</table>'


def entry_index(leading: tuple[int, ...], row: int, column: int, ndim: int) -> Index:
    """The index in the tensor of the entry shown at (row, column) of one of its 2-D pieces (a
    1-D tensor is shown as one row, a 0-D tensor as one cell)."""
    if ndim >= 2:
        return tuple(leading) + (row, column)
    return (column,) if ndim == 1 else ()


def _key(index: Index) -> str:
    return ",".join(str(i) for i in index)


def _shown_entries(value: np.ndarray) -> set[Index]:
    """The entries of a tensor its tables show (the others are summarised away)."""
    value = np.asarray(value)
    pieces, _ = matrix_slices(value)
    shown = set()
    for piece in pieces:
        if piece is None:
            continue
        for i in shown_positions(piece.matrix.shape[0], MAX_SHOWN):
            for j in shown_positions(piece.matrix.shape[1], MAX_SHOWN):
                if i is not None and j is not None:
                    shown.add(entry_index(piece.index, i, j, value.ndim))
    return shown


def matrix_html(tensor: NamedTensor, precision: int, scale: float | None = None,
                cell_attributes: Callable[[Index], list[str]] | None = None) -> str:
    """One tensor as HTML tables (one per sample and channel for image tensors), summarised, each
    cell coloured by its value on ``scale`` (``render.heatmap``; none when None) and given the
    attributes ``cell_attributes`` returns for its index."""
    value = np.asarray(tensor.value)
    pieces, total = matrix_slices(value)
    tables = []
    for piece in pieces:
        if piece is None:
            tables.append(f"<p>{ELLIPSIS} ({total - (len(pieces) - 1)})</p>")
            continue
        rows = list(piece.cells(precision, MAX_SHOWN, MAX_SHOWN))
        head = "".join(f"<th>{ELLIPSIS if j is None else j}</th>" for j, _ in rows[0][1])
        body = []
        for i, cells in rows:
            tds = []
            for j, text in cells:
                attributes: list[str] = []
                if i is not None and j is not None:
                    index = entry_index(piece.index, i, j, value.ndim)
                    attributes = cell_attributes(index) if cell_attributes is not None else []
                    background = heat_colour(float(piece.matrix[i, j]), scale) if scale else None
                    if background is not None:
                        attributes.append(f'style="background:{background};color:{text_colour(background)}"')
                tds.append(f"<td{''.join(' ' + a for a in attributes)}>{escape(text)}</td>")
            body.append(f"<tr><th>{ELLIPSIS if i is None else i}</th>{''.join(tds)}</tr>")
        caption = f"{escape(tensor.text)}{piece.label}" if piece.label else escape(tensor.title)
        tables.append(f'<table class="matrix"><caption>{caption}</caption><tr><th></th>{head}</tr>'
                      f'{"".join(body)}</table>')
    heading = f"<div><strong>{escape(tensor.title)}</strong></div>" if value.ndim > 2 else ""
    return f'<div class="tensor">{heading}{"".join(tables)}</div>'


class HtmlPage:
    """``PageBackend`` for HTML. ``begin_step`` keeps the step being written, so that its tables
    can mark what its worked entries used, share one colour scale among its gradients and
    say, for each result entry, what it was computed from."""

    def __init__(self, explanation: Explanation, id_prefix: str = "", heading_offset: int = 0, keys: bool = True):
        """``heading_offset``: levels the page's headings go down, when it is part of a document
        with headings of its own (a worksheet's key puts it under its h3: offset 3). ``keys``: the
        page binds j / k / s (``KEYS_SCRIPT``), so its toolbar names them."""
        self.explanation = explanation
        self.keys = keys
        self.prefix = id_prefix
        self.heading_offset = heading_offset
        summary = explanation.summary
        #: the summary's closing check is a step too, though not among ``steps``
        self.summary_check = summary.check if summary is not None else None
        steps = list(explanation.steps) + ([self.summary_check] if self.summary_check is not None else [])
        self.anchors = {id(step): self._anchor(step, position) for position, step in enumerate(steps)}
        self._step: Step | None = None
        self._scales: dict[int, float] = {}
        self._marks: dict[str, dict[Index, str]] = {}
        self._tables: dict[str, tuple[int, set[Index]]] = {}
        self._table_count = 0

    def _anchor(self, step: Step, position: int) -> str:
        return f"{self.prefix}{step.target or f'step{position}'}"

    def _say(self, key: str, **fields) -> str:
        return say(self.explanation.lang, key, **fields)

    # -- the page's head: title, diagram, contents ------------------------------------------

    def _contents(self) -> str:
        """Each section a line, its steps linked by the tensor they compute, grouped by layer."""
        sections: list[tuple[str, str, list[tuple[int | None, list[Step]]]]] = []
        for step, _, heading in self.explanation.walk():
            if heading is not None:
                sections.append((heading, self.anchors[id(step)], []))
            groups = sections[-1][2]
            if groups and step.layer is not None and groups[-1][0] == step.layer:
                groups[-1][1].append(step)
            else:
                groups.append((step.layer, [step]))
        kinds = {row.index: row.kind for row in self.explanation.layers}
        items = []
        for heading, anchor, groups in sections:
            lines = []
            for layer, steps in groups:
                links = " · ".join(f'<a href="#{escape(self.anchors[id(s)])}">'
                                   f"{escape(s.result.text if s.result is not None and layer is not None else s.title)}</a>"
                                   for s in steps)
                label = (f'<span class="layer">{escape(self._say("page.layer_kind", layer=layer, kind=kinds.get(layer, "")))}'
                         "</span> ") if layer is not None else ""
                lines.append(f"<li>{label}{links}</li>")
            items.append(f'<li><a href="#{escape(anchor)}">{escape(heading)}</a><ol>{"".join(lines)}</ol></li>')
        if self.summary_check is not None:
            check = self.summary_check
            items.insert(0, f'<li><a href="#{escape(self.anchors[id(check)])}">{escape(self.explanation.summary.title)}</a>'
                            f' · {escape(check.title)}</li>')
        return f'<nav class="toc">{self._heading(2, self._say("page.contents"))}<ol>{"".join(items)}</ol></nav>'

    def _header(self, title: str) -> str:
        diagram = ""
        if self.explanation.layers:
            diagram = (f'<figure class="diagram">{explanation_svg(self.explanation, self.prefix)}'
                       f'<figcaption>{escape(self._say("page.diagram"))}</figcaption></figure>')
        return f"{self._heading(1, title)}\n{diagram}\n{self._contents()}"

    # -- matrices -----------------------------------------------------------------------------

    def begin_step(self, step: Step, previous: Step | None) -> list[NamedTensor]:
        self._step = step
        self._scales = step_scales(step)
        self._tables = {}
        self._table_count = 0
        self._marks = {}
        for entry in step.worked:
            if entry.highlight is not None:
                self._add_marks(entry.highlight, "used", "around")
            if entry.index is not None and step.result is not None:
                self._marks.setdefault(step.result.name, {})[entry.index] = "worked"
        if step.focus is not None and step.sources is not None and step.result is not None:
            self._add_marks(step.sources(step.focus), "used", "around")
            self._marks.setdefault(step.result.name, {})[tuple(step.focus)] = "worked"
        return list(step.operands)

    def _add_marks(self, highlight: Highlight, used: str, around: str) -> None:
        for entries, css in ((highlight.around, around), (highlight.used, used)):  # used wins
            for name, indices in entries.items():
                marks = self._marks.setdefault(name, {})
                for index in indices:
                    marks[tuple(index)] = css

    def _references(self, indices_by_name: dict[str, list[Index]]) -> str:
        """'table:index' for each entry shown in one of the step's tables, space-separated."""
        refs = []
        for name, indices in indices_by_name.items():
            if name not in self._tables:
                continue
            number, shown = self._tables[name]
            refs += [f"{number}:{_key(index)}" for index in indices if tuple(index) in shown]
        return " ".join(refs)

    def _matrix(self, tensor: NamedTensor, precision: int, is_result: bool = False) -> str:
        """A tensor of the step: each shown entry with its id, its mark and, in the result, the
        entries it was computed from."""
        number = self._table_count
        self._table_count += 1
        self._tables.setdefault(tensor.name, (number, _shown_entries(tensor.value)))
        anchor = self.anchors.get(id(self._step), "")
        marks = self._marks.get(tensor.name, {})
        sources = self._step.sources if is_result and self._step is not None else None

        def attributes(index: Index) -> list[str]:
            found = [f'id="{escape(anchor)}:{number}:{_key(index)}"']
            if index in marks:
                found.append(f'class="{marks[index]}"')
            if sources is not None:
                highlight = sources(index)
                found.append(f'data-used="{self._references(highlight.used)}"')
                around = self._references(highlight.around)
                if around:
                    found.append(f'data-around="{around}"')
            return found

        scale = self._scales.get(id(tensor), heat_scale(tensor.value))
        return matrix_html(tensor, precision, scale, attributes)

    # -- the page back-end --------------------------------------------------------------------

    def heading(self, level: int, text: str) -> str:
        if level == 1:
            return self._header(text)
        return self._heading(level, text)

    def _heading(self, level: int, text: str) -> str:
        """A heading of the page's ``level`` (1 its title), ``heading_offset`` levels down in the
        document; the style follows the page's level (class heading-N), whatever the tag."""
        tag = f"h{min(6, level + self.heading_offset)}"
        return f'<{tag} class="heading-{level}">{escape(text)}</{tag}>'

    def paragraph(self, text: str) -> str:
        return f'<p class="detail">{escape(text)}</p>'

    def labelled(self, label: str, text: str) -> str:
        return f'<p class="detail"><strong>{escape(label)}</strong> {escape(text)}</p>'

    def _label(self, label: str, css: str = "") -> str:
        attribute = f' class="{css}"' if css else ""
        return f"<p{attribute}><strong>{escape(label)}</strong></p>"

    def formula(self, formula: Formula) -> str:
        return _math(formula)

    def derivation(self, label: str, lines: list[Formula]) -> list[str]:
        return [f'<div class="detail">{self._label(label)}' + "".join(_math(line) for line in lines) + "</div>"]

    def equations(self, lines: list[Equation]) -> str:
        rows = []
        for line in lines:  # aligned on the relation: the gradient's name right-aligned before it
            left, right = line.sides()
            rows.append(f'<tr><td class="side">{"" if left is None else _math(left)}</td><td>{_math(right)}</td>'
                        f"<td>{escape(shape_text(line.shape))}</td></tr>")
        rows = "".join(rows)
        return f'<table class="equations">{rows}</table>'

    def table(self, data: TableData) -> str:
        return data_table(data)

    def operands(self, label: str, tensors: list[NamedTensor], precision: int) -> list[str]:
        # the tensors' captions name them; no label needed
        return ['<div class="tensors detail">' + "".join(self._matrix(t, precision) for t in tensors) + "</div>"]

    def result(self, label: str, tensor: NamedTensor, precision: int) -> list[str]:
        if np.ndim(tensor.value) == 0:  # J: a number, not a table of one cell
            number = format_alone(tensor.value, precision)
            return [f'<div class="result"><p><strong>{escape(label)}</strong> {escape(tensor.text)} = {number}</p></div>']
        return [f'<div class="result">{self._label(label)}{self._matrix(tensor, precision, is_result=True)}</div>']

    def worked(self, label: str, mark: str, formula: Formula) -> list[str]:
        return [f'<div class="worked detail"><p><strong>{escape(label)}</strong> {mark}</p>{_math(formula)}'
                f'{self._legend()}</div>']

    def _legend(self) -> str:
        """What the frames in the step's matrices mean, once the step has some."""
        if not self._marks:
            return ""
        # the dashed frame is named only where there is one: a dense step has no window
        windowed = any(kind == "around" for marks in self._marks.values() for kind in marks.values())
        return f'<p class="legend">{escape(self._say("page.marks_window" if windowed else "page.marks"))}</p>'

    def checks(self, label: str, checks: list[IdentityCheck], precision: int) -> str:
        items = "".join(f'<li class="check {"ok" if c.ok else "bad"}">{escape(c.summary(precision))}</li>' for c in checks)
        legend = self._legend() if self._step is not None and not self._step.worked else ""
        return f'<div class="detail">{self._label(label)}<ul>{items}</ul>{legend}</div>'

    def note(self, label: str, text: str) -> str:
        return f'<div class="note detail"><strong>{escape(label)}</strong> {escape(text)}</div>'

    def step(self, step: Step, parts: list[str]) -> str:
        """The step folds open: its heading (``step_parts`` puts it first) is the summary line."""
        anchor = escape(self.anchors[id(step)])
        summary, rest = (parts[0], parts[1:]) if parts else ("", [])
        return (f'<section class="step" id="{anchor}" tabindex="-1"><details open><summary>{summary}</summary>\n'
                + "\n".join(rest) + "</details></section>")

    def _toolbar_text(self) -> str:
        """What the page's keys (when it binds them) and pointing do."""
        said = [self._say("page.keys")] if self.keys else []
        return self._say("sep.sentence").join(said + [self._say("page.pointing")])

    def document(self, blocks: list[str]) -> str:
        toolbar = ""
        if self.explanation.steps:  # a summary alone has no steps to fold away, move between or point into
            toggle = f"{self.prefix}summary-only"
            toolbar = (f'<input type="checkbox" class="summary-toggle" id="{toggle}"/>'
                       f'<label class="toolbar" for="{toggle}"> {escape(self._say("page.summary_only"))}</label>'
                       f'<p class="toolbar">{escape(self._toolbar_text())}</p>')
        return f'<div class="bpcli">{toolbar}\n' + "\n".join(blocks) + "\n</div>"


def render_body(explanation: Explanation, precision: int = 4, id_prefix: str = "", heading_offset: int = 0,
                keys: bool = True) -> str:
    """The page's content (``keys``: the page binds j / k / s)."""
    return render_page(explanation, HtmlPage(explanation, id_prefix, heading_offset, keys), precision)


def render_explanation(explanation: Explanation, precision: int = 4, standalone: bool = True,
                       id_prefix: str = "", heading_offset: int = 0, keys: bool | None = None) -> str:
    """A standalone HTML page; ``standalone=False``: the content with its (scoped) style and
    script, for a notebook or another page (``id_prefix`` keeps its ids apart from the others',
    ``heading_offset`` puts its headings under the other page's: HtmlPage). ``keys``: the content
    goes into a page of bpcli's own that binds j / k / s itself (a worksheet's key: KEYS_SCRIPT);
    a standalone page always does, a notebook never."""
    body = render_body(explanation, precision, id_prefix, heading_offset, keys=standalone if keys is None else keys)
    if not standalone:
        return f"<style>{STYLE}</style>\n{body}\n<script>{SCRIPT}</script>"
    return (f'<!DOCTYPE html>\n<html lang="{explanation.lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(explanation.title)}</title>\n"
            f"<style>{PAGE_STYLE}{STYLE}</style>\n</head>\n<body>\n{body}\n<script>{SCRIPT}{KEYS_SCRIPT}</script>\n"
            "</body>\n</html>\n")
