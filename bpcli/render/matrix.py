"""Matrix formatting shared by every renderer and command: numbers, Rich tables, plain text, LaTeX.

Large tensors are summarised the way numpy prints them: the first and last few rows and columns
with an ellipsis between. Tensors with more than two axes (image data, m × C × H × W) are shown
as one H × W matrix per leading index (per sample and channel), also summarised when there are
many. Every function takes the tensor as it is; nothing is copied beyond the entries shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from bpcli.formatting import decimals_for, format_number, largest_magnitude, round_off_bound, shape_text  # noqa: F401 - part of this module's interface

#: how many (sample, channel) slices of an image tensor are shown before summarising
MAX_SLICES = 4
#: rows and columns of a matrix shown before summarising
MAX_SIDE = 8
#: a tensor shown at a glance (``NamedTensor.glance``, below ``--detail full``): one slice of a
#: few rows and columns
GLANCE_SLICES = 1
GLANCE_SIDE = 4
#: at a glance, the most slices of small matrices (shown whole) shown for a worked entry's
#: entries (``matrix_slices``' focus): a sum over two filters is followed in full, one over many
#: in its first two; large slices, summarised anyway, stay one (4 slices of a 32 × 32 CNN's
#: pad(dZ) and kernel made its dX step 52 lines instead of 22)
GLANCE_FOCUS_SLICES = 2
#: a matrix side this long or shorter is never summarised (``shown_positions``)
SMALL_SIDE = 8


@dataclass(frozen=True)
class Limits:
    """How much of a tensor is shown: slices of an image tensor, rows and columns of each."""

    slices: int
    side: int


def limits(glance: bool) -> Limits:
    return Limits(GLANCE_SLICES, GLANCE_SIDE) if glance else Limits(MAX_SLICES, MAX_SIDE)
#: what a marked (wrong) entry carries after its number, so it shows without colour too
WRONG_MARKER = "✗"
ELLIPSIS = "…"


def shown_indices(length: int, limit: int) -> list[int | None]:
    """Indices to show along an axis of ``length``: all when they fit in ``limit``, else the
    first and last few with ``None`` where the ellipsis goes (numpy-style summary)."""
    limit = max(limit, 1)
    if length <= limit:
        return list(range(length))
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + [None] + list(range(length - tail, length))


def shown_positions(length: int, limit: int, keep: Sequence[int] = ()) -> list[int | None]:
    """The rows (or columns) of a matrix to show: as ``shown_indices``, but a matrix side of at
    most SMALL_SIDE, or one more than ``limit``, is shown whole (a 6 × 6 padded input cut to
    four rows and columns hid the very entries its worked entry read, and an ellipsis that
    stands for one row takes the line it saves), and the positions ``keep`` (a worked entry's)
    are always among those shown: ``limit`` positions around them, or, if they spread wider,
    they alone, with an ellipsis for each gap."""
    if length <= max(limit + 1, SMALL_SIDE):
        return list(range(length))
    summary = shown_indices(length, limit)
    if set(keep) <= set(summary):
        return summary
    first, last = min(keep), max(keep)
    if last - first < limit:
        start = min(max(first - (limit - (last - first + 1)) // 2, 0), length - limit)
        positions = list(range(start, start + limit))
    else:
        positions = sorted(set(keep))
    with_gaps: list[int | None] = [None] if positions[0] > 0 else []
    for previous, position in zip([None] + positions, positions):
        if previous is not None and position > previous + 1:
            with_gaps.append(None)
        with_gaps.append(position)
    return with_gaps + ([None] if positions[-1] < length - 1 else [])


@dataclass
class MatrixSlice:
    """One 2-D piece of a tensor: ``label`` is the leading index ('' for a matrix, '[0, 1]' for
    sample 0 channel 1), ``matrix`` a 2-D view, ``marks`` the matching view of the marks."""

    label: str
    index: tuple[int, ...]
    matrix: np.ndarray
    marks: np.ndarray | None
    #: rows and columns shown however the matrix is summarised: those of a worked entry's entries
    keep_rows: tuple[int, ...] = ()
    keep_columns: tuple[int, ...] = ()
    #: the largest |value| of the whole tensor, which sets the decimals of every slice of it alike
    largest: float = 1.0

    def cells(self, precision: int, max_rows: int, max_cols: int):
        """``matrix_cells`` of this piece, its kept rows and columns among those shown, with
        the decimals the tensor's largest value needs (``decimals_for``)."""
        return matrix_cells(self.matrix, decimals_for(self.largest, precision), max_rows, max_cols,
                            self.keep_rows, self.keep_columns, round_off=round_off_bound(self.largest))


def as_matrix(array: np.ndarray) -> np.ndarray:
    """A 0-D tensor as 1×1, a 1-D tensor (e.g. conv db, (F,)) as one row, a matrix as itself."""
    array = np.asarray(array)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(1, -1)
    return array


def matrix_slices(array: np.ndarray, marks: np.ndarray | None = None, max_slices: int = MAX_SLICES,
                  focus: Sequence[tuple[int, ...]] = ()) -> tuple[list[MatrixSlice | None], int]:
    """The 2-D pieces to show of ``array``, ``None`` where slices are skipped, and the total count.

    Up to 2-D tensors give one piece. An (m, C, H, W) tensor gives one H × W piece per (n, c),
    the first and last few when there are more than ``max_slices``. ``focus``: entries of
    ``array`` to keep on the page (those a worked entry reads or writes): where a single slice
    would be shown, the first slice they lie in is (the first GLANCE_FOCUS_SLICES when slices are
    small), and every piece keeps the rows and columns of those in it.
    """
    array = np.asarray(array)
    largest = largest_magnitude(array) if array.dtype.kind == "f" else 1.0
    if array.ndim <= 2:
        matrix_marks = None if marks is None else as_matrix(np.asarray(marks, dtype=bool))
        return [_kept(MatrixSlice("", (), as_matrix(array), matrix_marks, largest=largest), focus, array.ndim)], 1
    leading = array.shape[:-2]
    total = int(np.prod(leading))
    pieces: list[MatrixSlice | None] = []
    chosen = shown_indices(total, max_slices)
    if focus and len(focus[0]) == array.ndim and max_slices == 1 < total:
        # the slices the entries lie in (a worked sum over filters reads one per filter)
        small = max(array.shape[-2:]) <= SMALL_SIDE
        chosen = sorted({int(np.ravel_multi_index(entry[:-2], leading))
                         for entry in focus})[:GLANCE_FOCUS_SLICES if small else 1]
    for flat in chosen:
        if flat is None:
            pieces.append(None)
            continue
        index = tuple(int(i) for i in np.unravel_index(flat, leading))
        piece_marks = None if marks is None else np.asarray(marks, dtype=bool)[index]
        label = "[" + ", ".join(str(i) for i in index) + "]"
        pieces.append(_kept(MatrixSlice(label, index, array[index], piece_marks, largest=largest), focus, array.ndim))
    return pieces, total


def _kept(piece: MatrixSlice, focus: Sequence[tuple[int, ...]], ndim: int) -> MatrixSlice:
    """``piece`` keeping the rows and columns of the ``focus`` entries that lie in it (entries of
    the ``ndim``-D tensor; a vector is shown as one row, as ``as_matrix`` makes it)."""
    cells = [tuple(entry[-2:]) if ndim >= 2 else (0, entry[0]) if ndim == 1 else (0, 0)
             for entry in focus if len(entry) == ndim and tuple(entry[:-2]) == piece.index[:max(ndim - 2, 0)]]
    if cells:
        piece.keep_rows = tuple(sorted({row for row, _ in cells}))
        piece.keep_columns = tuple(sorted({column for _, column in cells}))
    return piece


def matrix_cells(matrix: np.ndarray, precision: int, max_rows: int, max_cols: int, keep_rows: Sequence[int] = (),
                 keep_columns: Sequence[int] = (), round_off: float = 0.0
                 ) -> Iterator[tuple[int | None, list[tuple[int | None, str]]]]:
    """Row by row: (row index or None for the ellipsis row, [(column index or None, text)]);
    ``keep_rows`` and ``keep_columns`` are shown however the matrix is summarised; an entry of at
    most ``round_off`` in magnitude is shown as 0."""
    rows = shown_positions(matrix.shape[0], max_rows, keep_rows)
    cols = shown_positions(matrix.shape[1], max_cols, keep_columns)
    counts = matrix.dtype.kind in "iub"  # integer tensors (masks, counts) are shown without decimals
    for i in rows:
        if i is None:
            yield None, [(j, "⋮" if j is not None else "⋱") for j in cols]
            continue
        yield i, [(j, (str(int(matrix[i, j])) if counts else _number(matrix[i, j], precision, round_off))
                   if j is not None else ELLIPSIS) for j in cols]


def _number(x: float, precision: int, round_off: float) -> str:
    return format_number(0.0 if abs(x) <= round_off else x, precision)


def matrix_text(array: np.ndarray, precision: int = 4, max_rows: int = 8, max_cols: int = 8, name: str = "") -> str:
    """A plain-text grid, decimals aligned, summarised like numpy when large.

    An image tensor (m, C, H, W) is one grid per sample and channel, each headed by its index
    after ``name`` ('X[0, 1]': a bare '[0, 1]' above numbers reads as one of them).
    """
    pieces, total = matrix_slices(array)
    blocks = []
    for piece in pieces:
        if piece is None:
            blocks.append(f"{ELLIPSIS} ({total - (len(pieces) - 1)} more slices)")
            continue
        rows = [[text for _, text in cells] for _, cells in piece.cells(precision, max_rows, max_cols)]
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))] if rows and rows[0] else []
        lines = ["  ".join(text.rjust(width) for text, width in zip(row, widths)) for row in rows]
        blocks.append("\n".join(([name + piece.label] if piece.label else []) + ["[ " + line + " ]" for line in lines]))
    return "\n".join(blocks)


