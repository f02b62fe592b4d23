"""The network and one run of it: forward pass, loss, backward pass, warnings.

A ``Network`` is validated data (the spec loader makes it); ``run`` returns a ``Run`` holding
every tensor of the pass. ``Run.to_compute_dict`` is the ``bpcli.compute/1`` structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from bpcli.core import activations, losses
from bpcli.core.layer import Layer
from bpcli.core.parallel import in_parts
from bpcli.core.workspace import WORKSPACE
from bpcli.texts import Msg

SCHEMA = "bpcli.compute/1"
#: the parameter names schema 1 writes for every layer with parameters (null where a kind has
#: other ones, e.g. batchnorm), and whose gradients it writes for every layer (null where none)
SCHEMA_1_PARAMETERS = ("W", "b")
_SCHEMA_1_GRADIENT_KEYS = tuple((name, "d" + name) for name in SCHEMA_1_PARAMETERS)
#: below this g'(Z) a sigmoid or tanh unit counts as saturated: it passes back almost nothing
SATURATION_SLOPE = 1e-8


@dataclass
class Network:
    """A validated network with its data.

    X is kept in the shape it was given: (n0, m) for dense input, (m, C, H, W) or (m, H, W) for
    images. Y: (n_L, m). Every layer has its parameters filled in (given or initialised).
    """

    X: np.ndarray
    Y: np.ndarray
    layers: list[Layer]
    loss: str
    seed: int = 0
    title: str | None = None
    source: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def image_input(self) -> bool:
        return self.X.ndim >= 3

    @property
    def m(self) -> int:
        return self.X.shape[0] if self.image_input else self.X.shape[1]

    def diagram(self) -> str:
        """The network on one line: 'X 2×4 → dense 3 tanh → dense 1 sigmoid', or
        'X 1×4×4 → conv2d 1@2×2 relu → maxpool 2×2/1 → flatten → dense 1 sigmoid'."""
        from bpcli.formatting import shape_text

        return " → ".join([f"X {shape_text(self.X.shape)}"] + [str(layer.describe()) for layer in self.layers])

    def input_for_layers(self, X: np.ndarray | None = None) -> np.ndarray:
        """X as the first layer takes it: an (m, H, W) image input becomes (m, 1, H, W)."""
        X = self.X if X is None else X
        return X[:, None] if X.ndim == 3 else X


@dataclass
class LayerRecord:
    """Everything one layer computed. Z and dZ are None for a layer without an activation (pool,
    flatten); ``gradients`` holds dJ/d(parameter) by the parameter's name ({"W": dW, "b": db})."""

    layer: Layer
    A: np.ndarray
    Z: np.ndarray | None = None
    cache: Any = None
    dA: np.ndarray | None = None
    dZ: np.ndarray | None = None
    gradients: dict[str, np.ndarray] = field(default_factory=dict)

    # dense and conv2d's parameter gradients by their old names, read by their narrators and the
    # compute summary; code for every kind reads ``gradients``
    @property
    def dW(self) -> np.ndarray | None:
        return self.gradients.get("W")

    @property
    def db(self) -> np.ndarray | None:
        return self.gradients.get("b")

    def named_tensors(self) -> dict[str, np.ndarray]:
        """This layer's computed tensors by name without the layer number, in the order
        ``Run.tensors`` lists them: Z, A, dA, dZ, the parameter gradients (dW, db, …), then the
        values its kind exposes from the forward pass (batchnorm's mean, var, xhat)."""
        named = {name: value for name, value in (("Z", self.Z), ("A", self.A), ("dA", self.dA), ("dZ", self.dZ))
                 if value is not None}
        named.update((f"d{name}", gradient) for name, gradient in self.gradients.items())
        named.update(self.layer.named_values(self.cache))
        return named


