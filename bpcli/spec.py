"""Reading and validating network files (YAML) and mappings into a ``Network``.

Every problem raises ``SpecError`` naming the place (``layers[1].W``), what was expected and why,
and what was found. Sizes are checked before anything is allocated: no tensor, and not all of
them together, may hold more than ``MAX_NUMBERS`` numbers, however the YAML was written (aliases
that repeat a list a million times included).
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import sys
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from bpcli.core import activations, losses
from bpcli.core.dense import Dense
from bpcli.core.network import Layer, Network
from bpcli.errors import SpecError

if TYPE_CHECKING:
    from bpcli.core.conv2d import Conv2D

#: the most numbers one tensor, or all tensors of a network together, may hold
MAX_NUMBERS = 10_000_000
#: files larger than this are refused before parsing (10⁷ numbers fit in far less in practice)
MAX_FILE_BYTES = 64 * 1024 * 1024
#: nested lists deeper than this are refused (no tensor here has more than 4 dimensions)
MAX_DEPTH = 8
#: softmax_ce target columns must sum to 1 within this
DISTRIBUTION_TOLERANCE = 1e-6

TOP_LEVEL_KEYS = ("title", "description", "input", "layers", "loss", "seed", "exercise")
INPUT_KEYS = ("X", "Y")
LAYER_KEYS = {
    "dense": ("type", "units", "activation", "W", "b"),
    "conv2d": ("type", "filters", "kernel", "stride", "padding", "activation", "W", "b"),
    "maxpool": ("type", "size", "stride"),
    "avgpool": ("type", "size", "stride"),
    "flatten": ("type",),
}
IMAGE_LAYERS = ("conv2d", "maxpool", "avgpool", "flatten")


def load(source: Any, file_label: str | None = None) -> Network:
    """A validated ``Network`` from a path (str or PathLike) or an already parsed mapping."""
    if isinstance(source, Mapping):
        return from_mapping(source, file_label)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        return load_bytes(_read_file(path), path if file_label is None else file_label)
    raise SpecError(f"expected a file path or a mapping, found {type(source).__name__}", code="wrong_type")


def _read_file(path: str) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise SpecError(f"the file is {size:,} bytes; bpcli reads network files up to "
                            f"{MAX_FILE_BYTES:,} bytes", code="too_large", file=path)
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise SpecError("no such file", code="file_not_found", file=path) from None
    except IsADirectoryError:
        raise SpecError("this is a directory, not a network file", code="not_a_file", file=path) from None
    except PermissionError:
        raise SpecError("permission denied", code="unreadable", file=path) from None
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", code="unreadable", file=path) from None


def load_bytes(data: bytes, file_label: str | None = None) -> Network:
    """A validated ``Network`` from the bytes of a YAML file (``file_label`` names it in errors)."""
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"the input is {len(data):,} bytes; bpcli reads network files up to "
                        f"{MAX_FILE_BYTES:,} bytes", code="too_large", file=file_label)
    if b"\x00" in data:
        raise SpecError("this is a binary file, not a YAML network file", code="binary_file", file=file_label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("this file is not UTF-8 text (a binary file?); network files are YAML text",
                        code="binary_file", file=file_label) from None
    return load_text(text, file_label)


def load_text(text: str, file_label: str | None = None) -> Network:
    """A validated ``Network`` from YAML text."""
    return from_mapping(parse_yaml(text, file_label), file_label)


def parse_yaml(text: str, file_label: str | None = None) -> Mapping:
    """The YAML document as a mapping, read with the safe loader only (no tag ever runs code)."""
    import yaml

    if not text.strip() or all(line.lstrip().startswith("#") for line in text.splitlines() if line.strip()):
        raise SpecError("the file is empty; a network file needs input, layers and loss "
                        "(`bpcli new dense` prints a starter)", code="empty_file", file=file_label)
    try:
        document = yaml.load(text, Loader=_strict_safe_loader())  # noqa: S506 - a SafeLoader
    except SpecError as exc:
        raise exc.with_file(file_label) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise SpecError(f"YAML syntax error: {problem}", path=where, code="yaml_syntax",
                        file=file_label) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", code="yaml_syntax", file=file_label) from None
    except RecursionError:
        raise SpecError("the YAML is nested too deeply to be a network file", code="too_deep",
                        file=file_label) from None
    if document is None:
        raise SpecError("the file is empty; a network file needs input, layers and loss",
                        code="empty_file", file=file_label)
    if not isinstance(document, Mapping):
        raise SpecError(f"expected a mapping with keys input, layers and loss at the top level, "
                        f"found {_describe(document)}", code="not_mapping", file=file_label)
    return document


@functools.lru_cache(maxsize=1)
def _strict_safe_loader():
    """YAML's safe loader (the C one when available) that refuses a key given twice in one
    mapping: plain YAML keeps the last silently, and a learner would compute the wrong W."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictSafeLoader(base):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, Hashable) and key in seen:
                    mark = key_node.start_mark
                    raise SpecError(f"the key {key!r} appears twice in one mapping; keep one",
                                    path=f"line {mark.line + 1}, column {mark.column + 1}", code="duplicate_key")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictSafeLoader


