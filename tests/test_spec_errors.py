"""Every bad input of issue 2 (item 3) through the command line: exit code 2, one line on stderr
naming the file, the place and what was expected and found, never a traceback; with --json also
the ``bpcli.error/1`` document on stdout. Then the same errors through the Python API."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import bpcli
from bpcli import spec
from bpcli.errors import SpecError
from conftest import REPO_ROOT, cli_env, run_cli, run_cli_batch, write_network

DENSE = {
    "input": {"X": [[1.0, 2.0], [0.5, -1.0]], "Y": [[1, 0]]},
    "layers": [{"type": "dense", "units": 3, "activation": "tanh"},
               {"type": "dense", "units": 1, "activation": "sigmoid"}],
    "loss": "bce",
}
IMAGE = {
    "input": {"X": [[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]], "Y": [[1]]},
    "layers": [{"type": "conv2d", "filters": 2, "kernel": 2, "activation": "relu"},  # 4×4 → 3×3
               {"type": "maxpool", "size": 2},                                     # 3×3 → 1×1
               {"type": "flatten"},
               {"type": "dense", "units": 1, "activation": "sigmoid"}],
    "loss": "bce",
}
SOFTMAX = {
    "input": {"X": [[1.0, 2.0]], "Y": [[1, 0], [0, 1]]},
    "layers": [{"type": "dense", "units": 2, "activation": "softmax"}],
    "loss": "softmax_ce",
}


def edit(base: dict, change) -> dict:
    """A deep copy of BASE with CHANGE (a function mutating it) applied."""
    spec = copy.deepcopy(base)
    change(spec)
    return spec


def test_the_bases_used_below_are_valid():
    """So that each case below fails because of its one change, not because of its base."""
    for base in (DENSE, IMAGE, SOFTMAX):
        bpcli.compute(base)


def alias_bomb(levels: int, width: int) -> str:
    """X nested LEVELS deep, WIDTH wide, written with anchors and aliases in a few hundred bytes."""
    inner = "&a1 [" + ", ".join(["1.0"] * width) + "]"
    for k in range(2, levels + 1):
        inner = f"&a{k} [{inner}, " + ", ".join([f"*a{k - 1}"] * (width - 1)) + "]"
    return f"input:\n  X: {inner}\n  Y: [[1]]\nlayers:\n  - {{type: flatten}}\nloss: mse\n"


# (id, file content: a mapping dumped as YAML, YAML text, or bytes; the path the message names;
#  fragments the message must contain: what was expected and what was found)
CASES = [
    # -- the file itself
    ("yaml_syntax", "input: [1, 2\nlayers: x\n", "line 2, column 7", ["YAML syntax error", "expected ',' or ']'"]),
    ("yaml_tab_indent", "input:\n\tX: 1\n", "line 2, column 1", ["YAML syntax error"]),
    ("not_a_mapping", "- 1\n- 2\n", "", ["expected a mapping", "input, layers and loss", "found a list of 2"]),
    ("scalar_document", "42\n", "", ["expected a mapping", "found the number 42"]),
    ("empty_file", "", "", ["empty", "input, layers and loss"]),
    ("only_comments", "# nothing yet\n\n", "", ["empty"]),
    ("binary_file", b"\x7fELF\x02\x01\x01\x00\x00\x00", "", ["binary"]),
    ("not_utf8", b"input: \xff\xfe\n", "", ["not UTF-8"]),
    ("two_documents", "input: {X: [[1]], Y: [[1]]}\nlayers: [{type: flatten}]\nloss: mse\n---\nb: 1\n",
     "line 4, column 1", ["single document"]),
    # -- unknown names, with the closest valid one suggested
    ("unknown_top_level_key", edit(DENSE, lambda s: s.update(los="x")), "los",
     ["unknown key 'los'", "did you mean 'loss'"]),
    ("unknown_layer_type", edit(DENSE, lambda s: s["layers"][0].update(type="dens")), "layers[0].type",
     ["unknown layer type 'dens'", "did you mean 'dense'"]),
    ("unknown_layer_key", edit(DENSE, lambda s: s["layers"][0].update(unit=3)), "layers[0].unit",
     ["unknown key 'unit'", "did you mean 'units'"]),
    ("unknown_input_key", edit(DENSE, lambda s: s["input"].update(x=1)), "input.x",
     ["unknown key 'x'", "did you mean 'X'"]),
    ("unknown_activation", edit(DENSE, lambda s: s["layers"][1].update(activation="sigmod")),
     "layers[1].activation", ["unknown activation 'sigmod'", "did you mean 'sigmoid'"]),
    ("unknown_loss", edit(DENSE, lambda s: s.update(loss="bcee")), "loss",
     ["unknown loss 'bcee'", "did you mean 'bce'"]),
    ("loss_not_text", edit(DENSE, lambda s: s.update(loss=["bce"])), "loss",
     ["expected one of bce, mse, sse, softmax_ce", "found a list of 1"]),
    # -- missing required keys
    ("missing_input", edit(DENSE, lambda s: s.pop("input")), "input", ["missing key 'input'"]),
    ("missing_layers", edit(DENSE, lambda s: s.pop("layers")), "layers", ["missing key 'layers'"]),
    ("missing_loss", edit(DENSE, lambda s: s.pop("loss")), "loss", ["missing key 'loss'"]),
    ("missing_Y", edit(DENSE, lambda s: s["input"].pop("Y")), "input.Y", ["missing key 'Y'"]),
    ("missing_units", edit(DENSE, lambda s: s["layers"][0].pop("units")), "layers[0].units",
     ["missing key 'units'"]),
    ("missing_activation", edit(DENSE, lambda s: s["layers"][0].pop("activation")), "layers[0].activation",
     ["missing key 'activation'", "sigmoid, relu, tanh"]),
    ("missing_type", edit(DENSE, lambda s: s["layers"][0].pop("type")), "layers[0].type",
     ["missing key 'type'", "dense, conv2d"]),
    ("missing_kernel", edit(IMAGE, lambda s: s["layers"][0].pop("kernel")), "layers[0].kernel",
     ["missing key 'kernel'"]),
    ("missing_pool_size", edit(IMAGE, lambda s: s["layers"][1].pop("size")), "layers[1].size",
     ["missing key 'size'"]),
    # -- wrong types
    ("units_text", edit(DENSE, lambda s: s["layers"][0].update(units="three")), "layers[0].units",
     ["whole number", "found the text 'three'"]),
    ("units_fraction", edit(DENSE, lambda s: s["layers"][0].update(units=2.5)), "layers[0].units",
     ["whole number", "found the number 2.5"]),
    ("units_boolean", edit(DENSE, lambda s: s["layers"][0].update(units=True)), "layers[0].units",
     ["whole number", "found the boolean true"]),
    ("layers_not_a_list", edit(DENSE, lambda s: s.update(layers={"type": "dense"})), "layers",
     ["non-empty list", "found a mapping"]),
    ("layers_empty", edit(DENSE, lambda s: s.update(layers=[])), "layers", ["non-empty list", "found a list of 0"]),
    ("layer_not_a_mapping", edit(DENSE, lambda s: s["layers"].__setitem__(0, "dense")), "layers[0]",
     ["must be a mapping", "found the text 'dense'"]),
    ("input_not_a_mapping", edit(DENSE, lambda s: s.update(input=[1, 2])), "input",
     ["mapping with keys X and Y", "found a list of 2"]),
    ("X_a_number", edit(DENSE, lambda s: s["input"].update(X=5)), "input.X", ["2-D list", "found the number 5"]),
    ("X_wrong_rank", edit(DENSE, lambda s: s["input"].update(X=[1, 2])), "input.X", ["must be 2-D", "1-D"]),
    ("image_X_for_a_dense_first_layer", edit(DENSE, lambda s: s["input"].update(X=IMAGE["input"]["X"])),
     "input.X", ["must be 2-D", "4-D"]),
    ("seed_negative", edit(DENSE, lambda s: s.update(seed=-1)), "seed", ["whole number ≥ 0", "-1"]),
    ("kernel_list_of_three", edit(IMAGE, lambda s: s["layers"][0].update(kernel=[2, 2, 2])), "layers[0].kernel",
     ["k or [kh, kw]", "list of 3"]),
    # -- arrays
    ("ragged_X", edit(DENSE, lambda s: s["input"].update(X=[[1, 2], [3]])), "input.X[1]",
     ["ragged", "input.X[0] has 2 entries", "a list of 1"]),
    ("lists_at_different_depths", edit(DENSE, lambda s: s["input"].update(X=[[1, [2]], [3, 4]])), "input.X[0][1]",
     ["ragged", "found a list of 1"]),
    ("non_numeric_X", edit(DENSE, lambda s: s["input"].update(X=[[1, "abc"], [3, 4]])), "input.X[0][1]",
     ["numbers", "found the text 'abc'"]),
    ("null_in_X", edit(DENSE, lambda s: s["input"].update(X=[[1, None], [3, 4]])), "input.X[0][1]",
     ["numbers", "null"]),
    ("nan_in_X", edit(DENSE, lambda s: s["input"].update(X=[[1, math.nan], [3, 4]])), "input.X[0][1]",
     ["finite", "nan"]),
    ("inf_in_W", edit(DENSE, lambda s: s["layers"][1].update(W=[[1, -math.inf, 0]])), "layers[1].W[0][1]",
     ["finite", "inf"]),
    ("ragged_Y", edit(DENSE, lambda s: s["input"].update(Y=[[1, 0], [1]])), "input.Y[1]", ["ragged"]),
    ("nan_in_Y", edit(DENSE, lambda s: s["input"].update(Y=[[1, math.nan]])), "input.Y[0][1]", ["finite", "nan"]),
    ("inf_in_image_X", edit(IMAGE, lambda s: s["input"]["X"][0][0][2].__setitem__(1, math.inf)),
     "input.X[0][0][2][1]", ["finite", "inf"]),
    ("image_X_5d", edit(IMAGE, lambda s: s["input"].update(X=[s["input"]["X"]])), "input.X",
     ["3-D or 4-D", "5-D"]),
    ("X_without_samples", edit(DENSE, lambda s: s["input"].update(X=[[], []])), "input.X",
     ["must not be empty", "2 × 0"]),
    # -- sizes
    ("units_zero", edit(DENSE, lambda s: s["layers"][0].update(units=0)), "layers[0].units",
     ["positive", "found 0"]),
    ("filters_negative", edit(IMAGE, lambda s: s["layers"][0].update(filters=-2)), "layers[0].filters",
     ["positive", "found -2"]),
    ("pool_size_zero", edit(IMAGE, lambda s: s["layers"][1].update(size=0)), "layers[1].size",
     ["positive", "found 0"]),
    ("conv_stride_zero", edit(IMAGE, lambda s: s["layers"][0].update(stride=0)), "layers[0].stride",
     ["positive", "found 0"]),
    ("pool_stride_zero", edit(IMAGE, lambda s: s["layers"][1].update(stride=0)), "layers[1].stride",
     ["positive", "found 0"]),
    ("pool_stride_negative", edit(IMAGE, lambda s: s["layers"][1].update(stride=-2)), "layers[1].stride",
     ["positive", "found -2"]),
    ("kernel_zero", edit(IMAGE, lambda s: s["layers"][0].update(kernel=0)), "layers[0].kernel",
     ["positive", "found 0"]),
    ("kernel_negative_width", edit(IMAGE, lambda s: s["layers"][0].update(kernel=[2, -1])), "layers[0].kernel",
     ["positive", "width", "found -1"]),
    ("kernel_fraction", edit(IMAGE, lambda s: s["layers"][0].update(kernel=2.5)), "layers[0].kernel",
     ["whole number", "found the number 2.5"]),
    ("negative_padding", edit(IMAGE, lambda s: s["layers"][0].update(padding=-1)), "layers[0].padding",
     ["at least 0", "found -1"]),
    ("kernel_larger_than_padded_input", edit(IMAGE, lambda s: s["layers"][0].update(kernel=7, padding=1)),
     "layers[0].kernel", ["kernel 7 × 7", "larger than its padded input 6 × 6", "padding 1"]),
    ("rectangular_kernel_too_wide", edit(IMAGE, lambda s: s["layers"][0].update(kernel=[2, 5])),
     "layers[0].kernel", ["kernel 2 × 5", "padded input 4 × 4"]),
    ("pool_window_larger_than_input", edit(IMAGE, lambda s: s["layers"][1].update(size=4)), "layers[1].size",
     ["pooling window 4 × 4", "larger than its input 3 × 3"]),
    # -- shapes that do not fit
    ("W_of_layer_2_wrong_shape", edit(DENSE, lambda s: s["layers"][1].update(W=[[1, 2]])), "layers[1].W",
     ["W of layer 2 must be 1 × 3 because layer 2 has 1 unit and layer 1 outputs 3 values", "found 1 × 2"]),
    ("W_of_layer_1_wrong_shape", edit(DENSE, lambda s: s["layers"][0].update(W=[[1, 2, 3]])), "layers[0].W",
     ["W of layer 1 must be 3 × 2 because layer 1 has 3 units and X has 2 rows", "found 1 × 3"]),
    ("b_wrong_shape", edit(DENSE, lambda s: s["layers"][0].update(b=[[1], [2]])), "layers[0].b",
     ["3 × 1", "3 units", "found 2 × 1"]),
    ("conv_W_wrong_shape", edit(IMAGE, lambda s: s["layers"][0].update(W=[[[[1, 2], [3, 4]]]])), "layers[0].W",
     ["2 × 1 × 2 × 2 because", "2 filters", "1 channel", "found 1 × 1 × 2 × 2"]),
    ("conv_b_wrong_shape", edit(IMAGE, lambda s: s["layers"][0].update(b=[1, 2, 3])), "layers[0].b",
     ["must be 2", "found 3"]),
    ("Y_wrong_shape", edit(DENSE, lambda s: s["input"].update(Y=[[1, 0, 1]])), "input.Y",
     ["Y must be 1 × 2 because the last layer outputs 1 value for each of the 2 samples", "found 1 × 3"]),
    ("bce_target_above_1", edit(DENSE, lambda s: s["input"].update(Y=[[1, 2]])), "input.Y[0][1]",
     ["[0, 1]", "found 2"]),
    ("bce_target_below_0", edit(DENSE, lambda s: s["input"].update(Y=[[-0.5, 1]])), "input.Y[0][0]",
     ["[0, 1]", "-0.5"]),
    ("softmax_ce_column_not_summing_to_1", edit(SOFTMAX, lambda s: s["input"].update(Y=[[1, 0.6], [0, 0.5]])),
     "input.Y", ["sum to 1", "1.1"]),
    ("softmax_ce_negative_target", edit(SOFTMAX, lambda s: s["input"].update(Y=[[1.5, 0], [-0.5, 1]])),
     "input.Y[1][0]", ["≥ 0", "-0.5"]),
    # -- the network's structure
    ("softmax_not_last", edit(DENSE, lambda s: s["layers"][0].update(activation="softmax")),
     "layers[0].activation", ["softmax", "last layer", "layer 1 of 2"]),
    ("softmax_on_a_conv_layer", edit(IMAGE, lambda s: s["layers"][0].update(activation="softmax")),
     "layers[0].activation", ["softmax", "last layer", "layer 1 of 4"]),
    ("bce_without_sigmoid_output", edit(DENSE, lambda s: s["layers"][1].update(activation="tanh")), "loss",
     ["bce needs a sigmoid", "ends with dense tanh"]),
    ("softmax_ce_without_softmax_output", edit(SOFTMAX, lambda s: s["layers"][0].update(activation="sigmoid")),
     "loss", ["softmax_ce needs a softmax", "dense sigmoid"]),
    ("softmax_with_mse", edit(SOFTMAX, lambda s: s.update(loss="mse")), "loss",
     ["softmax output layer goes with loss softmax_ce", "found loss mse"]),
    ("dense_after_conv_without_flatten", edit(IMAGE, lambda s: s["layers"].pop(2)), "layers[2]",
     ["dense layer needs column data", "layer 2 outputs images", "add {type: flatten} before layer 3"]),
    ("conv_after_dense", edit(DENSE, lambda s: s["layers"].insert(1, {"type": "conv2d", "filters": 1, "kernel": 1,
                                                                     "activation": "relu"})),
     "layers[1]", ["conv2d needs image data", "layer 1 outputs column data 3 × 2"]),
    ("image_output_at_the_end", edit(IMAGE, lambda s: s.update(layers=s["layers"][:2], loss="mse")), "layers[1]",
     ["loss needs column data", "outputs images 1 × 2 × 1 × 1", "flatten"]),
    # -- sizes refused before anything is allocated
    ("units_1e8", edit(DENSE, lambda s: s["layers"][0].update(units=100_000_000)), "layers[0].W",
     ["200,000,000 numbers", "limit is 10,000,000"]),  # W is 10⁸ × 2
    # every tensor under the limit (W2 is 3000 × 3000 = 9·10⁶), all of them together over it:
    # 3000·2 + 9·10⁶ + 1200·3000 = 12,606,000 numbers of weights alone, reached at W of layer 3
    ("all_tensors_together_over_the_limit",
     edit(DENSE, lambda s: s.update(layers=[{"type": "dense", "units": 3000, "activation": "tanh"},
                                            {"type": "dense", "units": 3000, "activation": "tanh"},
                                            {"type": "dense", "units": 1200, "activation": "tanh"},
                                            {"type": "dense", "units": 1, "activation": "sigmoid"}])),
     "layers[2].W", ["10,000,000 numbers in all"]),
    ("huge_padding", edit(IMAGE, lambda s: s["layers"][0].update(padding=100_000_000)), "layers[0]",
     ["limit is 10,000,000"]),
    ("alias_bomb_1e8_numbers", alias_bomb(4, 100), "input.X", ["100,000,000 numbers", "limit is 10,000,000"]),
    ("alias_bomb_8_levels", alias_bomb(8, 10), "input.X", ["100,000,000 numbers", "limit is 10,000,000"]),
    ("deep_nesting", "input:\n  X: " + "[" * 100_000 + "1" + "]" * 100_000 + "\n  Y: [[1]]\n"
     "layers: [{type: flatten}]\nloss: mse\n", "", ["nest"]),
    ("deep_block_nesting", "- " * 100_000 + "1\n", "", ["nest"]),
    # -- issue 8: hostile files found by fuzzing
    # 10⁴⁰⁰ is beyond the largest float, 1.8·10³⁰⁸; 10⁵⁰⁰⁰ beyond what Python reads as a number at all
    ("whole_number_beyond_float_range", "input:\n  X: [[1" + "0" * 400 + ", 2]]\n  Y: [[1, 0]]\n"
     "layers: [{type: dense, units: 1, activation: sigmoid}]\nloss: bce\n", "input.X[0][0]",
     ["too large for a float", "1.8e308", "401 digits"]),
    ("whole_number_too_long_to_read", "input:\n  X: [[1, -" + "9" * 5000 + "]]\n  Y: [[1, 0]]\n"
     "layers: [{type: dense, units: 1, activation: sigmoid}]\nloss: bce\n", "input.X[0][1]",
     ["too large for a float", "5,000 digits"]),
    ("units_too_long_to_read", "input: {X: [[1]], Y: [[1]]}\nlayers: [{type: dense, units: " + "9" * 5000
     + ", activation: sigmoid}]\nloss: bce\n", "layers[0].units", ["5,000 digits"]),
    ("list_as_key", "input: {X: [[1]], Y: [[1]]}\nlayers: [{type: dense, units: 1, activation: sigmoid}]\n"
     "loss: bce\ntitle: {[1, 2]: 3}\n", "line 4, column 9", ["key", "found a list"]),
    ("mapping_as_key", "input: {X: [[1]], {a: 1}: [[1]]}\nlayers: [{type: flatten}]\nloss: mse\n",
     "line 1, column 19", ["key", "found a mapping"]),
    ("tagged_int_that_is_not_a_number", "input: {X: [[!!int abc]], Y: [[1]]}\n", "line 1, column 14",
     ["as int", "'abc'"]),
    ("impossible_date", "title: 2001-13-45\n", "line 1, column 8", ["timestamp", "month"]),
    ("map_tag_on_a_list", "input: !!map [1, 2]\n", "line 1, column 8", ["mapping", "found a list"]),
    # a control character: PyYAML's message says where on a second line ('  in "<unicode string>"')
    ("control_character", "title: \"a\x01b\"\n", "line 1, column 10", ["#x0001", "control characters"]),
    # the same place after two letters of two bytes each in UTF-8 (libyaml counts bytes)
    ("control_character_after_accents", "title: \"éé\x01\"\n", "line 1, column 11", ["#x0001"]),
    # kernel 1, stride 100,000 on a 1 × 1 image padded by 5,000: a 1 × 1 output, but the padded
    # input (and the col2im accumulator of its shape) is 1 × 1 × 10,001 × 10,001 = 100,020,001 numbers
    ("padding_far_beyond_the_image", edit(IMAGE, lambda s: s.update(
        input={"X": [[[1.0]]], "Y": [[1]]},
        layers=[{"type": "conv2d", "filters": 1, "kernel": 1, "stride": 100_000, "padding": 5000,
                 "activation": "relu"}, {"type": "flatten"}], loss="mse")),
     "layers[0]", ["the zero-padded input of layer 1", "100,020,001 numbers", "1 × 1 × 10,001 × 10,001",
                   "limit is 10,000,000"]),
    # long input is quoted short: the first characters and "…", not all 5,000
    ("long_text_quoted_short", edit(DENSE, lambda s: s.update(loss="x" * 5000)), "loss",
     ["unknown loss 'xxxx", "…'"]),
    ("long_key_quoted_short", edit(DENSE, lambda s: s["input"].update({"k" * 5000: 1})), "input.kkk",
     ["unknown key 'kkkk", "…'"]),
    ("huge_units_quoted_short", edit(DENSE, lambda s: s["layers"][0].update(units=10**400)), "layers[0].W",
     ["1000…000 (401 digits)", "limit is 10,000,000"]),
]


def write_case(directory, content, name: str = "bad.yaml"):
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
        return path
    return write_network(directory, content, name)


def assert_input_error(code: int, out: str, err: str, file: str, path: str, fragments: list[str]) -> str:
    assert code == 2, f"exit code {code}; stderr: {err}"
    assert "Traceback" not in err
    message = err.strip()
    assert "\n" not in message, f"more than one line on stderr:\n{err}"
    assert message.startswith("bpcli: error: ")
    assert file in message, f"the message does not name the file {file!r}: {message}"
    if path:
        assert path in message, f"the message does not name the place {path!r}: {message}"
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} missing from: {message}"
    return message


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """Every case of CASES run as `bpcli compute FILE` and JSON_CASES also with --json, all in
    one process (see conftest.run_cli_batch); a few cases also run alone in
    test_bad_input_in_its_own_process. The timeout makes a hang (say, an alias bomb being
    expanded) fail instead of blocking the suite."""
    directory = tmp_path_factory.mktemp("bad_inputs")
    jobs = {}
    for name, content, _, _ in CASES:
        file = write_case(directory, content, f"{name}.yaml")
        jobs[name] = ["compute", file]
        if name in JSON_CASES:
            jobs[name + "--json"] = ["compute", file, "--json"]
    results = run_cli_batch(list(jobs.values()), timeout=120)
    return {key: (str(args[1]), result) for (key, args), result in zip(jobs.items(), results)}


@pytest.mark.parametrize("path,fragments", [case[2:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_through_the_cli(cli_results, request, path, fragments):
    name = request.node.callspec.id
    file, (code, out, err) = cli_results[name]
    assert_input_error(code, out, err, file, path, fragments)
    assert out == ""


JSON_CASES = ["yaml_syntax", "unknown_activation", "W_of_layer_2_wrong_shape", "Y_wrong_shape",
              "dense_after_conv_without_flatten", "alias_bomb_1e8_numbers", "empty_file",
              "whole_number_beyond_float_range", "list_as_key", "control_character", "padding_far_beyond_the_image"]
EXPECTED_CODES = {"yaml_syntax": "yaml_syntax", "unknown_activation": "unknown_activation",
                  "W_of_layer_2_wrong_shape": "shape_mismatch", "Y_wrong_shape": "shape_mismatch",
                  "dense_after_conv_without_flatten": "needs_flatten", "alias_bomb_1e8_numbers": "too_large",
                  "empty_file": "empty_file", "whole_number_beyond_float_range": "number_too_large",
                  "list_as_key": "unhashable_key", "control_character": "yaml_syntax",
                  "padding_far_beyond_the_image": "too_large"}


@pytest.mark.parametrize("name", JSON_CASES)
def test_bad_input_with_json_prints_the_error_document(cli_results, name):
    _, _, path, fragments = next(case for case in CASES if case[0] == name)
    file, (code, out, err) = cli_results[name + "--json"]
    message = assert_input_error(code, out, err, file, path, fragments)
    document = json.loads(out)
    assert document["schema"] == "bpcli.error/1"
    error = document["error"]
    assert error["code"] == EXPECTED_CODES[name]
    assert error["file"] == file
    assert error["path"] == path
    assert error["message"] and error["message"] in message
    assert "\n" not in error["message"]


@pytest.mark.parametrize("name", ["yaml_syntax", "binary_file", "W_of_layer_2_wrong_shape",
                                  "dense_after_conv_without_flatten", "alias_bomb_8_levels", "deep_nesting"])
def test_bad_input_in_its_own_process(tmp_path, name):
    """The same as above with a real process per call: exit status, streams, no traceback."""
    _, content, path, fragments = next(case for case in CASES if case[0] == name)
    file = write_case(tmp_path, content)
    code, out, err = run_cli(["compute", file], timeout=60)
    assert_input_error(code, out, err, str(file), path, fragments)
    assert out == ""


def test_missing_file(tmp_path):
    file = tmp_path / "nope.yaml"
    code, out, err = run_cli(["compute", file])
    assert_input_error(code, out, err, str(file), "", ["no such file"])
    code, out, err = run_cli(["compute", "--json", file])
    assert_input_error(code, out, err, str(file), "", ["no such file"])
    assert json.loads(out)["error"]["code"] == "file_not_found"


def test_a_directory(tmp_path):
    code, out, err = run_cli(["compute", tmp_path])
    assert_input_error(code, out, err, str(tmp_path), "", ["directory"])


def test_yaml_tags_never_run_code(tmp_path):
    marker = tmp_path / "HACKED"
    text = f"input: !!python/object/apply:os.system ['touch {marker}']\nlayers: [{{type: flatten}}]\nloss: mse\n"
    file = write_case(tmp_path, text)
    code, out, err = run_cli(["compute", file])
    assert_input_error(code, out, err, str(file), "line 1", ["YAML", "python/object/apply"])
    assert not marker.exists()


def test_billion_laughs_in_an_unused_key_fails_fast(tmp_path):
    anchors = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 9):
        anchors.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    file = write_case(tmp_path, "\n".join(anchors) + "\n")
    code, out, err = run_cli(["compute", file], timeout=30)
    assert_input_error(code, out, err, str(file), "a0", ["unknown key 'a0'"])


def test_stdin_dash_names_stdin_in_errors():
    code, out, err = run_cli(["compute", "-"], input="input: [1, 2\n")
    assert_input_error(code, out, err, "<stdin>", "line 2, column 1", ["YAML syntax error"])
    code, out, err = run_cli(["compute", "-", "--json"], input=b"")
    assert_input_error(code, out, err, "<stdin>", "", ["empty"])
    assert json.loads(out)["error"]["file"] == "<stdin>"


def test_check_reports_input_errors_the_same_way(tmp_path):
    file = write_case(tmp_path, edit(DENSE, lambda s: s["layers"][1].update(W=[[1, 2]])))
    code, out, err = run_cli(["check", file])
    assert_input_error(code, out, err, str(file), "layers[1].W", ["because layer 2 has 1 unit"])


# ---------------------------------------------------------------------------------------------
# the Python API raises SpecError (a ValueError) with .path, .message, .code


def test_api_raises_spec_error_with_path():
    with pytest.raises(SpecError) as caught:
        bpcli.compute(edit(DENSE, lambda s: s["layers"][1].update(W=[[1, 2]])))
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.path == "layers[1].W"
    assert error.code == "shape_mismatch"
    assert "because layer 2 has 1 unit and layer 1 outputs 3 values" in error.message
    assert error.file is None


def test_api_accepts_numpy_arrays_and_checks_them():
    spec = edit(DENSE, lambda s: s["input"].update(X=np.array([[1.0, np.nan], [0.5, -1.0]])))
    with pytest.raises(ValueError) as caught:
        bpcli.compute(spec)
    assert caught.value.path == "input.X[0][1]"
    spec = edit(DENSE, lambda s: s["input"].update(X=np.array([["a", "b"], ["c", "d"]])))
    with pytest.raises(SpecError, match="numbers"):
        bpcli.compute(spec)


def test_api_names_the_file(tmp_path):
    file = write_network(tmp_path, edit(DENSE, lambda s: s.update(loss="bcee")))
    with pytest.raises(SpecError) as caught:
        bpcli.compute(file)
    assert caught.value.file == str(file)
    assert caught.value.path == "loss"
    assert str(file) in str(caught.value)
    with pytest.raises(SpecError) as caught:
        bpcli.compute(tmp_path / "missing.yaml")
    assert caught.value.code == "file_not_found"


def test_api_rejects_what_is_neither_a_path_nor_a_mapping():
    with pytest.raises(SpecError):
        bpcli.compute(42)


def test_api_deeply_nested_and_self_referential_lists():
    deep: list = [1.0]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(SpecError) as caught:
        bpcli.compute(edit(DENSE, lambda s: s["input"].update(X=deep)))
    assert caught.value.path.startswith("input.X")
    loop: list = []
    loop.append(loop)
    with pytest.raises(SpecError):
        bpcli.compute(edit(DENSE, lambda s: s["input"].update(X=loop)))


def test_softmax_ce_column_is_named_like_every_other_count():
    # Y's first column [1, 0] is a distribution, the second [0.6, 0.5] sums to 1.1
    spec = edit(SOFTMAX, lambda s: s["input"].update(Y=[[1, 0.6], [0, 0.5]]))
    with pytest.raises(SpecError) as caught:
        bpcli.compute(spec)
    message = caught.value.message
    assert "1.1" in message
    assert re.search(r"column 2\b|Y\[:, ?1\]", message), message


def test_a_key_given_twice_is_refused_with_its_line(tmp_path):
    file = tmp_path / "dup.yaml"
    file.write_text("input: {X: [[1]], Y: [[1]]}\n"
                    "layers:\n"
                    "  - {type: dense, units: 1, activation: sigmoid, W: [[1]], W: [[2]]}\n"
                    "loss: bce\n")
    code, out, err = run_cli(["compute", str(file)])
    assert code == 2 and "Traceback" not in err
    assert str(file) in err and "line 3" in err and "'W' appears twice" in err


def test_a_merge_key_is_read_as_yaml_reads_it_and_its_keys_may_be_overridden(tmp_path):
    """`<<: *hidden` is plain YAML (the safe loader resolves it); it was refused as a 'YAML syntax
    error' by the check for keys given twice, which took the merge key for a key of its own."""
    file = tmp_path / "merge.yaml"
    file.write_text("input: {X: [[1.0, 2.0]], Y: [[1, 0]]}\n"
                    "layers:\n"
                    "  - &hidden {type: dense, activation: tanh, units: 2, W: [[0.5], [-0.3]]}\n"
                    "  - <<: *hidden\n"
                    "    activation: relu\n"
                    "    W: [[1, 0], [0, 1]]\n"
                    "  - {<<: [*hidden], units: 1, activation: sigmoid, W: [[1, 2]]}\n"
                    "loss: bce\n")
    result = bpcli.compute(file)
    assert [layer["activation"] for layer in result["layers"]] == ["tanh", "relu", "sigmoid"]
    assert result["layers"][1]["W"].tolist() == [[1, 0], [0, 1]]
    file.write_text(file.read_text().replace("    activation: relu\n", "    activation: relu\n    activation: relu\n"))
    code, out, err = run_cli(["compute", str(file)])
    assert code == 2 and "Traceback" not in err and "line 6" in err and "'activation' appears twice" in err


