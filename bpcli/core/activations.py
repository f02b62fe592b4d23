"""Activation functions g and their derivatives g'(Z), element-wise on arrays of any shape.

softmax is the exception: it acts on each column (the units of one sample) and is only used as
the last activation together with softmax_ce, whose gradient dZ = (A - Y)/m skips its Jacobian.
"""

from __future__ import annotations

import numpy as np

from bpcli.core.parallel import in_parts
from bpcli.core.workspace import WORKSPACE

NAMES = ("sigmoid", "relu", "tanh", "linear", "softmax")


# Each g takes an optional ``out`` (z's shape) to write A into, as numpy's ufuncs do.

def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # exp of a negative number only, so large |z| neither overflows nor warns
    e = np.exp(-np.abs(z))
    return np.divide(np.where(z >= 0, 1.0, e), 1.0 + e, out=out)


def relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.maximum(z, 0.0, out=out)


def softmax(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Column-wise softmax of z, shape (n, m) -> (n, m)."""
    shifted = z - z.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    return np.divide(e, e.sum(axis=0, keepdims=True), out=out)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Column-wise log softmax, finite for any finite z."""
    shifted = z - z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    return _sigmoid_slope(sigmoid(z))


def relu_prime(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0: relu'(0) is taken as 0 (a convention; relu has no derivative there)."""
    return (z > 0).astype(np.float64)


def tanh_prime(z: np.ndarray) -> np.ndarray:
    return _tanh_slope(np.tanh(z))


def linear(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def linear_prime(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


# g'(Z) from A = g(Z), for the activations whose slope is a function of their output; these are
# the very operations sigmoid_prime and tanh_prime apply to g(Z), so the values are the same bits

def _sigmoid_slope(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ'(z) = a (1 − a) (a may be a number, as in a graded formula)."""
    if out is None:
        return a * (1.0 - a)
    np.subtract(1.0, a, out=out)
    return np.multiply(a, out, out=out)


def _tanh_slope(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh'(z) = 1 − a² (a may be a number, as in a graded formula)."""
    if out is None:
        return 1.0 - a * a
    np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


FORWARD = {"sigmoid": sigmoid, "relu": relu, "tanh": np.tanh, "linear": linear, "softmax": softmax}
DERIVATIVE = {"sigmoid": sigmoid_prime, "relu": relu_prime, "tanh": tanh_prime, "linear": linear_prime}
SLOPE_FROM_OUTPUT = {"sigmoid": _sigmoid_slope, "tanh": _tanh_slope}
#: how steep each unit's own response is, from A, for the saturation warning: softmax's
#: ∂Aᵢ/∂Zᵢ = Aᵢ(1 − Aᵢ) is the sigmoid's form (its other entries, −AᵢAⱼ, are no larger)
OWN_SLOPE_FROM_OUTPUT = {**SLOPE_FROM_OUTPUT, "softmax": _sigmoid_slope}
#: Two properties the run's warnings rely on to prove a whole pass finite while reading fewer
#: tensors (tests/test_warnings.py checks them at the extremes of float64): every g maps a finite
#: Z to a finite A, and every g whose dZ is dA ⊙ g'(Z) has 0 ≤ g'(Z) ≤ 1 there, so a finite dA
#: gives a finite dZ (softmax's dZ is always the fused (A − Y)/m).
FINITE_FOR_FINITE_Z = frozenset(NAMES)
SLOPE_AT_MOST_ONE = frozenset(("sigmoid", "relu", "tanh", "linear"))


def apply(name: str, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A = g(Z) for the activation called ``name``; A has Z's shape (written into ``out`` if given,
    by threads in parts when it is large: see ``parallel.in_parts``)."""
    g = FORWARD[name]
    if out is None or name == "softmax":  # softmax acts on whole columns
        return g(z, out=out)
    in_parts(lambda part: g(z[part], out=out[part]), z)
    return out


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """g'(Z) element-wise, Z's shape. Not defined for softmax (its Jacobian is not element-wise)."""
    return DERIVATIVE[name](z)


def slope_from_output(name: str, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """g'(Z) from A = g(Z), exactly what ``derivative(name, Z)`` gives but without evaluating g
    again (sigmoid and tanh only: see ``SLOPE_FROM_OUTPUT``); written into ``out`` if given."""
    return SLOPE_FROM_OUTPUT[name](A, out=out)


def backward(name: str, dA: np.ndarray, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dZ = dA ⊙ g'(Z), given Z and A = g(Z) (written into ``out`` if given, by threads in parts
    when it is large: see ``parallel.in_parts``). relu multiplies by the mask z > 0 itself, which
    is g'(Z) without a float64 array of ones and zeros; sigmoid and tanh take g'(Z) from A, the
    same numbers without evaluating g again."""
    if out is None:
        return _backward(name, dA, z, a, None, None)
    mask = WORKSPACE.empty_like(z, bool) if name == "relu" else None
    in_parts(lambda part: _backward(name, dA[part], z[part], a[part], out[part],
                                    None if mask is None else mask[part]), z)
    return out


def _backward(name: str, dA: np.ndarray, z: np.ndarray, a: np.ndarray, out: np.ndarray | None,
              mask: np.ndarray | None) -> np.ndarray:
    if name == "relu":
        return np.multiply(dA, np.greater(z, 0, out=mask), out=out)
    if name in SLOPE_FROM_OUTPUT:
        return np.multiply(dA, slope_from_output(name, a, out=out), out=out)
    return np.multiply(dA, derivative(name, z), out=out)
