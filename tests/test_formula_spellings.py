"""The formula language accepts the usual numpy spellings (issue 10, point 6), and refuses
circular answers (point 7).

Every formula the quiz's hints give (``solution_formula``) for every target of every bundled
exercise is rewritten here, through its syntax tree, into each numpy spelling: np. prefixes,
``np.dot`` / ``.dot()`` for ``@``, ``.transpose()`` / ``np.transpose`` for ``.T``, ``.sum()``
for ``sum(…)``, ``np.multiply`` for ``*``, the derivatives written out (``(Z1 > 0)``,
``1 - A1**2``, ``np.where``). Each spelling must be graded right: no right answer is refused.
"""

from __future__ import annotations

import ast

import pytest

from bpcli.core.network import run
from bpcli.errors import AnswerError
from bpcli.grading import grade, parse_target
from bpcli.grading.targets import available_tensors, backward_order, valid_targets
from bpcli.quiz.catalogue import exercise_names, load_bundled_network
from bpcli.quiz.hints import solution_formula
from conftest import run_cli

NUMPY_FUNCTIONS = {"sum", "mean", "exp", "log", "tanh", "maximum"}


def np_call(name: str, *arguments: ast.AST, keywords=()) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name("np"), name), list(arguments), list(keywords))


def method_call(receiver: ast.AST, name: str, *arguments: ast.AST, keywords=()) -> ast.Call:
    return ast.Call(ast.Attribute(receiver, name), list(arguments), list(keywords))


class Spelling(ast.NodeTransformer):
    """Rewrites one construct of bpcli's formula syntax into a numpy spelling."""

    def rewrite(self, formula: str) -> str:
        return ast.unparse(ast.fix_missing_locations(self.visit(ast.parse(formula, mode="eval"))))


class NumpyPrefix(Spelling):  # sum(dZ2, axis=1) -> np.sum(dZ2, axis=1)
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in NUMPY_FUNCTIONS:
            return np_call(node.func.id, *node.args, keywords=node.keywords)
        return node


class NumpyModulePrefix(NumpyPrefix):  # numpy.sum(…)
    def visit_Call(self, node):
        node = super().visit_Call(node)
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id == "np":
            node.func.value = ast.Name("numpy")
        return node


class NpDot(Spelling):  # a @ b -> np.dot(a, b)
    def visit_BinOp(self, node):
        self.generic_visit(node)
        return np_call("dot", node.left, node.right) if isinstance(node.op, ast.MatMult) else node


class DotMethod(Spelling):  # a @ b -> (a).dot(b)
    def visit_BinOp(self, node):
        self.generic_visit(node)
        return method_call(node.left, "dot", node.right) if isinstance(node.op, ast.MatMult) else node


class TransposeMethod(Spelling):  # A1.T -> A1.transpose()
    def visit_Attribute(self, node):
        self.generic_visit(node)
        return method_call(node.value, "transpose") if node.attr == "T" else node


class NpTranspose(Spelling):  # A1.T -> np.transpose(A1)
    def visit_Attribute(self, node):
        self.generic_visit(node)
        return np_call("transpose", node.value) if node.attr == "T" else node


class SumMethod(Spelling):  # sum(dZ2, axis=1, keepdims=True) -> dZ2.sum(axis=1, keepdims=True)
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("sum", "mean"):
            return method_call(node.args[0], node.func.id, keywords=node.keywords)
        return node


class NpMultiply(Spelling):  # a * b -> np.multiply(a, b)
    def visit_BinOp(self, node):
        self.generic_visit(node)
        return np_call("multiply", node.left, node.right) if isinstance(node.op, ast.Mult) else node


