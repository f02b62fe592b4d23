"""Formula answers: numpy-like expressions over a network's named tensors, evaluated safely.

A formula is parsed with Python's ``ast`` module and evaluated by a small interpreter that knows
only a whitelist: tensor names (``X``, ``Y``, ``W1``, ``dZ2``, …), ``m``, numbers, the operators
``+ - * / ** @``, unary ``-``, comparisons (``Z1 > 0``, an array of 0 and 1), ``.T``, the
functions of ``FUNCTIONS`` (also written with an ``np.`` or ``numpy.`` prefix, as numpy users
do: ``np.dot``, ``np.sum``, ``np.where``) and the methods of ``METHODS`` (``dZ2.dot(A1.T)``,
``A1.transpose()``, ``dZ2.sum(axis=1, keepdims=True)``, ``dA3.T.reshape(m, 1, 2, 2)``). Nothing is
ever passed to eval or exec.

Limits keep every evaluation instant: the text length, the number of syntax-tree nodes, the size
of every intermediate result (checked from the shapes before computing), the work of a matrix
product, and the size of an exponent. All arithmetic is float64, so ``10**10**10`` overflows to
inf in no time instead of building a huge integer.
"""

from __future__ import annotations

import ast
import copy
import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpcli.core import activations
from bpcli.errors import AnswerError, FormulaShapeError
from bpcli.formatting import closest_name, shorten
from bpcli.texts import Msg, answer_error
from bpcli.grading.targets import shape_words as _shape_words
from bpcli.grading.numbers import answer_place, ascii_forms

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
        if x.ndim == 0:  # a number reduced over its one axis (0) is itself; np.mean refuses axis=0
            return function(x)
        return function(x, axis=axis, keepdims=keepdims)
    return reduce


def _softmax(z: np.ndarray) -> np.ndarray:
    # over the units of each column (axis 0), as the softmax layer does
    return activations.softmax(z) if z.ndim >= 1 else np.asarray(1.0)


def _astype(x: np.ndarray, dtype: str) -> np.ndarray:
    return {"float": x, "int": np.trunc(x), "bool": (x != 0).astype(np.float64)}[dtype]


@dataclass(frozen=True)
class Function:
    """A function a formula may call: how many positional arguments and which keywords.
    ``shape`` gives the result's shape from the arguments' shapes where it is not the
    function's own business, so that an oversized result is refused before it is computed
    (None: the result is no larger than the first argument); ``broadcasts`` marks the
    element-wise functions whose arguments must broadcast together."""

    implementation: Callable
    arguments: int
    keywords: tuple[str, ...] = ()
    broadcasts: bool = False
    shape: Callable[..., tuple[int, ...]] | None = None


def _outer_shape(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, ...]:
    return (math.prod(left), math.prod(right))


#: functions evaluated as a matrix product (with its shape checks and messages)
MATRIX_PRODUCTS = ("dot", "matmul")

FUNCTIONS: dict[str, Function] = {
    "sum": Function(_reduction(np.sum), 1, ("axis", "keepdims")),
    "mean": Function(_reduction(np.mean), 1, ("axis", "keepdims")),
    "sigmoid": Function(activations.sigmoid, 1),
    "relu": Function(activations.relu, 1),
    "tanh": Function(np.tanh, 1),
    "softmax": Function(_softmax, 1),
    "exp": Function(np.exp, 1),
    "log": Function(np.log, 1),
    # batchnorm's 1/√(σ² + eps): formulas name var3 and eps3
    "sqrt": Function(np.sqrt, 1),
    "maximum": Function(np.maximum, 2, broadcasts=True),
    "sigmoid_prime": Function(activations.sigmoid_prime, 1),
    "relu_prime": Function(activations.relu_prime, 1),
    "tanh_prime": Function(activations.tanh_prime, 1),
    # numpy's spellings of what the operators do
    "dot": Function(np.matmul, 2),
    "matmul": Function(np.matmul, 2),
    "transpose": Function(np.transpose, 1),
    "multiply": Function(np.multiply, 2, broadcasts=True),
    "outer": Function(np.outer, 2, shape=_outer_shape),
    "where": Function(np.where, 3, broadcasts=True),
    # reshape(x, shape) as a function, x.reshape(d1, d2, …) or x.reshape((d1, d2, …)) as a method:
    # the same numbers in another shape, checked and evaluated apart (``_Evaluator.reshape``)
    "reshape": Function(np.reshape, 2),
}

