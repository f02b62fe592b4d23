"""Every sentence grading says to a learner, one table per language, and the lookup that fills
them in (the quiz's own sentences, ``bpcli.quiz.texts``, use the same lookup).

A sentence is built as a ``Msg``, a key and named parameters, and put into words only when shown,
in the language asked for: ``Msg("verdict.wrong", target="dW1").text("zh")``. A parameter may be a
``Msg`` itself (a shape inside a sentence), or a ``Joined`` list; each is worded in the same
language. A template may be a ``{"one": …, "other": …}`` pair, chosen by the ``count`` parameter.
Formulas and tensor names are the same in every language and stay in the parameters.

Keys: ``verdict.*`` the first sentence of a grade, ``diag.*`` and ``factor.*`` the diagnosis,
``mistake.*`` one named mistake, ``shape.*`` and ``meaning.*`` the dimension analysis,
``answer.*``, ``numbers.*`` and ``formula.*`` why an answer cannot be graded, ``target.*`` and
``usage.*`` a request that does not fit the network, ``label.*`` and ``word.*`` pieces.

The Chinese uses the source texts' terms: 反向传播, 链式法则, 维度, 维度相容, 转置, 梯度, 样本,
逐元素, 激活函数的导数, 偏置, 权重, 损失函数, 交叉熵, 池化, 卷积核.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any, Iterable, Mapping

from bpcli.errors import AnswerError, UsageError

LANGUAGES = ("en", "zh")


def render(tables: Mapping[str, Mapping[str, Any]], lang: str, key: str, values: Mapping[str, Any]) -> str:
    """The template ``key`` of ``tables[lang]`` (English when the language or the key is
    missing) filled with ``values``; ``Msg`` and ``Joined`` values are worded in ``lang`` too."""
    table = tables.get(lang) or tables["en"]
    template = table.get(key)
    if template is None:
        template = tables["en"][key]
    if isinstance(template, dict):
        template = template["one" if values.get("count") == 1 else "other"]
    filled = {name: word(value, lang) for name, value in values.items()}
    text = template.format(**filled)
    return _CJK_GAP.sub("", text) if lang == "zh" else text


#: Chinese templates put a space around each parameter, as Chinese writes a Latin name or number
#: ("把 dZ2 的行"); where the parameter is itself Chinese the space goes ("把下面所说的值的行")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")  # one space: padding in tables stays


def word(value: Any, lang: str) -> Any:
    """A parameter as it goes into a sentence in ``lang``."""
    if isinstance(value, (Msg, Joined)):
        return value.text(lang)
    return value


def template_fields(template: "str | dict[str, str]") -> set[str]:
    """The named parameters a template uses (both forms of a one/other pair)."""
    texts = template.values() if isinstance(template, dict) else [template]
    return {field.split(".")[0].split("[")[0] for text in texts
            for _, field, _, _ in Formatter().parse(text) if field}


class Msg:
    """A sentence (or a piece of one) not yet put into words: a key of ``tables`` and its
    parameters. ``str()`` gives the English."""

    __slots__ = ("key", "params")
    tables: Mapping[str, Mapping[str, Any]]  # set below, once MESSAGES exists; subclasses use others

    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params

    def text(self, lang: str = "en") -> str:
        return render(self.tables, lang, self.key, self.params)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class Joined:
    """Items (text or ``Msg``) joined with a separator of the language, such as 'a, b' / 'a，b'."""

    __slots__ = ("items", "separator")

    def __init__(self, items: Iterable[Any], separator: str = "sep.list"):
        self.items = list(items)
        self.separator = separator

    def text(self, lang: str = "en") -> str:
        return say(lang, self.separator).join(str(word(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.text("en")


def sentences(lang: str, parts: Iterable[Any]) -> str:
    """Sentences (``Msg`` or text) one after the other, as the language writes them."""
    texts = [str(word(part, lang)) for part in parts]
    return say(lang, "sep.sentence").join(text for text in texts if text)


def say(lang: str, key: str, **values: Any) -> str:
    """The grading sentence ``key`` in ``lang`` with ``values`` filled in."""
    return render(MESSAGES, lang, key, values)


def answer_error(key: str, **params: Any) -> AnswerError:
    """An ``AnswerError`` whose text is the English of ``key``; ``error_text`` words it in any
    language."""
    error = AnswerError(say("en", key, **params))
    error.msg = Msg(key, **params)
    return error


def usage_error(key: str, **params: Any) -> UsageError:
    error = UsageError(say("en", key, **params))
    error.msg = Msg(key, **params)
    return error


def code_names(codes: Iterable[str], lang: str = "en") -> str:
    """Diagnosis codes as the human form shows them: the codes in English, short names in
    Chinese (a code without a name shows as itself)."""
    table = MESSAGES.get(lang) or MESSAGES["en"]
    names = [table.get(f"code.{code}", code) for code in codes]
    return say(lang, "sep.codes").join(names)


def error_text(error: BaseException, lang: str = "en") -> str:
    """An error's message in ``lang`` (its own text when it carries no ``Msg``)."""
    message = getattr(error, "msg", None)
    return message.text(lang) if isinstance(message, Msg) else str(error)