class DerivativesWrittenOut(Spelling):
    """relu_prime(Z1) -> (Z1 > 0); tanh_prime(Z1) -> (1 - A1**2); sigmoid_prime(Z1) ->
    A1 * (1 - A1); relu(Z1) -> np.maximum(Z1, 0)."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if not isinstance(node.func, ast.Name):
            return node
        argument = node.args[0] if node.args else None
        output = ast.Name("A" + argument.id[1:]) if isinstance(argument, ast.Name) and argument.id[:1] == "Z" else None
        name = node.func.id
        if name == "relu_prime":
            return ast.Compare(argument, [ast.Gt()], [ast.Constant(0)])
        if name == "tanh_prime" and output is not None:
            return ast.BinOp(ast.Constant(1), ast.Sub(), ast.BinOp(output, ast.Pow(), ast.Constant(2)))
        if name == "sigmoid_prime" and output is not None:
            return ast.BinOp(output, ast.Mult(), ast.BinOp(ast.Constant(1), ast.Sub(), output))
        if name == "relu":
            return np_call("maximum", argument, ast.Constant(0))
        return node


class WhereAndAstype(Spelling):
    """relu_prime(Z1) -> (Z1 > 0).astype(float); relu(Z1) -> np.where(Z1 > 0, Z1, 0)."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "relu_prime":
            return method_call(ast.Compare(node.args[0], [ast.Gt()], [ast.Constant(0)]), "astype", ast.Name("float"))
        if isinstance(node.func, ast.Name) and node.func.id == "relu":
            positive = ast.Compare(node.args[0], [ast.Gt()], [ast.Constant(0)])
            return np_call("where", positive, node.args[0], ast.Constant(0))
        return node


SPELLINGS = [NumpyPrefix, NumpyModulePrefix, NpDot, DotMethod, TransposeMethod, NpTranspose, SumMethod,
             NpMultiply, DerivativesWrittenOut, WhereAndAstype]


def solutions():
    """(exercise, target, formula) for every target of every bundled exercise with a formula."""
    found = []
    for name in exercise_names():
        network = load_bundled_network(name)
        tensors = run(network).tensors()
        for target in valid_targets(tensors):
            formula = solution_formula(network, parse_target(target, tensors))
            if formula is not None:
                found.append((name, target, formula))
    return found


SOLUTIONS = solutions()


def test_the_spellings_cover_every_construct():
    # each rewrite changes some hint formula (else it tests nothing), and every bundled exercise is in
    for spelling in SPELLINGS:
        assert any(spelling().rewrite(formula) != formula for _, _, formula in SOLUTIONS), spelling.__name__
    assert {name for name, _, _ in SOLUTIONS} == set(exercise_names())


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda spelling: spelling.__name__)
def test_every_right_answer_is_accepted_in_every_spelling(spelling):
    refused = []
    for name, target, formula in SOLUTIONS:
        written = spelling().rewrite(formula)
        try:
            result = grade(load_bundled_network(name), target, written)
        except AnswerError as error:
            refused.append((name, target, written, str(error)))
            continue
        if not result.correct:
            refused.append((name, target, written, result.message))
    assert not refused


@pytest.mark.parametrize("name, target, answer", [
    ("07", "dZ1", "dA1 * (Z1 > 0)"),
    ("07", "dW2", "np.dot(dZ2, A1.T)"),
    ("07", "dW2", "dZ2.dot(A1.T)"),
    ("07", "dW2", "dZ2 @ A1.transpose()"),
    ("07", "db2", "np.sum(dZ2, axis=1, keepdims=True)"),
    ("04", "dZ1", "dA1 * (1 - A1**2)"),
    ("04", "dZ1", "np.multiply(W2.T @ dZ2, 1 - np.tanh(Z1)**2)"),
    ("07", "dZ2", "np.where(Z2 > 0, dA2, 0)"),
    ("07", "dZ2", "dA2 * (Z2 > 0).astype(np.float64)"),
    ("02", "dW1", "numpy.dot(dZ1, numpy.transpose(X))"),
])
def test_the_spellings_of_the_issue(name, target, answer):
    assert grade(load_bundled_network(name), target, answer).correct


def test_np_outer_of_two_vectors():
    # dW1 of one unit on one sample (exercise 01): dZ1 is 1 × 1, X is 2 × 1: outer(dZ1, X) is 1 × 2,
    # dZ1 · Xᵀ entry by entry
    assert grade(load_bundled_network("01"), "dW1", "np.outer(dZ1, X)").correct


def test_a_caret_is_told_to_be_a_power():
    code, out, err = run_cli(["grade", "04", "--target", "dZ1", "--answer", "dA1 * (1 - A1^2)"])
    assert code == 2 and "use ** for powers" in err and "BitXor" not in err and "Traceback" not in err


