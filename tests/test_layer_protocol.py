"""The layer protocol and the registry of kinds: every kind implements the same interface, no
code asks "which kind is this?" with isinstance, a dense-only network imports no image-layer
module, and a kind unknown to bpcli (tests/toy_kind.py) works everywhere once registered."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest

from bpcli import kinds, spec
from bpcli.core.dense import Dense
from bpcli.core.gradcheck import check
from bpcli.core.layer import Description
from bpcli.core.network import Network, run
from bpcli.grading import grade
from bpcli.grading.kind import KindGrading
from bpcli.grading.targets import parse_target, valid_targets
from bpcli.narrate import explain
from bpcli.quiz.hints import hint
from conftest import REPO_ROOT, cli_env

EXERCISES = REPO_ROOT / "exercises"
#: between them, the bundled exercises use every registered kind
EXERCISE_FILES = sorted(EXERCISES.glob("*.yaml"))


# -- the registry ------------------------------------------------------------------------------

def test_every_registered_kind_has_its_three_parts():
    for kind in kinds.names():
        assert kinds.core_class(kind).kind == kind
        narrator = kinds.narrator(kind)
        assert callable(narrator.forward) and callable(narrator.backward)
        assert isinstance(kinds.grading(kind), KindGrading)
    assert set(kinds.names()) == set(spec.LAYER_KEYS)  # the loader reads every kind, and only those


def test_every_layer_implements_the_protocol():
    layers_seen = set()
    for path in EXERCISE_FILES:
        network = spec.load(path)
        A = network.input_for_layers()
        for layer in network.layers:
            layers_seen.add(layer.kind)
            parameters = layer.parameters()
            assert layer.has_parameters == bool(parameters)
            assert isinstance(layer.describe(), Description) and str(layer.describe()).startswith(layer.kind)
            out, cache = layer.forward(A)
            assert out.shape == layer.output_shape(A.shape)
            dA_prev, gradients = layer.backward(np.ones(out.shape), cache)
            assert dA_prev.shape == A.shape
            assert list(gradients) == list(parameters)
            assert all(gradients[key].shape == parameters[key].shape for key in parameters)
            # values a kind exposes (batchnorm's mean, var, xhat) are arrays named unlike the
            # tensors every layer has, so that Run.tensors() keeps them all
            named = layer.named_values(cache)
            assert all(isinstance(value, np.ndarray) for value in named.values())
            assert not set(named) & {"Z", "A", "dA", "dZ", *parameters, *(f"d{key}" for key in parameters)}
            A = out
    assert layers_seen == set(kinds.names())


def _layer_class_names() -> set[str]:
    names = {"Layer", "LayerBase"}
    for kind in kinds.names():
        names |= {cls.__name__ for cls in kinds.core_class(kind).__mro__ if cls.__module__.startswith("bpcli.core")}
    return names


def _isinstance_layer_checks(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" and len(node.args) == 2:
            named = {getattr(part, "id", None) or getattr(part, "attr", None) for part in ast.walk(node.args[1])}
            found += sorted(named & _layer_class_names())
    return found


def test_no_isinstance_on_layer_classes_in_the_package():
    offenders = {}
    for path in sorted((REPO_ROOT / "bpcli").rglob("*.py")):
        found = _isinstance_layer_checks(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(REPO_ROOT))] = found
    assert offenders == {}
    # the check itself sees one
    assert _isinstance_layer_checks("if isinstance(layer, (core.Dense, int)): pass") == ["Dense"]


def test_a_dense_network_imports_no_image_layer_module():
    code = ("import sys\n"
            "from bpcli.quiz.catalogue import load_bundled_network\n"
            "from bpcli.core.network import run\n"
            "from bpcli.grading import grade, parse_target\n"
            "from bpcli.narrate import explain\n"
            "from bpcli.quiz.hints import hint\n"
            "network = load_bundled_network('04')\n"
            "tensors = run(network).tensors()\n"
            "grade(network, 'dW1', '0')\n"
            "explain(network)\n"
            "for name in ('dW1', 'db1', 'dA1', 'Z1'):\n"
            "    hint(network, parse_target(name, tensors), 3, 'en', None, tensors)\n"
            "print(sorted(m for m in sys.modules if m.startswith('bpcli') and\n"
            "             any(word in m for word in ('conv', 'pool', 'flatten'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(),
                          cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_describe_layers_uses_each_kinds_description():
    # from exercises/12_small_cnn.yaml: X 1 × 4 × 4, conv2d 1 filter of 2 × 2 relu, maxpool size 2
    # stride 1, flatten, dense 1 sigmoid
    network = spec.load(EXERCISES / "12_small_cnn.yaml")
    assert network.diagram() == "X 1×4×4 → conv2d 1@2×2 relu → maxpool 2×2/1 → flatten → dense 1 sigmoid"


# -- a kind bpcli does not know, registered ----------------------------------------------------

@pytest.fixture
def scale_network(monkeypatch):
    """X (2 × 2) → scale (s = [2, −1], linear) → dense 1 linear (W = [1 1], b = 0), sse, Y = 0."""
    monkeypatch.setitem(kinds.KINDS, "scale", kinds.Kind(core="toy_kind:Scale", narrate="toy_kind",
                                                         grading="toy_kind:SCALE"))
    scale = kinds.core_class("scale")(index=1, activation="linear", s=np.array([[2.0], [-1.0]]))
    dense = Dense(index=2, units=1, activation="linear", W=np.array([[1.0, 1.0]]), b=np.zeros((1, 1)))
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    return Network(X=X, Y=np.zeros((1, 2)), layers=[scale, dense], loss="sse")


def test_a_registered_kind_runs_and_names_its_parameters(scale_network):
    # By hand: Z1 = s ⊙ X = [[2, 4], [−3, 1]] = A1; A2 = W2 A1 = [[−1, 5]]; J = 1 + 25 = 26.
    # dA2 = dZ2 = 2(A2 − Y) = [[−2, 10]]; dA1 = dZ1 = W2ᵀ dZ2 = [[−2, 10], [−2, 10]];
    # ds1 = Σ_j dZ1 ⊙ X = [[−2 + 20], [−6 − 10]] = [[18], [−16]]; dX = s ⊙ dZ1 = [[−4, 20], [2, −10]].
    result = run(scale_network)
    assert result.loss == 26.0
    tensors = result.tensors()
    assert tensors["s1"].tolist() == [[2.0], [-1.0]] and tensors["ds1"].tolist() == [[18.0], [-16.0]]
    assert tensors["scaled1"] is scale_network.X
    assert result.dX.tolist() == [[-4.0, 20.0], [2.0, -10.0]]
    entry = result.to_compute_dict()["layers"][0]
    assert entry["s"].tolist() == [[2.0], [-1.0]] and entry["ds"].tolist() == [[18.0], [-16.0]]
    assert entry["W"] is None and entry["b"] is None and entry["dW"] is None and entry["db"] is None
    assert "scaled" in entry
    assert [t.name for t in check(scale_network, sample=None).tensors] == ["s1", "W2", "b2", "X"]
    assert check(scale_network, sample=None).ok


def test_a_registered_kind_is_graded_and_hinted(scale_network):
    tensors = run(scale_network).tensors()
    assert valid_targets(tensors) == ["Z1", "A1", "dA1", "dZ1", "ds1", "Z2", "A2", "dA2", "dZ2", "dW2", "db2", "dX"]
    target = parse_target("ds1", tensors)
    assert (target.kind, target.layer, target.parameter, target.base) == ("ds", 1, "s", "s1")
    assert grade(scale_network, "ds1", "[[18], [-16]]").correct
    assert grade(scale_network, "ds1", "sum(dZ1 * X, axis=1, keepdims=True)").correct
    assert "sign" in grade(scale_network, "ds1", "[[-18], [16]]").diagnosis
    assert hint(scale_network, target, 3, "en", None, tensors)[1] == "ds1 = sum(dZ1 * X, axis=1, keepdims=True)"
    assert hint(scale_network, parse_target("dX", tensors), 3, "en", None, tensors)[1] == "dX = s1 * dZ1"
    assert grade(scale_network, "dX", "s1 * dZ1").correct


def test_a_registered_kind_is_explained(scale_network):
    explanation = explain(scale_network, check=True)
    layer_row = explanation.layers[0]
    assert (layer_row.kind, layer_row.parameters, layer_row.parameter_shapes) == ("scale", 2, {"s": (2, 1)})
    # the layer table has a column per parameter name, in the order they first appear: s, then W and b
    assert explanation.layer_table.headers[3:6] == ["s", "W", "b"]
    assert explanation.layer_table.rows[1][3:6] == ["2×1", "", ""]
    assert explanation.layer_table.rows[2][3:6] == ["", "1×2", "1×1"]
    assert [row[0].split("[")[0] for row in explanation.summary.check.table.rows] == ["s1", "W2", "b2", "X"]
    assert scale_network.diagram() == "X 2×2 → scale 2 linear → dense 1 linear"
