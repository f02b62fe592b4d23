"""Build the worked solution of one network run: the summary (closed by the finite-difference
check), the layer table, the forward steps, the loss, and the backward steps from the loss back
to dX, at the level of detail asked for.

Each layer kind has one narrator (a module with forward and backward functions), found through
``bpcli.kinds.narrator``; adding a layer kind means adding its module and its entry there, and
no renderer changes.
"""

from __future__ import annotations

import functools

import numpy as np

from bpcli import kinds, texts
from bpcli.core import losses
from bpcli.core.network import LayerRecord, Network, run
from bpcli.errors import SpecError
from bpcli.values import is_flag, is_whole
from bpcli.formatting import error_bound_text
from bpcli.narrate import activation, least_squares, output
from bpcli.narrate.context import Context, Say
from bpcli.narrate.detail import at_detail, check_at_detail, followed_text, with_notes
from bpcli.narrate.expr import J, Scaled, atom, frac, function, partial
from bpcli.narrate.methods import METHOD_NAMES
from bpcli.narrate.model import DETAILS, NOTE_POLICIES, Explanation, Labels, LayerRow, Note, Step, TableData
from bpcli.narrate.notation import shape_of, spelled
from bpcli.narrate.summary import build_summary

#: entries per tensor the closing finite-difference check samples (gradcheck's seeded sampling)
CHECK_SAMPLE = 6
#: significant digits of the analytic and numeric gradients in the check table: enough to see
#: them agree, too few to show the machine's last digits
CHECK_DIGITS = 4

_THETA, _EPSILON, _LOSS = atom(r"\theta", "θ"), atom(r"\varepsilon", "ε"), function("J")
#: ∂J/∂θ ≈ (J(θ + ε) − J(θ − ε)) / 2ε
CENTRAL_DIFFERENCE = partial(J, _THETA).approx(
    frac(_LOSS(_THETA + _EPSILON) - _LOSS(_THETA - _EPSILON), Scaled(2, _EPSILON)))


# run() has already turned the pass's floating-point events into RunWarnings; the narration
# recomputes the same numbers to show and check them, where numpy would repeat them with a source line
@np.errstate(all="ignore")
def explain(network: Network, *, method: str = "chain", lang: str = "en", layer: int | None = None,
            forward: bool = True, backward: bool = True, check: bool = True, detail: str = "full",
            notes: str | None = None) -> Explanation:
    """The worked solution of ``network`` as data.

    ``method``: chain | trace | kron | shapes. ``lang``: en | zh (``bpcli.texts.languages()``).
    ``layer``: keep only the steps of that layer (1..L), without the summary. ``forward`` /
    ``backward``: include those sections. ``check``: close the summary with the finite-difference
    check (skipped when ``layer`` is given or ``backward`` is False). ``detail``: summary | steps
    | full (``narrate.detail``; the command line's default is steps, this data's full).
    ``notes``: once | all, by default all at ``full`` and once otherwise.
    Raises UsageError for an unknown method, language, layer, detail or notes policy, or a flag
    (forward, backward, check) that is not True or False.
    """
    for name, flag in (("forward", forward), ("backward", backward), ("check", check)):
        if not is_flag(flag):
            raise texts.usage_error("usage.flag", name=name, found=repr(flag))
    if method not in METHOD_NAMES:
        raise texts.usage_error("usage.unknown_method", found=method, choices=texts.Joined(METHOD_NAMES))
    texts.check_language(lang)
    if layer is not None and not (is_whole(layer) and 1 <= layer <= len(network.layers)):
        # a layer "1" or 1.5 (no layer has that number) said as given, where a number is wanted
        shown = layer if isinstance(layer, int) and not isinstance(layer, bool) else repr(layer)
        raise texts.usage_error("usage.layer_range", last=len(network.layers), layer=shown)
    if detail not in DETAILS:
        raise texts.usage_error("usage.unknown_detail", found=detail, choices=texts.Joined(DETAILS))
    if notes is not None and notes not in NOTE_POLICIES:
        raise texts.usage_error("usage.unknown_notes", found=notes, choices=texts.Joined(NOTE_POLICIES))
    if detail == "summary" and layer is not None:
        raise texts.usage_error("usage.summary_with_layer")
    ctx = Context(run(network), functools.partial(texts.say, lang), method)
    backward_part = backward_steps(ctx) if backward else []
    summary = None
    if layer is None:
        closing = check_at_detail(check_step(ctx, network), detail) if check and backward else None
        summary = build_summary(ctx, backward_part, closing, input_notes(ctx) + [
            Note(f"warning.{n}", sentence) for n, sentence in enumerate(warning_sentences(ctx))])
    steps = []
    if detail != "summary":
        steps = [network_step(ctx)] if layer is None else []
        steps += (forward_steps(ctx) if forward else []) + backward_part
        if layer is not None:
            steps = [step for step in steps if step.layer == layer]
        text = followed_text(network)
        steps = with_notes(at_detail(steps, detail, method, text), notes or ("all" if detail == "full" else "once"),
                           text)
    return Explanation(
        title=title_in(network, lang) or ctx.say("title.default"), lang=lang, method=method,
        loss=network.loss, m=ctx.m, layers=layer_rows(ctx), layer_table=layer_table(ctx),
        conventions=(ctx.say("conventions") if network.loss in losses.AVERAGING
                     else ctx.say("conventions.summed_loss")), steps=steps, labels=labels(ctx.say),
        warnings=warning_sentences(ctx), summary=summary, detail=detail,
        input_shape=tuple(network.X.shape))