def from_mapping(document: Mapping, file_label: str | None = None) -> Network:
    """Validate a parsed network file (lists or numpy arrays as tensors) into a ``Network``."""
    try:
        return _Validator(document).network(file_label)
    except SpecError as exc:
        raise exc.with_file(file_label) from None
    except RecursionError:
        raise SpecError("the data is nested too deeply to be a network", code="too_deep",
                        file=file_label) from None


# ---------------------------------------------------------------------------------------------
# helpers shared by the validator


def _describe(value: Any) -> str:
    """A short description of a found value for error messages: its type and a glimpse of it."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {_shape_text(value.shape)}"
    return f"a {type(value).__name__}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(str(n) for n in shape) if shape else "a single number"


def _suggest(word: Any, valid: tuple[str, ...] | list[str]) -> str:
    # compared case-insensitively, so that `x:` suggests X and `w:` suggests W
    by_lower = {name.lower(): name for name in valid}
    close = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.5)
    hint = f"; did you mean {by_lower[close[0]]!r}?" if close else ""
    return f"expected one of {', '.join(valid)}{hint}"


def _unknown_name(what: str, value: Any, valid: tuple[str, ...] | list[str]) -> str:
    """"unknown loss 'bse': expected one of …; did you mean 'sse'?", or, for a value that is not
    a name at all (a list, a number), what was found instead of a name."""
    if isinstance(value, str):
        return f"unknown {what} {value!r}: {_suggest(value, valid)}"
    return f"{what} must be a name, {_suggest('', valid)}; found {_describe(value)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _check_keys(mapping: Mapping, allowed: tuple[str, ...], path: str, what: str) -> None:
    for key in mapping:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise SpecError(f"unknown key {key!r} in {what}: {_suggest(key, allowed)}",
                            path=where, code="unknown_key")


def to_array(value: Any, path: str, ndims: tuple[int, ...], what: str) -> np.ndarray:
    """A float64 array from nested lists (or an array), checked for shape regularity, numbers,
    finiteness and size before anything large is built. ``ndims`` lists the accepted ranks."""
    expected_rank = " or ".join(f"{n}-D" for n in ndims)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise SpecError(f"{what} must hold numbers, found an array of {value.dtype}", path, "not_numeric")
        array = value.astype(np.float64)
    else:
        if not isinstance(value, (list, tuple)):
            raise SpecError(f"{what} must be a {expected_rank} list of numbers (nested lists), "
                            f"found {_describe(value)}", path, "wrong_type")
        array = _nested_lists_to_array(value, path, what)
    if array.ndim not in ndims:
        raise SpecError(f"{what} must be {expected_rank}, found {array.ndim}-D data of shape "
                        f"{_shape_text(array.shape)}", path, "wrong_shape")
    if array.size == 0:
        raise SpecError(f"{what} must not be empty, found shape {_shape_text(array.shape)}", path, "empty_array")
    if not np.isfinite(array).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise SpecError(f"{what} must hold finite numbers, found {array[bad]} at index "
                        f"{list(bad)}", path + "".join(f"[{i}]" for i in bad), "not_finite")
    return array


def _nested_lists_to_array(value: list, path: str, what: str) -> np.ndarray:
    # Walk level by level and check the size before each level is expanded, so YAML aliases that
    # repeat one list many times cannot make us build a huge flat list.
    shape: list[int] = []
    level: list[Any] = [value]
    while level and isinstance(level[0], (list, tuple)):
        width = len(level[0])
        for position, item in enumerate(level):
            if not isinstance(item, (list, tuple)) or len(item) != width:
                index = np.unravel_index(position, shape) if shape else ()
                place = path + "".join(f"[{int(i)}]" for i in index)
                first = path + "".join("[0]" for _ in index)
                found = f"a list of {len(item)}" if isinstance(item, (list, tuple)) else _describe(item)
                raise SpecError(f"{what} is ragged: every row must have the same length; {first} has "
                                f"{width} entries but {place} is {found}", place, "ragged")
        shape.append(width)
        if len(shape) > MAX_DEPTH:
            raise SpecError(f"{what} is nested {len(shape)} lists deep; tensors here have at most 4 "
                            "dimensions", path, "too_deep")
        # peek one level further: an alias bomb just under the limit would otherwise be expanded
        # into a flat list of 10⁷ items and scanned before its next level is found too large
        first = level[0][0] if level[0] else None
        upcoming = shape + [len(first)] if isinstance(first, (list, tuple)) else shape
        if math.prod(upcoming) > MAX_NUMBERS:
            raise SpecError(f"{what} would hold {math.prod(upcoming):,} numbers (shape "
                            f"{_shape_text(tuple(upcoming))}); the limit is {MAX_NUMBERS:,}", path, "too_large")
        level = [x for item in level for x in item]
    for position, item in enumerate(level):
        if not _is_number(item):
            index = np.unravel_index(position, shape) if shape else ()
            place = path + "".join(f"[{int(i)}]" for i in index)
            kind = "ragged (lists at different depths)" if isinstance(item, (list, tuple)) else "not numeric"
            raise SpecError(f"{what} must hold numbers only; it is {kind}: found {_describe(item)}",
                            place, "not_numeric" if kind == "not numeric" else "ragged")
    return np.array(level, dtype=np.float64).reshape(shape)


def _positive_int(mapping: Mapping, key: str, path: str, what: str, default: int | None = None,
                  minimum: int = 1) -> int:
    if key not in mapping:
        if default is not None:
            return default
        raise SpecError(f"missing key {key!r}: {what}", f"{path}.{key}", "missing_key")
    value = mapping[key]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError(f"{key} must be a whole number ({what}), found {_describe(value)}",
                        f"{path}.{key}", "wrong_type")
    if value < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise SpecError(f"{key} must be {bound} ({what}), found {value}", f"{path}.{key}", "bad_value")
    return int(value)


class _Validator:
    """One pass over a document: checks each part in file order and builds the layers."""

    def __init__(self, document: Mapping):
        self.doc = document
        self.numbers = 0  # running count of all numbers in the network, against MAX_NUMBERS
        self.seed = 0
        self.rng: np.random.Generator | None = None

    def _count(self, shape: tuple[int, ...], path: str, what: str) -> None:
        size = math.prod(shape)
        if size > MAX_NUMBERS:
            raise SpecError(f"{what} would hold {size:,} numbers ({_shape_text(shape)}); the limit is "
                            f"{MAX_NUMBERS:,} numbers per tensor", path, "too_large")
        self.numbers += size
        if self.numbers > MAX_NUMBERS:
            raise SpecError(f"the network's tensors would hold more than {MAX_NUMBERS:,} numbers in all "
                            f"(reached at {what})", path, "too_large")

    def network(self, file_label: str | None) -> Network:
        doc = self.doc
        _check_keys(doc, TOP_LEVEL_KEYS, "", "the network file")
        for key in ("input", "layers", "loss"):
            if key not in doc:
                raise SpecError(f"missing key {key!r}: a network file needs input, layers and loss",
                                key, "missing_key")
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            raise SpecError(f"title must be text, found {_describe(title)}", "title", "wrong_type")
        seed = doc.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise SpecError(f"seed must be a whole number ≥ 0, found {_describe(seed)}", "seed", "wrong_type")
        loss = doc["loss"]
        if not isinstance(loss, str) or loss not in losses.NAMES:
            raise SpecError(_unknown_name("loss", loss, losses.NAMES), "loss", "unknown_loss")
        layer_specs = doc["layers"]
        if not isinstance(layer_specs, list) or not layer_specs:
            raise SpecError(f"layers must be a non-empty list of layers, found {_describe(layer_specs)}",
                            "layers", "wrong_type")
        for position, spec in enumerate(layer_specs):
            self._check_layer_header(spec, position, len(layer_specs))

        X = self._input_X(layer_specs[0]["type"])
        self.seed = int(seed)
        layers: list[Layer] = []
        shape = X[:, None].shape if X.ndim == 3 else X.shape
        self._count(X.shape, "input.X", "X")
        for position, spec in enumerate(layer_specs):
            layer = self._layer(spec, position, shape)
            shape = layer.output_shape(shape)
            self._count(shape, f"layers[{position}]", f"the output of layer {position + 1}")
            layers.append(layer)

        if len(shape) != 2:
            raise SpecError(f"the loss needs column data n_L × m, but the last layer ({layers[-1].kind}) "
                            f"outputs images {_shape_text(shape)}: end with {{type: flatten}} or a "
                            "dense layer", f"layers[{len(layers) - 1}]", "bad_output")
        required = losses.REQUIRED_ACTIVATION.get(loss)
        last_activation = layers[-1].activation
        if required and last_activation != required:
            found = f"ends with {layers[-1].kind}" + (f" {last_activation}" if last_activation else "")
            raise SpecError(f"loss {loss} needs a {required} activation on the last layer; this network "
                            f"{found}", "loss", "loss_activation")
        if last_activation == "softmax" and loss != "softmax_ce":
            raise SpecError("a softmax output layer goes with loss softmax_ce (its gradient is only "
                            f"taught through that pair), found loss {loss}", "loss", "loss_activation")
        Y = self._input_Y(shape, loss)
        return Network(X=X, Y=Y, layers=layers, loss=loss, seed=int(seed), title=title,
                       source=file_label, extras={"exercise": doc.get("exercise")} if "exercise" in doc else {})

    # -- input ---------------------------------------------------------------------------------

    def _input_mapping(self) -> Mapping:
        section = self.doc["input"]
        if not isinstance(section, Mapping):
            raise SpecError(f"input must be a mapping with keys X and Y, found {_describe(section)}",
                            "input", "wrong_type")
        _check_keys(section, INPUT_KEYS, "input", "input")
        for key in INPUT_KEYS:
            if key not in section:
                raise SpecError(f"missing key {key!r}: input needs X (the samples) and Y (the targets)",
                                f"input.{key}", "missing_key")
        return section

    def _input_X(self, first_type: str) -> np.ndarray:
        section = self._input_mapping()
        if first_type == "dense":
            return to_array(section["X"], "input.X", (2,),
                            "X (n0 × m: one column per sample, since the first layer is dense)")
        X = to_array(section["X"], "input.X", (3, 4),
                     f"X (m × C × H × W, or m × H × W when C = 1, since the first layer is {first_type})")
        return X

    def _input_Y(self, output_shape: tuple[int, ...], loss: str) -> np.ndarray:
        Y = to_array(self._input_mapping()["Y"], "input.Y", (2,), "Y (n_L × m: one column per sample)")
        if Y.shape != tuple(output_shape):
            n_L, m = output_shape
            raise SpecError(f"Y must be {n_L} × {m} because the last layer outputs {n_L} "
                            f"value{'s' if n_L != 1 else ''} for each of the {m} samples; found "
                            f"{_shape_text(Y.shape)}", "input.Y", "shape_mismatch")
        if loss == "bce" and ((Y < 0) | (Y > 1)).any():
            bad = tuple(int(i) for i in np.argwhere((Y < 0) | (Y > 1))[0])
            raise SpecError(f"bce targets must lie in [0, 1], found {Y[bad]:g} at [{bad[0]}][{bad[1]}]",
                            f"input.Y[{bad[0]}][{bad[1]}]", "bad_target")
        if loss == "softmax_ce":
            if (Y < 0).any():
                bad = tuple(int(i) for i in np.argwhere(Y < 0)[0])
                raise SpecError(f"softmax_ce targets must be ≥ 0 (each column a probability "
                                f"distribution), found {Y[bad]:g}", f"input.Y[{bad[0]}][{bad[1]}]", "bad_target")
            sums = Y.sum(axis=0)
            off = np.flatnonzero(np.abs(sums - 1) > DISTRIBUTION_TOLERANCE)
            if off.size:
                column = int(off[0])
                raise SpecError(f"each column of Y must sum to 1 for softmax_ce (a probability "
                                f"distribution over the {Y.shape[0]} classes); column {column + 1} (Y[:, {column}]) sums "
                                f"to {sums[column]:g}", "input.Y", "bad_target")
        return Y

    # -- layers --------------------------------------------------------------------------------

    def _check_layer_header(self, spec: Any, position: int, count: int) -> None:
        path = f"layers[{position}]"
        if not isinstance(spec, Mapping):
            raise SpecError(f"each layer must be a mapping such as {{type: dense, units: 3, activation: "
                            f"relu}}, found {_describe(spec)}", path, "wrong_type")
        if "type" not in spec:
            raise SpecError(f"missing key 'type': {_suggest('', list(LAYER_KEYS))}", f"{path}.type", "missing_key")
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in LAYER_KEYS:
            raise SpecError(_unknown_name("layer type", kind, list(LAYER_KEYS)),
                            f"{path}.type", "unknown_layer")
        _check_keys(spec, LAYER_KEYS[kind], path, f"a {kind} layer")
        if kind in ("dense", "conv2d"):
            if "activation" not in spec:
                raise SpecError(f"missing key 'activation': a {kind} layer needs one of "
                                f"{', '.join(activations.NAMES)}", f"{path}.activation", "missing_key")
            name = spec["activation"]
            if not isinstance(name, str) or name not in activations.NAMES:
                raise SpecError(_unknown_name("activation", name, activations.NAMES),
                                f"{path}.activation", "unknown_activation")
            if name == "softmax" and position != count - 1:
                raise SpecError(f"softmax may only be the last layer's activation (with loss softmax_ce); "
                                f"layer {position + 1} of {count} uses it", f"{path}.activation", "softmax_not_last")

    def _layer(self, spec: Mapping, position: int, in_shape: tuple[int, ...]) -> Layer:
        kind, path, number = spec["type"], f"layers[{position}]", position + 1
        source = "X" if position == 0 else f"layer {position}"
        if kind in IMAGE_LAYERS and len(in_shape) != 4:
            raise SpecError(f"{kind} needs image data m × C × H × W, but {source} outputs column data "
                            f"{_shape_text(in_shape)}", path, "needs_images")
        if kind == "dense" and len(in_shape) != 2:
            raise SpecError(f"a dense layer needs column data (n × m), but {source} outputs images "
                            f"{_shape_text(in_shape)}: add {{type: flatten}} before layer {number}",
                            path, "needs_flatten")
        if kind == "dense":
            return self._dense(spec, path, number, source, in_shape)
        if kind == "conv2d":
            return self._conv2d(spec, path, number, source, in_shape)
        # image layers are imported when a network has them: dense-only files start faster
        if kind == "flatten":
            from bpcli.core.flatten import Flatten

            return Flatten(index=number)
        size = _positive_int(spec, "size", path, "the side of the square pooling window")
        stride = _positive_int(spec, "stride", path, "how far the window moves", default=size)
        H, W = in_shape[2], in_shape[3]
        if size > H or size > W:
            raise SpecError(f"the pooling window {size} × {size} is larger than its input {H} × {W} "
                            f"({source} outputs {_shape_text(in_shape)})", f"{path}.size", "window_too_large")
        from bpcli.core.pool import AvgPool, MaxPool

        pool = MaxPool if kind == "maxpool" else AvgPool
        return pool(index=number, size=size, stride=stride)

    def _param(self, spec: Mapping, key: str, path: str, shape: tuple[int, ...], reason: str,
               accepted_ndims: tuple[int, ...], what: str) -> np.ndarray | None:
        if key not in spec:
            return None
        array = to_array(spec[key], f"{path}.{key}", accepted_ndims, what)
        if array.shape != shape:
            # a flat list of the right length is accepted where the shape is a column (b)
            if array.ndim == 1 and array.size == math.prod(shape) and len(shape) == 2 and shape[1] == 1:
                return array.reshape(shape)
            raise SpecError(f"{what} must be {_shape_text(shape)} because {reason}; found "
                            f"{_shape_text(array.shape)}", f"{path}.{key}", "shape_mismatch")
        return array

    def _init_weights(self, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        """N(0, 1/fan_in) rounded to 2 decimals, drawn from the shared generator in file order."""
        if self.rng is None:  # made on first use: numpy.random alone costs ~20 ms of start-up
            self.rng = np.random.default_rng(self.seed)
        return np.round(self.rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=shape), 2)

    def _dense(self, spec: Mapping, path: str, number: int, source: str, in_shape: tuple[int, ...]) -> Dense:
        units = _positive_int(spec, "units", path, "the number of units in the layer")
        n_prev = in_shape[0]
        shape = (units, n_prev)
        self._count(shape, f"{path}.W", f"W of layer {number}")
        unit_word = "unit" if units == 1 else "units"
        outputs = (f"X has {n_prev} row{'s' if n_prev != 1 else ''} (features)" if source == "X"
                   else f"{source} outputs {n_prev} value{'s' if n_prev != 1 else ''}")
        W = self._param(spec, "W", path, shape,
                        f"layer {number} has {units} {unit_word} and {outputs}", (2,), f"W of layer {number}")
        b = self._param(spec, "b", path, (units, 1), f"layer {number} has {units} {unit_word}",
                        (1, 2), f"b of layer {number}")
        if W is None:
            W = self._init_weights(shape, n_prev)
        if b is None:
            b = np.zeros((units, 1))
        return Dense(index=number, units=units, activation=spec["activation"], W=W, b=b)

    def _conv2d(self, spec: Mapping, path: str, number: int, source: str, in_shape: tuple[int, ...]) -> Conv2D:
        from bpcli.core.conv2d import Conv2D

        filters = _positive_int(spec, "filters", path, "the number of filters")
        kernel = spec.get("kernel")
        if kernel is None:
            raise SpecError("missing key 'kernel': the kernel size, k or [kh, kw]", f"{path}.kernel", "missing_key")
        if isinstance(kernel, list):
            if len(kernel) != 2:
                raise SpecError(f"kernel must be k or [kh, kw], found a list of {len(kernel)}",
                                f"{path}.kernel", "wrong_type")
            kh = _positive_int({"kernel": kernel[0]}, "kernel", path, "the kernel height")
            kw = _positive_int({"kernel": kernel[1]}, "kernel", path, "the kernel width")
        else:
            kh = kw = _positive_int(spec, "kernel", path, "the kernel size, k or [kh, kw]")
        stride = _positive_int(spec, "stride", path, "how far the kernel moves", default=1)
        padding = _positive_int(spec, "padding", path, "zeros added on every side", default=0, minimum=0)
        _, C, H, W_in = in_shape
        if kh > H + 2 * padding or kw > W_in + 2 * padding:
            raise SpecError(f"the kernel {kh} × {kw} is larger than its padded input "
                            f"{H + 2 * padding} × {W_in + 2 * padding} ({source} outputs "
                            f"{_shape_text(in_shape)}, padding {padding})", f"{path}.kernel", "kernel_too_large")
        shape = (filters, C, kh, kw)
        self._count(shape, f"{path}.W", f"W of layer {number}")
        channels = f"its input has {C} channel{'s' if C != 1 else ''}"
        W = self._param(spec, "W", path, shape,
                        f"layer {number} has {filters} filter{'s' if filters != 1 else ''} of "
                        f"{kh} × {kw} and {channels}", (4,), f"W of layer {number}")
        b = self._param(spec, "b", path, (filters,), f"layer {number} has {filters} filters "
                        "(b is a flat list, one per filter)", (1,), f"b of layer {number}")
        if W is None:
            W = self._init_weights(shape, C * kh * kw)
        if b is None:
            b = np.zeros(filters)
        layer = Conv2D(index=number, filters=filters, kernel_h=kh, kernel_w=kw, stride=stride,
                       padding=padding, activation=spec["activation"], W=W, b=b)
        return layer


def read_source(source: str, stdin=None) -> tuple[bytes, str]:
    """The bytes of a network file named on the command line (``-`` is standard input)."""
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read(MAX_FILE_BYTES + 1), "<stdin>"
    return _read_file(source), source