@dataclass
class Run:
    network: Network
    records: list[LayerRecord]
    loss: float
    dX: np.ndarray
    warnings: list[RunWarning]

    def tensors(self) -> dict[str, np.ndarray]:
        """Every named tensor of the run, by the names formulas and grading use:
        X, Y, A0 (= X as the layers take it), dX, and per layer l its parameters (Wl, bl or
        gammal, betal), then Zl, Al, dAl, dZl, the parameter gradients (dWl, dbl or dgammal,
        dbetal) and the values its kind exposes (meanl, varl, xhatl)."""
        net = self.network
        named: dict[str, np.ndarray] = {"X": net.X, "Y": net.Y, "A0": net.input_for_layers(), "dX": self.dX}
        for rec in self.records:
            l = rec.layer.index
            named.update((f"{name}{l}", value) for name, value in rec.layer.parameters().items())
            named.update((f"{name}{l}", value) for name, value in rec.named_tensors().items())
        return named

    def to_compute_dict(self) -> dict[str, Any]:
        """The ``bpcli.compute/1`` structure, with float64 numpy arrays for tensors."""
        layers = []
        for rec in self.records:
            layer = rec.layer
            entry: dict[str, Any] = {"index": layer.index, "type": layer.kind}
            if layer.activation is not None:
                entry["activation"] = layer.activation
            entry["Z"], entry["A"], entry["dA"], entry["dZ"] = rec.Z, rec.A, rec.dA, rec.dZ
            gradients = rec.gradients
            for name, key in _SCHEMA_1_GRADIENT_KEYS:
                entry[key] = gradients.get(name)
            for name, gradient in gradients.items():
                entry["d" + name] = gradient
            parameters = layer.parameters()
            if parameters:
                for name in SCHEMA_1_PARAMETERS:
                    entry[name] = parameters.get(name)
                entry.update(parameters)
            # a number the file gives as a number (batchnorm's eps) stays one, as J does
            entry.update((name, float(value) if value.ndim == 0 else value)
                         for name, value in layer.named_values(rec.cache).items())
            layers.append(entry)
        return {"schema": SCHEMA, "loss": self.loss, "layers": layers, "dX": self.dX,
                "warnings": [str(warning) for warning in self.warnings]}


def forward(network: Network, X: np.ndarray | None = None,
            checks: PassChecks | None = None) -> tuple[list[LayerRecord], float]:
    """Forward pass and loss. X (optional, X's given shape) replaces the network's own input.
    ``checks`` (``run``'s) looks at each layer's tensors as soon as they are made."""
    A = network.input_for_layers(X)
    records = []
    for layer in network.layers:
        if layer.activation is None:
            A, cache = layer.forward(A)
            records.append(LayerRecord(layer, A, cache=cache))
        else:
            Z, cache = layer.forward(A)
            A = activations.apply(layer.activation, Z, out=WORKSPACE.empty_like(Z))
            records.append(LayerRecord(layer, A, Z=Z, cache=cache))
        if checks is not None:
            checks.after_forward(records[-1])
    last = records[-1]
    loss = losses.value(network.loss, last.Z if last.Z is not None else last.A, last.A, network.Y)
    return records, loss


def backward(network: Network, records: list[LayerRecord], checks: PassChecks | None = None) -> np.ndarray:
    """Backward pass: fills dA, dZ and the parameter gradients of every record and returns dX in
    X's given shape. ``checks`` (``run``'s) looks at each layer's gradients as soon as they are
    made."""
    Y = network.Y
    last = records[-1]
    last.dA = losses.gradient_wrt_output(network.loss, last.A, Y)
    fused = losses.has_fused_output_gradient(network.loss)
    dA = last.dA
    for position in range(len(records) - 1, -1, -1):
        rec = records[position]
        rec.dA = dA
        layer = rec.layer
        if layer.activation is None:
            dA, rec.gradients = layer.backward(dA, rec.cache)
        else:
            if fused and rec is last:
                # sigmoid + bce and softmax + softmax_ce: dZ = (A - Y)/m, finite even when A saturates
                rec.dZ = losses.fused_output_gradient(rec.A, Y)
            else:
                rec.dZ = activations.backward(layer.activation, dA, rec.Z, rec.A, out=WORKSPACE.empty_like(rec.Z))
            dA, rec.gradients = layer.backward(rec.dZ, rec.cache)
            bias = bias_without_effect(network, position)
            if bias is not None:
                # the sum of dZ over a unit, exactly 0, comes out of floating point as rounding
                # noise (~1e-17, its digits machine-dependent): the exact value is given instead
                rec.gradients[bias] = np.zeros_like(rec.gradients[bias])
        if checks is not None:
            checks.after_backward(rec, dA)
    return dA.reshape(network.X.shape)