def _latex_number(x: float, precision: int) -> str:
    return _latex_text(format_number(x, precision))


def _latex_text(text: str) -> str:
    """A number as ``format_number`` writes it, in LaTeX."""
    if text == "nan":
        return r"\text{nan}"
    if text.endswith("inf"):
        return r"-\infty" if text.startswith("-") else r"\infty"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def _latex_matrix(piece: MatrixSlice, precision: int, max_rows: int, max_cols: int) -> str:
    lines = []
    for i, cells in piece.cells(precision, max_rows, max_cols):
        if i is None:
            lines.append(" & ".join(r"\vdots" if j is not None else r"\ddots" for j, _ in cells))
        else:
            # the cells' own text: the tensor's decimals (``decimals_for``), round-off shown as 0
            lines.append(" & ".join(_latex_text(text) if j is not None else r"\cdots" for j, text in cells))
    return r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"


def matrix_latex(array: np.ndarray, precision: int = 4, max_rows: int = 8, max_cols: int = 8,
                 max_slices: int = MAX_SLICES, focus: Sequence[tuple[int, ...]] = ()) -> str:
    """A LaTeX ``bmatrix`` (KaTeX/MathJax compatible) with ``\\cdots``/``\\vdots``/``\\ddots``
    where summarised. An image tensor becomes one bmatrix per sample and channel, each with its
    index written under it, separated by ``\\quad``. A number (0-D: J) is written as itself."""
    if np.ndim(array) == 0:
        return _latex_number(float(array), precision)
    pieces, total = matrix_slices(array, max_slices=max_slices, focus=focus)
    parts = []
    for piece in pieces:
        if piece is None:
            parts.append(r"\cdots")
            continue
        body = _latex_matrix(piece, precision, max_rows, max_cols)
        parts.append(rf"\underset{{{piece.label}}}{{{body}}}" if piece.label else body)
    return r" \quad ".join(parts)


