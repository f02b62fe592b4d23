"""What ``bpcli.compute`` and ``bpcli.load`` promise about the caller's arrays: the network and
the result hold copies, never the caller's own memory (kept while the per-call work was cut)."""

from __future__ import annotations

import numpy as np

import bpcli


def _flatten_first_network(rng):
    # flatten straight on X: its A1 is a view of the network's X, so an X that were not copied
    # would come back inside the result
    return {"input": {"X": rng.normal(size=(2, 1, 3, 3)), "Y": np.array([[1.0, 0.0], [0.0, 1.0]])},
            "layers": [{"type": "flatten"},
                       {"type": "dense", "units": 2, "activation": "softmax", "W": rng.normal(size=(2, 9)),
                        "b": np.zeros((2, 1))}],
            "loss": "softmax_ce"}


def test_no_array_of_the_result_shares_memory_with_the_callers():
    spec = _flatten_first_network(np.random.default_rng(0))
    given = [spec["input"]["X"], spec["input"]["Y"], spec["layers"][1]["W"], spec["layers"][1]["b"]]
    result = bpcli.compute(spec)
    returned = [result["dX"]] + [value for layer in result["layers"] for value in layer.values()
                                 if isinstance(value, np.ndarray)]
    assert len(returned) > 8
    for value in returned:
        assert not any(np.shares_memory(value, array) for array in given)


def test_a_loaded_network_keeps_its_numbers_when_the_caller_changes_theirs():
    spec = _flatten_first_network(np.random.default_rng(1))
    network = bpcli.load(spec)
    X, W = spec["input"]["X"].copy(), spec["layers"][1]["W"].copy()
    spec["input"]["X"][...] = 7.0
    spec["layers"][1]["W"][...] = 7.0
    assert np.array_equal(network.X, X) and np.array_equal(network.layers[1].W, W)


def test_the_result_holds_arrays_for_tensors_and_floats_for_numbers():
    """CONVENTIONS: float64 arrays in place of the JSON's nested lists; a JSON number (J, a
    batchnorm's eps) is a Python float, so ``result["layers"][1]["eps"] * 2`` is a number too."""
    result = bpcli.compute("14")
    assert type(result["loss"]) is float
    batchnorm = result["layers"][1]
    assert batchnorm["type"] == "batchnorm" and type(batchnorm["eps"]) is float and batchnorm["eps"] > 0
    tensors = [value for layer in result["layers"] for key, value in layer.items()
               if key not in ("index", "type", "activation", "eps") and value is not None]
    assert tensors and all(isinstance(value, np.ndarray) and value.dtype == np.float64 and value.ndim >= 1
                           for value in tensors)


def test_dir_of_the_package_lists_its_api():
    """Tab completion on ``bpcli.`` offers the API, not ``Any`` or ``annotations``; every name it
    offers is there."""
    names = dir(bpcli)
    assert names == sorted(bpcli.__all__)
    assert {"compute", "explain", "grade", "SpecError"} <= set(names) and "Any" not in names
    assert all(hasattr(bpcli, name) for name in names)