#: methods a tensor has in a formula (``dZ2.dot(A1.T)``), each the function of that name with
#: the tensor as its first argument
METHODS = ("dot", "transpose", "sum", "mean", "astype", "reshape")
#: the most axes a reshape may give (the tensors here have at most 4)
MAX_RESHAPE_AXES = 6
#: what ``.astype(…)`` accepts: ``float``, ``int``, ``bool``, also as ``np.float64`` and the like
ASTYPE_NAMES = {"float": "float", "float64": "float", "float32": "float", "double": "float",
                "int": "int", "int64": "int", "int32": "int", "bool": "bool", "bool_": "bool"}

_BINARY_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_ELEMENTWISE = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
#: comparisons give arrays of 0.0 and 1.0, as ``(Z1 > 0)`` does in numpy arithmetic
_COMPARISONS = {ast.Gt: (">", np.greater), ast.GtE: (">=", np.greater_equal), ast.Lt: ("<", np.less),
                ast.LtE: ("<=", np.less_equal), ast.Eq: ("==", np.equal), ast.NotEq: ("!=", np.not_equal)}


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula: its text, syntax tree and the tensor names it uses (``names``
    holds only names of tensors: not the functions it calls, nor ``m``, which no redraw changes;
    a formula without names is arithmetic on numbers)."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, tensors: dict[str, np.ndarray], m: int) -> np.ndarray:
        """The formula's value (float64) with ``tensors`` bound to their names and ``m`` to the
        sample count. Raises ``AnswerError`` for unknown names or oversized results, and its
        ``FormulaShapeError`` for shapes that do not fit, with the transposes that would make
        them fit (``_transpose_repairs``)."""
        try:
            return self._value(tensors, m)
        except _ShapeMismatch as mismatch:
            raise _shape_error(self, mismatch, tensors, m) from None

    def _value(self, tensors: dict[str, np.ndarray], m: int) -> np.ndarray:
        return _Evaluator(self.text, tensors, m).value(self.tree.body)


@dataclass(frozen=True)
class TransposeRepair:
    """A formula whose shapes did not fit, with one transpose changed where they failed so that
    it can be computed: ``operand`` (as written) transposed when ``added``, else the transpose
    of ``operand`` removed; ``replacement`` is the failing operation's operand after the change
    ('X.T', 'tanh_prime(Z1)'), ``operation`` the operation after it ('dZ1 @ X.T'), ``formula``
    the whole changed formula and ``value`` its value. The texts are quoted short, as the
    formula's own parts are, so that a message stays one short line."""

    operand: str
    added: bool
    replacement: str
    operation: str
    formula: Formula
    value: np.ndarray


class _ShapeMismatch(Exception):
    """Raised inside the evaluator where two operands' shapes do not fit: ``key`` and ``fields``
    describe it (a ``formula.*`` message), ``operation`` and ``operands`` are the syntax-tree
    nodes, ``swapped`` the factors in the other order where that fits (a product only), ``ndims``
    the operands' numbers of dimensions."""

    def __init__(self, key: str, fields: dict, operation: ast.AST, operands: list[ast.AST],
                 swapped: str | None = None, ndims: tuple[int, ...] = ()):
        super().__init__(key)
        self.key, self.fields, self.operation, self.operands, self.swapped = key, fields, operation, operands, swapped
        self.ndims = ndims


#: the verdict's sentence for each shape error: the same facts, said of an answer graded wrong
_NOT_COMPUTABLE = {"formula.matmul_inner": "diag.not_computable.matmul_inner",
                   "formula.broadcast": "diag.not_computable.broadcast"}


def _shape_error(formula: Formula, mismatch: _ShapeMismatch, tensors: dict[str, np.ndarray],
                 m: int) -> FormulaShapeError:
    """The error for a formula whose shapes do not fit: it suggests the first transpose that
    makes the formula computable (or the factors swapped) and carries every such repair, so
    that grading can tell a missing transpose (a wrong answer) from an answer it cannot read.
    The suggestion and grading use the same repairs: one rule for both."""
    repairs = _transpose_repairs(formula, mismatch, tensors, m)
    suggestion = repairs[0].replacement if repairs else mismatch.swapped
    key = mismatch.key + (".suggest" if suggestion is not None else "")
    error = answer_error(key, error_type=FormulaShapeError, **mismatch.fields,
                         **({"suggestion": suggestion} if suggestion is not None else {}))
    error.reason = Msg(_NOT_COMPUTABLE[mismatch.key], **mismatch.fields)
    error.repairs = tuple(repairs)
    return error