def _heat_style(number, scale: float | None) -> str:
    """'<text colour> on <background>' for a cell of a heatmap; '' without one."""
    from bpcli.render.heatmap import heat_colour, text_colour

    background = heat_colour(float(number), scale) if scale else None
    return f"{text_colour(background)} on {background}" if background else ""


def _rich_matrix(piece: MatrixSlice, title: str | None, precision: int, max_rows: int, max_cols: int,
                 heat: float | None = None):
    from rich.table import Table
    from rich.text import Text

    from rich.cells import cell_len

    # no rule under the column indices: they are dim, and a rule per matrix is a line per matrix;
    # at least as wide as its title, which would otherwise wrap above a narrow slice: '(A − μ)[1,' / '0]'
    table = Table(title=title, box=None, show_header=True, padding=(0, 1),
                  header_style="dim", title_style="bold", pad_edge=False, collapse_padding=False,
                  show_edge=False, min_width=cell_len(title) if title else None)
    table.add_column("", style="dim", justify="right")
    marked_anywhere = piece.marks is not None and bool(piece.marks.any())
    rows = list(piece.cells(precision, max_rows, max_cols))
    for j, _ in rows[0][1]:
        table.add_column(ELLIPSIS if j is None else str(j), justify="right", no_wrap=True)
    for i, cells in rows:
        rendered = []
        for j, text in cells:
            wrong = marked_anywhere and i is not None and j is not None and bool(piece.marks[i, j])
            if wrong:
                rendered.append(Text(text + WRONG_MARKER, style="bold red"))
            else:
                style = _heat_style(piece.matrix[i, j], heat) if i is not None and j is not None else ""
                rendered.append(Text(text + (" " if marked_anywhere else ""), style=style))
        table.add_row(ELLIPSIS if i is None else str(i), *rendered)
    return table


