"""How much of the worked solution is shown (``--detail``) and which notes (``--notes``).

The narrators build every step in full; the level is applied here, once, to the data, so no
renderer decides what a level means and nothing trimmed away is rendered.

- ``steps``: each step's rule, the one sentence saying why (once: the next layer's same rule
  does not repeat it), the shapes, the result and one worked
  entry, or the derivation where there is no worked entry (the output layer's simplification);
  with another method than chain, the method's sentences and derivation too (they are what was
  asked for); operands only where they are new (a tensor already shown is not shown again), and
  every tensor at a glance (a few slices, a few rows and columns); an on-the-spot check only when
  it failed. The closing check keeps its verdict, not its method.
- ``full``: everything.

Notes ``once``: each kind of note at its first occurrence; a note about one text's slips or
conventions only when the exercise follows that text (its ``exercise: {text: "002"}``). ``all``:
every note, at every step.
"""

from __future__ import annotations

from dataclasses import replace

from bpcli.core.network import Network
from bpcli.narrate.model import NamedTensor, Note, Step
from bpcli.sources import SOURCE_TEXTS, text_code


def followed_text(network: Network) -> str | None:
    """The text the exercise follows ('002'), from its ``exercise: {text: …}``; None for a file
    that names none, says ``none``, or names no text bpcli knows: such a file gets the general
    notes."""
    section = network.extras.get("exercise")
    code = text_code(section.get("text")) if isinstance(section, dict) else None
    return code if code in SOURCE_TEXTS else None


def at_detail(steps: list[Step], detail: str, method: str) -> list[Step]:
    """The steps as the level ``detail`` shows them (``full``: unchanged)."""
    if detail == "full":
        return steps
    shown: set[str] = set()
    said: set[str] = set()
    trimmed = []
    for step in steps:
        if step.section == "network":
            continue  # the summary's one-line network says it
        operands = [tensor for tensor in step.operands if tensor.name not in shown]
        shown.update(tensor.name for tensor in step.operands)
        if step.result is not None:
            shown.add(step.result.name)
        as_asked = method != "chain"
        sentences = [s for s in (step.explanation if as_asked else step.explanation[:1]) if s not in said]
        said.update(sentences)
        trimmed.append(replace(step, explanation=sentences, result=_at_a_glance(step.result),
                               derivation=step.derivation if as_asked or not step.worked else [],
                               operands=[_at_a_glance(tensor) for tensor in operands], checks=[check for check in step.checks if not check.ok]))
    return trimmed


def _at_a_glance(tensor: NamedTensor | None) -> NamedTensor | None:
    return None if tensor is None else replace(tensor, glance=True)


def check_at_detail(check: Step, detail: str) -> Step:
    """The closing check as the level shows it: below ``full``, its verdict without the sentence
    on how finite differences work (the formula says it)."""
    return check if detail == "full" else replace(check, explanation=check.explanation[-1:])


def with_notes(steps: list[Step], policy: str, text: str | None) -> list[Step]:
    """The steps with the notes ``policy`` keeps (``all``: unchanged)."""
    if policy == "all":
        return steps
    said: set[str] = set()

    def keep(note: Note) -> bool:
        if note.kind in said or (note.about is not None and note.about != text):
            return False
        said.add(note.kind)
        return True

    return [replace(step, notes=[note for note in step.notes if keep(note)]) for step in steps]