def bias_without_effect(network: Network, position: int) -> str | None:
    """The name of the bias of ``network.layers[position]`` when J does not depend on it at all,
    else None (``shift_absorbed_by``). Its gradient is then exactly 0."""
    layer = network.layers[position]
    return layer.UNIT_BIAS if shift_absorbed_by(network, position) is not None else None


def shift_absorbed_by(network: Network, position: int) -> int | None:
    """The number of the layer that cancels a change of ``network.layers[position]``'s bias, or
    None: adding c to the bias of a unit adds c to every value of that unit (a linear layer);
    the layers after it pass such shifts on as shifts of their own units, the same for every
    sample (``passes_unit_shifts_on``), up to one that ignores them (batch normalisation
    subtracts each unit's mean). J does not depend on the bias then."""
    layer = network.layers[position]
    if layer.UNIT_BIAS is None or layer.activation != "linear":
        return None
    for following in network.layers[position + 1:]:
        if following.IGNORES_UNIT_SHIFT:
            return following.index
        if not following.passes_unit_shifts_on():
            return None
    return None


def run(network: Network) -> Run:
    """Forward and backward pass with warnings about saturation, kinks, non-finite values and the
    floating-point events (overflow, division by zero, NaN) that made them."""
    events = _FloatEvents()
    checks = PassChecks(network, events)
    # numpy would print its own RuntimeWarning with a source line; the events become RunWarnings
    with np.errstate(divide="call", over="call", invalid="call", under="ignore", call=events):
        records, loss = forward(network, checks=checks)
        dX = backward(network, records, checks=checks)
    # the cause first: the non-finite tensors listed after it follow from it
    warnings = (float_event_warnings(events.kinds, records, loss, dX)
                + collect_warnings(network, records, loss, dX, checks))
    return Run(network, records, loss, dX, warnings)


def loss_at(network: Network, X: np.ndarray | None = None) -> float:
    """J alone, for finite differences (parameters are read from the layers as they are now).
    A non-finite J speaks for itself there, so numpy's floating-point warnings are not printed."""
    with np.errstate(all="ignore"):
        return forward(network, X)[1]


#: numpy's floating-point error flags (as passed to an ``np.errstate(call=...)`` handler) and the
#: RunWarning kind each becomes; underflow is not among them: a tiny value rounding to 0 is harmless here
FLOAT_EVENT_KINDS = {1: "divide_by_zero", 2: "overflow", 8: "invalid"}


class _FloatEvents:
    """The floating-point events numpy reported during a pass, each kind once, in order. Worker
    threads sharing a layer report here too: a dict's setdefault records a kind once however many
    report it at the same moment, where a look and an append could record it twice."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}
        #: set while the warnings' own sums and counts run (``PassChecks``): a sum that overflows
        #: is an answer there, not an event of the pass. (A flag, where np.errstate(all="ignore")
        #: around each look cost ~60,000 instructions, a fifth of a tiny network's pass.)
        self.ignoring = False

    @property
    def kinds(self) -> list[str]:
        return list(self._seen)

    def __call__(self, message: str, flag: int) -> None:
        if self.ignoring:
            return
        for bit, kind in FLOAT_EVENT_KINDS.items():
            if flag & bit:
                self._seen.setdefault(kind)


#: the English sentence of each warning kind, as the JSON ``warnings`` list carries it
WARNING_TEXT = {
    "saturated": "layer {layer} ({subject}): {count} of {total} entries of Z are saturated (g'(Z) < 1e-08); "
                 "almost no gradient flows back through them",
    "saturated_output": "layer {layer} ({subject} output): {count} of {total} entries of Z are saturated away from Y; J and "
                        "dZ = (A − Y)/m are computed from the logits and stay finite, while dA = dJ/dA there "
                        "may be infinite",
    "relu_at_zero": "layer {layer} (relu): {count} of {total} entries of Z are exactly 0, where relu has no "
                    "derivative; bpcli takes relu'(0) = 0",
    "tied_maximum": "layer {layer} (maxpool): {count} of {total} windows have a tied maximum; the gradient goes "
                    "to the first largest element in row-major order (a convention, not a derivative)",
    "not_finite": "{subject} has values that are not finite",
    "overflow": "floating-point overflow in {subject}: a value went beyond the float64 range (about 1.8e308) "
                "and became infinite; what is computed from it may be infinite or NaN",
    "divide_by_zero": "division by zero in {subject}: it gave an infinite value; what is computed from it may "
                      "be infinite or NaN",
    "invalid": "invalid operation in {subject}: an operation without a numeric result (such as inf - inf or "
               "0 * inf) gave NaN",
}


@dataclass(frozen=True)
class RunWarning:
    """Something a learner should know about a run: a gradient that is a convention rather than a
    derivative, one that is almost zero, or a value that is not finite. ``str()`` gives the
    English sentence of the JSON; narration words the same fields in the learner's language."""

    kind: str  # a key of WARNING_TEXT
    layer: int | None = None
    count: int = 0
    total: int = 0
    subject: str = ""  # the activation for "saturated", the tensor for "not_finite" and the float events

    def __str__(self) -> str:
        return self.message.text()

    @property
    def message(self) -> Msg:
        """The sentence to word in a learner's language (English: ``str()``'s)."""
        return Msg(f"warning.{self.kind}", layer=self.layer, count=self.count, total=self.total, subject=self.subject)