def _grid_lines(piece: MatrixSlice, title: str, precision: int, max_rows: int, max_cols: int,
                heat: float | None = None):
    """One slice as lines of styled text: the title centred in bold, the column indices dim, then
    each row with its index; columns right-aligned, two spaces apart (what ``_rich_matrix`` draws,
    laid out directly)."""
    from rich.cells import cell_len
    from rich.text import Text

    rows = list(piece.cells(precision, max_rows, max_cols))
    labels = [ELLIPSIS if i is None else str(i) for i, _ in rows]
    header = [ELLIPSIS if j is None else str(j) for j, _ in rows[0][1]]
    columns = [[header[k]] + [cells[k][1] for _, cells in rows] for k in range(len(header))]
    widths = [max(len(text) for text in column) for column in columns]
    label_width = max(len(label) for label in labels)
    grid = lambda first, cells: "  ".join([first.rjust(label_width)] + [t.rjust(w) for t, w in zip(cells, widths)])
    body = [grid(label, [text for _, text in cells]) for label, (_, cells) in zip(labels, rows)]
    width = max(cell_len(title), len(body[0]))
    lines = [Text(title.center(width - cell_len(title) + len(title)), style="bold"),
             Text(grid("", header).ljust(width), style="dim")]
    for label, (i, cells) in zip(labels, rows):
        text = Text(label.rjust(label_width), style="dim")
        for (j, cell), cell_width in zip(cells, widths):
            text.append("  ")
            style = _heat_style(piece.matrix[i, j], heat) if heat and i is not None and j is not None else ""
            text.append(cell.rjust(cell_width), style=style)
        text.append(" " * (width - text.cell_len))
        lines.append(text)
    return lines


@dataclass
class MatrixBlocks:
    """A tensor as ``matrix_table`` shows it, laid out as blocks of styled lines: one block per
    slice shown, and the heading line above them when there are several slices."""

    heading: "object | None"  # rich.text.Text
    blocks: list[list]  # each a list of rich.text.Text lines of equal width


