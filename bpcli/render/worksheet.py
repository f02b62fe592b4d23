"""Worksheets and keys (``bpcli worksheet``) as Markdown or as one printable HTML page.

The HTML loads nothing from the network: the sheet's math is plain Unicode and tables, and the
page prints one exercise per page (print CSS). A key's worked solution is the explain renderer's
own output (``render_explanation``), its headings under the key's.
"""

from __future__ import annotations

import math
import re
from html import escape

from bpcli.formatting import shape_text
from bpcli.quiz.worksheet import Given, Sheet, points_count
from bpcli.render.matrix import matrix_slices, matrix_text
from bpcli.texts import Msg, say

#: every entry of a given tensor is shown (a learner needs them all), however large
NO_SUMMARY = 10_000

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 50rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #111; }
section.sheet + section.sheet { break-before: page; page-break-before: always; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #999; margin-top: 1.5rem; }
.tensors { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
table.matrix { border-collapse: collapse; font-family: ui-monospace, monospace; }
table.matrix caption { font-weight: bold; text-align: left; white-space: nowrap; }
table.matrix td { text-align: right; padding: 0.05rem 0.5rem; border-left: 1px solid #ccc; border-right: 1px solid #ccc; }
.answer-space { border: 1px solid #555; min-height: 7rem; margin: 0.3rem 0 1rem; }
.target { break-inside: avoid; page-break-inside: avoid; }
.key { break-before: page; page-break-before: always; }
.solution { font-size: 0.9em; }
/* the worked solution's headings sit under the key's h3: none larger than the key's own */
.key .solution .heading-1 { font-size: 1.15rem; } .key .solution .heading-2 { font-size: 1.05rem; }
.key .solution .heading-3 { font-size: 1rem; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _header(sheet: Sheet) -> list[str]:
    lines = [say(sheet.lang, "worksheet.name_line"), sheet.statement]
    if sheet.source_text:
        lines.append(say(sheet.lang, "worksheet.source_text", text=sheet.source_text))
    return lines


def _network_line(sheet: Sheet) -> str:
    return say(sheet.lang, "worksheet.network_line", layers=sheet.diagram, loss=sheet.loss, m=sheet.m)


def _target_line(sheet: Sheet, name: str, shape: tuple[int, ...], points: float) -> str:
    return say(sheet.lang, "worksheet.target_line", target=name, shape=shape_text(shape),
               points=Msg("count.points", count=points_count(points)))


def _total_line(sheet: Sheet) -> str:
    return say(sheet.lang, "worksheet.total", points=Msg("count.points", count=points_count(sheet.total_points)))


# -- Markdown -----------------------------------------------------------------------------------

def _markdown_tensor(tensor: Given) -> str:
    return f"**{tensor.name}** ({shape_text(tensor.value.shape)})\n\n```\n" + \
        matrix_text(tensor.value, tensor.decimals, NO_SUMMARY, NO_SUMMARY, name=tensor.name) + "\n```"


def markdown_sheet(sheet: Sheet) -> str:
    lang = sheet.lang
    blocks = [f"# {sheet.title}", *_header(sheet), f"## {say(lang, 'worksheet.network')}", _network_line(sheet),
              f"## {say(lang, 'worksheet.given')}", *map(_markdown_tensor, sheet.givens)]
    if sheet.forward:
        blocks += [f"## {say(lang, 'worksheet.forward_given')}", *map(_markdown_tensor, sheet.forward)]
    blocks.append(f"## {say(lang, 'worksheet.targets')}")
    for asked in sheet.asked:
        blocks.append(f"{_target_line(sheet, asked.name, asked.shape, asked.points)}\n\n" + "\n".join(["> "] * 5))
    blocks.append(f"**{_total_line(sheet)}**")
    if sheet.explanation is not None:
        from bpcli.render.markdown import render_explanation

        blocks.append(f"## {say(lang, 'worksheet.key')}: {sheet.title}")
        blocks.append(f"### {say(lang, 'worksheet.answers')}")
        blocks += [f"{_target_line(sheet, asked.name, asked.shape, asked.points)}\n\n```\n"
                   f"{matrix_text(asked.answer, asked.decimals, NO_SUMMARY, NO_SUMMARY, name=asked.name)}\n```"
                   for asked in sheet.asked]
        blocks.append(f"### {say(lang, 'worksheet.worked_solution')}")
        # explain's document starts at '#': three levels down, under the key's 'Worked solution'
        blocks.append(re.sub(r"(?m)^(#+) ", r"\1### ", render_explanation(sheet.explanation)).strip())
    return "\n\n".join(blocks)


def render_markdown(sheets: list[Sheet]) -> str:
    """The sheets as one Markdown document, a rule between exercises."""
    return "\n\n---\n\n".join(markdown_sheet(sheet) for sheet in sheets) + "\n"


# -- HTML ---------------------------------------------------------------------------------------

def _html_tensor(name: str, value, decimals: int) -> str:
    pieces, _ = matrix_slices(value, max_slices=NO_SUMMARY)
    tables = []
    for position, piece in enumerate(pieces):
        rows = "".join("<tr>" + "".join(f"<td>{escape(text)}</td>" for _, text in cells) + "</tr>"
                       for _, cells in piece.cells(decimals, NO_SUMMARY, NO_SUMMARY))
        # an image tensor's first slice gives the whole tensor's shape, as a matrix's caption does
        shape = f" ({shape_text(value.shape)})" if position == 0 else ""
        caption = escape(f"{name}{piece.label}{shape}")
        tables.append(f'<table class="matrix"><caption>{caption}</caption>{rows}</table>')
    return "".join(tables)


def _answer_space(shape: tuple[int, ...]) -> float:
    """The height of the box a target's answer is written in: its rows, every slice of an image
    tensor's one under the other (a 1 × 1 answer and a 4 × 4 dX had the same box)."""
    rows = shape[-2] if len(shape) >= 2 else 1
    slices = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return 2.5 + 1.6 * rows * slices


def _html_tensors(tensors: list[Given]) -> str:
    return '<div class="tensors">' + "".join(_html_tensor(t.name, t.value, t.decimals) for t in tensors) + "</div>"


def html_sheet(sheet: Sheet) -> str:
    lang = sheet.lang
    parts = [f'<section class="sheet" lang="{escape(lang)}">', f"<h1>{escape(sheet.title)}</h1>",
             *(f"<p>{escape(line)}</p>" for line in _header(sheet)),
             f"<h2>{escape(say(lang, 'worksheet.network'))}</h2>", f"<p>{escape(_network_line(sheet))}</p>",
             f"<h2>{escape(say(lang, 'worksheet.given'))}</h2>", _html_tensors(sheet.givens)]
    if sheet.forward:
        parts += [f"<h2>{escape(say(lang, 'worksheet.forward_given'))}</h2>", _html_tensors(sheet.forward)]
    parts.append(f"<h2>{escape(say(lang, 'worksheet.targets'))}</h2>")
    parts += [f'<div class="target"><p>{escape(_target_line(sheet, a.name, a.shape, a.points))}</p>'
              f'<div class="answer-space" style="min-height: {_answer_space(a.shape):.1f}rem"></div></div>'
              for a in sheet.asked]
    parts.append(f"<p><strong>{escape(_total_line(sheet))}</strong></p>")
    if sheet.explanation is not None:
        from bpcli.render.html import render_explanation

        parts += ['<div class="key">', f"<h2>{escape(say(lang, 'worksheet.key'))}: {escape(sheet.title)}</h2>",
                  f"<h3>{escape(say(lang, 'worksheet.answers'))}</h3>"]
        parts += [f'<div class="target"><p>{escape(_target_line(sheet, a.name, a.shape, a.points))}</p>'
                  f"{_html_tensor(a.name, a.answer, a.decimals)}</div>" for a in sheet.asked]
        # the sheet's name keeps the ids of two keys on one page apart
        # its headings under this sheet's h3, as the Markdown key puts them
        solution = render_explanation(sheet.explanation, standalone=False, id_prefix=f"{escape(sheet.name)}-",
                                      heading_offset=3, keys=True)
        parts += [f"<h3>{escape(say(lang, 'worksheet.worked_solution'))}</h3>",
                  f'<div class="solution">{solution}</div>', "</div>"]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(sheets: list[Sheet]) -> str:
    """The sheets as one printable HTML page (one exercise per printed page, nothing fetched)."""
    lang = sheets[0].lang if sheets else "en"
    title = sheets[0].title if len(sheets) == 1 else " · ".join(sheet.name for sheet in sheets)
    body = "\n".join(html_sheet(sheet) for sheet in sheets)
    if any(sheet.explanation is not None for sheet in sheets):  # the keys' worked solutions: j / k / s
        from bpcli.render.html import KEYS_SCRIPT

        body += f"\n<script>{KEYS_SCRIPT}</script>"
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
