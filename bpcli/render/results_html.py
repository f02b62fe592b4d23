"""What a notebook shows for ``bpcli.check`` (the finite-difference report) and ``bpcli.show`` of
a ``bpcli.compute`` result: self-contained HTML with the page's style, the network's diagram and
every tensor as a heatmap (each layer's gradients on one scale)."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from bpcli.core.gradcheck import CheckReport
from bpcli.narrate.model import LayerRow, NamedTensor
from bpcli.narrate.notation import symbol
from bpcli.render import check_report
from bpcli.render.diagram import network_svg
from bpcli.render.heatmap import shared_scales
from bpcli.render.html import STYLE, data_table, matrix_html
from bpcli.texts import DEFAULT_LANGUAGE, say

#: the tensors of a layer in the compute result, in the order the pass finds them
LAYER_TENSORS = ("W", "b", "Z", "A", "dA", "dZ", "dW", "db")


def _wrapped(content: str) -> str:
    return f'<style>{STYLE}</style>\n<div class="bpcli">{content}</div>'


def check_html(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as the command line shows it (``render.check_report``), as HTML."""
    notes = "".join(f"<p>{escape(note)}</p>" for note in check_report.notes(report, lang))
    heading = f"<strong>{escape(check_report.title(report, lang))}</strong>{say(lang, 'sep.list')}"
    return _wrapped(f"<p>{heading}{escape(check_report.loss(report, lang))}</p>"
                    f"{data_table(check_report.table(report, lang))}{notes}"
                    f'<p class="check {"ok" if report.ok else "bad"}">{escape(check_report.verdict(report, lang))}</p>')


def _layer_row(layer: dict[str, Any]) -> LayerRow:
    """A row for the diagram from a layer of the compute result (sizes where the tensors say them)."""
    W, A = layer.get("W"), np.asarray(layer["A"])
    size = ""
    if layer["type"] == "dense" and W is not None:
        size = str(np.shape(W)[0])
    elif layer["type"] == "conv2d" and W is not None:
        F, _, kh, kw = np.shape(W)
        size = f"{F}@{kh}×{kw}"
    return LayerRow(layer["index"], layer["type"], layer.get("activation"), {}, A.shape, 0, size=size)


def compute_html(result: dict[str, Any], precision: int = 4, id_prefix: str = "") -> str:
    """The loss, the diagram, then each layer's tensors and dX as heatmaps."""
    dX = np.asarray(result["dX"])
    rows = [_layer_row(layer) for layer in result["layers"]]
    parts = [f"<p><strong>J = {result['loss']:.10g}</strong></p>",
             f'<figure class="diagram">{network_svg(dX.shape, rows, "J", id_prefix)}</figure>']
    for layer in result["layers"]:
        tensors = [symbol(name, layer["index"]).tensor(np.asarray(layer[name])) for name in LAYER_TENSORS
                   if layer.get(name) is not None]
        scales = shared_scales(tensors)
        title = " ".join(p for p in (str(layer["index"]), layer["type"], layer.get("activation") or "") if p)
        parts.append(f"<h4>{escape(title)}</h4>"
                     + '<div class="tensors">' + "".join(matrix_html(t, precision, scales[id(t)]) for t in tensors)
                     + "</div>")
    gradient = NamedTensor("dX", "dX", "dX", dX)
    parts.append('<div class="tensors">' + matrix_html(gradient, precision, shared_scales([gradient])[id(gradient)])
                 + "</div>")
    for warning in result.get("warnings", []):
        parts.append(f'<div class="note">{escape(str(warning))}</div>')
    return _wrapped("\n".join(parts))
