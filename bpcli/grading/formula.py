"""Formula answers: numpy-like expressions over a network's named tensors, evaluated safely.

A formula is parsed with Python's ``ast`` module and evaluated by a small interpreter that knows
only a whitelist: tensor names (``X``, ``Y``, ``W1``, ``dZ2``, …), ``m``, numbers, the operators
``+ - * / ** @``, unary ``-``, ``.T``, and the functions of ``FUNCTIONS`` (also written with an
``np.`` prefix, as deeplearning.ai does). Nothing is ever passed to eval or exec.

Limits keep every evaluation instant: the text length, the number of syntax-tree nodes, the size
of every intermediate result (checked from the shapes before computing), the work of a matrix
product, and the size of an exponent. All arithmetic is float64, so ``10**10**10`` overflows to
inf in no time instead of building a huge integer.
"""

from __future__ import annotations

import ast
import difflib
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpcli.core import activations
from bpcli.errors import AnswerError
from bpcli.grading.targets import shape_words as _shape_words

MAX_FORMULA_CHARS = 400
MAX_NODES = 120
#: no intermediate result may hold more entries than this
MAX_ENTRIES = 1_000_000
#: multiply-adds one matrix product may cost
MAX_MATMUL_WORK = 50_000_000
#: exponents beyond this are refused: backprop needs squares, not towers
MAX_EXPONENT = 16
MODULE_PREFIXES = ("np", "numpy")


def _reduction(function: Callable) -> Callable:
    def reduce(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
        return function(x, axis=axis, keepdims=keepdims)
    return reduce


def _softmax(z: np.ndarray) -> np.ndarray:
    # over the units of each column (axis 0), as the softmax layer does
    return activations.softmax(z) if z.ndim >= 1 else np.asarray(1.0)


@dataclass(frozen=True)
class Function:
    """A function a formula may call: how many positional arguments and which keywords."""

    implementation: Callable
    arguments: int
    keywords: tuple[str, ...] = ()


FUNCTIONS: dict[str, Function] = {
    "sum": Function(_reduction(np.sum), 1, ("axis", "keepdims")),
    "mean": Function(_reduction(np.mean), 1, ("axis", "keepdims")),
    "sigmoid": Function(activations.sigmoid, 1),
    "relu": Function(activations.relu, 1),
    "tanh": Function(np.tanh, 1),
    "softmax": Function(_softmax, 1),
    "exp": Function(np.exp, 1),
    "log": Function(np.log, 1),
    "maximum": Function(np.maximum, 2),
    "sigmoid_prime": Function(activations.sigmoid_prime, 1),
    "relu_prime": Function(activations.relu_prime, 1),
    "tanh_prime": Function(activations.tanh_prime, 1),
}

_BINARY_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_ELEMENTWISE = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula: its text, syntax tree and the tensor names it uses."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, tensors: dict[str, np.ndarray], m: int) -> np.ndarray:
        """The formula's value (float64) with ``tensors`` bound to their names and ``m`` to the
        sample count. Raises ``AnswerError`` for unknown names, mismatched shapes or oversized
        results."""
        return _Evaluator(self.text, tensors, m).value(self.tree.body)


def parse_formula(text: str) -> Formula:
    """Parse and check ``text`` against the whitelist (names are checked at evaluation)."""
    text = text.strip().replace("−", "-").replace("·", "*").replace("×", "*")
    if not text:
        raise AnswerError("the answer is empty")
    if len(text) > MAX_FORMULA_CHARS:
        raise AnswerError(f"the formula is {len(text)} characters long; the limit is {MAX_FORMULA_CHARS}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise AnswerError(f"cannot read the formula{column}: {error.msg}. Write numbers as "
                          "[[1, 2], [3, 4]] or a formula such as dZ2 @ A1.T / m") from None
    except (ValueError, RecursionError, MemoryError):
        raise AnswerError("cannot read the formula") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise AnswerError(f"the formula has {len(nodes)} parts; the limit is {MAX_NODES}")
    names: set[str] = set()
    for node in nodes:
        _check_node(node, names)
    return Formula(text, tree, frozenset(names))


def _check_node(node: ast.AST, names: set[str]) -> None:
    """Refuse anything outside the whitelist, with a message that says what is allowed."""
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Attribute,
               ast.Call, ast.keyword, ast.Load, ast.USub, ast.UAdd, ast.Tuple, *_BINARY_SYMBOLS)
    if not isinstance(node, allowed):
        raise AnswerError(f"a formula may not contain {_node_words(node)}; use tensor names, numbers, "
                          "+ - * / ** @, .T and the functions " + ", ".join(FUNCTIONS))
    if isinstance(node, ast.Constant) and not (node.value is None or isinstance(node.value, (bool, int, float))):
        raise AnswerError(f"a formula may only contain numbers, not {node.value!r}")
    if isinstance(node, ast.Attribute):
        if node.attr == "T" and not _is_module(node.value):
            return
        if _is_module(node.value) and node.attr in FUNCTIONS:
            return
        raise AnswerError(f"'.{node.attr}' is not allowed: the only attribute a formula may use is .T "
                          "(transpose)" + (f"; {node.attr} is not one of the functions "
                                           f"{', '.join(FUNCTIONS)}" if _is_module(node.value) else ""))
    if isinstance(node, ast.Call):
        name = _function_name(node.func)
        if name is None:
            raise AnswerError("only the functions " + ", ".join(FUNCTIONS) + " may be called")
        function = FUNCTIONS[name]
        if len(node.args) != function.arguments:
            raise AnswerError(f"{name} takes {function.arguments} argument"
                              f"{'s' if function.arguments != 1 else ''}, found {len(node.args)}")
        for keyword in node.keywords:
            if keyword.arg not in function.keywords:
                allowed_keywords = ", ".join(f"{k}=" for k in function.keywords) or "no keywords"
                raise AnswerError(f"{name} does not take {keyword.arg or '**'}=; it takes {allowed_keywords}")
    if isinstance(node, ast.Name) and not _is_module(node):
        names.add(node.id)


