"""Keep glibc from handing big freed blocks back to the kernel after every pass.

Each forward/backward pass of an image network frees and re-allocates megabyte-sized arrays.
With glibc's defaults those blocks are returned to the kernel and page-faulted back in on the
next pass: ~2,300 page faults per pass of the benchmark CNN, which made it 2.5x slower
(measured on the benchmark: 8.6 ms -> 3.1 ms). Raising the mmap and trim thresholds keeps up to
64 MiB of freed memory in the process for reuse. The command line does this at start; the library
leaves a host process's allocator alone unless asked (call ``keep_freed_memory()``). Set
BPCLI_KEEP_MALLOC=1 to leave the allocator alone in the command line too.
"""

from __future__ import annotations

import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds; True if they were set (Linux with glibc only)."""
    if not sys.platform.startswith("linux") or os.environ.get("BPCLI_KEEP_MALLOC"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                    and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # not glibc (musl, say): nothing to tune
        return False
