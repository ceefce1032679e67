"""Reading a file the user named (a spec, a config, a DDL file, a plan, a password file): only a
regular file, and only up to a size limit. ``/dev/zero`` as a spec read forever and a FIFO blocked
the open; both are now an ``OSError`` whose ``strerror`` says why, as a missing file is."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_INPUT_BYTES = 64 * 1024 * 1024  # a 20,000-table spec is about 6 MB


def read_input(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file ``path``; OSError for anything else (a directory, device,
    FIFO or socket) and for a file larger than ``limit`` bytes."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer; a regular file ignores it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, FIFO or socket)", str(path))
        data = file.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MiB", str(path))
    return data


def read_input_text(path: str | Path, limit: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_input` decoded as UTF-8 (UnicodeDecodeError when it is not)."""
    return read_input(path, limit).decode("utf-8")
