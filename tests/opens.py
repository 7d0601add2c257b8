"""Whether anything opened a file or listed a folder: Linux inotify, read without blocking.

For the tests that check a link out of a folder is never followed: not even opened to be hashed. Another
process counts too (the API's indexing job), since inotify sees every open of the watched path.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

IN_ACCESS = 0x01
IN_OPEN = 0x20


class Opens:
    """Watches paths (files or folders, through links) from now on; `seen()` is True once any was opened or read."""

    def __init__(self, *paths: Path) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        for path in paths:
            if self._libc.inotify_add_watch(self.fd, str(path).encode(), IN_OPEN | IN_ACCESS) < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {path} failed")

    def seen(self) -> bool:
        try:
            return bool(os.read(self.fd, 65536))
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Opens:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
