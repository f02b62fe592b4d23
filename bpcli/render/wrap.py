"""Line breaking for the terminal, where Rich breaks only at spaces and anywhere inside a formula.

``FormulaLines`` lays out a formula's pieces (``Expr.pieces``: cut before each top-level
relation and each term of a top-level sum) so that a line breaks only between pieces, with the
continuation aligned under the first relation. ``Prose`` wraps sentences at spaces and also
between two Chinese characters (not before closing punctuation, not after opening), so Chinese,
which has no spaces, wraps at the width like English does.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from bpcli.formatting import CJK_RANGES

#: punctuation that never starts a line, and that never ends one
_CLOSING = set("，。、；：！？）》」』】〕”’…%,.;:!?)]")
_OPENING = set("（《「『【〔“‘([")
#: relations and operators: a line does not break on either side of one, so an inline formula
#: keeps its operands together ('J = 0.18375', '(A − Y)/m' and 'γ ⊙ dZ' broke as '(A −' / 'Y)/m')
_BINDING = set("=≈⇒≤≥<>→−+⊙⊗·×/")
#: of those, the ones a line may end on: a chain of layers ('conv relu → pooling → flatten') is
#: prose, and kept whole it left the line before it half empty
_BREAK_AFTER = set("→")
#: continuation lines of a formula are aligned under its first relation unless that is further
#: right than this share of the width (then they are indented by CONTINUATION_INDENT)
ALIGN_LIMIT = 0.5
CONTINUATION_INDENT = 4


def _is_cjk(char: str) -> bool:
    # code point ranges, not a regex character class, which took 3 ms to compile: paid by every
    # grade's start-up
    code = ord(char) if char else 0
    return code >= CJK_RANGES[0][0] and any(low <= code <= high for low, high in CJK_RANGES)


def tokens(text: str) -> list[str]:
    """``text`` cut at every place a line may break: after a run of spaces, but not on either side
    of a relation or an operator (``_BINDING``; after an arrow it may), and on either side of a Chinese character unless
    punctuation forbids it. The tokens join to ``text``."""
    out: list[str] = []
    current = ""
    for position, char in enumerate(text):
        previous = text[position - 1] if position else ""
        breakable = bool(current) and (
            (previous.isspace() and not char.isspace() and char not in _BINDING
             and (current.rstrip()[-1:] not in _BINDING or current.rstrip()[-1:] in _BREAK_AFTER))
            or ((_is_cjk(char) or _is_cjk(previous))
                and not previous.isspace() and not char.isspace()
                and char not in _CLOSING and previous not in _OPENING))
        if breakable:
            out.append(current)
            current = ""
        current += char
    if current:
        out.append(current)
    return out


def break_offsets(text: str, width: int, first_width: int | None = None) -> list[int]:
    """Character offsets at which to break ``text`` into lines of at most ``width`` cells (the
    first line ``first_width``); a token longer than a line is cut by cells."""
    offsets: list[int] = []
    available = width if first_width is None else first_width
    used, position = 0, 0
    for token in tokens(text):
        length = cell_len(token.rstrip())
        if used and used + length > available:
            offsets.append(position)
            used, available = 0, width
        while length > available and used == 0 and len(token) > 1:
            head = chop_cells(token, available)[0]
            offsets.append(position + len(head))
            position, token = position + len(head), token[len(head):]
            length = cell_len(token.rstrip())
            available = width
        used += cell_len(token)
        position += len(token)
    return offsets


def wrap_text(text: Text, width: int, first_width: int | None = None) -> list[Text]:
    """``text`` broken into lines (styles kept), leading and trailing spaces of each line dropped."""
    lines = text.divide(break_offsets(text.plain, max(width, 1), first_width))
    out = []
    for line in lines:
        line = line.copy()
        line.rstrip()
        lead = len(line.plain) - len(line.plain.lstrip(" "))
        out.append(line[lead:] if lead else line)
    return out


class Prose:
    """A paragraph that wraps at spaces and between Chinese characters, at any width."""

    def __init__(self, text: Text | str, indent: int = 0):
        self.text = Text(text) if isinstance(text, str) else text
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = wrap_text(self.text, options.max_width - self.indent)
        yield Text("\n").join(Text(" " * self.indent) + line for line in lines)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, min(options.max_width, cell_len(self.text.plain) + self.indent))


#: how a second statement on a formula's line begins (``Aside``: 'a,   b', 'a   since b')
STATEMENT_GAP = "   "
#: the relations a derivation's line may begin with, going on from the line above ('= …')
RELATIONS = ("=", "≈", "⇒", "≤", "≥", "<", ">")


def goes_on(pieces: list[str]) -> bool:
    """Whether a formula's pieces go on from the line above: '= b = c', not 'a = b'."""
    return pieces[0].startswith(RELATIONS)


