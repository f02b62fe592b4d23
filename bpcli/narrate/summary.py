"""The summary that opens every explanation: the network in one line, the loss, and the backward
equations of this network, one line per gradient with its shape, in the order the steps take
them (text 004 closes with such a box; here it is built from the steps themselves, so it always
says what the steps say). The finite-difference check closes it."""

from __future__ import annotations

from bpcli.narrate.context import Context
from bpcli.narrate.expr import Aside
from bpcli.narrate.model import Equation, Formula, Note, Step, Summary


def network_line(ctx: Context) -> str:
    """'X 2×4 → dense 3 tanh → dense 1 sigmoid → bce'."""
    return f"{ctx.network.diagram()} → {ctx.network.loss}"


def equation(step: Step) -> Formula:
    """The step's rule on one line: its short form, else its formula without the remark written
    beside it (g′ spelled out, the index form of a correlation)."""
    formula = step.short or step.formula
    while isinstance(formula, Aside):
        formula = formula.main
    return formula


def build_summary(ctx: Context, backward: list[Step], check: Step | None, notes: list[Note]) -> Summary:
    """The summary from the backward steps (every one that computes a gradient, in order)."""
    equations = [Equation(step.target, equation(step), step.result.shape) for step in backward
                 if step.target is not None and step.formula is not None and step.result is not None]
    network = network_line(ctx)
    return Summary(title=ctx.say("title.summary"), network=network,
                   headline=ctx.say("summary.headline", network=network, value=f"{ctx.run.loss:.6g}"),
                   loss_value=ctx.run.loss,
                   equations=equations, check=check, notes=notes)