def _is_module(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in MODULE_PREFIXES


def _function_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name) and func.id in FUNCTIONS:
        return func.id
    if isinstance(func, ast.Attribute) and _is_module(func.value) and func.attr in FUNCTIONS:
        return func.attr
    return None


def _node_words(node: ast.AST) -> str:
    words = {ast.Lambda: "lambda", ast.Subscript: "indexing [ ]", ast.Compare: "comparisons",
             ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.List: "lists", ast.Dict: "dicts",
             ast.ListComp: "comprehensions", ast.GeneratorExp: "generators", ast.NamedExpr: ":=",
             ast.Starred: "*arguments", ast.JoinedStr: "f-strings", ast.FloorDiv: "//", ast.Mod: "%"}
    for kind, word in words.items():
        if isinstance(node, kind):
            return word
    return type(node).__name__


class _Evaluator:
    """Evaluates one checked syntax tree. Every operation checks the size of its result first."""

    def __init__(self, text: str, tensors: dict[str, np.ndarray], m: int):
        self.text = text
        self.tensors = tensors
        self.m = m

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or "…"

    def value(self, node: ast.AST) -> np.ndarray:
        with np.errstate(all="ignore"):
            if isinstance(node, ast.Constant):
                if node.value is None or isinstance(node.value, bool):
                    raise AnswerError(f"{node.value} is not a number; True, False and None only go in "
                                      "keepdims= and axis=")
                return np.asarray(float(node.value))
            if isinstance(node, ast.Name):
                return self.name(node.id)
            if isinstance(node, ast.UnaryOp):
                operand = self.value(node.operand)
                return -operand if isinstance(node.op, ast.USub) else operand
            if isinstance(node, ast.Attribute):  # .T, or np.<function> (only as a call)
                if _is_module(node.value):
                    raise AnswerError(f"{self.source(node)} is a function: call it, as in {self.source(node)}(Z1)")
                return self.value(node.value).T
            if isinstance(node, ast.BinOp):
                return self.binary(node)
            if isinstance(node, ast.Call):
                return self.call(node)
            raise AnswerError(f"{self.source(node)!r} is not a value a formula can use")

    def name(self, name: str) -> np.ndarray:
        if name == "m":
            return np.asarray(float(self.m))
        if name in self.tensors:
            return np.asarray(self.tensors[name], dtype=np.float64)
        if name in FUNCTIONS:
            raise AnswerError(f"{name} is a function: call it, as in {name}(Z1)")
        if name.lower() in ("nan", "inf", "infinity"):
            raise AnswerError(f"{name} is not a number an answer can hold: every entry must be finite")
        known = sorted(self.tensors) + ["m"]
        same_letters = [other for other in known if other.lower() == name.lower()]
        close = same_letters or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise AnswerError(f"unknown name {name!r} in the formula: {hint}this network has {', '.join(known)}")

    def binary(self, node: ast.BinOp) -> np.ndarray:
        left, right = self.value(node.left), self.value(node.right)
        symbol = _BINARY_SYMBOLS[type(node.op)]
        if isinstance(node.op, ast.MatMult):
            return self.matmul(node, left, right)
        if isinstance(node.op, ast.Pow) and (right.size != 1 or abs(float(right.reshape(-1)[0])) > MAX_EXPONENT):
            raise AnswerError(f"in {self.source(node)!r}: the exponent must be a single number between "
                              f"-{MAX_EXPONENT} and {MAX_EXPONENT} (such as ** 2)")
        shape = self.broadcast_shape(node, left.shape, right.shape, symbol)
        self.check_size(node, shape)
        if isinstance(node.op, ast.Pow):
            return np.power(left, right)
        return _ELEMENTWISE[type(node.op)](left, right)

    def broadcast_shape(self, node: ast.AST, left: tuple, right: tuple, symbol: str,
                        left_node: ast.AST | None = None, right_node: ast.AST | None = None) -> tuple[int, ...]:
        """The shape ``left`` and ``right`` broadcast to; the operands are ``node.left`` and
        ``node.right`` unless given (a call's arguments)."""
        try:
            return np.broadcast_shapes(left, right)
        except ValueError:
            left_node = left_node if left_node is not None else node.left
            right_node = right_node if right_node is not None else node.right
            raise AnswerError(
                f"in {self.source(node)!r}: {symbol} needs shapes that match or broadcast, but "
                f"{self.source(left_node)} is {_shape_words(left)} and {self.source(right_node)} is "
                f"{_shape_words(right)}") from None

    def matmul(self, node: ast.BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        left_text, right_text = self.source(node.left), self.source(node.right)
        if left.ndim == 0 or right.ndim == 0:
            raise AnswerError(f"in {self.source(node)!r}: @ multiplies matrices; use * for a single number")
        if left.ndim > 2 or right.ndim > 2:
            raise AnswerError(f"in {self.source(node)!r}: @ works on vectors and matrices; "
                              f"{left_text if left.ndim > 2 else right_text} has "
                              f"{max(left.ndim, right.ndim)} dimensions")
        inner_left = left.shape[-1]
        inner_right = right.shape[0]
        if inner_left != inner_right:
            suggestion = ""
            if left.ndim == 2 and left.shape[0] == inner_right:
                suggestion = f" Did you mean {left_text}.T?"
            elif right.ndim == 2 and right.shape[1] == inner_left:
                suggestion = f" Did you mean {right_text}.T?"
            raise AnswerError(
                f"in {self.source(node)!r}: {left_text} is {_shape_words(left.shape)} and {right_text} is "
                f"{_shape_words(right.shape)}; @ needs the columns of the left ({inner_left}) to match the "
                f"rows of the right ({inner_right}).{suggestion}")
        shape = left.shape[:-1] + right.shape[1:]
        self.check_size(node, shape)
        if math.prod(shape) * inner_left > MAX_MATMUL_WORK:
            raise AnswerError(f"in {self.source(node)!r}: this product is too large to compute here")
        return left @ right

    def check_size(self, node: ast.AST, shape: tuple[int, ...]) -> None:
        if math.prod(shape) > MAX_ENTRIES:
            raise AnswerError(f"in {self.source(node)!r}: the result would be {_shape_words(shape)}, more than "
                              f"{MAX_ENTRIES:,} numbers; check the shapes (a column times a row broadcasts "
                              "to a full matrix)")

    def call(self, node: ast.Call) -> np.ndarray:
        name = _function_name(node.func)
        function = FUNCTIONS[name]
        arguments = [self.value(argument) for argument in node.args]
        options = {keyword.arg: self.keyword_value(name, keyword) for keyword in node.keywords}
        if "axis" in options:
            self.check_axis(node, name, arguments[0], options["axis"])
        if name == "maximum":
            self.check_size(node, self.broadcast_shape(node, arguments[0].shape, arguments[1].shape, "maximum",
                                                       node.args[0], node.args[1]))
        return np.asarray(function.implementation(*arguments, **options), dtype=np.float64)

    def keyword_value(self, function: str, keyword: ast.keyword):
        node = keyword.value
        if keyword.arg == "keepdims":
            if isinstance(node, ast.Constant) and isinstance(node.value, bool):
                return node.value
            raise AnswerError(f"{function}(…, keepdims=…) takes True or False")
        # axis: None, a whole number or a tuple of whole numbers
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Tuple) and all(_is_int_constant(item) for item in node.elts):
            return tuple(_int_constant(item) for item in node.elts)
        if _is_int_constant(node):
            return _int_constant(node)
        raise AnswerError(f"{function}(…, axis=…) takes a whole number, such as axis=1, or a tuple "
                          "such as axis=(0, 2, 3)")

    def check_axis(self, node: ast.AST, function: str, array: np.ndarray, axis) -> None:
        axes = axis if isinstance(axis, tuple) else (axis,) if axis is not None else ()
        if len({item % max(array.ndim, 1) for item in axes}) != len(axes):
            raise AnswerError(f"in {self.source(node)!r}: an axis is named twice; name each axis once, "
                              "as in axis=(0, 2, 3)")
        for item in axes:
            if not -array.ndim <= item < max(array.ndim, 1):
                raise AnswerError(f"in {self.source(node)!r}: axis {item} does not exist; "
                                  f"{self.source(node.args[0])} is {_shape_words(array.shape)}")


def _is_int_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def _int_constant(node: ast.AST) -> int:
    if isinstance(node, ast.UnaryOp):
        return -node.operand.value
    return node.value