def title_in(network: Network, lang: str) -> str | None:
    """The title in ``lang``: an exercise file's ``exercise.title.<lang>`` when it has one, else
    the network's title (English), else the file's name."""
    section = network.extras.get("exercise")
    titles = section.get("title") if isinstance(section, dict) else None
    translated = titles.get(lang) if isinstance(titles, dict) else None
    return translated if isinstance(translated, str) and translated else (network.title or network.source)


def forward_steps(ctx: Context) -> list[Step]:
    steps = []
    for record in ctx.run.records:
        steps += kinds.narrator(record.layer.kind).forward(ctx, record)
        if record.Z is not None:
            steps.append(activation.forward_step(ctx, record))
    steps.append(output.loss_step(ctx))
    return steps


def backward_steps(ctx: Context) -> list[Step]:
    steps = [output.output_gradient_step(ctx)]
    for record in reversed(ctx.run.records):
        if record.Z is not None:
            if output.is_fused(ctx, record):
                steps.append(output.fused_output_step(ctx, record))
            else:
                steps.append(activation.backward_step(ctx, record))
        steps += kinds.narrator(record.layer.kind).backward(ctx, record)
        if record is ctx.last and least_squares.applies(ctx):
            steps.append(least_squares.least_squares_step(ctx))
    return steps


def _parameters(record: LayerRecord) -> int:
    return sum(int(value.size) for value in record.layer.parameters().values())


def layer_rows(ctx: Context) -> list[LayerRow]:
    rows = []
    for record in ctx.run.records:
        layer = record.layer
        shapes = {name: tuple(value.shape) for name, value in layer.parameters().items()}
        rows.append(LayerRow(layer.index, layer.kind, layer.activation, shapes, tuple(record.A.shape),
                             _parameters(record), size=layer.describe().size))
    return rows


def parameter_names(rows: list[LayerRow]) -> list[str]:
    """Every parameter name of the network's layers, in the order they first appear (W, b for
    dense and conv layers, then gamma, beta after a batchnorm layer): one table column each."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.parameter_shapes))
    return list(names)


def layer_table(ctx: Context) -> TableData:
    say = ctx.say
    rows = layer_rows(ctx)
    names = parameter_names(rows)
    headers = [say("table.layer"), say("table.type"), say("table.activation"), *map(spelled, names),
               say("table.output"), say("table.parameters")]
    table = [["0", say("table.input"), "", *[""] * len(names), shape_of(ctx.network.input_for_layers().shape), ""]]
    for row in rows:
        table.append([str(row.index), row.kind, row.activation or "",
                      *[shape_of(row.parameter_shapes.get(name, ())) for name in names],
                      shape_of(row.output_shape), str(row.parameters) if row.parameters else ""])
    return TableData(headers, table)


def network_step(ctx: Context) -> Step:
    """The summary in sentences: layers, loss, m, parameter count, the conventions."""
    net = ctx.network
    total = sum(_parameters(record) for record in ctx.run.records)
    say = ctx.say
    explanation = [say("network.intro", layers=say("count.layers", count=len(net.layers)), loss=net.loss,
                       samples=say("count.samples", count=ctx.m), parameters=say("count.parameters", count=total))]
    if net.image_input:
        explanation.append(ctx.say("network.images"))
    return Step(section="network", title=ctx.say("title.network"), explanation=explanation,
                table=layer_table(ctx), notes=[Note(f"warning.{n}", sentence)
                                               for n, sentence in enumerate(warning_sentences(ctx))])


def input_notes(ctx: Context) -> list[Note]:
    """An m×H×W input is m×1×H×W in every step: said once, in the summary, whose network line
    gives X as the file does and whose dX line already has the layers' shape (every level shows it)."""
    net = ctx.network
    if net.X.ndim != 3:
        return []
    return [ctx.note("network.single_channel", given=shape_of(net.X.shape),
                     taken=shape_of(net.input_for_layers().shape))]


def warning_sentences(ctx: Context) -> list[str]:
    """The run's warnings in the learner's language."""
    return [ctx.say(w.message.key, **w.message.fields) for w in ctx.run.warnings]