# ---------------------------------------------------------------------------------------------
# issue 8: streams are read through one bounded reader; bad paths, names and mappings raise
# SpecError; every message is one line


STARTER = (REPO_ROOT / "bpcli" / "starters" / "dense.yaml").read_bytes()


def test_dev_zero_is_refused_after_64_mib_not_read_to_the_end():
    # /dev/zero never ends and stat says 0 bytes: only a bounded read stops it (the timeout
    # turns reading it to the end, as before, into a failure instead of a hang)
    code, out, err = run_cli(["compute", "/dev/zero", "--json"], timeout=60)
    assert_input_error(code, out, err, "/dev/zero", "", ["larger than 67,108,864 bytes"])
    assert json.loads(out)["error"]["code"] == "too_large"


class EndlessStream:
    """A stream that never ends, counting what was read from it."""

    def __init__(self):
        self.given = 0

    def read(self, size: int) -> bytes:
        self.given += size
        return b"#" * size


def test_the_bounded_reader_reads_at_most_one_byte_past_the_limit():
    endless = EndlessStream()
    with pytest.raises(SpecError) as caught:
        spec.read_bounded(endless, "<stdin>", limit=5_000_000)
    assert caught.value.code == "too_large"
    assert endless.given == 5_000_001


def test_a_fifo_fed_without_end_is_refused_at_the_limit(tmp_path, monkeypatch):
    """A writer that would go on for 16 MiB; the reader must stop at limit + 1 byte and close,
    which the writer sees as a broken pipe (its pipe buffer holds far less than 16 MiB)."""
    monkeypatch.setattr(spec, "MAX_FILE_BYTES", 100_000)
    fifo = tmp_path / "net.fifo"
    os.mkfifo(fifo)
    outcome = {}

    def write_without_end():
        written = 0
        try:
            with open(fifo, "wb") as pipe:
                while written < 16 * 1024 * 1024:
                    pipe.write(b"#" * 65536)
                    written += 65536
            outcome["finished"] = written
        except BrokenPipeError:
            outcome["broken_pipe"] = written

    writer = threading.Thread(target=write_without_end, daemon=True)
    writer.start()
    with pytest.raises(SpecError) as caught:
        bpcli.compute(fifo)
    writer.join(timeout=30)
    assert caught.value.code == "too_large" and "100,000 bytes" in caught.value.message
    assert "broken_pipe" in outcome, outcome


