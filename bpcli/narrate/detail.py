"""How much of the worked solution is shown (``--detail``) and which notes (``--notes``).

The narrators build every step in full; the level is applied here, once, to the data, so no
renderer decides what a level means and nothing trimmed away is rendered.

- ``steps``: each step that computes a tensor (a sub-step on the way to a gradient, such as
  CS231n's staged path for batchnorm's dX beside its one-line form, is ``full`` material), with
  its rule, the one sentence saying why (once: the next layer's same rule does not repeat it),
  the shapes, the result and one worked entry, or the derivation where there is no worked entry
  (the output layer's simplification); with another method than chain, the method's sentences
  and derivation too (they are what was asked for). A step with a ``Brief`` (text 002's long
  derivations) shows the brief instead: the compact derivation only in an exercise that follows
  the text. Operands only where they are new (a tensor already shown is not shown again), every
  tensor at a glance (a few slices, a few rows and columns), a worked sum with its first
  STEPS_TERMS terms, an on-the-spot check only when it failed. A step whose rule is the identity
  on its numbers (A = Z of a linear activation, dZ = dA ⊙ 1, the numbers right above) shows its
  rule only. The closing check keeps its verdict, not its method.
- ``full``: everything.

Notes ``once``: each kind of note at its first occurrence; a note about one text's slips or
conventions only when the exercise follows that text (its ``exercise: {text: "002"}``). ``all``:
every note, at every step.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bpcli.core.network import Network
from bpcli.narrate.model import Index, NamedTensor, Note, Step, WorkedEntry
from bpcli.sources import SOURCE_TEXTS, text_code


def followed_text(network: Network) -> str | None:
    """The text the exercise follows ('002'), from its ``exercise: {text: …}``; None for a file
    that names none, says ``none``, or names no text bpcli knows: such a file gets the general
    notes."""
    section = network.extras.get("exercise")
    code = text_code(section.get("text")) if isinstance(section, dict) else None
    return code if code in SOURCE_TEXTS else None


def at_detail(steps: list[Step], detail: str, method: str, text: str | None = None) -> list[Step]:
    """The steps as the level ``detail`` shows them (``full``: unchanged) for an exercise that
    follows ``text`` (``followed_text``)."""
    if detail == "full":
        return steps
    shown: set[str] = set()
    said: set[str] = set()
    trimmed: list[Step] = []
    just_shown: list[NamedTensor] = []
    for step in steps:
        if step.section == "network":
            continue  # the summary's one-line network says it
        if step.section == "backward" and step.target is None:
            continue  # a sub-step on the way to a gradient (CS231n's staged path beside the one-line dX)
        identity = _is_identity(step, just_shown)
        operands = [] if identity else [tensor for tensor in step.operands
                                        if tensor.name not in shown and not _repeats(tensor, just_shown)]
        shown.update(tensor.name for tensor in step.operands)
        result = None if identity else step.result
        if step.result is not None:
            shown.add(step.result.name)
        just_shown = [tensor for tensor in [result, *operands] if tensor is not None]
        as_asked = method != "chain"
        brief = step.brief_for(text)
        if brief is not None:
            explanation, derivation = brief.explanation, brief.derivation
        else:
            explanation = step.explanation if as_asked else step.explanation[:1]
            derivation = step.derivation if as_asked or not step.worked else []
        sentences = [s for s in explanation if s not in said]
        said.update(sentences)
        focus = _worked_entries(step)
        trimmed.append(replace(step, explanation=sentences, result=_at_a_glance(result, focus), derivation=derivation,
                               operands=[_at_a_glance(tensor, focus) for tensor in operands],
                               worked=[] if identity else [_fewer_terms(entry) for entry in step.worked],
                               checks=[check for check in step.checks if not check.ok]))
    return trimmed


#: terms of a worked sum written out at ``steps`` (``full`` writes out narrate.context.SHOWN_TERMS):
#: enough to see the pattern; a sum with one more than this is written out whole
STEPS_TERMS = 4


def _fewer_terms(entry: WorkedEntry) -> WorkedEntry:
    if len(entry.terms) <= STEPS_TERMS + 1:
        return entry
    return replace(entry, terms=entry.terms[:STEPS_TERMS], term_positions=entry.positions()[:STEPS_TERMS])


def _repeats(tensor: NamedTensor, just_shown: list[NamedTensor]) -> bool:
    """True when the previous step showed a tensor with the same numbers."""
    return any(_same_numbers(tensor, other) for other in just_shown)


def _same_numbers(tensor: NamedTensor, other: NamedTensor) -> bool:
    return np.shape(tensor.value) == np.shape(other.value) and np.array_equal(tensor.value, other.value)


def _is_identity(step: Step, just_shown: list[NamedTensor]) -> bool:
    """True for a step whose rule is the identity on these numbers: A = Z of a linear activation,
    dZ = dA ⊙ 1. Its result has the numbers of an operand the step before showed and every
    other operand is all ones, so it shows its rule only (its operands and worked entry would
    only repeat the numbers right above). A relu whose g′ has zeros is no identity, even where
    dZ happens to equal dA."""
    if step.result is None:
        return False
    for same in step.operands:
        others = [tensor for tensor in step.operands if tensor is not same]
        if (_repeats(same, just_shown) and _same_numbers(step.result, same)
                and all(np.all(np.asarray(tensor.value) == 1) for tensor in others)):
            return True
    return False


def _at_a_glance(tensor: NamedTensor | None, focus: dict[str, tuple[Index, ...]] | None = None) -> NamedTensor | None:
    if tensor is None:
        return None
    return replace(tensor, glance=True, focus=(focus or {}).get(tensor.name, ()))


def _worked_entries(step: Step) -> dict[str, tuple[Index, ...]]:
    """By tensor name, the entries the step's first worked entry writes (in the result) and reads
    in the terms it writes out (``WorkedEntry.positions``): those a tensor shown at a glance
    keeps on the page, so that the entry's numbers can be followed (X[1, 0] for Z[1,1,0,1], not
    X[0, 0]; row 2 of a padded input cut to four rows)."""
    if not step.worked or step.worked[0].index is None:
        return {}
    entry = step.worked[0]
    entries: dict[str, tuple[Index, ...]] = {}
    if step.result is not None:
        entries[step.result.name] = (tuple(entry.index),)
    if entry.highlight is not None:
        written = _fewer_terms(entry).positions()
        for name, indices in entry.highlight.used.items():
            # a tensor read once per term (W, A) by the terms written; one read once (a bias) whole
            read = [indices[k] for k in written] if len(indices) == entry.total_terms else indices
            entries.setdefault(name, tuple(tuple(index) for index in read))
    return entries


#: the kind of the closing check's note on how its relative-error column is computed (the
#: text key explain.check_step says it with): method, not verdict
CHECK_METHOD_NOTE = "check.error_shown"


def check_at_detail(check: Step, detail: str) -> Step:
    """The closing check as the level shows it: below ``full``, its verdict without the sentence
    on how finite differences work (the formula says it) nor the note on how the relative error
    is computed; a note that flags something (entries at a kink) stays."""
    if detail == "full":
        return check
    return replace(check, explanation=check.explanation[-1:],
                   notes=[note for note in check.notes if note.kind != CHECK_METHOD_NOTE])


def concerns(note: Note, text: str | None) -> bool:
    """Whether ``note`` is for a learner of an exercise that follows ``text`` (``followed_text``):
    a general note, or one about that text's slips or conventions."""
    return note.about is None or note.about == text


def with_notes(steps: list[Step], policy: str, text: str | None) -> list[Step]:
    """The steps with the notes ``policy`` keeps (``all``: unchanged)."""
    if policy == "all":
        return steps
    said: set[str] = set()

    def keep(note: Note) -> bool:
        if note.kind in said or not concerns(note, text):
            return False
        said.add(note.kind)
        return True

    return [replace(step, notes=[note for note in step.notes if keep(note)]) for step in steps]
