"""Central finite differences in float64 against the analytic gradients of a run.

For each parameter tensor and for X, a (seeded) sample of entries, or every entry, is nudged by
±h, h = ε·max(1, |θ|), and the loss recomputed: numeric = (J(θ+h) − J(θ−h)) / 2h.

How close a right gradient comes. The numeric estimate has an error of its own: round-off, about
eps·S/h, where S is the size of the numbers J is computed from (J's float64 rounding error is a
few eps·S; S is at least J and can be far larger), plus truncation, h²|J'''|/6. Under a loss of
1.4, a gradient of 1e-4 estimated with ε = 1e-6 carries round-off of a few 1e-6 of itself, so a
fixed relative tolerance of 1e-6 calls right gradients wrong. A tensor passes
when max |analytic − numeric| is within ``tolerance`` of its largest gradient plus that error:
round-off bounded as ``ROUND_OFF_FACTOR``·eps·S/h, and truncation, only where it could matter
(an entry outside the tolerance and the round-off), measured Richardson-style from a second
estimate with step 2h (whose truncation is four times as large, so the two differ by three
times the first one's).

Kinks. The loss is smooth piece by piece: which relu units are positive and which element wins
each max-pool window pick the piece. An entry whose nudges move the loss onto another piece
(relu crossing 0, a max-pool window changing its winner) is *next to a kink*: the loss has no
derivative there, so it is reported and not compared. So is an entry whose nudges change a batch
normalisation's σ² + ε by more than ``BATCHNORM_BEND``: the loss is smooth there, but bends on a
scale of √(σ² + ε), and a step that wide measures no derivative (a unit whose values are all
equal, with ε = 1e-20, has dX of 1e9, which a step of 1e-6 cannot see).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpcli.core import losses
from bpcli.core.network import LayerRecord, Network, Run, all_finite, forward, run
from bpcli.texts import Msg, usage_error
from bpcli.values import is_real, is_whole

#: a tensor fails when max|analytic − numeric| exceeds this times max(max|analytic|, max|numeric|),
#: beyond the error bound of the numeric estimates themselves
DEFAULT_TOLERANCE = 1e-6
#: the step, relative to max(1, |θ|)
DEFAULT_EPSILON = 1e-6
#: a nudge that changes a batch normalisation's σ² + ε by more than this (relatively) moves the
#: loss too far along its bend for a difference quotient (a right gradient of an ordinary network
#: moves it by about the step, 1e-6)
BATCHNORM_BEND = 1e-2
#: entries checked per tensor unless every entry is asked for
DEFAULT_SAMPLE = 200
#: bound on the central difference's round-off, in units of eps·S/h: measured against a more
#: precise estimate on 45,000 entries of 1,500 random networks it stayed under 0.7, so 4 leaves
#: a margin and still catches a gradient wrong by 1e-4 of its size (tests/test_gradcheck.py)
ROUND_OFF_FACTOR = 4.0
MACHINE_EPSILON = float(np.finfo(np.float64).eps)


@dataclass
class TensorCheck:
    name: str  # "W1", "b3", "X"
    shape: tuple[int, ...]
    indices: list[tuple[int, ...]]  # the entries checked
    analytic: np.ndarray  # (len(indices),)
    numeric: np.ndarray  # (len(indices),)
    kinks: list[tuple[int, ...]] = field(default_factory=list)  # entries next to a kink
    tolerance: float = DEFAULT_TOLERANCE
    #: how far the numeric estimates themselves may be off (absolute): their round-off and
    #: truncation; a right gradient differs from them by up to this much
    numeric_error_bound: float = 0.0

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def compared(self) -> int:
        """How many entries were compared: those checked, less those next to a kink (whose two
        one-sided slopes differ, so that there is no derivative to compare with)."""
        kinks = set(self.kinks)
        return sum(index not in kinks for index in self.indices)

    @property
    def scale(self) -> float:
        """The largest magnitude among the checked entries not at a kink (analytic or numeric)."""
        a, n = self._compared()
        return float(max(np.abs(a).max(), np.abs(n).max())) if len(a) else 0.0

    @property
    def relative_error(self) -> float:
        """max |analytic − numeric| over the checked entries not at a kink, relative to the
        largest magnitude among them; 0 when all of them lie within the estimates' own error
        bound (a gradient that is 0, such as the bias of a layer followed by batchnorm, shows as
        rounding noise that no scale of its own makes small)."""
        a, n = self._compared()
        scale = self.scale
        return float(np.abs(a - n).max() / scale) if scale > self.numeric_error_bound else 0.0

    @property
    def allowed_relative_error(self) -> float:
        """The relative error a right gradient may show here: the tolerance, plus the numeric
        estimates' own error bound relative to the largest gradient."""
        scale = self.scale
        return self.tolerance + self.numeric_error_bound / scale if scale > 0 else float("inf")

    @property
    def ok(self) -> bool:
        return self.relative_error <= self.allowed_relative_error

    def _compared(self) -> tuple[np.ndarray, np.ndarray]:
        kinks = set(self.kinks)
        keep = np.array([index not in kinks for index in self.indices], dtype=bool)
        return self.analytic[keep], self.numeric[keep]