def collect_warnings(network: Network, records: list[LayerRecord], loss: float, dX: np.ndarray,
                     checks: PassChecks) -> list[RunWarning]:
    """Saturated sigmoid/tanh/softmax units (an output under bce or softmax_ce: saturated away from
    Y), relu entries exactly at 0 (both counted by ``checks`` during the pass), tied max-pool windows (counted by MaxPool.backward), and tensors that are not finite."""
    warnings = []
    fused_output = records[-1] if losses.has_fused_output_gradient(network.loss) else None
    # one test for the whole pass; only a pass it cannot vouch for is looked at tensor by tensor
    every_tensor_finite = math.isfinite(loss) and checks.sums.all_finite()
    for rec in records:
        layer = rec.layer
        l = layer.index
        saturated = checks.saturated.get(l, 0)
        if saturated:
            # an output under bce or softmax_ce has dZ = (A - Y)/m, which saturation does not shrink
            kind = "saturated_output" if rec is fused_output else "saturated"
            warnings.append(RunWarning(kind, l, saturated, rec.Z.size, layer.activation))
        at_kink = checks.at_zero.get(l, 0)
        if at_kink:
            warnings.append(RunWarning("relu_at_zero", l, at_kink, rec.Z.size))
        tied = getattr(rec.cache, "tied_windows", 0)
        if tied:
            warnings.append(RunWarning("tied_maximum", l, tied, rec.A.size))
        if not every_tensor_finite:
            for name, value in rec.named_tensors().items():
                if not all_finite(value):
                    warnings.append(RunWarning("not_finite", l, subject=f"{name}{l}"))
    if not every_tensor_finite:
        if not np.isfinite(loss):
            warnings.append(RunWarning("not_finite", subject="J"))
        if not all_finite(dX):
            warnings.append(RunWarning("not_finite", subject="dX"))
    return warnings


