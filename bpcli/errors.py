"""Typed errors of the library. Only the command line turns them into messages and exit codes."""

from __future__ import annotations

from typing import Any

from bpcli.formatting import one_line


class BpcliError(Exception):
    """Base class of every error bpcli raises on purpose."""


class SpecError(BpcliError, ValueError):
    """A network file (or mapping) that bpcli cannot read or compute.

    ``path`` names the place in the file (``layers[1].W``, or ``""`` for the file as a whole),
    ``message`` says what was expected and what was found, ``code`` is a stable short name used
    in the JSON error object, and ``file`` is the file's name when the spec came from a file.
    Each is kept on one line (PyYAML's and numpy's messages span several; file names and keys
    may hold line breaks), so stderr and the ``bpcli.error/1`` document both get one line.
    """

    def __init__(self, message: str, path: str = "", code: str = "invalid", file: str | None = None):
        self.message = one_line(message)
        self.path = one_line(path)
        self.code = code
        self.file = None if file is None else one_line(file)
        super().__init__(self.describe())

    def describe(self, lang: str = "en") -> str:
        """'file: path: message', the message in ``lang`` where the error carries a ``msg`` (a
        ``bpcli.texts.Msg``, set by the code that raised it; ``place_msg`` words a place such as
        'line 3, column 7'), else in English."""
        msg, place = getattr(self, "msg", None), getattr(self, "place_msg", None)
        worded = msg is not None and lang != "en"
        path = one_line(place.text(lang)) if worded and place is not None else self.path
        parts = [p for p in (self.file, path) if p]
        return ": ".join(parts + [one_line(msg.text(lang)) if worded else self.message])

    def with_file(self, file: str | None) -> "SpecError":
        self.file = None if file is None else one_line(file)
        self.args = (self.describe(),)
        return self


class AnswerError(BpcliError, ValueError):
    """A learner's answer (numbers or formula) that cannot be parsed or evaluated."""


class FormulaShapeError(AnswerError):
    """A formula that parses but cannot be computed: two operands' shapes do not fit where they
    are multiplied or combined. ``reason`` (a ``bpcli.texts.Msg``) says where, as a verdict words
    it; ``repairs`` are the formulas with one transpose added or removed there that can be
    computed (``bpcli.grading.formula.TransposeRepair``), which grading compares with the right
    value before it calls the answer unreadable."""

    reason: Any = None
    repairs: tuple = ()


class UsageError(BpcliError, ValueError):
    """A request that does not fit the network, such as a target or layer it does not have."""


class OutputError(BpcliError):
    """Output that could not be written (a full disk, a closed stdout, a folder without write
    permission): exit code 74, never 2 (the input was fine) nor 70 (no bug)."""

    def __init__(self, target: str, reason: str):
        self.target, self.reason = target, reason
        super().__init__(f"cannot write {target}: {reason}")
