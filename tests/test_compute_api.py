"""What ``bpcli.compute`` and ``bpcli.load`` promise about the caller's arrays: the network and
the result hold copies, never the caller's own memory (kept while the per-call work was cut)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_no_array_of_the_result_shares_memory_with_a_network_the_caller_keeps():
    # bpcli.load's network given to compute: a gradient step on the result must not move it
    network = bpcli.load(_flatten_first_network(np.random.default_rng(2)))
    result = bpcli.compute(network)
    returned = [result["dX"]] + [value for layer in result["layers"] for value in layer.values()
                                 if isinstance(value, np.ndarray)]
    kept = [network.X] + [value for layer in network.layers for value in layer.parameters().values()]
    for value in returned:
        assert not any(np.shares_memory(value, array) for array in kept)
    loss = result["loss"]
    result["layers"][1]["W"][:] = 0
    assert bpcli.compute(network)["loss"] == loss


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


def test_every_function_takes_what_load_returns():
    network = bpcli.load("04")
    assert bpcli.compute(network)["loss"] == bpcli.compute("04")["loss"]
    assert bpcli.explain(network, detail="summary").summary.loss_value == bpcli.compute("04")["loss"]
    assert bpcli.check(network).ok
    assert bpcli.grade(network, "dW1", "dZ1 @ X.T").correct


def test_show_takes_a_network_as_compute_takes_it():
    """README: every function takes a path, a mapping, a bundled exercise's name or the network
    bpcli.load returns; bpcli.show(bpcli.load("04")) raised a TypeError. Such a network is shown
    as its compute result."""
    import yaml

    path = Path(__file__).resolve().parents[1] / "exercises" / "04_two_layer_tanh.yaml"
    expected = bpcli.compute("04")
    for network in (bpcli.load("04"), "04", str(path), path, yaml.safe_load(path.read_text(encoding="utf-8"))):
        shown = bpcli.show(network)
        assert shown.result["loss"] == expected["loss"]
        assert np.array_equal(shown.result["layers"][0]["dW"], expected["layers"][0]["dW"])
        assert "<table" in shown._repr_html_()
    with pytest.raises(bpcli.UsageError, match="precision"):
        bpcli.show("04", precision=99)
    with pytest.raises(bpcli.SpecError):
        bpcli.show({"input": {"X": [[1.0]]}})  # a network file's mapping that is not a whole network
    with pytest.raises(TypeError, match="not dict"):
        bpcli.show(bpcli.grade("04", "dW1", "dZ1 @ X.T").to_dict())  # a result, but not compute's


def test_a_tuple_of_layers_is_taken_as_a_list_is():
    """A tensor may be a tuple of tuples, but a tuple of layers was refused with 'layers must be a
    non-empty list of layers, found a list of 2'."""
    spec = _flatten_first_network(np.random.default_rng(3))
    as_tuple = {**spec, "layers": tuple(spec["layers"])}
    assert bpcli.compute(as_tuple)["loss"] == bpcli.compute(spec)["loss"]
    with pytest.raises(bpcli.SpecError) as caught:
        bpcli.compute({**spec, "layers": ()})
    assert caught.value.path == "layers"


def test_a_tuple_the_network_refuses_is_called_a_tuple():
    """A tuple key, or a tuple where a number belongs, was called 'a list of 2': a caller looking
    for a list in their mapping found none (a YAML file has no tuples; only the API gives them)."""
    from bpcli.texts import error_text

    dense = {"input": {"X": [[1.0, 2.0]], "Y": [[1, 0]]}, "layers": [{"type": "dense", "units": 1,
                                                                   "activation": "sigmoid"}], "loss": "bce"}
    unknown_key = {**dense, (1, 2): 1}
    units_as_pair = {**dense, "layers": [{**dense["layers"][0], "units": (1, 2)}]}
    for spec, path in ((unknown_key, "(a tuple of 2)"), (units_as_pair, "layers[0].units")):
        with pytest.raises(bpcli.SpecError) as caught:
            bpcli.compute(spec)
        assert caught.value.path == path and "a tuple of 2" in caught.value.message, caught.value
        assert "list" not in caught.value.message and "元组" in error_text(caught.value, "zh")


def test_grade_refuses_what_it_cannot_honour():
    with pytest.raises(bpcli.UsageError, match="unknown language 'fr'"):
        bpcli.grade("04", "dW1", "dZ1 @ X.T", lang="fr")  # it answered in English before
    with pytest.raises(bpcli.AnswerError, match="empty"):
        bpcli.grade("04", "dW1", None)  # "not finite" before: None became nan
    with pytest.raises(bpcli.AnswerError, match=r"answer\[0\]\[0\] is an empty entry \(None"):
        bpcli.grade("04", "dW1", [[None, 1], [1, 1], [1, 1]])
    for truth in (True, np.array([[True, False], [False, True], [True, True]])):
        with pytest.raises(bpcli.AnswerError, match="found bool"):
            bpcli.grade("01", "dW1", truth)  # True was 1: "Your answer is Y" on exercise 01


def test_what_the_api_returns_prints_short():
    """IPython shows repr() as the text form beside the HTML: it once held every step's arrays
    (86,000 characters for exercise 04, 1.2 MB for a CNN of benchmark size)."""
    explanation = bpcli.explain("12")
    assert len(repr(explanation)) < 200 and "A small CNN" in repr(explanation) and "steps" in repr(explanation)
    verdict = bpcli.grade("04", "dW1", "1 2; 3 4; 5 6")
    assert repr(verdict).startswith("GradeResult(target='dW1', correct=False") and "array" not in repr(verdict)
    assert "J = 0.623162" in repr(bpcli.show(bpcli.compute("04")))
    assert repr(bpcli.check("04")) == "<NotebookCheck of 5 tensors, ε = 1e-06, J = 0.623162: all agree>"


def test_a_mistake_in_what_the_caller_gave_is_raised_from_their_call():
    """The traceback of a SpecError starts at the call into bpcli (in a notebook, 81 lines of
    bpcli's loader stood above the message); the path and the message are unchanged."""
    import traceback

    bad = {"input": {"X": [[1.0, 2.0]], "Y": [[1.0, 0.0]]},
           "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1.0, 2.0, 3.0]]}], "loss": "bce"}
    for call in (bpcli.compute, bpcli.explain, bpcli.check, bpcli.load):
        with pytest.raises(bpcli.SpecError) as caught:
            call(bad)
        frames = traceback.extract_tb(caught.value.__traceback__)
        assert len(frames) <= 2 and all("bpcli/spec.py" not in frame.filename for frame in frames), frames
        assert caught.value.path == "layers[0].W" and "found 1 × 3" in caught.value.message
    with pytest.raises(bpcli.UsageError) as caught:
        bpcli.grade("04", "dW9", "1")
    assert len(traceback.extract_tb(caught.value.__traceback__)) <= 2


@pytest.mark.parametrize("precision", [-1, 13, 1000, "a", None, 2.5, True])
def test_show_refuses_a_precision_it_cannot_use_when_called(precision):
    """bpcli.show(result, precision=1000) (or 'a', None) returned a display that raised a bare
    ValueError or TypeError only when the notebook rendered it; 2.5 and -1 were used as given."""
    with pytest.raises(bpcli.UsageError, match="precision"):
        bpcli.show(bpcli.compute("04"), precision=precision)
    assert "<table" in bpcli.show(bpcli.compute("04"), precision=np.int64(12))._repr_html_()