class PassChecks:
    """What the warnings need from a pass, taken from each layer's tensors as soon as the pass
    makes them, while they are still in the processor's cache: the saturated sigmoid or tanh
    units and relu's exact zeros, by layer number, and the sums that prove every tensor finite.
    Read again after the pass, when they have left the cache, they cost more: medians of whole
    passes, alternating, 25 rounds: the 8 × 32² CNN 5.79 -> 5.55 ms, 32 × 32² 20.5 -> 19.3 ms,
    dense 784-128-10 1.79 -> 1.65 ms; one sample, the same.

    Not every tensor is summed: A = g(Z) is finite whenever Z is (activations.FINITE_FOR_FINITE_Z),
    and dZ = dA ⊙ g'(Z) whenever dA and Z are (SLOPE_AT_MOST_ONE); the fused output gradient
    (A - Y)/m is summed. A layer's dA is the gradient the layer after it passed back, summed
    there (the last layer's, from the loss, with the last layer); dX is layer 1's."""

    def __init__(self, network: Network, events: _FloatEvents) -> None:
        """``events``: the handler of the pass's floating-point events, which ignores those of the
        checks themselves."""
        self.events = events
        self.fused_output_gradient = losses.has_fused_output_gradient(network.loss)
        self.last_index = network.layers[-1].index
        self.loss, self.Y = network.loss, network.Y
        #: per layer, its saturated entries; of an output whose dZ is fused, only those saturated
        #: away from Y (``_saturated_away_from_target``)
        self.saturated: dict[int, int] = {}
        self.at_zero: dict[int, int] = {}
        self.sums = FiniteSums()

    def after_forward(self, rec: LayerRecord) -> None:
        self.events.ignoring = True
        try:
            activation = rec.layer.activation
            if activation in activations.OWN_SLOPE_FROM_OUTPUT:
                if self.fused_output_gradient and rec.layer.index == self.last_index:
                    count = _saturated_away_from_target(self.loss, activation, rec.A, self.Y)
                else:
                    count = _count_saturated(activation, rec.A)
                self.saturated[rec.layer.index] = count
            if activation == "relu":
                self.at_zero[rec.layer.index] = _count_zeros(rec.Z)
            if rec.Z is not None:
                self.sums.add(rec.Z)
            if activation not in activations.FINITE_FOR_FINITE_Z:
                self.sums.add(rec.A)
            for value in rec.layer.named_values(rec.cache).values():
                self.sums.add(value)
        finally:
            self.events.ignoring = False

    def after_backward(self, rec: LayerRecord, dA_prev: np.ndarray) -> None:
        """``dA_prev``: the gradient ``rec``'s layer passed back (the dA of the layer before, or dX)."""
        self.events.ignoring = True
        try:
            is_last = rec.layer.index == self.last_index
            if is_last:
                self.sums.add(rec.dA)
            fused = is_last and self.fused_output_gradient
            if rec.dZ is not None and (fused or rec.layer.activation not in activations.SLOPE_AT_MOST_ONE):
                self.sums.add(rec.dZ)
            for gradient in rec.gradients.values():
                self.sums.add(gradient)
            self.sums.add(dA_prev)
        finally:
            self.events.ignoring = False


def _count_saturated(activation: str, A: np.ndarray) -> int:
    """How many entries have g'(Z) < SATURATION_SLOPE (softmax: ∂Aᵢ/∂Zᵢ), computed from A = g(Z)
    (the same numbers as from Z, without evaluating g again)."""
    slope = WORKSPACE.empty_like(A)
    own_slope = activations.OWN_SLOPE_FROM_OUTPUT[activation]

    def saturated(part: tuple, out: np.ndarray) -> np.ndarray:
        part_slope = own_slope(A[part], out=slope[part])
        return np.less(part_slope, SATURATION_SLOPE, out=out)

    return _count_where(saturated, A)


def _saturated_away_from_target(loss: str, activation: str, A: np.ndarray, Y: np.ndarray) -> int:
    """Of an output whose dZ is fused ((A − Y)/m), the saturated entries where dA = ∂J/∂A divides by
    a number near 0: A ≈ 0 where Y > 0 (−Y/A), and under bce also A ≈ 1 where Y < 1
    ((1 − Y)/(1 − A)). An output saturated towards its target (a confident right answer) has an
    ordinary dA: warning of it only alarmed."""
    saturated = activations.OWN_SLOPE_FROM_OUTPUT[activation](A) < SATURATION_SLOPE
    away = (Y > 0) & (A < 0.5)
    if loss == "bce":
        away |= (Y < 1) & (A > 0.5)
    return int(np.count_nonzero(saturated & away))


def _count_zeros(Z: np.ndarray) -> int:
    return _count_where(lambda part, out: np.equal(Z[part], 0, out=out), Z)


def _count_where(mark: Callable[[tuple, np.ndarray], np.ndarray], tensor: np.ndarray) -> int:
    """How many entries of ``tensor`` are marked: ``mark(part, out)`` writes into the bool array
    ``out`` the marks of ``tensor[part]``; a large tensor is marked and counted by threads in
    parts (``parallel.in_parts``)."""
    marks = WORKSPACE.empty_like(tensor, bool)
    return sum(in_parts(lambda part: int(np.count_nonzero(mark(part, marks[part]))), tensor))


#: a tensor up to this many entries is checked for NaN and infinities with np.isfinite's mask
SMALL_TENSOR = 8192


def all_finite(tensor: np.ndarray) -> bool:
    """No NaN or infinity in ``tensor``; a large one read without the tensor-sized mask np.isfinite
    would make: a finite sum (one pass) proves it; otherwise (a NaN or infinity, or finite values
    whose sum overflows) the least and largest values are finite exactly when every value is."""
    if tensor.size <= SMALL_TENSOR:
        return bool(np.isfinite(tensor).all())
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(tensor.sum()):
            return True
    return bool(np.isfinite(tensor.min()) and np.isfinite(tensor.max()))