@pytest.mark.parametrize("answer, words", [("A1.sum", "call it"), ("A1.resize(3, 4)", "methods"),
                                           ("A1.astype(str)", "float, int or bool"),
                                           ("np.where(Z1 > 0, 1)", "takes 3 arguments"),
                                           ("dZ1.dot()", "takes 1 argument")])
def test_numpy_spellings_keep_the_limits_and_say_what_is_wrong(answer, words):
    with pytest.raises(AnswerError, match=words):
        grade(load_bundled_network("04"), "dW1", answer)


# -- circular answers ---------------------------------------------------------------------------------

def test_circular_answer_of_the_issue_is_refused_with_a_reason():
    code, out, err = run_cli(["grade", "04", "--target", "dA1", "--answer", "dZ1 / (1 - A1**2)"])
    assert code == 2 and "dZ1" in err and "after dA1" in err and "Traceback" not in err


def test_every_hint_formula_uses_only_the_tensors_available():
    for name, target, formula in SOLUTIONS:
        network = load_bundled_network(name)
        tensors = run(network).tensors()
        used = {node.id for node in ast.walk(ast.parse(formula)) if isinstance(node, ast.Name)} & tensors.keys()
        assert used <= set(available_tensors(network, tensors, parse_target(target, tensors))), (name, target)


@pytest.mark.parametrize("name", ["04", "07", "12"])
def test_gradients_before_the_target_are_available_and_those_after_it_are_not(name):
    # the right formula plus 0 · sum(G): right in value, refused exactly when G comes after the target
    # in the backward pass (G is computed from the target, or later)
    network = load_bundled_network(name)
    tensors = run(network).tensors()
    order = backward_order(tensors)
    checked = 0
    for position, target in enumerate(order):
        formula = solution_formula(network, parse_target(target, tensors))
        if formula is None:
            continue
        for other_position, other in enumerate(order):
            if other == target:
                continue
            answer = f"({formula}) + 0 * sum({other})"
            if other_position < position:
                assert grade(network, target, answer).correct, (target, other)
            else:
                with pytest.raises(AnswerError, match="after"):
                    grade(network, target, answer)
            checked += 1
    assert checked > 10


def test_forward_targets_may_not_use_later_values():
    network = load_bundled_network("04")
    with pytest.raises(AnswerError, match="forward pass computes after Z2"):
        grade(network, "Z2", "W2 @ A1 + b2 + 0 * A2")
    assert grade(network, "Z2", "W2 @ tanh(Z1) + b2").correct


@pytest.mark.parametrize("answer", ["np.outer(Y, Y)", "np.where(Y.T > 0, Y, 0)", "np.multiply(Y.T, Y)",
                                    "Y.T.dot(Y)", "(Y.T > Y)"])
def test_numpy_spellings_are_refused_before_a_huge_result_is_computed(answer):
    # 2000 samples: each of these would be 2000 × 2000, four times the limit of 10⁶ entries
    from bpcli import spec

    big = spec.load({"input": {"X": [[1.0] * 2000, [0.5] * 2000], "Y": [[0.0] * 2000]},
                     "layers": [{"type": "dense", "units": 1, "activation": "linear"}], "loss": "sse"})
    with pytest.raises(AnswerError, match="1,000,000"):
        grade(big, "dW1", answer)


def test_np_dot_with_clashing_shapes_is_told_what_to_transpose():
    # found by tests/test_fuzz_formulas.py: the shape message of a dot() call read the operands
    # of an `@` node and failed with AttributeError instead of an answer error
    from bpcli import grade
    from bpcli.errors import AnswerError

    with pytest.raises(AnswerError) as caught:
        grade("04", "dW1", "np.dot(dZ1, X) / 2")  # half of dW1 even with X.T: not read
    assert "Did you mean X.T?" in str(caught.value)
    # with X.T it is dW1: a transpose is missing (README, Grading answers)
    result = grade("04", "dW1", "np.dot(dZ1, X)")
    assert result.diagnosis == ["missing_transpose"] and "np.dot(dZ1, X.T)" in result.message
