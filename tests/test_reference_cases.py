"""bpcli against the shared reference cases (PyTorch autograd in float64, checked by finite
differences): through the Python API and through ``bpcli compute --json``, to 1e-10 relative."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bpcli
from conftest import REFERENCE_DIR, reference_names, run_cli

RTOL = 1e-10
LAYER_TENSORS = ("Z", "A", "dZ", "dA", "dW", "db")
NAMES = reference_names() or [pytest.param(
    "missing", marks=pytest.mark.skip(reason=f"shared reference cases not found at {REFERENCE_DIR}"))]


def expected_of(name: str) -> dict:
    return json.loads((REFERENCE_DIR / f"{name}.expected.json").read_text())


def assert_close(actual, expected, what: str) -> None:
    """Same shape, and every entry within RTOL of the tensor's largest magnitude (plus a tiny
    absolute floor for entries that are exactly 0 in one implementation and ~1e-17 in the other)."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    scale = max(float(np.abs(expected).max()) if expected.size else 0.0, 1e-300)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale * 1e-2 + 1e-15,
                               err_msg=what)


def compare(result: dict, expected: dict, how: str) -> None:
    assert result["loss"] == pytest.approx(expected["loss"], rel=RTOL), f"{how}: loss"
    assert_close(result["dX"], expected["dX"], f"{how}: dX")
    assert len(result["layers"]) == len(expected["layers"])
    for got, want in zip(result["layers"], expected["layers"]):
        assert got["index"] == want["index"] and got["type"] == want["type"]
        for key in LAYER_TENSORS:
            where = f"{how}: layer {want['index']} ({want['type']}) {key}"
            if want.get(key) is None:
                assert got.get(key) is None, f"{where} should be absent or null"
            else:
                assert got.get(key) is not None, f"{where} is missing"
                assert_close(got[key], want[key], where)


@pytest.mark.parametrize("name", NAMES)
def test_python_api_matches_reference(name):
    result = bpcli.compute(REFERENCE_DIR / f"{name}.yaml")
    compare(result, expected_of(name), f"bpcli.compute({name})")
    assert all(isinstance(layer.get(key), (np.ndarray, type(None)))
               for layer in result["layers"] for key in LAYER_TENSORS)
    assert result["dX"].dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
def test_python_api_accepts_an_already_parsed_mapping(name):
    import yaml

    mapping = yaml.safe_load((REFERENCE_DIR / f"{name}.yaml").read_text())
    compare(bpcli.compute(mapping), expected_of(name), f"bpcli.compute(mapping of {name})")


@pytest.mark.parametrize("name", NAMES)
def test_compute_json_matches_reference(name):
    code, out, err = run_cli(["compute", REFERENCE_DIR / f"{name}.yaml", "--json"])
    assert code == 0, err
    document = json.loads(out)  # the whole of stdout is one JSON document
    compare(document, expected_of(name), f"compute --json {name}")


@pytest.mark.parametrize("name", NAMES)
def test_compute_json_structure(name):
    """schema, index/type per layer, nested lists of the tensors' own shapes, warnings list."""
    import yaml

    spec = yaml.safe_load((REFERENCE_DIR / f"{name}.yaml").read_text())
    code, out, err = run_cli(["compute", "--json", REFERENCE_DIR / f"{name}.yaml"])
    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == "bpcli.compute/1"
    assert isinstance(document["loss"], float)
    assert isinstance(document["warnings"], list)
    assert all(isinstance(w, str) for w in document["warnings"])
    # dX has the shape X was given in
    assert np.array(document["dX"]).shape == np.array(spec["input"]["X"]).shape
    expected = expected_of(name)
    for position, (layer, layer_spec) in enumerate(zip(document["layers"], spec["layers"])):
        assert layer["index"] == position + 1
        assert layer["type"] == layer_spec["type"]
        for key in LAYER_TENSORS:
            if expected["layers"][position].get(key) is not None:
                value = layer[key]
                assert isinstance(value, list), f"layer {position + 1} {key} is not a nested list"
                assert np.array(value).shape == np.array(expected["layers"][position][key]).shape
        if layer_spec["type"] in ("dense", "conv2d"):
            assert layer["activation"] == layer_spec["activation"]
            # the values used: given ones exactly as written
            for key in ("W", "b"):
                if key in layer_spec:
                    given = np.array(layer_spec[key], dtype=float)
                    assert np.array(layer[key]).reshape(given.shape).tolist() == given.tolist()
        if layer_spec["type"] == "dense":
            assert np.array(layer["db"]).shape == (layer_spec["units"], 1)
        if layer_spec["type"] == "conv2d":
            assert np.array(layer["db"]).shape == (layer_spec["filters"],)
            assert np.array(layer["A"]).ndim == 4
        if layer_spec["type"] in ("maxpool", "avgpool", "flatten"):
            for key in ("Z", "dZ", "dW", "db"):
                assert layer.get(key) is None


@pytest.mark.parametrize("name", NAMES)
def test_check_passes_on_reference_case(name):
    report = bpcli.check(REFERENCE_DIR / f"{name}.yaml", sample=None)
    assert report.ok, [(t.name, t.relative_error) for t in report.tensors if not t.ok]
    checked = {t.name for t in report.tensors}
    assert "X" in checked