def shown_entry(tensor) -> int | None:
    """Which checked entry of a tensor the table shows: the worst (largest |analytic − numeric|)
    when the tensor failed; when it passed, the differences are rounding noise that would pick
    a different entry on another machine, so the largest analytic entry. None when every checked
    entry sits at a kink."""
    kinks = set(tensor.kinks)
    usable = [k for k, index in enumerate(tensor.indices) if index not in kinks]
    if not usable:
        return None
    if tensor.ok:
        return max(usable, key=lambda k: abs(tensor.analytic[k]))
    return max(usable, key=lambda k: abs(tensor.analytic[k] - tensor.numeric[k]))


def alike_where_equal(analytic: float, numeric: float, error_bound: float = 0.0) -> tuple[str, str]:
    """The analytic and numeric gradient with the same significant digits: CHECK_DIGITS, or up to
    three more when those make them read alike. Two values 1e-11 apart on either side of a
    rounding boundary (−0.36825, common in hand-computable exercises) would otherwise read −0.3683
    and −0.3682, a difference the check itself calls round-off. A numeric estimate within its own
    ``error_bound`` of 0 is written 0: its digits (−2.776e-11 for a gradient that is exactly 0)
    are round-off, and another machine's would differ."""
    if abs(numeric) <= error_bound:
        numeric = 0.0
    for digits in range(CHECK_DIGITS, CHECK_DIGITS + 4):
        pair = f"{analytic:#.{digits}g}", f"{numeric:#.{digits}g}"
        if pair[0] == pair[1]:
            return pair
    return f"{analytic:#.{CHECK_DIGITS}g}", f"{numeric:#.{CHECK_DIGITS}g}"


def check_step(ctx: Context, network: Network) -> Step:
    """Central finite differences on a seeded sample of entries of every W, b and X; per tensor
    one entry's analytic and numeric gradient beside the relative error (as CS231n's checker)."""
    # the finite-difference module is loaded only when a check is made
    from bpcli.core.gradcheck import check as finite_difference_check

    say = ctx.say
    try:
        report = finite_difference_check(network, sample=CHECK_SAMPLE, seed=0)
    except SpecError as error:
        if error.code != "not_finite":
            raise
        # an infinite J has no differences to compare: the step says why, and shows no table
        return Step(section="check", title=say("title.check"), explanation=[say("check.not_checked", **error.msg.fields)],
                    formula=CENTRAL_DIFFERENCE)
    rows = []
    for tensor in report.tensors:
        k = shown_entry(tensor)
        analytic, numeric = ("", "") if k is None else alike_where_equal(tensor.analytic[k], tensor.numeric[k],
                                                                          tensor.numeric_error_bound)
        # X in the layers' shape, as every step shows it (an m×H×W input is m×1×H×W)
        shape = network.input_for_layers().shape if tensor.name == "X" else tensor.shape
        # the row is named by the entry whose two gradients it shows (W1[1,0,0,1]), not the tensor
        # alone: the largest of those checked, which need not be the largest of the tensor
        entry = spelled(tensor.name)
        if k is not None:
            place = np.unravel_index(np.ravel_multi_index(tensor.indices[k], tensor.shape), shape)
            entry += "[" + ",".join(str(int(i)) for i in place) + "]"
        rows.append([entry, shape_of(shape), f"{tensor.compared}/{tensor.size}", analytic,
                     numeric, error_bound_text(tensor.relative_error), say("word.ok") if tensor.ok else say("word.failed")])
    verdict = say("check.all_ok") if report.ok else say("check.some_failed")
    notes = [ctx.note("check.error_shown", round_off=error_bound_text(0.0),
                      tolerance=f"{report.tensors[0].tolerance:g}")]
    if any(t.kinks for t in report.tensors):
        notes.append(ctx.note("check.kinks", count=sum(len(t.kinks) for t in report.tensors)))
    return Step(
        section="check", title=say("title.check"),
        explanation=[say("check.why", epsilon=f"{report.epsilon:g}", sample=CHECK_SAMPLE), verdict],
        formula=CENTRAL_DIFFERENCE,
        table=TableData([say("table.entry"), say("table.shape"), say("table.checked"), say("table.analytic"),
                         say("table.numeric"), say("table.relative_error"), say("table.verdict")], rows),
        notes=notes)


def labels(say: Say) -> Labels:
    return Labels(
        sections={name: say(f"section.{name}") for name in ("network", "forward", "backward", "check")},
        operands=say("label.operands"), result=say("label.result"), shapes=say("label.shapes"),
        notes=say("label.notes"), derivation=say("label.derivation"), worked=say("label.worked"),
        checks=say("label.checks"), terms=say("label.terms"), conventions=say("label.conventions"), press_enter=say("label.press_enter"),
        image_axes=say("axes.images"), slices=say("label.slices"),
        colon=say("label.colon"), sentence_gap=say("sep.sentence"))