def layout_pieces(pieces: list[str], width: int, indent: int = 0, prefix: int = 0) -> list[str]:
    """The pieces packed into lines of at most ``width`` cells, each line breaking only between
    pieces: the first line starts after ``indent`` spaces and ``prefix`` cells already written;
    continuation lines are aligned under the first relation (the start of the second piece) when
    it is not too far right, else indented by CONTINUATION_INDENT. A second statement begun on a
    line that must break inside it starts the next line whole ('∂A/∂Z = …' broken after its
    left side put its relation under the first statement's, and read as part of it). A piece
    longer than a line goes alone on its line (the only case where Rich must cut inside it)."""
    first = pieces[0]
    starts_with_relation = not first[:1].strip() or goes_on(pieces)
    align = indent + prefix + (0 if starts_with_relation else cell_len(first) + 1)
    if len(pieces) == 1 or align > width * ALIGN_LIMIT:
        align = indent + CONTINUATION_INDENT
    rows: list[list[str]] = [[first]]
    starts = [indent]
    used = indent + prefix + cell_len(first)

    def new_row(piece: str, statement: bool = False) -> int:
        # a statement of its own starts under the first one's right side, not under its relation
        length = cell_len(piece.lstrip())
        columns = (align + 2, align) if statement else (align,)
        start = next((column for column in columns + (indent + CONTINUATION_INDENT,) if column + length <= width),
                     indent)
        rows.append([piece.lstrip()])
        starts.append(start)
        return start + length

    for piece in pieces[1:]:
        if used + cell_len(piece) <= width:
            rows[-1].append(piece)
            used += cell_len(piece)
            continue
        side = max((k for k, earlier in enumerate(rows[-1]) if k and earlier.startswith(STATEMENT_GAP)), default=None)
        if side is not None:
            carried = "".join(rows[-1][side:])
            del rows[-1][side:]
            used = new_row(carried, statement=True)
            if used + cell_len(piece) <= width:
                rows[-1].append(piece)
                used += cell_len(piece)
                continue
        used = new_row(piece)
    return [" " * start + "".join(row) for start, row in zip(starts, rows)]


class FormulaLines:
    """A formula (its printed pieces) laid out by ``layout_pieces`` at the width it is given,
    after an optional ``prefix`` (a label such as 'One entry worked out: ') and followed by an
    optional ``suffix`` (' ✓')."""

    def __init__(self, pieces: list[str], style: str = "", indent: int = 0, prefix: Text | None = None,
                 suffix: str = "", narrow_indent: int | None = None):
        self.pieces = list(pieces)
        if suffix:
            self.pieces[-1] += suffix
        self.style, self.indent, self.prefix = style, indent, prefix
        #: the indent instead, where the first piece does not fit after ``indent``
        self.narrow_indent = indent if narrow_indent is None else narrow_indent

    def lines(self, width: int) -> list[str]:
        prefix = cell_len(self.prefix.plain) if self.prefix is not None else 0
        indent = self.indent if self.indent + prefix + cell_len(self.pieces[0]) <= width else self.narrow_indent
        return layout_pieces(self.pieces, width, indent, prefix)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines(options.max_width)
        indent = len(lines[0]) - len(lines[0].lstrip(" "))
        first = Text(lines[0][:indent])
        if self.prefix is not None:
            first.append_text(self.prefix)
        first.append(lines[0][indent:], style=self.style)
        rendered = [first] + [Text(line, style=self.style) for line in lines[1:]]
        for line in rendered:
            line.no_wrap = False
            line.overflow = "fold"
        yield Text("\n").join(rendered)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max(cell_len(line) for line in self.lines(options.max_width))
        return Measurement(1, min(options.max_width, widest))
