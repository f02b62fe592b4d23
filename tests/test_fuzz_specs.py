"""Property tests over generated network mappings and files (issue 8): bpcli accepts every valid
network and computes it, and for anything else raises SpecError; through the command line every
file ends in exit 0 or 2 with a one-line message, never a traceback or an internal error.

BPCLI_FUZZ_EXAMPLES sets the number of examples (300 by default; more for a long run).
"""

from __future__ import annotations

import json
import math
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpcli
from bpcli.errors import SpecError
from bpcli.spec import load_bytes
from conftest import run_cli_batch
from strategies import broken_networks, valid_networks

EXAMPLES = int(os.environ.get("BPCLI_FUZZ_EXAMPLES", 300))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(valid_networks())
def test_every_valid_network_is_computed(network):
    result = bpcli.compute(network)
    assert math.isfinite(result["loss"]) or any("not finite" in w for w in result["warnings"])
    assert result["dX"].shape == bpcli.load(network).X.shape


@FUZZ
@given(valid_networks())
def test_a_valid_network_reads_the_same_from_its_yaml(network):
    from_file = load_bytes(yaml.safe_dump(network).encode(), "net.yaml")
    assert from_file.X.tolist() == bpcli.load(network).X.tolist()


@FUZZ
@given(broken_networks())
def test_a_broken_network_is_computed_or_refused_with_spec_error(network):
    try:
        bpcli.compute(network)
    except SpecError as error:
        message = str(error)
        assert "\n" not in message
        assert len(error.message) < 1000, "long input must be quoted short"


# -- YAML text: mutations of valid files, through the loader and the command line

SNIPPETS = ["{[1, 2]: 3}", "{{a: 1}: 2}", "1" + "0" * 400, "9" * 5000, "!!int abc", "2001-13-45",
            "!!map [1]", "\x01", "\x00", "\t", "&a [*a]", "*nope", ".nan", "-.inf", "[", "}", ": :",
            "!!binary AAAA", "!!python/object:os.system x", "<<: {a: 1}", "? [1]", "\ufeff", "\ud7ff"]


@st.composite
def broken_yaml_texts(draw) -> str:
    """A valid network file with a snippet or a few characters inserted, or a part cut out."""
    text = yaml.safe_dump(draw(valid_networks()), sort_keys=False)
    at = draw(st.integers(0, len(text)))
    insert = draw(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=5)))
    if draw(st.booleans()):
        return text[:at] + insert + text[at:]
    end = draw(st.integers(at, min(len(text), at + 20)))
    return text[:at] + text[end:]


@FUZZ
@given(broken_yaml_texts())
def test_a_broken_yaml_file_is_read_or_refused_with_spec_error(text):
    try:
        load_bytes(text.encode("utf-8", "surrogatepass"), "net.yaml")
    except SpecError as error:
        assert "\n" not in str(error)


@settings(max_examples=max(2, EXAMPLES // 100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(broken_yaml_texts(), valid_networks().map(yaml.safe_dump)),
                min_size=30, max_size=30))
def test_the_cli_ends_every_file_with_exit_0_or_2_and_one_line(tmp_path_factory, texts):
    directory = tmp_path_factory.mktemp("fuzz")
    files = []
    for number, text in enumerate(texts):
        file = directory / f"net{number}.yaml"
        file.write_bytes(text.encode("utf-8", "surrogatepass"))
        files.append(file)
    for file, (code, out, err) in zip(files, run_cli_batch([["compute", f, "--json"] for f in files])):
        assert "Traceback" not in err and "internal error" not in err, (file.read_bytes()[:300], err)
        assert code in (0, 2), (code, err)
        document = json.loads(out)
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("bpcli: error: "), err
            assert document["schema"] == "bpcli.error/1"
            assert "\n" not in document["error"]["message"]
        else:
            assert document["schema"] == "bpcli.compute/1"
            assert all(line.startswith("bpcli: warning: ") for line in err.splitlines()), err
