"""Matrix formatting shared by every renderer and command: numbers, Rich tables, plain text, LaTeX.

Large tensors are summarised the way numpy prints them: the first and last few rows and columns
with an ellipsis between. Tensors with more than two axes (image data, m × C × H × W) are shown
as one H × W matrix per leading index (per sample and channel), also summarised when there are
many. Every function takes the tensor as it is; nothing is copied beyond the entries shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from bpcli.formatting import format_number, shape_text  # noqa: F401 - part of this module's interface

#: how many (sample, channel) slices of an image tensor are shown before summarising
MAX_SLICES = 4
#: what a marked (wrong) entry carries after its number, so it shows without colour too
WRONG_MARKER = "✗"
ELLIPSIS = "…"


def shown_indices(length: int, limit: int) -> list[int | None]:
    """Indices to show along an axis of ``length``: all when they fit in ``limit``, else the
    first and last few with ``None`` where the ellipsis goes (numpy-style summary)."""
    limit = max(limit, 2)
    if length <= limit:
        return list(range(length))
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + [None] + list(range(length - tail, length))


@dataclass
class MatrixSlice:
    """One 2-D piece of a tensor: ``label`` is the leading index ('' for a matrix, '[0, 1]' for
    sample 0 channel 1), ``matrix`` a 2-D view, ``marks`` the matching view of the marks."""

    label: str
    index: tuple[int, ...]
    matrix: np.ndarray
    marks: np.ndarray | None


def as_matrix(array: np.ndarray) -> np.ndarray:
    """A 0-D tensor as 1×1, a 1-D tensor (e.g. conv db, (F,)) as one row, a matrix as itself."""
    array = np.asarray(array)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(1, -1)
    return array


def matrix_slices(array: np.ndarray, marks: np.ndarray | None = None,
                  max_slices: int = MAX_SLICES) -> tuple[list[MatrixSlice | None], int]:
    """The 2-D pieces to show of ``array``, ``None`` where slices are skipped, and the total count.

    Up to 2-D tensors give one piece. An (m, C, H, W) tensor gives one H × W piece per (n, c),
    the first and last few when there are more than ``max_slices``.
    """
    array = np.asarray(array)
    if array.ndim <= 2:
        matrix_marks = None if marks is None else as_matrix(np.asarray(marks, dtype=bool))
        return [MatrixSlice("", (), as_matrix(array), matrix_marks)], 1
    leading = array.shape[:-2]
    total = int(np.prod(leading))
    pieces: list[MatrixSlice | None] = []
    for flat in shown_indices(total, max_slices):
        if flat is None:
            pieces.append(None)
            continue
        index = tuple(int(i) for i in np.unravel_index(flat, leading))
        piece_marks = None if marks is None else np.asarray(marks, dtype=bool)[index]
        label = "[" + ", ".join(str(i) for i in index) + "]"
        pieces.append(MatrixSlice(label, index, array[index], piece_marks))
    return pieces, total


def matrix_cells(matrix: np.ndarray, precision: int, max_rows: int,
           max_cols: int) -> Iterator[tuple[int | None, list[tuple[int | None, str]]]]:
    """Row by row: (row index or None for the ellipsis row, [(column index or None, text)])."""
    rows = shown_indices(matrix.shape[0], max_rows)
    cols = shown_indices(matrix.shape[1], max_cols)
    counts = matrix.dtype.kind in "iub"  # integer tensors (masks, counts) are shown without decimals
    for i in rows:
        if i is None:
            yield None, [(j, "⋮" if j is not None else "⋱") for j in cols]
            continue
        yield i, [(j, (str(int(matrix[i, j])) if counts else format_number(matrix[i, j], precision))
                   if j is not None else ELLIPSIS) for j in cols]


def matrix_text(array: np.ndarray, precision: int = 4, max_rows: int = 8, max_cols: int = 8) -> str:
    """A plain-text grid, decimals aligned, summarised like numpy when large.

    An image tensor (m, C, H, W) is one grid per sample and channel, each headed by its index.
    """
    pieces, total = matrix_slices(array)
    blocks = []
    for piece in pieces:
        if piece is None:
            blocks.append(f"{ELLIPSIS} ({total - (len(pieces) - 1)} more slices)")
            continue
        rows = [[text for _, text in cells] for _, cells in matrix_cells(piece.matrix, precision, max_rows, max_cols)]
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))] if rows and rows[0] else []
        lines = ["  ".join(text.rjust(width) for text, width in zip(row, widths)) for row in rows]
        blocks.append("\n".join(([piece.label] if piece.label else []) + ["[ " + line + " ]" for line in lines]))
    return "\n".join(blocks)


def _latex_number(x: float, precision: int) -> str:
    text = format_number(x, precision)
    if text == "nan":
        return r"\text{nan}"
    if text.endswith("inf"):
        return r"-\infty" if text.startswith("-") else r"\infty"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def _latex_matrix(matrix: np.ndarray, precision: int, max_rows: int, max_cols: int) -> str:
    rows = shown_indices(matrix.shape[0], max_rows)
    cols = shown_indices(matrix.shape[1], max_cols)
    lines = []
    for i in rows:
        if i is None:
            lines.append(" & ".join(r"\vdots" if j is not None else r"\ddots" for j in cols))
        else:
            lines.append(" & ".join(_latex_number(matrix[i, j], precision) if j is not None else r"\cdots"
                                    for j in cols))
    return r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"


def matrix_latex(array: np.ndarray, precision: int = 4, max_rows: int = 8, max_cols: int = 8) -> str:
    """A LaTeX ``bmatrix`` (KaTeX/MathJax compatible) with ``\\cdots``/``\\vdots``/``\\ddots``
    where summarised. An image tensor becomes one bmatrix per sample and channel, each with its
    index written under it, separated by ``\\quad``."""
    pieces, total = matrix_slices(array)
    parts = []
    for piece in pieces:
        if piece is None:
            parts.append(r"\cdots")
            continue
        body = _latex_matrix(piece.matrix, precision, max_rows, max_cols)
        parts.append(rf"\underset{{{piece.label}}}{{{body}}}" if piece.label else body)
    return r" \quad ".join(parts)


def _rich_matrix(piece: MatrixSlice, title: str | None, precision: int, max_rows: int, max_cols: int):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from rich.cells import cell_len

    # at least as wide as its title, which would otherwise wrap above a narrow slice: '(A − μ)[1,' / '0]'
    table = Table(title=title, box=box.SIMPLE_HEAD, show_header=True, padding=(0, 1),
                  header_style="dim", title_style="bold", pad_edge=False, collapse_padding=True,
                  show_edge=False, min_width=cell_len(title) if title else None)
    table.add_column("", style="dim", justify="right")
    marked_anywhere = piece.marks is not None and bool(piece.marks.any())
    rows = list(matrix_cells(piece.matrix, precision, max_rows, max_cols))
    for j, _ in rows[0][1]:
        table.add_column(ELLIPSIS if j is None else str(j), justify="right", no_wrap=True)
    for i, cells in rows:
        rendered = []
        for j, text in cells:
            wrong = marked_anywhere and i is not None and j is not None and bool(piece.marks[i, j])
            if wrong:
                rendered.append(Text(text + WRONG_MARKER, style="bold red"))
            else:
                rendered.append(Text(text + (" " if marked_anywhere else "")))
        table.add_row(ELLIPSIS if i is None else str(i), *rendered)
    return table


def matrix_table(array: np.ndarray, title: str, precision: int = 4, marks: np.ndarray | None = None,
                 max_rows: int = 8, max_cols: int = 8, axes: str = "sample, channel",
                 slices: str = "{shown} of {total} slices shown, … between"):
    """A Rich renderable: a table titled with ``title`` and the tensor's shape ('dW2  1×4'), row and
    column indices in the margins, numbers right-aligned with ``precision`` decimals, large
    tensors summarised. ``marks`` (a boolean array of the tensor's shape) highlights entries as
    wrong: bold red and followed by ✗, which also shows without colour.

    An image tensor (m, C, H, W) is shown per sample and channel: one table each, titled
    ``title[n, c]``, laid out side by side as the width allows, under a heading that names the
    slices' ``axes`` (``[filter, channel]`` for a kernel) and, when some are left out, says so
    with ``slices`` ('{shown} of {total} slices shown').
    """
    from rich.columns import Columns
    from rich.console import Group
    from rich.text import Text

    array = np.asarray(array)
    if marks is not None and np.shape(marks) != array.shape:
        raise ValueError(f"marks has shape {np.shape(marks)}, the tensor {array.shape}")
    heading = f"{title}  {shape_text(array.shape)}"
    pieces, total = matrix_slices(array, marks)
    if array.ndim <= 2:
        return _rich_matrix(pieces[0], heading, precision, max_rows, max_cols)
    tables = [_rich_matrix(piece, f"{title}{piece.label}", precision, max_rows, max_cols)
              for piece in pieces if piece is not None]
    heading += f"  [{axes}]"
    if len(tables) < total:
        heading += "  (" + slices.format(shown=len(tables), total=total) + ")"
    return Group(Text(heading, style="bold"), Columns(tables, padding=(0, 3), equal=True))
