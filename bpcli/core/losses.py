"""Losses J(A, Y) over m samples, their gradient dA = dJ/dA, and the fused dZ of the usual pairs.

All arrays are column data: A, Y and Z have shape (n_L, m).

bce and softmax_ce are computed from the logits Z, so a saturated output unit (A rounding to
exactly 0 or 1 in float64) still gives a finite loss and a finite dZ.
"""

from __future__ import annotations

import numpy as np

from bpcli.core.activations import log_softmax

NAMES = ("bce", "mse", "sse", "softmax_ce")
#: the losses that average over the m samples, so that every gradient carries their 1/m (sse sums)
AVERAGING = frozenset({"bce", "mse", "softmax_ce"})
#: the squared-error losses, whose derivative has the 2 of the square (mse's ½ cancels it)
SQUARED = frozenset({"mse", "sse"})
#: the output activation a loss needs, for the losses that need one
REQUIRED_ACTIVATION = {"bce": "sigmoid", "softmax_ce": "softmax"}


def has_fused_output_gradient(loss: str) -> bool:
    """True for bce and softmax_ce: with their required output activation, dZ⁽ᴸ⁾ = (A − Y)/m is
    computed directly (see ``fused_output_gradient``) instead of as dA ⊙ g′(Z)."""
    return loss in REQUIRED_ACTIVATION


def value(loss: str, Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    """J as a float. Z, A, Y: (n_L, m)."""
    m = Y.shape[1]
    if loss == "bce":
        # -[y log s(z) + (1-y) log(1-s(z))] = softplus(z) - y z, written so exp never overflows
        per_entry = np.maximum(Z, 0.0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))
        return float(per_entry.sum() / m)
    if loss == "softmax_ce":
        return float(-(Y * log_softmax(Z)).sum() / m)
    diff = A - Y
    if loss == "mse":
        return float((diff * diff).sum() / (2 * m))
    if loss == "sse":
        return float((diff * diff).sum())
    raise ValueError(f"unknown loss {loss!r}")


def rounding_scale(loss: str, Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    """The size of the numbers ``value`` adds up or cancels on its way to J: J's float64 rounding
    error is a few machine epsilons times this, which can be far more than J itself (a bce term
    z − z + 1e-13 for a saturated unit, a softmax_ce loss of 1e-5 computed as log(1.00001))."""
    m = Y.shape[1]
    if loss == "bce":
        terms = np.maximum(Z, 0.0) + np.abs(Y * Z) + np.log1p(np.exp(-np.abs(Z)))
        return float(terms.sum() / m)
    if loss == "softmax_ce":
        shifted = Z - Z.max(axis=0, keepdims=True)
        # log of a sum of exps that is at least 1 (the largest is exp(0)): 1 for its own rounding
        log_sum = np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        return float((np.abs(Y) * (np.abs(shifted) + log_sum + 1.0)).sum() / m)
    # (a − y)² is off by about 2|a − y| times the rounding of a − y, which is eps·(|a| + |y|)
    spread = np.abs(A - Y) * (np.abs(A) + np.abs(Y))
    if loss == "mse":
        return float(spread.sum() / m)
    if loss == "sse":
        return float(2.0 * spread.sum())
    raise ValueError(f"unknown loss {loss!r}")


def gradient_wrt_output(loss: str, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dA = dJ/dA, shape (n_L, m).

    bce: (1/m)(-Y/A + (1-Y)/(1-A)); softmax_ce: -Y/(m A), 0 where Y is 0; mse: (A-Y)/m;
    sse: 2(A-Y). Where A is saturated the bce and softmax_ce values may be infinite.
    """
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss == "bce":
            # each term only where its target weight is non-zero, so 0 * inf never makes a NaN
            pos = np.where(Y != 0, Y / A, 0.0)
            neg = np.where(Y != 1, (1.0 - Y) / (1.0 - A), 0.0)
            return (neg - pos) / m
        if loss == "softmax_ce":
            return np.where(Y != 0, -Y / (m * A), 0.0)
    if loss == "mse":
        return (A - Y) / m
    if loss == "sse":
        return 2.0 * (A - Y)
    raise ValueError(f"unknown loss {loss!r}")


def fused_output_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dZ of the last layer for sigmoid + bce and for softmax + softmax_ce: (A - Y)/m, (n_L, m)."""
    return (A - Y) / Y.shape[1]