def _transpose_repairs(formula: Formula, mismatch: _ShapeMismatch, tensors: dict[str, np.ndarray],
                       m: int) -> list[TransposeRepair]:
    """The formulas that can be computed after one change of a transpose where ``mismatch``
    happened, the transposes the learner wrote first: an operand that is a transpose without it
    ('dZ1.T' → 'dZ1'), a transpose inside an operand removed ('tanh_prime(Z1.T)' →
    'tanh_prime(Z1)'), then an operand transposed ('X' → 'X.T'). Each formula once. An operand of
    more than 2 dimensions is never transposed: .T reverses all its axes (m × F × H × W to
    W × H × F × m), which no gradient of an image is, so 'X * dZ1' is not told 'Did you mean dZ1.T?'."""
    operands = mismatch.operands
    ndims = mismatch.ndims or (0,) * len(operands)
    changes: list[tuple[ast.AST, ast.AST, bool]] = [
        (node, _transposed_of(node), False) for operand in operands for node in ast.walk(operand)
        if _transposed_of(node) is not None]
    changes += [(operand, ast.Attribute(value=operand, attr="T", ctx=ast.Load()), True)
                for operand, ndim in zip(operands, ndims) if _transposed_of(operand) is None and ndim <= 2]
    repairs, seen = [], set()
    for old, new, added in changes:
        text = ast.unparse(copy.deepcopy(formula.tree, memo={id(old): new}))
        if text in seen:
            continue
        seen.add(text)
        try:
            repaired = parse_formula(text)
            value = repaired._value(tensors, m)
        except (AnswerError, _ShapeMismatch):
            continue  # still not computable (or past a limit): not a repair
        changed = next(operand for operand in operands if any(node is old for node in ast.walk(operand)))
        repairs.append(TransposeRepair(
            shorten(_operand_text(old if added else new)), added,
            shorten(ast.unparse(copy.deepcopy(changed, memo={id(old): new}))),
            shorten(ast.unparse(copy.deepcopy(mismatch.operation, memo={id(old): new}))), repaired, value))
    return repairs


def _operand_text(node: ast.AST) -> str:
    """``node`` as a sentence names the operand it is: in parentheses unless it is one name,
    number, call or attribute ('(X + X)' transposed, not 'X + X')."""
    text = ast.unparse(node)
    return text if isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.Attribute)) else f"({text})"


def _transposed_of(node: ast.AST) -> ast.AST | None:
    """What ``node`` transposes when it is a transpose ('A1' for 'A1.T', 'A1.transpose()',
    'np.transpose(A1)'), else None."""
    if isinstance(node, ast.Attribute) and node.attr == "T" and not _is_module(node.value):
        return node.value
    if isinstance(node, ast.Call) and not node.keywords:
        name, receiver = _callee(node.func)
        if name == "transpose" and receiver is not None and not node.args:
            return receiver
        if name == "transpose" and receiver is None and len(node.args) == 1:
            return node.args[0]
    return None


def parse_formula(text: str) -> Formula:
    """Parse and check ``text`` against the whitelist (names are checked at evaluation)."""
    typed = ascii_forms(text).replace("·", "*").replace("×", "*")  # '（A2 － Y）' from an input method
    # a formula broken over lines (a spreadsheet cell, a notebook's string) is one expression:
    # Python would end it at the first line break outside brackets. A space for each character
    # keeps every position where it was typed
    text = _on_one_line(typed).strip()
    # the transpose as explain writes it, 'A1ᵀ' (Python would read the name A1T)
    text = text.replace("ᵀ", ".T")
    if not text:
        raise answer_error("answer.empty")
    if len(text) > MAX_FORMULA_CHARS:
        raise answer_error("formula.too_long", length=len(text), limit=MAX_FORMULA_CHARS)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        if error.offset:
            raise answer_error("formula.syntax.at", place=answer_place(typed, _typed_index(typed, error.offset)),
                               detail=_syntax_detail(error.msg)) from None
        raise answer_error("formula.syntax", detail=_syntax_detail(error.msg)) from None
    except (ValueError, RecursionError, MemoryError):
        raise answer_error("formula.unreadable") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise answer_error("formula.too_many_parts", count=len(nodes), limit=MAX_NODES)
    names: set[str] = set()
    dtype_names = {id(node.args[0]) for node in nodes if _is_method_call(node, "astype") and node.args}
    for node in nodes:
        if id(node) in dtype_names:
            _check_dtype(node)
            continue
        _check_node(node, names)
    return Formula(text, tree, frozenset(names))


