"""Output as a shell user meets it: floating-point events as bpcli warnings (never numpy's own
RuntimeWarning with a source line), a closed or full stdout (one line, exit 74), a reader that
stops early (quiet, the same for every command), `--output` that never loses anything, and every
exit code of the CLI through the real command line."""

from __future__ import annotations

import json

import pytest

import bpcli
from conftest import run_cli, write_network

# Z1 = W1 X = 1e200 · 1e200 = 1e400 for the first sample (2e400 for the second): beyond the float64
# maximum (about 1.8e308), so the matmul overflows to +inf; layer 2 only passes it on.
OVERFLOWING = {
    "input": {"X": [[1.0e200, 2.0e200]], "Y": [[0, 1]]},
    "layers": [{"type": "dense", "units": 1, "activation": "linear", "W": [[1.0e200]], "b": [[0]]},
               {"type": "dense", "units": 1, "activation": "linear", "W": [[1.0]], "b": [[0]]}],
    "loss": "mse",
}
# Z1 = [[1e400, -1e400], [-1e400, 1e400]] overflows to [[inf, -inf], [-inf, inf]]; then
# Z2 = 1·inf + 1·(-inf) has no value: NaN (an invalid operation), first in Z2.
OVERFLOW_THEN_NAN = {
    "input": {"X": [[1.0e200, -1.0e200]], "Y": [[0, 1]]},
    "layers": [{"type": "dense", "units": 2, "activation": "linear", "W": [[1.0e200], [-1.0e200]],
                "b": [[0], [0]]},
               {"type": "dense", "units": 1, "activation": "linear", "W": [[1.0, 1.0]], "b": [[0]]}],
    "loss": "mse",
}


# ---------------------------------------------------------------------------------------------
# floating-point events


def test_an_overflow_is_a_bpcli_warning_naming_where_it_happened_not_numpys(tmp_path):
    file = write_network(tmp_path, OVERFLOWING)
    code, out, err = run_cli(["compute", file, "--json"])
    assert code == 0, err
    assert "RuntimeWarning" not in err and ".py:" not in err  # no numpy warning with its source line
    warnings = json.loads(out)["warnings"]
    overflow = [w for w in warnings if "overflow" in w]
    assert len(overflow) == 1 and "Z1" in overflow[0], warnings
    assert f"bpcli: warning: {overflow[0]}" in err


@pytest.mark.parametrize("args", [["explain"], ["explain", "--format", "markdown"], ["explain", "--format", "html"],
                                  ["compute"], ["check"]])
def test_no_command_lets_numpys_warnings_through(tmp_path, args):
    file = write_network(tmp_path, OVERFLOW_THEN_NAN)
    code, out, err = run_cli([*args, file])
    assert "RuntimeWarning" not in err and "Traceback" not in err, err
    assert all(line.startswith("bpcli: ") for line in err.splitlines()), err


def test_an_invalid_operation_is_reported_where_the_first_nan_appears():
    warnings = bpcli.compute(OVERFLOW_THEN_NAN)["warnings"]
    assert any(w.startswith("floating-point overflow in Z1:") for w in warnings), warnings
    assert any(w.startswith("invalid operation in Z2:") and "NaN" in w for w in warnings), warnings


def test_float_event_warnings_are_worded_in_the_learners_language():
    sentences = bpcli.explain(OVERFLOW_THEN_NAN, lang="zh").warnings
    assert any("Z1" in s and "上溢" in s for s in sentences), sentences
    assert not any("overflow" in s for s in sentences)


def test_a_finite_run_has_no_float_event_warnings():
    # the saturated sigmoid of test_warnings computes exp only of -|z|: no event, only its own warnings
    result = bpcli.compute({"input": {"X": [[800, -800]], "Y": [[0, 1]]},
                            "layers": [{"type": "dense", "units": 1, "activation": "sigmoid", "W": [[1]],
                                        "b": [[0]]}], "loss": "bce"})
    assert not [w for w in result["warnings"] if "overflow" in w or "invalid" in w or "division" in w]
