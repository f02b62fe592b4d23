"""Where the command line's output goes, and what happens when it cannot go there.

Standard output may be closed (``>&-``), full (``> /dev/full``) or read by a reader that stops
early (``| head``); ``--output`` files are written so that a failure never loses the old file and
bpcli never writes over the file it reads or over its own installed files. Standard library only:
``bpcli.__main__`` imports this module before any command runs.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import sys
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pathlib costs the start-up of `compute --json` ~5 ms; only --output needs it
    from pathlib import Path

#: errno values that say the output cannot take the bytes: full disk, quota, file too large,
#: an I/O error, a closed descriptor. Every file bpcli reads or writes itself turns its own OSError
#: into a typed error, so one of these reaching the top came from writing stdout or stderr.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


class _ClosedStandardOutput(io.TextIOBase):
    """sys.stdout when file descriptor 1 is closed (Python sets None, which Rich and Typer
    silently skip): the first write fails, as a full disk does, so nothing is lost unnoticed."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def prepare_standard_streams() -> None:
    """For the command line only (the library leaves process-wide settings alone).

    A reader that stops early (``| head``) ends bpcli the way it ends ``cat``: by SIGPIPE, with
    no message, whichever command, library (Rich, Typer) or buffer was writing; the shell reports
    141. A closed stdout becomes a stream whose first write fails; a closed stderr discards
    messages (the exit code still tells)."""
    if hasattr(signal, "SIGPIPE"):  # not on Windows
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdout is None:
        sys.stdout = _ClosedStandardOutput()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


def is_output_error(error: BaseException) -> bool:
    """True for an OSError that says standard output (or stderr) cannot be written."""
    return isinstance(error, OSError) and error.errno in OUTPUT_ERRNOS


def discard_standard_output() -> None:
    """Point file descriptor 1 at the null device, so that the interpreter's last flush of what is
    still buffered does not fail again (and print a traceback) after bpcli has reported it."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a stand-in or a StringIO: nothing to flush to fd 1
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def output_target(option: str | os.PathLike | None, *, name: str = "--output") -> Path | None:
    """The file an output option (``name``: ``--output``, ``--out``, ``--export``) names, or None
    for standard output (no option, or ``-``).

    A folder where a file is wanted is the user's mistake (UsageError, exit 2), found before
    anything is computed or written: an existing folder (else opening it fails as output that
    cannot be written, exit 74), or a path ending in a separator, ``newdir/``, which pathlib would
    shorten to the file ``newdir`` and write. So the commands declare these options as ``str``,
    not ``Path``: the text reaches here as typed."""
    from pathlib import Path

    from bpcli.texts import usage_error

    if option is None or os.fspath(option) == "-":
        return None
    typed = os.fspath(option)
    refuse_empty_path(typed, name)
    separators = tuple(separator for separator in (os.sep, os.altsep) if separator)
    if typed.endswith(separators):
        raise usage_error("usage.output_ends_in_separator", option=name, path=typed, separator=typed[-1])
    if os.path.isdir(typed):
        raise usage_error("usage.output_folder", option=name, path=typed)
    return Path(typed)


def refuse_empty_path(path: str, option: str) -> None:
    """UsageError when the path an option names is empty (``--out "$DIR"`` with DIR unset): to
    pathlib it is the current folder, which a set of variants would be written into, and to
    open() no file at all, which says nothing of the typing slip."""
    if path == "":
        from bpcli.texts import usage_error

        raise usage_error("usage.empty_path", option=option)


def write_output(text: str, target: Path, *, input_file: str, option: str = "--output",
                 input_name: str = "the network file", other_inputs: Sequence[str] = (),
                 other_name: str = "one of the files it reads") -> None:
    """Write TEXT to TARGET without ever losing anything.

    Refused (UsageError) when TARGET is the file being read (``input_file``: a path, or
    ``-`` for stdin; compared by device and inode, so another name or a link is caught too), one
    of the ``other_inputs`` read too (a worksheet's other exercises, the network files a batch of
    answers names: ``other_name``), one of the bundled exercises, or inside the installed bpcli
    package. A regular file (or a new one)
    is written to a temporary file in its folder and renamed over it, keeping its permissions: a
    full disk or a crash leaves the old file as it was; through a symbolic link, the file it points
    to is replaced. Anything else (/dev/stdout, a FIFO) is written directly. Raises OutputError."""
    import stat
    from pathlib import Path

    from bpcli.errors import OutputError

    resolved = Path(os.path.realpath(target))
    inputs = [(input_file, f"{input_name} itself")] + [(file, f"{other_name} ({file})") for file in other_inputs]
    _refuse_input_or_package(resolved, inputs, shown=f"{option} {target}")
    existing = _stat_or_none(target)
    data = text.encode("utf-8")
    try:
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            with open(target, "wb") as handle:
                handle.write(data)
        else:
            _replace_atomically(resolved, data, None if existing is None else stat.S_IMODE(existing.st_mode))
    except OSError as error:
        raise OutputError(str(target), error.strerror or str(error)) from None


def _refuse_input_or_package(target: Path, inputs: list[tuple[str, str]], shown: str) -> None:
    """``shown`` is the option and the file as the user gave them; ``inputs`` the files read, each
    with what it is to them ('the network file itself', 'a network file the answers name (hw.yaml)')."""
    from pathlib import Path

    from bpcli.errors import UsageError

    package = Path(os.path.realpath(Path(__file__).parents[1]))
    if target == package or package in target.parents:
        raise UsageError(f"{shown} is inside bpcli's installed package; choose a file elsewhere")
    target_stat = _stat_or_none(target)
    if target_stat is None:
        return
    identity = (target_stat.st_dev, target_stat.st_ino)
    for input_file, what in inputs:
        input_stat = _input_stat(input_file)
        if input_stat is not None and identity == (input_stat.st_dev, input_stat.st_ino):
            raise UsageError(f"{shown} is {what}; choose another file name")
    # an exercise opened by name is one of these; their folder may be a link out of the package
    if identity in _bundled_exercise_identities():
        raise UsageError(f"{shown} is one of bpcli's bundled exercises; choose another file name")


def _input_stat(input_file: str) -> os.stat_result | None:
    """The identity of the input: the file named, or what stdin is (``- < net.yaml``)."""
    try:
        return os.fstat(sys.stdin.fileno()) if input_file == "-" else os.stat(input_file)
    except (AttributeError, OSError, ValueError):  # no stdin, or an exercise's name: nothing to compare
        return None


def _bundled_exercise_identities() -> set[tuple[int, int]]:
    from importlib.resources import files
    from pathlib import Path

    folder = files("bpcli") / "exercises"
    identities = set()
    for entry in folder.iterdir() if folder.is_dir() else ():
        found = _stat_or_none(Path(os.fspath(entry)))
        if found is not None:
            identities.add((found.st_dev, found.st_ino))
    return identities


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _replace_atomically(target: Path, data: bytes, mode: int | None) -> None:
    """Write DATA to a new file next to TARGET, then rename it over TARGET (atomic on one file
    system). MODE: the old file's permissions; a new file gets 0o666 less the umask, as open() gives."""
    temporary = _create_temporary(target)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _create_temporary(target: Path) -> Path:
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate
    raise OSError(errno.EEXIST, "no free name for a temporary file", str(target.parent))
