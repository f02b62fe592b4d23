"""Central finite differences in float64 against the analytic gradients of a run.

For each parameter tensor and for X, a (seeded) sample of entries, or every entry, is nudged by
±ε and the loss recomputed: numeric = (J(θ+ε) − J(θ−ε)) / 2ε. An entry is flagged as *near a
kink* when its two one-sided differences disagree (relu crossing 0, a max-pool window changing
its winner): the loss has no derivative there, so such entries do not fail the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpcli.core.network import Network, loss_at, run

#: a tensor fails when max|analytic − numeric| / max(max|analytic|, max|numeric|) exceeds this
DEFAULT_TOLERANCE = 1e-6
DEFAULT_EPSILON = 1e-6
#: entries checked per tensor unless every entry is asked for
DEFAULT_SAMPLE = 200
#: the one-sided slopes of a differentiable loss agree to O(ε); at a kink they differ by O(1)
KINK_THRESHOLD = 1e-3
#: a central difference carries rounding of about a few units in the last place of J, divided by
#: 2ε; this many machine epsilons times max(1, |J|) / ε bounds it with a wide margin
ROUNDING_UNITS = 100


@dataclass
class TensorCheck:
    name: str  # "W1", "b3", "X"
    shape: tuple[int, ...]
    indices: list[tuple[int, ...]]  # the entries checked
    analytic: np.ndarray  # (len(indices),)
    numeric: np.ndarray  # (len(indices),)
    kinks: list[tuple[int, ...]] = field(default_factory=list)  # entries next to a kink
    tolerance: float = DEFAULT_TOLERANCE
    rounding: float = 0.0  # the largest slope rounding in J alone can make a central difference show

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def relative_error(self) -> float:
        """max |analytic − numeric| over the checked entries not at a kink, relative to the
        largest magnitude among them; 0 when all are within the rounding of J (a gradient that is
        0, such as the bias of a layer followed by batchnorm, shows as rounding noise ~1e-11,
        which no scale of its own makes small)."""
        kinks = set(self.kinks)
        keep = np.array([index not in kinks for index in self.indices], dtype=bool)
        if not keep.any():
            return 0.0
        a, n = self.analytic[keep], self.numeric[keep]
        scale = max(np.abs(a).max(), np.abs(n).max())
        return float(np.abs(a - n).max() / scale) if scale > self.rounding else 0.0

    @property
    def ok(self) -> bool:
        return self.relative_error <= self.tolerance


@dataclass
class CheckReport:
    loss: float
    tensors: list[TensorCheck]
    epsilon: float

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tensors)


def check(network: Network, *, epsilon: float = DEFAULT_EPSILON, tolerance: float = DEFAULT_TOLERANCE,
          sample: int | None = DEFAULT_SAMPLE, seed: int = 0) -> CheckReport:
    """Compare every parameter's and X's analytic gradient with central differences.

    ``sample`` caps the entries checked per tensor (chosen with ``seed``); None checks them all.
    The network's arrays are nudged in place and restored exactly.
    """
    result = run(network)
    base_loss = result.loss
    rng = np.random.default_rng(seed)
    targets = []
    for rec in result.records:
        for name, parameter in rec.layer.parameters().items():
            targets.append((f"{name}{rec.layer.index}", parameter, rec.gradients[name]))
    targets.append(("X", network.X, result.dX))
    rounding = ROUNDING_UNITS * np.finfo(float).eps * max(1.0, abs(base_loss)) / epsilon

    checks = []
    for name, tensor, gradient in targets:
        indices = _choose_entries(tensor.shape, sample, rng)
        analytic = np.array([gradient[i] for i in indices])
        numeric = np.empty(len(indices))
        kinks = []
        for k, index in enumerate(indices):
            original = tensor[index]
            tensor[index] = original + epsilon
            plus = loss_at(network)
            tensor[index] = original - epsilon
            minus = loss_at(network)
            tensor[index] = original
            numeric[k] = (plus - minus) / (2 * epsilon)
            right, left = (plus - base_loss) / epsilon, (base_loss - minus) / epsilon
            if abs(right - left) > KINK_THRESHOLD * max(1.0, abs(right), abs(left)):
                kinks.append(index)
        checks.append(TensorCheck(name, tensor.shape, indices, analytic, numeric, kinks, tolerance, rounding))
    return CheckReport(base_loss, checks, epsilon)


def _choose_entries(shape: tuple[int, ...], sample: int | None, rng) -> list[tuple[int, ...]]:
    size = int(np.prod(shape))
    if sample is None or size <= sample:
        flat = np.arange(size)
    else:
        flat = np.sort(rng.choice(size, sample, replace=False))
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]
