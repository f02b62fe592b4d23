"""Compact terminal views of a run (``bpcli compute``) and of a finite-difference check."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bpcli.core.gradcheck import CheckReport
from bpcli.core.network import Run
from bpcli.formatting import error_bound_text, shape_text


def _shape(array: np.ndarray | None) -> str:
    return "—" if array is None else shape_text(array.shape)


def _norm(array: np.ndarray | None) -> str:
    return "—" if array is None else f"{np.linalg.norm(array):.4g}"


def compute_summary(result: Run) -> Group:
    """The loss and, per layer, the output's shape and norm and, one row each, the shape and norm
    of every parameter gradient (dW and db, dgamma and dbeta, …): a table of the same seven
    columns whatever kinds the network has."""
    net = result.network
    heading = Text.assemble(("loss J = ", "bold"), (f"{result.loss:.10g}", "bold cyan"),
                            f"   ({net.loss}, m = {net.m})")
    # the title is the user's text: Text keeps brackets in it from being read as Rich markup
    table = Table(title=Text(net.title) if net.title else None, title_justify="left", header_style="bold")
    for column in ("layer", "type", "A shape", "‖A‖", "gradient", "shape", "‖gradient‖"):
        table.add_column(column, justify="right" if column.startswith("‖") else "left")
    for rec in result.records:
        kind = rec.layer.kind + (f" {rec.layer.activation}" if rec.layer.activation else "")
        layer_cells = [str(rec.layer.index), kind, _shape(rec.A), _norm(rec.A)]
        gradients = [(f"d{name}{rec.layer.index}", value) for name, value in rec.gradients.items()] or [("", None)]
        for position, (name, value) in enumerate(gradients):
            cells = layer_cells if position == 0 else [""] * len(layer_cells)
            table.add_row(*cells, name or "—", _shape(value), _norm(value))
    footer = Text(f"dX: {_shape(result.dX)}, ‖dX‖ = {_norm(result.dX)}.  "
                  "Every value: bpcli compute FILE --json")
    return Group(heading, table, footer)


def check_table(report: CheckReport) -> Group:
    """One row per tensor: entries checked, largest gradient, relative error, kinks, verdict."""
    table = Table(title=f"Finite-difference check (central, ε = {report.epsilon:g})",
                  title_justify="left", header_style="bold")
    for column in ("tensor", "shape", "checked", "max|grad|", "rel.err", "kinks", "verdict"):
        table.add_column(column, justify="left" if column in ("tensor", "shape", "verdict") else "right",
                         no_wrap=True)
    for tensor in report.tensors:
        verdict = Text("ok", style="green") if tensor.ok else Text("WRONG", style="bold red")
        table.add_row(tensor.name, shape_text(tensor.shape), f"{tensor.compared}/{tensor.size}",
                      f"{np.abs(tensor.analytic).max():.3e}", error_bound_text(tensor.relative_error),
                      str(len(tensor.kinks)), verdict)
    notes = [Text(f"rel.err: max |analytic − numeric| ÷ the largest |gradient| checked, as the power of ten "
                  f"it stays under ({error_bound_text(0.0)} is round-off); a tensor is WRONG when its exact "
                  f"relative error exceeds {report.tensors[0].tolerance:g}.")]
    if any(t.kinks for t in report.tensors):
        notes.append(Text("kinks: entries where the loss has no derivative (relu at 0, a max-pool "
                          "near-tie); the two one-sided slopes differ, so they are not compared."))
    verdict = ("All gradients agree with finite differences." if report.ok
               else "Some gradients disagree with finite differences.")
    notes.append(Text(verdict, style="bold green" if report.ok else "bold red"))
    return Group(table, *notes)