@dataclass
class CheckReport:
    loss: float
    tensors: list[TensorCheck]
    epsilon: float

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tensors)

    def __repr__(self) -> str:
        # the generated repr printed every entry checked, analytic and numeric (10 KB for 12 units)
        verdict = "all agree" if self.ok else "WRONG: " + ", ".join(t.name for t in self.tensors if not t.ok)
        return f"<{type(self).__name__} of {len(self.tensors)} tensors, ε = {self.epsilon:g}, J = {self.loss:.6g}: {verdict}>"


def check(network: Network, *, epsilon: float = DEFAULT_EPSILON, tolerance: float = DEFAULT_TOLERANCE,
          sample: int | None = DEFAULT_SAMPLE, seed: int = 0) -> CheckReport:
    """Compare every parameter's and X's analytic gradient with central differences.

    ``sample`` caps the entries checked per tensor (chosen with ``seed``); None checks them all.
    The network's arrays are nudged in place and restored exactly. Raises ``UsageError`` for an
    option that is not one of these (an epsilon of 0 divided by zero, a seed of -1 reached numpy).
    """
    _check_options(epsilon, tolerance, sample, seed)
    result = run(network)
    _check_finite(network, result)
    rng = np.random.default_rng(seed)
    differences = _Differences(network, epsilon, _round_off_scale(network, result), _piece(result.records))
    targets = []
    for rec in result.records:
        for name, parameter in rec.layer.parameters().items():
            targets.append((f"{name}{rec.layer.index}", parameter, rec.gradients[name]))
    targets.append(("X", network.X, result.dX))
    checks = [differences.compare(name, tensor, gradient, _choose_entries(tensor.shape, sample, rng), tolerance)
              for name, tensor, gradient in targets]
    return CheckReport(result.loss, checks, epsilon)


def _check_finite(network: Network, result: Run) -> None:
    """``SpecError`` unless J and every gradient checked are finite: the differences of an
    infinite loss are NaN, and each tensor would be called WRONG when nothing is (numbers near
    1e200 overflow in the pass itself). The message gives the run's first warning, the cause."""
    from bpcli.spec import worded_error

    gradients = [result.dX] + [gradient for rec in result.records for gradient in rec.gradients.values()]
    if math.isfinite(result.loss) and all(all_finite(gradient) for gradient in gradients):
        return
    cause = result.warnings[0].message if result.warnings else Msg("warning.not_finite", subject="J")
    raise worded_error(Msg("gradcheck.not_finite", cause=cause), "", "not_finite", network.source)


def _check_options(epsilon: Any, tolerance: Any, sample: Any, seed: Any) -> None:
    if not (is_real(epsilon) and epsilon > 0):
        raise usage_error("usage.check_epsilon", name="epsilon", found=repr(epsilon))
    if not (is_real(tolerance) and tolerance >= 0):
        raise usage_error("usage.check_tolerance", name="tolerance", found=repr(tolerance))
    if not (sample is None or (is_whole(sample) and sample >= 1)):
        raise usage_error("usage.check_sample", name="sample", found=repr(sample))
    if not (is_whole(seed) and seed >= 0):
        raise usage_error("usage.check_seed", name="seed", found=repr(seed))