def matrix_lines(array: np.ndarray, title: str, precision: int = 4, max_rows: int = 8, max_cols: int = 8,
                 max_slices: int = MAX_SLICES, axes: str = "sample, channel",
                 slices: str = "{shown} of {total} slices shown, … between", heat: float | None = None,
                 focus: Sequence[tuple[int, ...]] = ()) -> MatrixBlocks:
    """What ``matrix_table`` shows (without marks), as lines to lay out side by side without
    Rich's table measurement: an explanation prints many matrices, and this is several times
    faster. ``focus``: see ``matrix_slices``."""
    from rich.text import Text

    array = np.asarray(array)
    heading = f"{title}  {shape_text(array.shape)}"
    pieces, total = matrix_slices(array, None, max_slices, focus)
    shown = [piece for piece in pieces if piece is not None]
    if total == 1:
        return MatrixBlocks(None, [_grid_lines(shown[0], heading, precision, max_rows, max_cols, heat)])
    if len(shown) == 1:
        title_line = f"{title}{shown[0].label} {ELLIPSIS}  {shape_text(array.shape)}"
        return MatrixBlocks(None, [_grid_lines(shown[0], title_line, precision, max_rows, max_cols, heat)])
    heading += f"  [{axes}]"
    if len(shown) < total:
        heading += "  (" + slices.format(shown=len(shown), total=total) + ")"
    return MatrixBlocks(Text(heading, style="bold"),
                        [_grid_lines(piece, f"{title}{piece.label}", precision, max_rows, max_cols, heat) for piece in shown])


def matrix_table(array: np.ndarray, title: str, precision: int = 4, marks: np.ndarray | None = None,
                 max_rows: int = 8, max_cols: int = 8, max_slices: int = MAX_SLICES,
                 axes: str = "sample, channel", slices: str = "{shown} of {total} slices shown, … between",
                 heat: float | None = None):
    """A Rich renderable: a table titled with ``title`` and the tensor's shape ('dW2  1×4'), row and
    column indices in the margins, numbers right-aligned with ``precision`` decimals, large
    tensors summarised. ``marks`` (a boolean array of the tensor's shape) highlights entries as
    wrong: bold red and followed by ✗, which also shows without colour. ``heat`` (a scale, see
    ``render.heatmap``) colours every other cell by its value; the console drops the colours under
    NO_COLOR and when piped.

    An image tensor (m, C, H, W) is shown per sample and channel: one table each, titled
    ``title[n, c]``, laid out side by side as the width allows, under a heading that names the
    slices' ``axes`` (``[filter, channel]`` for a kernel) and, when some are left out, says so
    with ``slices`` ('{shown} of {total} slices shown'); a single slice is one table under the heading.
    """
    array = np.asarray(array)
    if marks is not None and np.shape(marks) != array.shape:
        raise ValueError(f"marks has shape {np.shape(marks)}, the tensor {array.shape}")
    heading = f"{title}  {shape_text(array.shape)}"
    pieces, total = matrix_slices(array, marks, max_slices)
    if array.ndim <= 2:
        return _rich_matrix(pieces[0], heading, precision, max_rows, max_cols, heat)
    shown = [piece for piece in pieces if piece is not None]
    if total == 1:  # one sample, one channel: the heading is the slice's title
        return _rich_matrix(shown[0], heading, precision, max_rows, max_cols, heat)
    if len(shown) == 1:  # one slice of many: one title says both
        return _rich_matrix(shown[0], f"{title}{shown[0].label} {ELLIPSIS}  {shape_text(array.shape)}", precision,
                            max_rows, max_cols, heat)
    from rich.columns import Columns  # only here: a matrix's table (a grade's verdict) needs none of it
    from rich.console import Group
    from rich.text import Text

    tables = [_rich_matrix(piece, f"{title}{piece.label}", precision, max_rows, max_cols, heat) for piece in shown]
    heading += f"  [{axes}]"
    if len(tables) < total:
        heading += "  (" + slices.format(shown=len(tables), total=total) + ")"
    return Group(Text(heading, style="bold"), Columns(tables, padding=(0, 3), equal=True))