EN: dict[str, "str | dict[str, str]"] = {
    # separators and labels
    "sep.sentence": " ",
    "sep.list": ", ",
    "sep.and": " and ",
    "label.diagnosis": "diagnosis: {codes}",
    "label.your_answer": "your {target}",
    "sep.codes": ", ",
    # the diagnosis codes as the human form shows them (the codes themselves in English)
    "code.shape": "shape",
    "code.transposed": "transposed",
    "code.sign": "sign",
    "code.missing_1_over_m": "missing_1_over_m",
    "code.extra_1_over_m": "extra_1_over_m",
    "code.scaled": "scaled",
    "code.entries": "entries",
    "code.right_by_coincidence": "right_by_coincidence",
    "code.missing_activation_derivative": "missing_activation_derivative",
    "code.derivative_at_A": "derivative_at_A",
    "code.wrong_activation_derivative": "wrong_activation_derivative",
    "code.extra_activation_derivative": "extra_activation_derivative",
    "code.used_dW_for_W": "used_dW_for_W",
    "code.wrong_input": "wrong_input",
    "code.missing_transpose": "missing_transpose",
    "code.kernel_rotated": "kernel_rotated",
    "code.not_summed": "not_summed",
    "code.wrong_axis": "wrong_axis",
    "code.term_sign": "term_sign",
    "code.kernel_not_rotated": "kernel_not_rotated",
    "code.wrong_pool_rule": "wrong_pool_rule",
    "code.wrong_reshape": "wrong_reshape",
    "code.missing_bias": "missing_bias",
    "code.other_tensor": "other_tensor",
    # verdicts
    "verdict.right": "Right: your {target} matches (within {rtol:g} relative).",
    "verdict.wrong": "Not yet: your {target} is wrong.",
    "verdict.coincidence": "Not yet: your formula gives the right {target} for these numbers, but not in "
                           "general: with other weights and inputs it is wrong. On such a draw: {explanation}",
    # shapes: the dimension analysis of a target
    "shape.single": "a single number",
    "shape.flat": {"one": "a flat list of {count} number", "other": "a flat list of {count} numbers"},
    "shape.dims": "{dims}",
    "shape.gradient": "{name} has the shape of {base}, {shape} ({meaning})",
    "shape.gradient.plain": "{name} has the shape of {base}, {shape}",
    "shape.tensor": "{name} has {shape} ({meaning})",
    "shape.tensor.plain": "{name} has {shape}",
    "meaning.dense_W": "one row per unit of layer {layer}, one column per input to it",
    "meaning.conv_W": "filters × input channels × kernel height × kernel width",
    "meaning.dense_b": "one entry per unit of layer {layer}: the samples are summed out",
    "meaning.conv_b": "one entry per filter: samples and positions are summed out",
    "meaning.columns": "one row per unit, one column per sample",
    "meaning.images": "samples × channels × height × width",
    # diagnoses
    "diag.shape": "{shape_sentence}; your answer is {answer_shape}.",
    "diag.shape.transposed_numbers_wrong": "That is the transposed shape, but the transposed numbers are not "
                                           "right either: check the order of the factors and their transposes.",
    "diag.entries.single": "Your number is not the right value, and it matches none of the usual mistakes.",
    "diag.close": "It is close, though: within {factor} times the tolerance ({rtol} relative) of the right value. "
                  "Keep more digits when you round.",
    "diag.entries.all": "All {size} entries of your answer are wrong, and it matches none of the usual "
                        "mistakes (transposed, a sign, a factor m or 1/m, a missing g′).",
    "diag.entries.all.marked": "All {size} entries of your answer are wrong (marked), and it matches none of "
                               "the usual mistakes (transposed, a sign, a factor m or 1/m, a missing g′).",
    "diag.entries.some": {"one": "{count} of {size} entries of your answer is wrong; the others are right.",
                          "other": "{count} of {size} entries of your answer are wrong; the others are right."},
    "diag.entries.some.marked": {
        "one": "{count} of {size} entries of your answer is wrong (marked); the others are right.",
        "other": "{count} of {size} entries of your answer are wrong (marked); the others are right."},
    "diag.transposed.maps": "Your answer is transposed: it has the numbers of {what} with the rows and columns of "
                            "each map swapped (row i of your map holds column i of the right one).",
    "diag.transposed.square": "Your answer is transposed: it has the numbers of {what} with rows and columns "
                              "swapped. {shape_sentence}.",
    "diag.transposed.shapes": "Your answer is transposed: it has the numbers of {what} with rows and columns "
                              "swapped ({answer_shape} instead of {value_shape}). {shape_sentence}.",
    "word.value_below": "the value described next",
    "word.right_value": "the right value",
    "word.that_value": "that value",
    # factors between the answer and the right value
    "factor.missing_1_over_m.mean": "Your answer is m = {m} times {base}: J averages over the {m} samples, so "
        "dZ of the last layer, ∂J/∂Z, carries a factor 1/m, and every gradient before it inherits it "
        "(deeplearning.ai's dZ = A − Y leaves the 1/m out and adds it to dW and db instead).",
    "factor.missing_1_over_m.sum": "Your answer is m = {m} times {base}: {loss}, J = Σ (a − y)², is a sum over "
        "the samples, not a mean, so m appears nowhere in its gradients.",
    "factor.extra_1_over_m.mean": "Your answer is {base} divided by m = {m}: the 1/m is already inside dZ "
        "(dZ = ∂J/∂Z exactly), so it must not be applied again; deeplearning.ai writes dZ = A − Y and puts "
        "the 1/m into dW and db instead.",
    "factor.extra_1_over_m.sum": "Your answer is {base} divided by m = {m}: {loss}, J = Σ (a − y)², is a sum "
        "over the samples, not a mean, so no 1/m enters its gradients (mse, (1/2m)·Σ (a − y)², has one).",
    "factor.scaled": "Your answer is {factor:.4g} times {base}: a constant factor is off.",
    "factor.sse_half": "sse, J = Σ (a − y)², has no ½: d/da (a − y)² = 2(a − y), so the 2 of the square "
                       "stays (mse, (1/2m)·Σ (a − y)², is the loss whose ½ cancels it).",
    "factor.sse_half_over_m": "That is ½ · 1/m: (A − Y)/m is the gradient of mse, (1/2m)·Σ (a − y)²; this "
                              "loss is sse, Σ (a − y)², whose gradient is 2(A − Y), with the 2 and without 1/m.",
    "factor.mse_two": "mse is (1/2m)·Σ (a − y)²: its ½ cancels the 2 of the square, so dA = (A − Y)/m "
                      "(sse, Σ (a − y)², is the loss that keeps the 2).",
    "factor.mse_two_m": "That is 2m: 2(A − Y) is the gradient of sse, Σ (a − y)²; this loss is mse, "
                        "(1/2m)·Σ (a − y)², whose gradient is (A − Y)/m.",
    "factor.two_from_loss": "A factor of 2 often comes from the loss: mse is (1/2m)·Σ(a − y)², whose ½ "
                            "cancels the 2 of the square; sse, Σ(a − y)², keeps it.",
    "factor.sign.log": "Your answer has the opposite sign of {base}: check where a minus sign enters "
                       "(A − Y, not Y − A; the minus in front of the log-loss).",
    "factor.sign.square": "Your answer has the opposite sign of {base}: check where a minus sign enters "
                          "(A − Y, not Y − A: d/da (a − y)² = 2(a − y)).",
    "factor.sign_also": "The sign is flipped as well.",
    # named mistakes (formulas such as g = tanh′(Z1) or rule = dZ1 = dA1 ⊙ tanh′(Z1) are parameters)
    "mistake.missing_g": "The factor g′(Z{l}) is missing: dZ{l} = dA{l} ⊙ {g}, element by element.",
    "mistake.derivative_at_A.sigmoid": "The derivative g′ was evaluated at A{l} instead of Z{l}: dZ{l} = "
        "dA{l} ⊙ {g} (and {activation}′(Z) = A(1 − A) when written with A).",
    "mistake.derivative_at_A.tanh": "The derivative g′ was evaluated at A{l} instead of Z{l}: dZ{l} = "
        "dA{l} ⊙ {g} (= 1 − A{l}² when written with A).",
    "mistake.extra_g": "The factor {activation}′ was applied twice: with cross-entropy, dZ{l} = (A{l} − Y)/m "
        "already is dA{l} ⊙ {g} simplified, so it takes no further A{l}(1 − A{l}).",
    "mistake.used_dW_for_W.dZ": "You used dW{next}ᵀ where W{next}ᵀ belongs: dA{l} = W{next}ᵀ · dZ{next} "
        "passes the gradient back through the weights themselves.",
    "mistake.g_itself": "You multiplied by the activation A{l} = {activation}(Z{l}) itself, not by its "
                        "derivative: {rule}.",
    "mistake.g_fed_Z": "{activation}′ written with A is {words}, but you put Z{l} in place of A{l}: "
                       "{rule} = dA{l} ⊙ ({words_l}).",
    "mistake.other_derivative": "That is the derivative of {other}, but layer {l} uses {activation}: "
                                "{rule} = dA{l} ⊙ ({words_l}).",
    "mistake.output_for_input": "You used A{l} (the output of layer {l}) where {input} (its input) belongs: "
                                "dW{l} = dZ{l} · {input}ᵀ.",
    "mistake.Z_for_A": "You used Z{prev} where A{prev} belongs: layer {l} takes the activations "
                       "A{prev} = g(Z{prev}), so dW{l} = dZ{l} · A{prev}ᵀ.",
    "mistake.input_not_transposed": "{input} was used without its transpose: dW{l} = dZ{l} · {input}ᵀ, so "
                                    "that each entry sums over the m samples.",
    "mistake.other_input": "You used {other} where {input} (the input of layer {l}) belongs: "
                           "dW{l} = dZ{l} · {input}ᵀ.",
    "mistake.kernel_rotated": "Your dW{l} is rotated by 180°: dW{l} is the plain correlation of the (padded) "
        "input with dZ{l}, dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j]; ROT180 "
        "belongs in the gradient of the input only.",
    "mistake.db_not_summed": "The bias gradient is dZ{l} summed over the m samples (axis 1): db{l} = "
                             "sum(dZ{l}, axis=1, keepdims=True); b{l} is shared by every sample.",
    "mistake.db_wrong_axis": "The sum ran over the units (axis 0) instead of the samples (axis 1): "
                             "db{l} = sum(dZ{l}, axis=1, keepdims=True).",
    "mistake.db_summed_all": "You summed all of dZ{l}, over the units too: each unit has its own bias, so "
                             "db{l} = sum(dZ{l}, axis=1, keepdims=True) keeps one entry per unit.",
    "mistake.conv_db_not_summed": "The bias gradient sums dZ{l} over the samples and all positions: "
                                  "db{l} = sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.conv_db_positions_only": "You summed dZ{l} over the positions but not over the samples: "
                                      "db{l} = sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.conv_db_samples_only": "You summed dZ{l} over the samples but not over the positions: each "
        "filter's bias is added at every position, so db{l} = sum(dZ{l}, axis=(0, 2, 3)).",
    "mistake.bce_term_sign": "The second term has the wrong sign: d/da log(1 − a) = −1/(1 − a), so "
                             "{name} = (1/m)(−Y/A{l} + (1 − Y)/(1 − A{l})).",
    "mistake.W_not_transposed": "W{next} was used without its transpose: {name} = W{next}ᵀ · dZ{next} (the "
        "gradient goes back along the weights, from each unit of layer {next} to its inputs).",
    "mistake.used_dW_for_W": "You used dW{next}ᵀ where W{next}ᵀ belongs: {name} = W{next}ᵀ · dZ{next}.",
    "mistake.dA_missing_g": "You passed dA{next} back without the factor {g}: {name} = W{next}ᵀ · dZ{next} "
                            "with dZ{next} = dA{next} ⊙ {g}.",
    "mistake.kernel_not_rotated": "The kernel was not rotated: {name} is the full correlation of dZ{next} "
        "with ROT180(W{next}) (each input pixel collects W{next}[i, j] · dZ{next} from every window that "
        "covered it).",
    "mistake.spread_like_avg": "The gradient was spread evenly as in average pooling; max pooling sends each "
                               "window's gradient only to its largest element (the others get 0).",
    "mistake.routed_like_max": "The gradient was routed to the largest element as in max pooling; average "
        "pooling spreads each window's gradient evenly, 1/{size} to each element.",
    "mistake.column_major": "You put dA{next} back in column-major order: flatten takes each sample's values "
        "in row-major order (channel, then row, then column: along a row first), so {name} is dA{next}'s "
        "column for each sample filled back row by row.",
    "mistake.reshape_without_columns": "You reshaped dA{next} without taking one column per sample: flatten "
        "makes each sample's C × H × W values one column, so {name} = dA{next}ᵀ reshaped to m × C × H × W.",
    "mistake.missing_bias": "The bias is missing: Z{l} = W{l} · {input} + b{l}, with b added to every column.",
    "mistake.other_tensor": "Your answer is {yours}, not {target}.",
    "tensor.gradient": "{name} (∂J/∂{base})",
    "tensor.plain": "{name}",
    # requests that do not fit the network
    "target.unknown": "unknown target {name!r}. This network's targets are {targets}",
    "target.unknown.close": "unknown target {name!r}; did you mean {close}? This network's targets are {targets}",
    "usage.rtol": "the relative tolerance must be a number between 0 and 1, found {rtol!r}",
    # answers that cannot be graded
    "answer.empty": "the answer is empty",
    "answer.uses_target": "the formula uses {target}, the tensor it is meant to compute; write it with the "
                          "tensors it comes from",
    "answer.not_numbers": "the answer must be numbers or a formula, found {kind}",
    "answer.not_finite": "the answer holds values that are not finite (inf or nan)",
    "numbers.too_long": "the answer is {length:,} characters long; the limit is {limit:,}",
    "numbers.unreadable": "cannot read the answer as numbers at {at!r}: write entries like 0.25, -1/3 or 1e-3, "
                          "rows as [[1, 2], [3, 4]] or 1 2; 3 4",
    "numbers.adjacent": "cannot read the answer as numbers at {at!r}: separate entries with spaces or commas, "
                        "as in 1 -2 or [1, -2]",
    "numbers.divide_by_zero": "{token} divides by zero",
    "numbers.too_large": "{token} is too large: a float64 holds at most about 1.8e308",
    "numbers.out_of_range": "{token}: {number} is out of range: a float64 holds numbers from about 2.2e-308 "
                            "to 1.8e308 in size (and 0)",
    "numbers.too_deep": "the answer is nested more than {limit} lists deep",
    "numbers.unclosed": "a '[' is never closed: add the missing ']'",
    "numbers.unopened": "there is a ']' without a matching '['",
    "numbers.empty_list": "the answer has an empty list []",
    "numbers.ragged": "the rows of the answer have different sizes ({sizes} entries); every row must have as "
                      "many entries as the others",
    "formula.not_finite": "the formula {formula!r} gives values that are not finite (an overflow, a division by "
                          "0 or the log of 0?)",
    "formula.too_long": "the formula is {length} characters long; the limit is {limit}",
    "formula.syntax": "cannot read the formula: {detail}. Write numbers as [[1, 2], [3, 4]] or a formula such as "
                      "W2.T @ dZ2",
    "formula.syntax.at": "cannot read the formula at column {column}: {detail}. Write numbers as [[1, 2], [3, 4]] "
                         "or a formula such as W2.T @ dZ2",
    "formula.syntax.invalid": "invalid syntax",
    "formula.syntax.never_closed": "'{bracket}' was never closed",
    "formula.syntax.unmatched": "unmatched '{bracket}'",
    "formula.unreadable": "cannot read the formula",
    "formula.too_many_parts": "the formula has {count} parts; the limit is {limit}",
    "formula.forbidden": "a formula may not contain {what}; use tensor names, numbers, + - * / ** @, .T and "
                         "the functions {functions}",
    "formula.only_numbers": "a formula may only contain numbers, not {value!r}",
    "formula.attribute": "'.{attr}' is not allowed: the only attribute a formula may use is .T (transpose)",
    "formula.attribute.module": "'.{attr}' is not allowed: the only attribute a formula may use is .T "
                                "(transpose); {attr} is not one of the functions {functions}",
    "formula.only_functions": "only the functions {functions} may be called",
    "formula.arguments": {"one": "{name} takes {count} argument, found {found}",
                          "other": "{name} takes {count} arguments, found {found}"},
    "formula.keyword": "{name} does not take {keyword}=; it takes {allowed}",
    "formula.keyword.none": "{name} does not take {keyword}=; it takes no keywords",
    "formula.not_a_number": "{value} is not a number; True, False and None only go in keepdims= and axis=",
    "formula.out_of_range": "{number} is out of range: a float64 holds numbers up to about 1.8e308 in size",
    "formula.call_it": "{name} is a function: call it, as in {name}(Z1)",
    "formula.not_a_value": "{source!r} is not a value a formula can use",
    "formula.not_finite_name": "{name} is not a number an answer can hold: every entry must be finite",
    "formula.unknown_name": "unknown name {name!r} in the formula: this network has {known}",
    "formula.unknown_name.close": "unknown name {name!r} in the formula: did you mean {close}? this network "
                                  "has {known}",
    "formula.exponent": "in {source!r}: the exponent must be a single number between -{limit} and {limit} "
                        "(such as ** 2)",
    "formula.broadcast": "in {source!r}: {symbol} needs shapes that match or broadcast, but {left} is "
                         "{left_shape} and {right} is {right_shape}",
    "formula.matmul_scalar": "in {source!r}: @ multiplies matrices; use * for a single number",
    "formula.matmul_ndim": "in {source!r}: @ works on vectors and matrices; {operand} has {ndim} dimensions",
    "formula.matmul_inner": "in {source!r}: {left} is {left_shape} and {right} is {right_shape}; @ needs the "
                            "columns of the left ({inner_left}) to match the rows of the right ({inner_right}).",
    "formula.matmul_inner.suggest": "in {source!r}: {left} is {left_shape} and {right} is {right_shape}; @ "
        "needs the columns of the left ({inner_left}) to match the rows of the right ({inner_right}). Did you "
        "mean {suggestion}.T?",
    "formula.too_large_product": "in {source!r}: this product is too large to compute here",
    "formula.too_many_entries": "in {source!r}: the result would be {shape}, more than {limit:,} numbers; check "
                                "the shapes (a column times a row broadcasts to a full matrix)",
    "formula.keepdims": "{function}(…, keepdims=…) takes True or False",
    "formula.axis_value": "{function}(…, axis=…) takes a whole number, such as axis=1, or a tuple such as "
                          "axis=(0, 2, 3)",
    "formula.axis_twice": "in {source!r}: an axis is named twice; name each axis once, as in axis=(0, 2, 3)",
    "formula.axis_missing": "in {source!r}: axis {axis} does not exist; {operand} is {shape}",
    "node.subscript": "indexing [ ]",
    "node.compare": "comparisons",
    "node.list": "lists",
    "node.dict": "dicts",
    "node.comprehension": "comprehensions",
    "node.generator": "generators",
    "node.starred": "*arguments",
    "node.fstring": "f-strings",
}