class _Differences:
    """Central differences of one network's loss, entry by entry, with their error bounds."""

    def __init__(self, network: Network, epsilon: float, round_off_scale: float, piece: list[np.ndarray]):
        self.network = network
        self.epsilon = epsilon
        self.round_off_scale = round_off_scale
        self.piece = piece  # the smooth piece of the loss at the unnudged network

    def compare(self, name: str, tensor: np.ndarray, gradient: np.ndarray, indices: list[tuple[int, ...]],
                tolerance: float) -> TensorCheck:
        analytic = np.array([gradient[i] for i in indices])
        numeric = np.zeros(len(indices))
        kinks = []
        for k, index in enumerate(indices):
            numeric[k], smooth = self.derivative(tensor, index, self.step(tensor[index]))
            if not smooth:
                kinks.append(index)
        round_off = max((self.round_off(self.step(tensor[i])) for i in indices), default=0.0)
        result = TensorCheck(name, tensor.shape, indices, analytic, numeric, kinks, tolerance, round_off)
        if not result.ok:
            self._add_truncation(result, tensor)
        return result

    def step(self, value: float) -> float:
        return self.epsilon * max(1.0, abs(float(value)))

    def round_off(self, step: float) -> float:
        """Bound on the round-off of (J(θ+h) − J(θ−h)) / 2h: two evaluations of J, each off by a
        few eps·S, their difference divided by 2h."""
        return ROUND_OFF_FACTOR * MACHINE_EPSILON * self.round_off_scale / step

    def derivative(self, tensor: np.ndarray, index: tuple[int, ...], step: float) -> tuple[float, bool]:
        """(J(θ+h) − J(θ−h)) / 2h for the entry at ``index``, and whether both nudges kept the
        loss on the same smooth piece (False: a kink within h)."""
        original = tensor[index]
        try:
            tensor[index] = original + step
            plus, piece_plus = _evaluate(self.network)
            tensor[index] = original - step
            minus, piece_minus = _evaluate(self.network)
        finally:
            tensor[index] = original
        smooth = _same_piece(piece_plus, self.piece) and _same_piece(piece_minus, self.piece)
        return (plus - minus) / (2 * step), smooth

    def _add_truncation(self, result: TensorCheck, tensor: np.ndarray) -> None:
        """Widen the error bound by the truncation of the estimates that are outside the
        tolerance and the round-off, measured with a second estimate at step 2h. An entry
        whose 2h nudges cross a kink is a kink too (its second estimate means nothing)."""
        outside = result.tolerance * result.scale + result.numeric_error_bound
        kinks = set(result.kinks)
        truncation = 0.0
        for k, index in enumerate(result.indices):
            if index in kinks or abs(result.analytic[k] - result.numeric[k]) <= outside:
                continue
            wider, smooth = self.derivative(tensor, index, 2 * self.step(tensor[index]))
            if not smooth:
                result.kinks.append(index)
                continue
            # D(2h) − D(h) ≈ (4 − 1)·h²J'''/6: three times D(h)'s truncation, kept whole as a margin
            truncation = max(truncation, abs(wider - result.numeric[k]))
        result.numeric_error_bound += truncation


def _evaluate(network: Network) -> tuple[float, list[np.ndarray]]:
    """J, and the smooth piece it was computed on."""
    with np.errstate(all="ignore"):  # a non-finite J speaks for itself in the comparison
        records, loss = forward(network)
    return loss, _piece(records)


def _piece(records: list[LayerRecord]) -> list[np.ndarray]:
    """What picks the smooth piece of the loss: the sign of every relu's Z (relu'(0) = 0 counts 0
    with the negatives) and every max-pool window's winner; and every batch normalisation's
    σ² + ε, which a nudge must not move along its bend (``BATCHNORM_BEND``)."""
    piece = []
    for rec in records:
        if rec.layer.activation == "relu":
            piece.append(rec.Z > 0)
        if rec.layer.kind == "maxpool":  # by kind, not class: a dense network never imports pool
            piece.append(rec.layer.winners(rec.cache))
        if rec.layer.kind == "batchnorm":
            piece.append(rec.cache.var + rec.layer.eps)
    return piece


def _same_piece(piece: list[np.ndarray], other: list[np.ndarray]) -> bool:
    return all(np.allclose(a, b, rtol=BATCHNORM_BEND, atol=0) if a.dtype.kind == "f" else np.array_equal(a, b)
               for a, b in zip(piece, other))


def _round_off_scale(network: Network, result: Run) -> float:
    """S: the size of the numbers J is computed from. To first order, a rounding error in a
    layer's Z or A reaches J multiplied by dZ or dA, so each layer adds Σ|dZ ⊙ Z| + Σ|dA ⊙ A|;
    the loss adds the terms it sums (``losses.rounding_scale``), and J itself. The output layer's
    A is the loss's business: its dA (1/(1 − A) near saturation) would only exaggerate."""
    last = result.records[-1]
    with np.errstate(all="ignore"):
        scale = abs(result.loss) + losses.rounding_scale(
            network.loss, last.Z if last.Z is not None else last.A, last.A, network.Y)
        for rec in result.records:
            pairs = [(rec.Z, rec.dZ)] if rec is last else [(rec.Z, rec.dZ), (rec.A, rec.dA)]
            for value, gradient in pairs:
                if value is not None and gradient is not None:
                    product = np.abs(value * gradient)
                    scale += float(product[np.isfinite(product)].sum())
    return scale if np.isfinite(scale) else float(np.finfo(np.float64).max)


def _choose_entries(shape: tuple[int, ...], sample: int | None, rng) -> list[tuple[int, ...]]:
    size = int(np.prod(shape))
    if sample is None or size <= sample:
        flat = np.arange(size)
    else:
        flat = np.sort(rng.choice(size, sample, replace=False))
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]
