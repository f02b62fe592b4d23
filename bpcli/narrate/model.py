"""The narration as plain data: steps, formulas, tensors, checks. No rendering here (no Rich).

Numbers stay numbers (numpy arrays and floats) so each renderer chooses the precision; every
sentence is already in the chosen language; formulas are language-independent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

from bpcli.formatting import error_bound_text, format_alone, shape_text
from bpcli.narrate.expr import Dot, Expr, MoreTerms, Number, Relation

Section = Literal["network", "forward", "backward", "check"]

#: how much of the worked solution is shown (``explain(detail=…)``, ``--detail``): the summary and
#: the check only; each step's rule, why, shapes, result and one worked entry; everything
DETAILS = ("summary", "steps", "full")
#: which notes are kept (``explain(notes=…)``, ``--notes``): each kind once, and a text's slips only
#: for an exercise that follows that text; or every note at every step, for every text
NOTE_POLICIES = ("once", "all")

#: A formula is one expression tree (``narrate.expr``): ``.latex`` for Markdown/HTML (without
#: ``$$``), ``.text`` for the terminal, both printed from the same tree.
Formula = Expr


@dataclass
class NamedTensor:
    """A tensor as a step shows it: ``name`` as grading names it ('dW2', or a description such as
    "g'(Z1)" for auxiliary tensors), ``latex`` its LaTeX symbol, ``text`` its Unicode symbol.
    ``glance``: shown briefly, a slice and a few rows and columns (``render.matrix.limits``)."""

    name: str
    latex: str
    text: str
    value: np.ndarray
    #: what the leading indices of an image tensor's slices are, in the narration's language
    #: ('filter, channel' for a kernel; '' for the default, sample and channel)
    axes: str = ""
    glance: bool = False
    #: at a glance, the entries the step's worked entry reads or writes, which are shown however
    #: the tensor is summarised (an image tensor's slice is the first one's), so that its numbers
    #: can be followed; empty: the first slice and the usual summary
    focus: tuple[Index, ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.value))

    @property
    def title(self) -> str:
        """Unicode symbol and shape, e.g. 'dW⁽²⁾  1×4'."""
        return f"{self.text}  {shape_text(self.shape)}"


#: an entry's place in its tensor, as the tensor is shown: (i, j), (n, c, y, x), (f,)
Index = tuple[int, ...]


@dataclass
class Highlight:
    """What one entry of a step's result was computed from, by the name of the step's tensor
    that holds it ('W2', 'P1', 'dZ2', or the result's own name): ``used`` the entries whose values
    enter its formula (W's row and A's column, a conv window, a max-pool window's maximum),
    ``around`` the rest of the window they were picked from (a max-pool window beside its maximum,
    the pooling windows an entry lies in)."""

    used: dict[str, list[Index]] = field(default_factory=dict)
    around: dict[str, list[Index]] = field(default_factory=dict)


#: for a step's result, entry by entry (an index in the result as shown): what it was computed from
Sources = Callable[[Index], Highlight]


@dataclass
class WorkedEntry:
    """One entry of a result worked out by its index formula, with the actual numbers.

    ``symbolic`` is the index formula (e.g. Σⱼ dZ[0,j]·A[1,j]); ``terms`` the products it sums,
    each as the tuple of its factors (only the first few when ``total_terms``, the count of
    products, is larger); ``constant`` a bias added to them, always written, last; ``value`` the
    full sum, ``expected`` the value the core computed for that entry.
    """

    label: Formula
    symbolic: Formula
    terms: list[tuple[float, ...]]
    total_terms: int
    value: float
    expected: float
    #: where the entry sits in the step's result, and what it was computed from (None: not said)
    index: Index | None = None
    highlight: Highlight | None = None
    #: written after the products, and after the '…' of those left out: a bias hidden there made
    #: the shown numbers add up to something else than the result
    constant: float | None = None
    #: where each of ``terms`` stands in the whole sum (the non-zero ones are written first);
    #: None: the first ones, in order
    term_positions: tuple[int, ...] | None = None

    def positions(self) -> tuple[int, ...]:
        """Where each written term stands in the whole sum, the n-th read of a tensor being in
        the n-th term (``highlight.used``)."""
        return self.term_positions if self.term_positions is not None else tuple(range(len(self.terms)))

    @property
    def ok(self) -> bool:
        return bool(np.isclose(self.value, self.expected, rtol=1e-9, atol=1e-12))

    @property
    def single(self) -> bool:
        """One term of one factor (a reshape, a one-sample sum): its numbers would only repeat
        the value, so they are not written out."""
        return (self.total_terms == 1 and len(self.terms) == 1 and len(self.terms[0]) == 1
                and self.constant is None)

    def formula(self, precision: int = 4, terms_word: str = "terms") -> Formula:
        """label = symbolic = (0.1)·0.2 + … = 0.0345, the numbers with ``precision`` decimals;
        ``terms_word`` names the count of terms left out, in the narration's language
        (``Labels.terms``)."""
        sides = [self.label, self.symbolic]
        if not self.single:
            shown: list[Expr] = []
            for term in self.terms:
                factors = tuple(Number(x, precision, parenthesised=True) for x in term)
                shown.append(factors[0] if len(factors) == 1 else Dot(factors))
            if self.total_terms > len(self.terms):
                shown.append(MoreTerms(self.total_terms, terms_word))
            if self.constant is not None:
                shown.append(Number(self.constant, precision, parenthesised=True))
            total = shown[0] if shown else Number(0)
            for term in shown[1:]:
                total = total + term
            sides.append(total)
        # the entry as the result shows it when the sum agrees (✓): terms that cancel exactly
        # would otherwise end in their rounding noise (2.776e-17 for a 0)
        sides.append(Number(self.expected if self.ok else self.value, precision))
        return Relation(tuple(sides), ("=",) * (len(sides) - 1))

    def as_text(self, precision: int = 4, terms_word: str = "terms") -> str:
        """'dW⁽²⁾[0,1] = Σⱼ … = (0.1)·0.2 + … = 0.0345'."""
        return self.formula(precision, terms_word).text

    def as_latex(self, precision: int = 4, terms_word: str = "terms") -> str:
        return self.formula(precision, terms_word).latex


@dataclass
class IdentityCheck:
    """An identity evaluated on the actual numbers, both ways. ``description`` is a sentence in
    the narration's language; ``left`` and ``right`` the two evaluations (scalars or arrays)."""

    description: str
    left: np.ndarray | float
    right: np.ndarray | float
    #: the size of the terms a side adds up, where it is a sum that cancels (each unit's dx sums
    #: to 0): its round-off is relative to them, not to the near-0 result
    scale: float = 0.0

    @property
    def difference(self) -> float:
        """max |left − right| (0 for empty tensors; inf when either side is not finite)."""
        left, right = np.asarray(self.left, float), np.asarray(self.right, float)
        if left.size == 0:
            return 0.0
        with np.errstate(invalid="ignore"):
            diff = np.abs(left - right)
        return float(np.max(np.where(np.isnan(diff), np.inf, diff)))

    @property
    def ok(self) -> bool:
        scale = max(1.0, float(np.max(np.abs(np.asarray(self.left, float)), initial=0.0)), self.scale)
        return self.difference <= 1e-9 * scale

    def summary(self, precision: int = 4) -> str:
        """'✓ <description> (max |Δ| < 1e-8)' or '✗ …': the difference as a power of ten, since
        its digits are round-off that differs between machines; a scalar identity shows both
        sides' numbers, '✓ <description>: 0.1234 = 0.1234 (…)'."""
        mark = "✓" if self.ok else "✗"
        left, right = np.asarray(self.left, float), np.asarray(self.right, float)
        values = (f": {format_alone(left, precision)} = {format_alone(right, precision)}"
                  if left.ndim == 0 and right.ndim == 0 else "")
        return f"{mark} {self.description}{values} (max |Δ| {error_bound_text(self.difference)})"


class Note(str):
    """A remark beside a step: its sentence, which also knows ``kind``, what it says (the text
    key, 'note.slip002_dW'), so a kind said once need not be said again, and ``about``, the text
    ('002') whose slip or convention it concerns (None for a general remark).

    A ``str`` so that everything reading notes as sentences (renderers, the quiz, tests) keeps
    working unchanged."""

    kind: str
    about: str | None

    def __new__(cls, kind: str, text: str, about: str | None = None) -> "Note":
        note = super().__new__(cls, text)
        note.kind, note.about = kind, about
        return note

    @property
    def text(self) -> str:
        return str(self)

    def __reduce__(self):
        return (Note, (self.kind, self.text, self.about))


@dataclass
class TableData:
    """A small table as strings: the layer summary, the finite-difference check."""

    headers: list[str]
    rows: list[list[str]]


@dataclass
class Brief:
    """What ``--detail steps`` shows of a step in place of a long why and derivation (text 002's
    σ′ algebra and direct route are ``full`` material): one sentence and the key lines. ``about``:
    the text whose derivation the lines keep ('002'), shown only in an exercise that follows that
    text; None for the brief every other network gets."""

    explanation: list[str]
    derivation: list[Formula] = field(default_factory=list)
    about: str | None = None


@dataclass
class Step:
    """One step of the worked solution.

    ``target`` is the tensor the step computes, named as grading names it ('Z1', 'A1', 'J',
    'dA2', 'dZ2', 'dW2', 'db2', 'dX'); every tensor of the run has exactly one step with it as
    target, and sub-steps have None. ``layer`` is the layer whose rule the step applies (the
    backward step for dA⁽ˡ⁻¹⁾ belongs to layer l), None for the loss and the closing check.
    ``shapes`` is the dimension check as text, '(3×2)(2×4) + (3×1 broadcast) → 3×4'.
    """

    section: Section
    title: str
    explanation: list[str]
    formula: Formula | None = None
    shapes: str = ""
    operands: list[NamedTensor] = field(default_factory=list)
    result: NamedTensor | None = None
    notes: list[Note] = field(default_factory=list)
    target: str | None = None
    layer: int | None = None
    derivation: list[Formula] = field(default_factory=list)
    worked: list[WorkedEntry] = field(default_factory=list)
    checks: list[IdentityCheck] = field(default_factory=list)
    table: TableData | None = None
    #: the rule on one short line, for the summary, when it differs from ``formula`` (the method's
    #: notation, a correlation instead of its index sum)
    short: Formula | None = None
    #: what each entry of ``result`` was computed from (None where the narrator does not say)
    sources: Sources | None = None
    #: the result entry the step works out or checks, where it has no worked entry to say so
    #: (the max-pool window it checks); a page marks what that entry was computed from
    focus: Index | None = None
    #: the shorter versions ``--detail steps`` shows instead of ``explanation`` and ``derivation``
    #: (``Brief``): the one about the text the exercise follows, else the one about none; when
    #: there is none the level's general rule applies
    briefs: list[Brief] = field(default_factory=list)

    def brief_for(self, text: str | None) -> "Brief | None":
        """The brief for an exercise following ``text`` (None: a file that follows none)."""
        chosen = [brief for brief in self.briefs if brief.about == text] or [
            brief for brief in self.briefs if brief.about is None]
        return chosen[0] if chosen else None

    @property
    def formula_latex(self) -> str:
        return self.formula.latex if self.formula is not None else ""

    @property
    def formula_text(self) -> str:
        return self.formula.text if self.formula is not None else ""

    def operands_to_show(self, previous: "Step | None") -> list[NamedTensor]:
        """The operands minus the one the previous step just showed as its result (A = g(Z)
        right after Z), so renderers do not print the same matrix twice in a row."""
        shown = previous.result.name if previous is not None and previous.result is not None else None
        return [tensor for tensor in self.operands if tensor.name != shown]


@dataclass
class LayerRow:
    """One row of the network summary, as data. Shapes are tuples; ``parameter_shapes`` has
    the shape of each of the layer's parameters by its name (W and b, gamma and beta; empty
    for a layer without any)."""

    index: int
    kind: str
    activation: str | None
    parameter_shapes: dict[str, tuple[int, ...]]
    output_shape: tuple[int, ...]
    parameters: int
    #: the layer's size in a few characters, as ``Layer.describe()`` gives it: '3', '2@3×3', '2×2/2'
    size: str = ""


@dataclass
class Labels:
    """The few fixed words renderers print around the steps, in the narration's language."""

    sections: dict[str, str]
    operands: str
    result: str
    shapes: str
    notes: str
    derivation: str
    worked: str
    checks: str
    terms: str
    conventions: str
    press_enter: str
    #: the slices of an image tensor: by default [sample, channel]; '… of … slices shown'
    image_axes: str = "sample, channel"
    slices: str = "{shown} of {total} slices shown, … between"
    colon: str = ":"
    sentence_gap: str = " "

    def tag(self, label: str) -> str:
        """'Shapes:' / '维度：' (the colon of the narration's language)."""
        return f"{label}{self.colon}"

    def paragraph(self, sentences: list[str]) -> str:
        """Sentences run together as one paragraph (Chinese needs no space after 。)."""
        return self.sentence_gap.join(sentences)


@dataclass
class Equation:
    """One line of the summary: the rule of the step computing ``target``, and its shape."""

    target: str
    formula: Formula
    shape: tuple[int, ...]

    def sides(self) -> tuple[Formula | None, Formula]:
        """The formula cut before its first relation, so that the summary's lines can be
        aligned on it: (dW⁽¹⁾, '= dZ⁽¹⁾ Xᵀ'); (None, the formula) when it does not start with a
        side of its own."""
        formula = self.formula
        if not isinstance(formula, Relation) or formula.sides[0] is None:
            return None, formula
        return formula.sides[0], Relation((None,) + formula.sides[1:], formula.ops)


@dataclass
class Summary:
    """What opens every explanation: the network in one line ('X 2×4 → dense 3 tanh → dense 1
    sigmoid → bce'), the loss, the backward equations of this network in the order the steps
    take them, and the finite-difference check that closes it (None without a backward pass)."""

    title: str
    network: str
    headline: str  # the network and the loss in one sentence of the narration's language
    loss_value: float
    equations: list[Equation]
    check: Step | None = None
    notes: list[Note] = field(default_factory=list)


@dataclass
class Explanation:
    """The whole worked solution: the summary, the conventions line and the steps.

    Plain data; ``bpcli.notebook`` gives it its notebook display (Markdown or HTML)."""

    title: str
    lang: str
    method: str
    loss: str
    m: int
    layers: list[LayerRow]
    layer_table: TableData
    conventions: str
    steps: list[Step]
    labels: Labels
    warnings: list[str] = field(default_factory=list)
    summary: Summary | None = None
    detail: str = "full"
    #: X's shape as given (m×H×W, m×C×H×W or n₀×m)
    input_shape: tuple[int, ...] = ()

    def __repr__(self) -> str:
        # the dataclass's own repr printed every step's arrays: 86,000 characters for exercise 04
        loss = f", J = {self.summary.loss_value:.6g}" if self.summary is not None else ""
        return (f"<{type(self).__name__} {self.title!r}: {len(self.steps)} steps, detail {self.detail!r}, "
                f"lang {self.lang!r}{loss}>")

    def walk(self):
        """(step, previous step or None, section heading when a new section starts else None),
        in order: what every renderer iterates over."""
        previous = None
        for step in self.steps:
            starts = previous is None or previous.section != step.section
            yield step, previous, (self.labels.sections[step.section] if starts else None)
            previous = step

    def step_for(self, target: str) -> Step:
        """The one step that computes ``target`` ('dW2'); KeyError if there is none."""
        for step in self.steps:
            if step.target == target:
                return step
        raise KeyError(target)