def _every_value_finite(tensors) -> bool:
    """True only if no value of any of ``tensors`` is NaN or infinite (``FiniteSums``)."""
    sums = FiniteSums()
    with np.errstate(over="ignore", invalid="ignore"):
        for tensor in tensors:
            sums.add(tensor)
        return sums.all_finite()


class FiniteSums:
    """Tensors proved free of NaN and infinities together, added one at a time. The small ones
    are looked at together at the end, in one np.isfinite; each large one through its sum when
    it is added, without a tensor-sized mask: a NaN or an infinity makes the sum, and so the total
    of the sums, NaN or infinite. ``all_finite`` False means "not proved": there may be a NaN or an
    infinity, or only finite values whose sum overflowed; the caller then looks at each tensor
    exactly. (numpy's own sum, not the BLAS's faster dot product: in a process with several BLAS
    threads, waking them for a vector costs more than the whole pass of a small network.) A sum
    that overflows is an answer here, not an event: add under ``np.errstate(over="ignore",
    invalid="ignore")``, or, during a pass, with its event handler ignoring (``PassChecks``)."""

    def __init__(self) -> None:
        self._small: list[np.ndarray] = []
        self._total = 0.0
        self._summed: set[int] = set()  # arrays read in full; a view of one holds none but its values (flatten's A)

    def add(self, tensor: np.ndarray) -> None:
        if tensor.size <= SMALL_TENSOR:
            self._small.append(tensor)
            return
        if tensor.base is not None and id(tensor.base) in self._summed:
            return
        self._total += _sum(tensor)
        if tensor.base is None:
            self._summed.add(id(tensor))

    def all_finite(self) -> bool:
        small = self._small
        if small:
            together = np.concatenate([tensor.reshape(-1) for tensor in small],
                                      out=WORKSPACE.empty((sum(tensor.size for tensor in small),)))
            if not np.isfinite(together, out=WORKSPACE.empty(together.shape, bool)).all():
                return False
        return math.isfinite(self._total)


def _sum(tensor: np.ndarray) -> float:
    """The sum of every value of ``tensor``, by threads in parts when it is large."""
    return sum(in_parts(lambda part: np.add.reduce(tensor[part], axis=None), tensor))


def _in_computation_order(records: list[LayerRecord], loss: float, dX: np.ndarray):
    """(layer number or None, tensor name, value) for every tensor of a pass, in the order the pass
    computed them: Z and A layer by layer, J, then dA, dZ and the parameter gradients (dW, db, …)
    from the last layer back, dX."""
    for rec in records:
        for name in ("Z", "A"):
            value = getattr(rec, name)
            if value is not None:
                yield rec.layer.index, f"{name}{rec.layer.index}", value
    yield None, "J", np.asarray(loss)
    for rec in reversed(records):
        l = rec.layer.index
        backward = [("dA", rec.dA), ("dZ", rec.dZ)] + [(f"d{name}", value) for name, value in rec.gradients.items()]
        for name, value in backward:
            if value is not None:
                yield l, f"{name}{l}", value
    yield None, "dX", dX


def _has_mark(is_mark, value: np.ndarray) -> bool:
    """``is_mark(value).any()``; a large tensor proved finite has neither mark, which saves the
    tensor-sized mask."""
    if value.size > SMALL_TENSOR and _every_value_finite((value,)):
        return False
    return bool(is_mark(value).any())


def float_event_warnings(kinds: list[str], records: list[LayerRecord], loss: float,
                         dX: np.ndarray) -> list[RunWarning]:
    """One warning per floating-point event kind, naming the first tensor the event left its mark
    on: the first one holding an infinity for overflow and division by zero, a NaN for an invalid
    operation. An event that left no mark (exp overflowing inside 1/(1 + exp(.)), which is then
    exactly 0) changed no result and is not reported."""
    warnings = []
    for kind in kinds:
        is_mark = np.isnan if kind == "invalid" else np.isinf
        for layer, name, value in _in_computation_order(records, loss, dX):
            if _has_mark(is_mark, value):
                warnings.append(RunWarning(kind, layer, subject=name))
                break
    return warnings