def test_a_process_substitution_path_still_works():
    """`bpcli compute <(cat net.yaml)`: the shell passes /dev/fd/N, a pipe whose stat size is 0."""
    read_end, write_end = os.pipe()
    try:
        done = subprocess.Popen([sys.executable, "-m", "bpcli", "compute", f"/dev/fd/{read_end}", "--json"],
                                pass_fds=(read_end,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=cli_env(), cwd=REPO_ROOT)
        os.close(read_end)
        os.write(write_end, STARTER)
        os.close(write_end)
        out, err = done.communicate(timeout=60)
    finally:
        for fd in (read_end, write_end):
            with contextlib.suppress(OSError):
                os.close(fd)
    assert done.returncode == 0, err
    assert json.loads(out) == json.loads(run_cli(["compute", REPO_ROOT / "bpcli/starters/dense.yaml",
                                                  "--json"])[1])


def test_closed_stdin_is_an_input_error():
    done = subprocess.run([sys.executable, "-m", "bpcli", "compute", "-"], stdin=subprocess.DEVNULL,
                          capture_output=True, env=cli_env(), cwd=REPO_ROOT,
                          preexec_fn=lambda: os.close(0))
    err = done.stderr.decode()
    assert_input_error(done.returncode, "", err, "<stdin>", "", ["standard input is closed"])


def test_a_file_name_with_a_line_break_gives_one_line(tmp_path):
    file = write_case(tmp_path, "input: [1, 2\n", name="two\nlines.yaml")
    code, out, err = run_cli(["compute", file, "--json"])
    assert_input_error(code, out, err, "two lines.yaml", "line 2", ["YAML syntax error"])
    assert json.loads(out)["error"]["file"] == str(file).replace("\n", " ")


def test_spec_error_folds_a_multi_line_message_into_one():
    error = SpecError('not allowed\n  in "<unicode string>", position 8', path="a\nb", file="x\r\ny")
    assert error.message == 'not allowed in "<unicode string>", position 8'
    assert (error.path, error.file) == ("a b", "x y")
    assert str(error) == 'x y: a b: not allowed in "<unicode string>", position 8'
    assert "\n" not in str(error.with_file("one\ntwo")) and error.file == "one two"


@pytest.mark.parametrize("source", [
    "a\x00b", "\ud800", b"a\x00b", "x" * 100_000, None, 42, 3.5, [1, 2], object(), True,
    b"/no/such/file.yaml", pathlib.Path("/no/such/file.yaml"), ".",
    {1: 2}, {("input",): 1}, {None: 1}, {10**5000: 1}, {"x" * 10_000: 1},
    edit(DENSE, lambda s: s["input"].update({1: 2})),
    edit(DENSE, lambda s: s["layers"][0].update({(1, 2): 3})),
    edit(DENSE, lambda s: s["input"].update(X=[[10**5000, 1], [1, 1]])),
    edit(DENSE, lambda s: s["input"].update(X=[[10**400, 1], [1, 1]])),
    edit(DENSE, lambda s: s["layers"][0].update(units=10**5000)),
    edit(DENSE, lambda s: s["layers"][0].update(units=-(10**5000))),
    edit(DENSE, lambda s: s.update(seed=-(10**5000))),
], ids=lambda source: type(source).__name__)
def test_api_raises_spec_error_for_every_bad_path_name_or_mapping(source):
    with pytest.raises(SpecError) as caught:
        bpcli.compute(source)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 400, "long input must be quoted short"


def test_api_reads_bytes_and_pathlike_paths(tmp_path):
    file = write_network(tmp_path, DENSE)
    expected = bpcli.compute(DENSE)["loss"]
    assert bpcli.compute(os.fsencode(file))["loss"] == expected
    assert bpcli.compute(pathlib.Path(file))["loss"] == expected


def test_a_long_name_that_is_neither_file_nor_exercise_is_quoted_short():
    code, out, err = run_cli(["compute", "n" * 5000])
    assert code == 2 and err.count("\n") == 1
    assert len(err) < 300 and "…" in err


def test_the_im2col_matrix_is_built_in_tiles_so_a_network_is_not_refused_for_it():
    # a 200 × 200 image, kernel 100: the whole im2col matrix would be (1·100·100) × (1·101·101) =
    # 102,010,000 numbers, over the limit; the convolution builds it a tile at a time, so only
    # the declared tensors count (X 40,000, W 10,000, Z 10,201) and the network is computed
    network = copy.deepcopy(IMAGE)
    network.update(input={"X": [[[0.5] * 200] * 200], "Y": [[0.0]] * 10_201},
                   layers=[{"type": "conv2d", "filters": 1, "kernel": 100, "activation": "linear",
                            "W": [[[[0.001] * 100] * 100]]}, {"type": "flatten"}], loss="mse")
    result = bpcli.compute(network)
    # every output entry sums 100 × 100 inputs of 0.5 times 0.001: 5.0
    assert np.allclose(result["layers"][0]["Z"], 5.0)


@pytest.mark.parametrize("written, value", [("1e-3", 1e-3), ("1E2", 100.0), ("-2e+1", -20.0), ("1.0e3", 1000.0),
                                            (".5e-1", 0.05), ("+3e0", 3.0), ("1_0e1", 100.0)])
def test_numbers_with_an_exponent_are_numbers(written, value):
    """PyYAML follows YAML 1.1, where 1e-3 (no dot) and 1.0e3 (no sign) are text: a learner who
    wrote a number was told it was 'not numeric'."""
    network = spec.from_mapping(spec.parse_yaml(
        f"input:\n  X: [[{written}]]\n  Y: [[1]]\n"
        "layers:\n  - {type: dense, units: 1, activation: sigmoid, W: [[" + written + "]], b: [[0]]}\nloss: bce\n"))
    assert network.X[0, 0] == value and network.layers[0].W[0, 0] == value


def test_an_exponent_without_a_dot_is_read_as_a_number_only_where_a_number_belongs():
    network = spec.from_mapping(spec.parse_yaml(
        "title: 1e5\ninput:\n  X: [[1, 2]]\n  Y: [[1, 0]]\n"
        "layers:\n  - {type: dense, units: 1, activation: linear}\n  - {type: batchnorm, activation: sigmoid, eps: 1e-3}\n"
        "loss: bce\n"))
    assert network.title == "1e5" and network.layers[1].eps == 1e-3  # a YAML 1.1 writer leaves 1e5 unquoted
    for text in ("1e", "e5", "1e-", "1.e5x"):
        with pytest.raises(SpecError, match="not numeric"):
            spec.from_mapping(spec.parse_yaml(f"input:\n  X: [['{text}']]\n  Y: [[1]]\n"
                                              "layers:\n  - {type: dense, units: 1, activation: sigmoid}\nloss: bce\n"))


#: codes whose messages are still English under --lang zh (none: PyYAML's own detail, quoted in a
#: Chinese sentence, is the only English left)
ENGLISH_ONLY_CODES: set[str] = set()
#: words a Chinese message may hold in Latin letters: the file's own keys, kinds and names
SPEC_TERMS = {
    "input", "layers", "loss", "title", "description", "seed", "exercise", "type", "units", "activation",
    "kernel", "filters", "stride", "padding", "size", "eps", "gamma", "beta", "dense", "conv2d", "maxpool",
    "avgpool", "flatten", "batchnorm", "sigmoid", "relu", "tanh", "linear", "softmax", "bce", "mse", "sse",
    "softmax_ce", "YAML", "UTF", "bpcli", "new", "quiz", "list", "nan", "inf", "n_L", "n0", "true", "false",
    "null",
}


@pytest.fixture(scope="module")
def chinese_results(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad_inputs_zh")
    jobs, files = [], {}
    for name, content, _, _ in CASES:
        files[name] = file = write_case(directory, content, f"{name}.yaml")
        jobs += [["explain", file, "--lang", "zh"], ["compute", file, "--json"]]
    results = run_cli_batch(jobs, timeout=300)
    return {case[0]: (str(files[case[0]]), zh, js) for case, zh, js in zip(CASES, results[0::2], results[1::2])}


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_a_bad_file_is_explained_in_the_learners_language(chinese_results, case):
    """A Chinese learner's bad file was refused in English ('W of layer 2 must be 1 × 3 because
    …'). Under --lang zh the message is Chinese, naming the file and the place as before; the
    JSON error document (for scripts) stays English."""
    name, _, path, _ = case
    file, (code, out, err), (_, document, _) = chinese_results[name]
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(f"bpcli: error: {file}: "), err
    message = err[len(f"bpcli: error: {file}: "):].strip()
    error_code = json.loads(document)["error"]["code"]
    if error_code in ENGLISH_ONLY_CODES:
        return
    place = re.fullmatch(r"line (\d+), column (\d+)", path or "")
    if place:  # a place in the YAML text, worded too
        path = f"第 {place[1]} 行第 {place[2]} 列"
    if path:
        assert message.startswith(path), err
        message = message.split(": ", 1)[1]
    message = re.sub(r"^第 \d+ 行第 \d+ 列: ", "", message)  # a place the case does not name
    assert re.search(r"[\u4e00-\u9fff]", message), err
    if error_code in ("yaml_syntax", "yaml_value"):  # PyYAML's or Python's own detail follows, in English
        assert re.match(r"YAML (语法)?错误|这个 YAML 值|这里应是", message), err
        return
    message = re.sub(r"\d[\d.]*e[+-]?\d+", " ", message)  # numbers such as 1.8e308
    for quoted in (r"'[^']*'", r"\{[^}]*\}", r"input\.[XY](\[\d+\])*", r"layers\[\d+\](\.\w+)?(\[\d+\])*",
                   r"Y\[:, \d+\]"):
        message = re.sub(quoted, " ", message)
    words = [word for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", message)
             if len(word) >= 3 and word not in SPEC_TERMS]
    assert words == [], (words, err)


def test_a_layer_the_network_does_not_have_is_refused_in_the_learners_language():
    code, _, err = run_cli(["explain", "04", "--layer", "7", "--lang", "zh"])
    assert code == 2 and err == "bpcli: error: 这个网络只有第 1 到第 2 层，没有第 7 层\n"


def test_a_single_allowed_key_is_named_as_such(tmp_path):
    """'expected one of type' for a flatten layer's stray key read oddly (and '之一' in Chinese)."""
    network = write_network(tmp_path, {"input": {"X": [[[1, 2], [3, 4]]], "Y": [[1]]}, "loss": "bce",
                                       "layers": [{"type": "flatten", "units": 2},
                                                  {"type": "dense", "units": 1, "activation": "sigmoid"}]})
    for lang, words in (("en", "unknown key 'units' in a flatten layer: expected type\n"),
                        ("zh", "flatten 层里有未知的键 'units'：应为 type\n")):
        code, _, err = run_cli(["explain", network, "--lang", lang])
        assert code == 2 and err.endswith(words), err


@pytest.mark.parametrize("units", [2**63, 10**18, 2**64 - 1, 2**64, 10**30])
def test_a_count_near_two_to_the_64_is_refused_as_too_large(units):
    """hypothesis found units: 9223372036854775808 (2**63) ending in a TypeError: the size was
    worded by two rules for 'enormous' (10**18 in one place, 64 bits in the other)."""
    network = {"input": {"X": [[1.0], [2.0]], "Y": [[1.0]]},
               "layers": [{"type": "dense", "units": units, "activation": "sigmoid"}], "loss": "bce"}
    with pytest.raises(SpecError) as caught:
        bpcli.compute(network)
    assert caught.value.code in ("too_large", "number_too_large") and caught.value.path.startswith("layers[0]")


def test_a_file_of_far_too_many_numbers_is_refused_before_the_yaml_is_parsed(monkeypatch):
    """12 million numbers in a 24 MB file were refused only after PyYAML had made an object of
    each (100 s and 4.6 GB here); a count of the text's numbers refuses it first. A file at the
    limit is still parsed, and the exact limit applied as its tensors are read."""
    import yaml

    def no_parse(*args, **kwargs):
        raise AssertionError("the YAML was parsed")

    row = "[" + ",".join(["1"] * 4000) + "]"
    too_many = "input: {X: [" + ",".join([row] * 2600) + "], Y: [[1]]}\nlayers: [{type: dense, units: 1}]\nloss: mse\n"
    monkeypatch.setattr(yaml, "load", no_parse)
    with pytest.raises(SpecError) as raised:
        spec.load_text(too_many, "big.yaml")
    assert raised.value.code == "too_large" and "about 10,400,00" in raised.value.message, raised.value.message
    assert raised.value.file == "big.yaml"
    at_limit = too_many.replace(",".join([row] * 2600), ",".join([row] * 2500))
    with pytest.raises(AssertionError, match="the YAML was parsed"):
        spec.load_text(at_limit, "limit.yaml")


def test_the_count_before_parsing_reads_a_number_written_with_a_bare_point_as_one():
    """'.5e-2' was counted as two numbers (.5 and 2), so a file of 5.1 million such numbers, half
    the limit, would have been refused as holding 10.2 million."""
    from bpcli.spec import _NUMBER

    for written in (".5e-2", "1_000.5", "1e-05", "1.0e-05", "-3.25", "0.5", "12", ".5", "5.E+3"):
        assert _NUMBER.subn("", written)[1] == 1, written