#: the characters that end a line, as ``str.splitlines`` (and so ``answer_place``) counts lines
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ONE_LINE = str.maketrans(LINE_BREAKS, " " * len(LINE_BREAKS))


def _on_one_line(text: str) -> str:
    """``text`` with a space in place of each character that ends a line."""
    return text.translate(_ONE_LINE)


def _typed_index(typed: str, column: int) -> int:
    """Where the parser's ``column`` (1-based, in the stripped text with each ᵀ as '.T') is in
    what the learner typed (0-based): after its leading spaces and line breaks, one column per ᵀ."""
    position = len(typed) - len(_on_one_line(typed).lstrip())
    rewritten = 0
    while position < len(typed) and rewritten + (2 if typed[position] == "ᵀ" else 1) < column:
        rewritten += 2 if typed[position] == "ᵀ" else 1
        position += 1
    return position


def _check_node(node: ast.AST, names: set[str]) -> None:
    """Refuse anything outside the whitelist, with a message that says what is allowed."""
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Attribute,
               ast.Call, ast.keyword, ast.Load, ast.USub, ast.UAdd, ast.Tuple, ast.Compare,
               *_BINARY_SYMBOLS, *_COMPARISONS)
    if isinstance(node, ast.BitXor):  # A1^2: a power in maths, a bitwise operator in Python
        raise answer_error("formula.caret")
    if not isinstance(node, allowed):
        raise answer_error("formula.forbidden", what=_node_words(node), functions=", ".join(FUNCTIONS))
    if isinstance(node, ast.Constant) and not (node.value is None or isinstance(node.value, (bool, int, float))):
        # the message quotes the text ('abc') with !r; other constants (b'…', 1j, ...) by their repr
        quoted = node.value if isinstance(node.value, str) else repr(node.value)
        raise answer_error("formula.only_numbers", value=shorten(quoted))
    if isinstance(node, ast.Attribute):
        if not _is_module(node.value) and (node.attr == "T" or node.attr in METHODS):
            return  # a method is only evaluated as a call: A1.sum alone is refused there
        if _is_module(node.value) and node.attr in FUNCTIONS:
            return
        if _is_module(node.value):
            raise answer_error("formula.attribute.module", attr=shorten(node.attr), functions=", ".join(FUNCTIONS))
        raise answer_error("formula.attribute", attr=shorten(node.attr), methods=", ".join(f".{m}()" for m in METHODS))
    if isinstance(node, ast.Call):
        name, receiver = _callee(node.func)
        innermost = node.func
        while isinstance(innermost, ast.Call):  # '(-0.5) (-1) (2)' is a call of a call
            innermost = innermost.func
        if name is None and _is_number(innermost):  # '(-0.5) (-1)', '2(A1 - Y)': read as a call
            raise answer_error("formula.side_by_side")
        if name is None:
            raise answer_error("formula.only_functions", functions=", ".join(FUNCTIONS),
                               methods=", ".join(f".{m}()" for m in METHODS))
        function = FUNCTIONS.get(name)
        if name == "astype":
            if len(node.args) != 1 or node.keywords:
                raise answer_error("formula.astype")
            return
        if name == "reshape":  # a method takes the new shape as several numbers or one tuple
            if node.keywords or not node.args or (receiver is None and len(node.args) != 2):
                raise answer_error("formula.reshape")
            return
        given = len(node.args) + (receiver is not None)
        if given != function.arguments:
            shown = name if receiver is None else f".{name}()"
            offset = receiver is not None
            raise answer_error("formula.arguments", name=shown, count=function.arguments - offset,
                               found=len(node.args))
        for keyword in node.keywords:
            if keyword.arg not in function.keywords:
                if not function.keywords:
                    raise answer_error("formula.keyword.none", name=name, keyword=shorten(keyword.arg or "**"))
                raise answer_error("formula.keyword", name=name, keyword=shorten(keyword.arg or "**"),
                                   allowed=", ".join(f"{k}=" for k in function.keywords))
        given_keywords = [keyword.arg for keyword in node.keywords]
        for keyword in function.keywords:  # Python refuses sum(X, axis=1, axis=0); ast.parse does not
            if given_keywords.count(keyword) > 1:
                raise answer_error("formula.keyword.twice", name=name, keyword=keyword)
    if isinstance(node, ast.Name) and not _is_module(node) and node.id not in FUNCTIONS and node.id != "m":
        names.add(node.id)  # only what names a tensor: not a function, the np prefix or m