ZH: dict[str, "str | dict[str, str]"] = {
    "sep.sentence": "",
    "sep.list": "，",
    "sep.and": " 和 ",
    "label.diagnosis": "诊断：{codes}",
    "label.your_answer": "你的 {target}",
    "sep.codes": "、",
    "code.shape": "维度不对",
    "code.transposed": "转置了",
    "code.sign": "符号反了",
    "code.missing_1_over_m": "少了 1/m",
    "code.extra_1_over_m": "多了 1/m",
    "code.scaled": "差一个常数因子",
    "code.entries": "数值不对",
    "code.right_by_coincidence": "只是碰巧对",
    "code.missing_activation_derivative": "漏了激活函数的导数",
    "code.derivative_at_A": "导数在 A 处求值",
    "code.wrong_activation_derivative": "激活函数的导数不对",
    "code.extra_activation_derivative": "多乘了激活函数的导数",
    "code.used_dW_for_W": "把 dW 当成了 W",
    "code.wrong_input": "用错了输入",
    "code.missing_transpose": "漏了转置",
    "code.kernel_rotated": "卷积核被旋转了",
    "code.not_summed": "没有求和",
    "code.wrong_axis": "求和的轴不对",
    "code.term_sign": "有一项符号错了",
    "code.kernel_not_rotated": "卷积核没有旋转",
    "code.wrong_pool_rule": "池化的反向规则用错了",
    "code.wrong_reshape": "重排的顺序不对",
    "code.missing_bias": "漏了偏置",
    "code.other_tensor": "算成了别的张量",
    "verdict.right": "正确：你的 {target} 对了（相对误差在 {rtol:g} 以内）。",
    "verdict.wrong": "还不对：你的 {target} 有错。",
    "verdict.coincidence": "还不对：你的公式在这组数上恰好算出了正确的 {target}，但并不普遍成立：换一组权重和"
                           "输入，结果就错了。在这样的一组数上：{explanation}",
    "shape.single": "一个数",
    "shape.flat": "含 {count} 个数的一维列表",
    "shape.dims": "{dims}",
    "shape.gradient": "{name} 与 {base} 维度相同，是 {shape}（{meaning}）",
    "shape.gradient.plain": "{name} 与 {base} 维度相同，是 {shape}",
    "shape.tensor": "{name} 的维度是 {shape}（{meaning}）",
    "shape.tensor.plain": "{name} 的维度是 {shape}",
    "meaning.dense_W": "每行对应第 {layer} 层的一个单元，每列对应该层的一个输入",
    "meaning.conv_W": "卷积核个数 × 输入通道数 × 卷积核高 × 卷积核宽",
    "meaning.dense_b": "第 {layer} 层每个单元一个元素：样本这一维已经求和消掉",
    "meaning.conv_b": "每个卷积核一个元素：样本和位置都已经求和消掉",
    "meaning.columns": "每行是一个单元，每列是一个样本",
    "meaning.images": "样本数 × 通道数 × 高 × 宽",
    "diag.shape": "{shape_sentence}；而你的答案是 {answer_shape}。",
    "diag.shape.transposed_numbers_wrong": "这恰好是转置后的维度，但转置过来的数也不对：检查各因子的先后顺序"
                                           "和它们的转置。",
    "diag.entries.single": "你的数不对，也不属于任何一种常见错误。",
    "diag.close": "不过已经很接近了：与正确值的差距在容差（相对 {rtol}）的 {factor} 倍以内。四舍五入时请多保留几位。",
    "diag.entries.all": "你的答案 {size} 个元素全错，也不属于任何一种常见错误（转置、符号、多或少一个因子 m 或 "
                        "1/m、漏了 g′）。",
    "diag.entries.all.marked": "你的答案 {size} 个元素全错（已标出），也不属于任何一种常见错误（转置、符号、"
                               "多或少一个因子 m 或 1/m、漏了 g′）。",
    "diag.entries.some": "你的答案 {size} 个元素中有 {count} 个不对，其余都对。",
    "diag.entries.some.marked": "你的答案 {size} 个元素中有 {count} 个不对（已标出），其余都对。",
    "diag.transposed.maps": "你的答案转置了：它等于把 {what} 每张特征图的行和列对调（你的图的第 i 行是正确结果的"
                            "第 i 列）。",
    "diag.transposed.square": "你的答案转置了：它等于把 {what} 的行和列对调。{shape_sentence}。",
    "diag.transposed.shapes": "你的答案转置了：它等于把 {what} 的行和列对调（你的是 {answer_shape}，应为 "
                              "{value_shape}）。{shape_sentence}。",
    "word.value_below": "下面所说的值",
    "word.right_value": "正确值",
    "word.that_value": "这个值",
    "factor.missing_1_over_m.mean": "你的答案是{base}的 m = {m} 倍：J 是对 {m} 个样本取平均，所以最后一层的 "
        "dZ，即 ∂J/∂Z，带有因子 1/m，它之前的每个梯度都继承了这个因子（deeplearning.ai 写的 dZ = A − Y 不含 "
        "1/m，而是在 dW 和 db 里再乘 1/m）。",
    "factor.missing_1_over_m.sum": "你的答案是{base}的 m = {m} 倍：{loss} 即 J = Σ (a − y)²，是对样本求和而"
        "不是取平均，所以它的梯度里根本没有 m。",
    "factor.extra_1_over_m.mean": "你的答案是{base}除以 m = {m}：1/m 已经在 dZ 里了（dZ 就是 ∂J/∂Z），不能再"
        "除一次；deeplearning.ai 写 dZ = A − Y，所以才在 dW 和 db 里乘 1/m。",
    "factor.extra_1_over_m.sum": "你的答案是{base}除以 m = {m}：{loss} 即 J = Σ (a − y)²，是对样本求和而不是"
        "取平均，所以它的梯度里没有 1/m（mse 即 (1/2m)·Σ (a − y)² 才有）。",
    "factor.scaled": "你的答案是{base}的 {factor:.4g} 倍：差了一个常数因子。",
    "factor.sse_half": "sse 即 J = Σ (a − y)²，没有 ½：d/da (a − y)² = 2(a − y)，平方求导得到的 2 要保留"
                       "（mse 即 (1/2m)·Σ (a − y)²，才有 ½ 把它约掉）。",
    "factor.sse_half_over_m": "这正好差 ½ · 1/m：(A − Y)/m 是 mse 即 (1/2m)·Σ (a − y)² 的梯度；这里的损失函数"
                              "是 sse 即 Σ (a − y)²，它的梯度是 2(A − Y)，有 2，没有 1/m。",
    "factor.mse_two": "mse 是 (1/2m)·Σ (a − y)²：其中的 ½ 与平方求导得到的 2 相消，所以 dA = (A − Y)/m"
                      "（保留这个 2 的是 sse 即 Σ (a − y)²）。",
    "factor.mse_two_m": "这正好差 2m：2(A − Y) 是 sse 即 Σ (a − y)² 的梯度；这里的损失函数是 mse 即 "
                        "(1/2m)·Σ (a − y)²，它的梯度是 (A − Y)/m。",
    "factor.two_from_loss": "差 2 倍往往出在损失函数上：mse 是 (1/2m)·Σ(a − y)²，其中的 ½ 约掉了平方求导的 2；"
                            "sse 即 Σ(a − y)² 则保留这个 2。",
    "factor.sign.log": "你的答案与{base}符号相反：检查负号是从哪里来的（是 A − Y 而不是 Y − A；对数损失前面的"
                       "负号）。",
    "factor.sign.square": "你的答案与{base}符号相反：检查负号是从哪里来的（是 A − Y 而不是 Y − A："
                          "d/da (a − y)² = 2(a − y)）。",
    "factor.sign_also": "符号也反了。",
    "mistake.missing_g": "漏了因子 g′(Z{l})：dZ{l} = dA{l} ⊙ {g}，逐元素相乘。",
    "mistake.derivative_at_A.sigmoid": "激活函数的导数 g′ 是在 A{l} 处而不是在 Z{l} 处求的：dZ{l} = dA{l} ⊙ "
        "{g}（用 A 来写，{activation}′(Z) = A(1 − A)）。",
    "mistake.derivative_at_A.tanh": "激活函数的导数 g′ 是在 A{l} 处而不是在 Z{l} 处求的：dZ{l} = dA{l} ⊙ "
        "{g}（用 A 来写，就是 1 − A{l}²）。",
    "mistake.extra_g": "{activation}′ 这个因子乘了两次：配交叉熵时，dZ{l} = (A{l} − Y)/m 已经是 dA{l} ⊙ {g} "
                       "化简后的结果，不要再乘 A{l}(1 − A{l})。",
    "mistake.used_dW_for_W.dZ": "该用 W{next}ᵀ 的地方你用了 dW{next}ᵀ：dA{l} = W{next}ᵀ · dZ{next}，梯度是经过"
                                "权重本身传回来的。",
    "mistake.g_itself": "你乘的是激活值 A{l} = {activation}(Z{l}) 本身，而不是激活函数的导数：{rule}。",
    "mistake.g_fed_Z": "{activation}′ 用 A 来写是 {words}，但你把 Z{l} 代到了 A{l} 的位置：{rule} = dA{l} ⊙ ("
                       "{words_l})。",
    "mistake.other_derivative": "这是 {other} 的导数，但第 {l} 层用的是 {activation}：{rule} = dA{l} ⊙ ({words_l})。",
    "mistake.output_for_input": "该用 {input}（第 {l} 层的输入）的地方你用了 A{l}（第 {l} 层的输出）："
                                "dW{l} = dZ{l} · {input}ᵀ。",
    "mistake.Z_for_A": "该用 A{prev} 的地方你用了 Z{prev}：第 {l} 层的输入是激活值 A{prev} = g(Z{prev})，所以 "
                       "dW{l} = dZ{l} · A{prev}ᵀ。",
    "mistake.input_not_transposed": "{input} 没有转置：dW{l} = dZ{l} · {input}ᵀ，这样每个元素才是对 m 个样本"
                                    "求和。",
    "mistake.other_input": "该用 {input}（第 {l} 层的输入）的地方你用了 {other}：dW{l} = dZ{l} · {input}ᵀ。",
    "mistake.kernel_rotated": "你的 dW{l} 旋转了 180°：dW{l} 就是（补零后的）输入与 dZ{l} 的普通互相关，"
        "dW{l}[f, c, i, j] = Σ dZ{l}[n, f, y, x] · P[n, c, s·y + i, s·x + j]；ROT180 只出现在对输入的梯度里。",
    "mistake.db_not_summed": "偏置的梯度是 dZ{l} 对 m 个样本求和（axis 1）：db{l} = sum(dZ{l}, axis=1, "
                             "keepdims=True)；所有样本共用同一个 b{l}。",
    "mistake.db_wrong_axis": "求和沿的是单元（axis 0），而不是样本（axis 1）：db{l} = sum(dZ{l}, axis=1, "
                             "keepdims=True)。",
    "mistake.db_summed_all": "你把 dZ{l} 的所有元素都加起来了，连单元也一起求和：每个单元有自己的偏置，所以 "
                             "db{l} = sum(dZ{l}, axis=1, keepdims=True) 每个单元保留一个元素。",
    "mistake.conv_db_not_summed": "偏置的梯度是 dZ{l} 对样本和所有位置求和：db{l} = sum(dZ{l}, axis=(0, 2, 3))。",
    "mistake.conv_db_positions_only": "你对位置求和了，但没有对样本求和：db{l} = sum(dZ{l}, axis=(0, 2, 3))。",
    "mistake.conv_db_samples_only": "你对样本求和了，但没有对位置求和：每个卷积核的偏置加在每个位置上，所以 "
                                    "db{l} = sum(dZ{l}, axis=(0, 2, 3))。",
    "mistake.bce_term_sign": "第二项的符号错了：d/da log(1 − a) = −1/(1 − a)，所以 {name} = (1/m)(−Y/A{l} + "
                             "(1 − Y)/(1 − A{l}))。",
    "mistake.W_not_transposed": "W{next} 没有转置：{name} = W{next}ᵀ · dZ{next}（梯度沿权重往回传，从第 {next} "
                                "层的每个单元传回它的各个输入）。",
    "mistake.used_dW_for_W": "该用 W{next}ᵀ 的地方你用了 dW{next}ᵀ：{name} = W{next}ᵀ · dZ{next}。",
    "mistake.dA_missing_g": "你直接把 dA{next} 传了回去，漏了因子 {g}：{name} = W{next}ᵀ · dZ{next}，其中 "
                            "dZ{next} = dA{next} ⊙ {g}。",
    "mistake.kernel_not_rotated": "卷积核没有旋转：{name} 是 dZ{next} 与 ROT180(W{next}) 的完全互相关（每个输入"
                                  "像素从覆盖过它的每个窗口收集 W{next}[i, j] · dZ{next}）。",
    "mistake.spread_like_avg": "你像平均池化那样把梯度平均分了；最大池化只把每个窗口的梯度交给窗口里最大的元素"
                               "（其余为 0）。",
    "mistake.routed_like_max": "你像最大池化那样把梯度全给了最大的元素；平均池化把每个窗口的梯度平均分给窗口里"
                               "的元素，每个 1/{size}。",
    "mistake.column_major": "你按列优先的顺序把 dA{next} 放回去了：flatten 按行优先取每个样本的值（先通道、再行、"
                            "再列，即先沿一行走），所以 {name} 是把 dA{next} 中每个样本的那一列按行依次填回去。",
    "mistake.reshape_without_columns": "你重排 dA{next} 时没有一列对应一个样本：flatten 把每个样本的 C × H × W "
        "个值排成一列，所以 {name} = dA{next}ᵀ 重排成 m × C × H × W。",
    "mistake.missing_bias": "漏了偏置：Z{l} = W{l} · {input} + b{l}，b 加到每一列上。",
    "mistake.other_tensor": "你的答案是 {yours}，不是 {target}。",
    "tensor.gradient": "{name}（∂J/∂{base}）",
    "tensor.plain": "{name}",
    "target.unknown": "没有名为 {name!r} 的目标。这个网络的目标有：{targets}",
    "target.unknown.close": "没有名为 {name!r} 的目标；你是不是想写 {close}？这个网络的目标有：{targets}",
    "usage.rtol": "相对容差必须是 0 到 1 之间的数，收到的是 {rtol!r}",
    "answer.empty": "答案是空的",
    "answer.uses_target": "公式里用到了 {target}，而它正是要求的张量；请用推出它的那些张量来写",
    "answer.not_numbers": "答案必须是数或公式，收到的是 {kind}",
    "answer.not_finite": "答案里有不是有限数的值（inf 或 nan）",
    "numbers.too_long": "答案有 {length:,} 个字符，上限是 {limit:,}",
    "numbers.unreadable": "无法把答案读成数，问题出在 {at!r}：元素写成 0.25、-1/3 或 1e-3 这样，矩阵写成 "
                          "[[1, 2], [3, 4]] 或 1 2; 3 4",
    "numbers.adjacent": "无法把答案读成数，问题出在 {at!r}：元素之间用空格或逗号隔开，如 1 -2 或 [1, -2]",
    "numbers.divide_by_zero": "{token} 除以了零",
    "numbers.too_large": "{token} 太大了：float64 最大约为 1.8e308",
    "numbers.out_of_range": "{token}：{number} 超出了范围：float64 能表示的数（除 0 外）大小约在 2.2e-308 到 "
                            "1.8e308 之间",
    "numbers.too_deep": "答案的列表嵌套超过了 {limit} 层",
    "numbers.unclosed": "有一个 '[' 没有闭合：补上缺少的 ']'",
    "numbers.unopened": "有一个 ']' 没有对应的 '['",
    "numbers.empty_list": "答案里有一个空列表 []",
    "numbers.ragged": "答案各行的长度不同（分别有 {sizes} 个元素）；每一行的元素个数必须相同",
    "formula.not_finite": "公式 {formula!r} 算出了不是有限数的值（溢出、除以 0，还是 log 0？）",
    "formula.too_long": "公式有 {length} 个字符，上限是 {limit}",
    "formula.syntax": "无法解析公式：{detail}。数值答案写成 [[1, 2], [3, 4]]，公式写成 W2.T @ dZ2 这样",
    "formula.syntax.at": "无法解析公式（第 {column} 列）：{detail}。数值答案写成 [[1, 2], [3, 4]]，公式写成 "
                         "W2.T @ dZ2 这样",
    "formula.syntax.invalid": "语法错误",
    "formula.syntax.never_closed": "'{bracket}' 没有闭合",
    "formula.syntax.unmatched": "多了一个 '{bracket}'",
    "formula.unreadable": "无法解析公式",
    "formula.too_many_parts": "公式有 {count} 个部分，上限是 {limit}",
    "formula.forbidden": "公式里不能用 {what}；只能用张量名、数、+ - * / ** @、.T 和这些函数：{functions}",
    "formula.only_numbers": "公式里只能有数，不能有 {value!r}",
    "formula.attribute": "不能用 '.{attr}'：公式里唯一可用的属性是 .T（转置）",
    "formula.attribute.module": "不能用 '.{attr}'：公式里唯一可用的属性是 .T（转置）；{attr} 也不是可用的函数"
                                "（{functions}）之一",
    "formula.only_functions": "只能调用这些函数：{functions}",
    "formula.arguments": "{name} 需要 {count} 个参数，你给了 {found} 个",
    "formula.keyword": "{name} 不接受 {keyword}=；它只接受 {allowed}",
    "formula.keyword.none": "{name} 不接受 {keyword}=；它不接受关键字参数",
    "formula.not_a_number": "{value} 不是数；True、False 和 None 只能用在 keepdims= 和 axis= 里",
    "formula.out_of_range": "{number} 超出了范围：float64 能表示的数最大约为 1.8e308",
    "formula.call_it": "{name} 是函数：要调用它，如 {name}(Z1)",
    "formula.not_a_value": "{source!r} 不是公式里能用的值",
    "formula.not_finite_name": "{name} 不能出现在答案里：每个元素都必须是有限数",
    "formula.unknown_name": "公式里有未知的名字 {name!r}：这个网络有 {known}",
    "formula.unknown_name.close": "公式里有未知的名字 {name!r}：你是不是想写 {close}？这个网络有 {known}",
    "formula.exponent": "在 {source!r} 中：指数必须是 -{limit} 到 {limit} 之间的单个数（如 ** 2）",
    "formula.broadcast": "在 {source!r} 中：{symbol} 要求两边维度相同或能够广播，但 {left} 是 {left_shape}，"
                         "{right} 是 {right_shape}",
    "formula.matmul_scalar": "在 {source!r} 中：@ 是矩阵乘法；乘一个数请用 *",
    "formula.matmul_ndim": "在 {source!r} 中：@ 只用于向量和矩阵；{operand} 有 {ndim} 维",
    "formula.matmul_inner": "在 {source!r} 中：{left} 是 {left_shape}，{right} 是 {right_shape}；@ 要求左边的"
                            "列数（{inner_left}）等于右边的行数（{inner_right}），维度才相容。",
    "formula.matmul_inner.suggest": "在 {source!r} 中：{left} 是 {left_shape}，{right} 是 {right_shape}；@ 要求"
        "左边的列数（{inner_left}）等于右边的行数（{inner_right}），维度才相容。你是不是想写 {suggestion}.T？",
    "formula.too_large_product": "在 {source!r} 中：这个乘积太大，这里算不了",
    "formula.too_many_entries": "在 {source!r} 中：结果会是 {shape}，超过 {limit:,} 个数；检查一下维度（一列乘"
                                "一行会广播成一整个矩阵）",
    "formula.keepdims": "{function}(…, keepdims=…) 只能取 True 或 False",
    "formula.axis_value": "{function}(…, axis=…) 要取整数（如 axis=1）或整数元组（如 axis=(0, 2, 3)）",
    "formula.axis_twice": "在 {source!r} 中：同一个轴写了两次；每个轴只写一次，如 axis=(0, 2, 3)",
    "formula.axis_missing": "在 {source!r} 中：轴 {axis} 不存在；{operand} 是 {shape}",
    "node.subscript": "下标 [ ]",
    "node.compare": "比较运算",
    "node.list": "列表",
    "node.dict": "字典",
    "node.comprehension": "推导式",
    "node.generator": "生成器",
    "node.starred": "*参数",
    "node.fstring": "f-字符串",
}

MESSAGES: dict[str, dict[str, "str | dict[str, str]"]] = {"en": EN, "zh": ZH}
Msg.tables = MESSAGES
