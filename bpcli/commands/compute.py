"""`bpcli compute` and `bpcli check`: the numbers of a run, and the finite-difference check."""

from __future__ import annotations

from typing import Optional

import typer

from bpcli.commands.arguments import FILE_ARGUMENT, Language, chosen_language, language_option
from bpcli.commands.common import EXIT_FAILED, load_network, print_error, print_warnings, stdout_console, user_errors
from bpcli.commands.compute_json import compute_json


def compute_command(
    file: str = FILE_ARGUMENT,
    json_output: bool = typer.Option(False, "--json", help="Print every value and gradient as JSON "
                                     "(schema bpcli.compute/1) for scripts."),
    lang: Optional[Language] = language_option("the summary and the messages (not --json's, which stay English "
                                               "for scripts)"),
) -> None:
    """Run the forward and backward pass: the loss and a summary per layer, or with --json every value.

    Example: bpcli compute 04_two_layer_tanh --json | jq .loss
    """
    if json_output:
        raise typer.Exit(compute_json(file))
    from bpcli.core.network import run
    from bpcli.render.summary import compute_summary

    language = chosen_language(lang)
    with user_errors(lang=language):
        result = run(load_network(file))
    stdout_console().print(compute_summary(result, language))
    print_warnings([warning.message.text(language) for warning in result.warnings])


def check_command(
    file: str = FILE_ARGUMENT,
    all_entries: bool = typer.Option(False, "--all", help="Check every entry of every tensor "
                                     "(slow for big networks) instead of a sample."),
    sample: int = typer.Option(200, "--sample", min=1, help="Entries checked per tensor, chosen at random."),
    seed: int = typer.Option(0, "--seed", help="Seed that chooses the sampled entries."),
    epsilon: float = typer.Option(1e-6, "--epsilon", min=1e-12, max=1e-1, help="Step of the central differences."),
    lang: Optional[Language] = language_option("the report and the messages"),
) -> None:
    """Check every gradient against central finite differences (float64).

    Exit code 1 when an analytic gradient disagrees with the numeric one. Entries next to a kink
    (relu at 0, a max-pool near-tie) are flagged and not counted as failures.

    Example: bpcli check 12_small_cnn --all
    """
    from bpcli.core.gradcheck import check
    from bpcli.render.summary import check_table

    from bpcli.texts import say

    language = chosen_language(lang)
    with user_errors(lang=language):
        report = check(load_network(file), sample=None if all_entries else sample, seed=seed,
                       epsilon=epsilon)
    stdout_console().print(check_table(report, language))
    if not report.ok:
        print_error(say(language, "check_report.failed"))
        raise typer.Exit(EXIT_FAILED)
