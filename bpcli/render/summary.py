"""Compact terminal views of a run (``bpcli compute``) and of a finite-difference check."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bpcli.core.gradcheck import CheckReport
from bpcli.core.network import Run
from bpcli.formatting import shape_text
from bpcli.render import check_report
from bpcli.texts import DEFAULT_LANGUAGE, say


def _shape(array: np.ndarray | None) -> str:
    return "—" if array is None else shape_text(array.shape)


def _norm(array: np.ndarray | None) -> str:
    return "—" if array is None else f"{np.linalg.norm(array):.4g}"


def compute_summary(result: Run, lang: str = DEFAULT_LANGUAGE) -> Group:
    """The loss and, per layer, the output's shape and norm and, one row each, the shape and norm
    of every parameter gradient (dW and db, dgamma and dbeta, …): a table of the same seven
    columns whatever kinds the network has."""
    net = result.network
    heading = Text.assemble((say(lang, "compute.loss"), "bold"), (f"{result.loss:.10g}", "bold cyan"),
                            say(lang, "compute.loss_of", loss=net.loss, m=net.m))
    # the title is the user's text: Text keeps brackets in it from being read as Rich markup
    table = Table(title=Text(net.title) if net.title else None, title_justify="left", header_style="bold")
    for position, key in enumerate(("table.layer", "table.type", "compute.A_shape", None, "compute.gradient",
                                    "table.shape", "compute.gradient_norm")):
        table.add_column("‖A‖" if key is None else say(lang, key), justify="right" if position in (3, 6) else "left")
    for rec in result.records:
        kind = rec.layer.kind + (f" {rec.layer.activation}" if rec.layer.activation else "")
        layer_cells = [str(rec.layer.index), kind, _shape(rec.A), _norm(rec.A)]
        gradients = [(f"d{name}{rec.layer.index}", value) for name, value in rec.gradients.items()] or [("", None)]
        for position, (name, value) in enumerate(gradients):
            cells = layer_cells if position == 0 else [""] * len(layer_cells)
            table.add_row(*cells, name or "—", _shape(value), _norm(value))
    footer = Text(say(lang, "compute.footer", shape=_shape(result.dX), norm=_norm(result.dX),
                      command="bpcli compute FILE --json"))
    return Group(heading, table, footer)


def check_table(report: CheckReport, lang: str = DEFAULT_LANGUAGE) -> Group:
    """The report as a Rich table (``render.check_report``), its notes and its verdict."""
    data = check_report.table(report, lang)
    table = Table(title=check_report.title(report, lang), title_justify="left", header_style="bold")
    for position, column in enumerate(data.headers):
        table.add_column(column, justify="right" if position in check_report.NUMBER_COLUMNS else "left",
                         no_wrap=True)
    for row, tensor in zip(data.rows, report.tensors):
        verdict = Text(row[-1], style="green" if tensor.ok else "bold red")
        table.add_row(*row[:-1], verdict)
    notes = [Text(note) for note in check_report.notes(report, lang)]
    notes.append(Text(check_report.verdict(report, lang), style="bold green" if report.ok else "bold red"))
    return Group(table, *notes)