def _check_dtype(node: ast.AST) -> None:
    """The argument of ``.astype(…)``: float, int or bool (also np.float64 and the like)."""
    if _dtype_of(node) is None:
        raise answer_error("formula.astype")


def _dtype_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return ASTYPE_NAMES.get(node.id)
    if isinstance(node, ast.Attribute) and _is_module(node.value):
        return ASTYPE_NAMES.get(node.attr)
    return None


def _is_method_call(node: ast.AST, method: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and not _is_module(node.func.value) and node.func.attr == method)


def _syntax_detail(detail: str) -> Msg | str:
    """Python's reason for a syntax error, in words of the message tables where it is a common
    one ('invalid syntax', "'(' was never closed", "unmatched ')'"), else as Python says it."""
    if detail.startswith("invalid syntax"):
        return Msg("formula.syntax.invalid")
    found = re.fullmatch(r"'(.)' was never closed", detail)
    if found:
        return Msg("formula.syntax.never_closed", bracket=found.group(1))
    found = re.fullmatch(r"unmatched '(.)'", detail)
    if found:
        return Msg("formula.syntax.unmatched", bracket=found.group(1))
    return detail


def _is_module(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in MODULE_PREFIXES


def _is_number(node: ast.AST) -> bool:
    """A number, signed or not: 2, -0.5."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _callee(func: ast.AST) -> tuple[str | None, ast.AST | None]:
    """(the function's name, the tensor a method is called on or None) of a call's ``func``:
    ``sum`` and ``np.sum`` are the function sum; ``dZ2.sum`` is the method sum of dZ2."""
    if isinstance(func, ast.Name) and func.id in FUNCTIONS:
        return func.id, None
    if isinstance(func, ast.Attribute) and _is_module(func.value):
        return (func.attr, None) if func.attr in FUNCTIONS else (None, None)
    if isinstance(func, ast.Attribute) and func.attr in METHODS:
        return func.attr, func.value
    return None, None


def _node_words(node: ast.AST) -> Msg | str:
    words = {ast.Lambda: "lambda", ast.Subscript: Msg("node.subscript"),
             ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.List: Msg("node.list"), ast.Dict: Msg("node.dict"),
             ast.ListComp: Msg("node.comprehension"), ast.GeneratorExp: Msg("node.generator"),
             ast.NamedExpr: ":=", ast.Starred: Msg("node.starred"), ast.JoinedStr: Msg("node.fstring"),
             ast.FloorDiv: "//", ast.Mod: "%"}
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
        """The part of the formula ``node`` comes from, as a message quotes it (short, one line)."""
        return shorten(ast.get_source_segment(self.text, node) or "…")

    def value(self, node: ast.AST) -> np.ndarray:
        with np.errstate(all="ignore"):
            if isinstance(node, ast.Constant):
                if node.value is None or isinstance(node.value, bool):
                    raise answer_error("formula.not_a_number", value=node.value)
                try:
                    number = float(node.value)
                except OverflowError:  # an integer literal of more than 308 digits
                    number = math.inf
                if not math.isfinite(number):  # 1e400 reads as inf: refused, not computed with
                    raise answer_error("formula.out_of_range", number=self.source(node))
                return np.asarray(number)
            if isinstance(node, ast.Name):
                return self.name(node.id)
            if isinstance(node, ast.UnaryOp):
                operand = self.value(node.operand)
                return -operand if isinstance(node.op, ast.USub) else operand
            if isinstance(node, ast.Attribute):  # .T, or np.<function> or a method (only as a call)
                if _is_module(node.value):
                    raise answer_error("formula.call_it", name=self.source(node))
                if node.attr != "T":
                    raise answer_error("formula.call_method", source=self.source(node), method=node.attr)
                return self.value(node.value).T
            if isinstance(node, ast.Compare):
                return self.compare(node)
            if isinstance(node, ast.BinOp):
                return self.binary(node)
            if isinstance(node, ast.Call):
                return self.call(node)
            raise answer_error("formula.not_a_value", source=self.source(node))

    def name(self, name: str) -> np.ndarray:
        if name == "m":
            return np.asarray(float(self.m))
        if name in self.tensors:
            return np.asarray(self.tensors[name], dtype=np.float64)
        if name in FUNCTIONS:
            raise answer_error("formula.call_it", name=name)
        if name.lower() in ("nan", "inf", "infinity"):
            raise answer_error("formula.not_finite_name", name=shorten(name))
        known = sorted(self.tensors) + ["m"]
        close = closest_name(name, known, cutoff=0.6)
        if close:
            raise answer_error("formula.unknown_name.close", name=shorten(name), close=close, known=", ".join(known))
        raise answer_error("formula.unknown_name", name=shorten(name), known=", ".join(known))

    def binary(self, node: ast.BinOp) -> np.ndarray:
        left, right = self.value(node.left), self.value(node.right)
        symbol = _BINARY_SYMBOLS[type(node.op)]
        if isinstance(node.op, ast.MatMult):
            return self.matmul(node, left, right, node.left, node.right)
        if isinstance(node.op, ast.Pow) and (right.size != 1 or abs(float(right.reshape(-1)[0])) > MAX_EXPONENT):
            raise answer_error("formula.exponent", source=self.source(node), limit=MAX_EXPONENT)
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
            fields = dict(source=self.source(node), symbol=symbol, left=self.source(left_node),
                          left_shape=_shape_words(left), right=self.source(right_node), right_shape=_shape_words(right))
            raise _ShapeMismatch("formula.broadcast", fields, node, [left_node, right_node],
                                 ndims=(len(left), len(right))) from None

    def compare(self, node: ast.Compare) -> np.ndarray:
        """``a > b`` as 0.0 / 1.0 entries; a chain ``a < b < c`` is both comparisons at once."""
        result = None
        left_node = node.left
        left = self.value(left_node)
        for operator, right_node in zip(node.ops, node.comparators):
            right = self.value(right_node)
            symbol, compare = _COMPARISONS[type(operator)]
            self.check_size(node, self.broadcast_shape(node, left.shape, right.shape, symbol, left_node, right_node))
            outcome = compare(left, right)
            result = outcome if result is None else result & outcome
            left_node, left = right_node, right
        return np.asarray(result, dtype=np.float64)

    def matmul(self, node: ast.AST, left: np.ndarray, right: np.ndarray, left_node: ast.AST,
               right_node: ast.AST) -> np.ndarray:
        left_text, right_text = self.source(left_node), self.source(right_node)
        if left.ndim == 0 or right.ndim == 0:
            raise answer_error("formula.matmul_scalar", source=self.source(node))
        if left.ndim > 2 or right.ndim > 2:
            # the operand named is the first one with too many dimensions, and so is its count
            text, ndim = (left_text, left.ndim) if left.ndim > 2 else (right_text, right.ndim)
            raise answer_error("formula.matmul_ndim", source=self.source(node), operand=text, ndim=ndim)
        inner_left = left.shape[-1]
        inner_right = right.shape[0]
        if inner_left != inner_right:
            swapped = None
            if left.ndim == 2 and right.ndim == 2 and right.shape[1] == left.shape[0]:
                # the factors in the other order fit: A1.T @ dZ2 for dZ2 @ A1.T (suggested when
                # no transpose makes the formula computable: see _transpose_repairs)
                swapped = f"{right_text} @ {left_text}"
            fields = dict(source=self.source(node), left=left_text, left_shape=_shape_words(left.shape),
                          right=right_text, right_shape=_shape_words(right.shape), inner_left=inner_left,
                          inner_right=inner_right)
            raise _ShapeMismatch("formula.matmul_inner", fields, node, [left_node, right_node], swapped,
                                 ndims=(left.ndim, right.ndim))
        shape = left.shape[:-1] + right.shape[1:]
        self.check_size(node, shape)
        if math.prod(shape) * inner_left > MAX_MATMUL_WORK:
            raise answer_error("formula.too_large_product", source=self.source(node))
        return left @ right

    def check_size(self, node: ast.AST, shape: tuple[int, ...]) -> None:
        if math.prod(shape) > MAX_ENTRIES:
            raise answer_error("formula.too_many_entries", source=self.source(node), shape=_shape_words(shape),
                               limit=MAX_ENTRIES)

    def call(self, node: ast.Call) -> np.ndarray:
        name, receiver = _callee(node.func)
        argument_nodes = ([receiver] if receiver is not None else []) + list(node.args)
        if name == "astype":
            return _astype(self.value(receiver), _dtype_of(node.args[0]))
        if name == "reshape":
            return self.reshape(node, argument_nodes[0], argument_nodes[1:])
        function = FUNCTIONS[name]
        arguments = [self.value(argument) for argument in argument_nodes]
        options = {keyword.arg: self.keyword_value(name, keyword) for keyword in node.keywords}
        if "axis" in options:
            self.check_axis(node, name, arguments[0], options["axis"], argument_nodes[0])
        if name in MATRIX_PRODUCTS:
            return self.matmul(node, arguments[0], arguments[1], argument_nodes[0], argument_nodes[1])
        if function.broadcasts:
            shape = arguments[0].shape
            for argument, argument_node in zip(arguments[1:], argument_nodes[1:]):
                shape = self.broadcast_shape(node, shape, argument.shape, name, argument_nodes[0], argument_node)
            self.check_size(node, shape)
        if function.shape is not None:
            self.check_size(node, function.shape(*(argument.shape for argument in arguments)))
        return np.asarray(function.implementation(*arguments, **options), dtype=np.float64)

    def reshape(self, node: ast.Call, operand: ast.AST, shape_nodes: list[ast.AST]) -> np.ndarray:
        """``operand``'s numbers, in row-major order as numpy keeps them, in the shape the
        ``shape_nodes`` give: whole numbers ≥ 1 (``m`` and arithmetic on it too), one of them
        possibly -1 for the rest, as several arguments or one tuple. The count of numbers never
        changes, so nothing grows."""
        array = self.value(operand)
        if len(shape_nodes) == 1 and isinstance(shape_nodes[0], ast.Tuple):
            shape_nodes = shape_nodes[0].elts
        if not 1 <= len(shape_nodes) <= MAX_RESHAPE_AXES:
            raise answer_error("formula.reshape_axes", source=self.source(node), limit=MAX_RESHAPE_AXES)
        shape = [self.reshape_length(node, item) for item in shape_nodes]
        if shape.count(-1) > 1:
            raise answer_error("formula.reshape_length", source=self.source(node))
        known = math.prod(n for n in shape if n != -1)
        if -1 in shape and array.size % known == 0:
            shape[shape.index(-1)] = array.size // known
        if math.prod(shape) != array.size or -1 in shape:
            raise answer_error("formula.reshape_size", source=self.source(node), operand=self.source(operand),
                               size=array.size, shape=_shape_words(tuple(shape)))
        return array.reshape(shape)

    def reshape_length(self, node: ast.Call, item: ast.AST) -> int:
        value = self.value(item)
        number = float(value.reshape(-1)[0]) if value.size == 1 else math.nan
        if not (number == -1 or (number >= 1 and number <= MAX_ENTRIES and number.is_integer())):
            raise answer_error("formula.reshape_length", source=self.source(node))
        return int(number)

    def keyword_value(self, function: str, keyword: ast.keyword):
        node = keyword.value
        if keyword.arg == "keepdims":
            if isinstance(node, ast.Constant) and isinstance(node.value, bool):
                return node.value
            raise answer_error("formula.keepdims", function=function)
        # axis: None, a whole number or a tuple of whole numbers
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Tuple) and all(_is_int_constant(item) for item in node.elts):
            return tuple(_int_constant(item) for item in node.elts)
        if _is_int_constant(node):
            return _int_constant(node)
        raise answer_error("formula.axis_value", function=function)

    def check_axis(self, node: ast.AST, function: str, array: np.ndarray, axis, operand: ast.AST) -> None:
        axes = axis if isinstance(axis, tuple) else (axis,) if axis is not None else ()
        for item in axes:  # before the repeats: axis 3 of a 3-D array is missing, not axis 0 again
            if not -array.ndim <= item < max(array.ndim, 1):
                raise answer_error("formula.axis_missing", source=self.source(node), axis=item,
                                   operand=self.source(operand), shape=_shape_words(array.shape))
        if len({item % max(array.ndim, 1) for item in axes}) != len(axes):
            raise answer_error("formula.axis_twice", source=self.source(node))


def _is_int_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def _int_constant(node: ast.AST) -> int:
    if isinstance(node, ast.UnaryOp):
        return -node.operand.value
    return node.value
