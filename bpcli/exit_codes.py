"""Every exit code of the ``bpcli`` command, in one place (README, "Exit codes")."""

from __future__ import annotations

#: the command did what was asked
EXIT_OK = 0
#: a completed check that failed: ``check`` found a disagreeing gradient, ``grade`` a wrong answer,
#: a scripted ``quiz`` with a target left unsolved
EXIT_FAILED = 1
#: a usage or input error (a file bpcli cannot read or compute, an answer it cannot parse)
EXIT_INPUT_ERROR = 2
#: EX_SOFTWARE: a bug in bpcli, which must not pass for a failed check (1) or bad input (2)
EXIT_INTERNAL_ERROR = 70
#: EX_IOERR: the output could not be written (closed stdout, full disk)
EXIT_OUTPUT_ERROR = 74
#: interrupted by Ctrl-C (128 + SIGINT)
EXIT_INTERRUPTED = 130
#: a reader that stopped early (``bpcli explain 12 | head``): SIGPIPE ends bpcli quietly, as it
#: ends ``cat``, and the shell reports 128 + SIGPIPE; where there is no SIGPIPE (Windows) bpcli exits with it
EXIT_BROKEN_PIPE = 141
