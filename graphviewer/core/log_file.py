"""Where graphviewer writes its log and native-crash dumps, and setting that up once per process.

Modules log through `logging.getLogger(__name__)` and configure nothing on import. The program's
entries (the window, the CLI) call `setup_logging()`: the "graphviewer" logger then writes to a
rotating file in the user's state folder (`$XDG_STATE_HOME/graphviewer`, by default
`~/.local/state/graphviewer`), and `faulthandler` dumps a native crash's Python stacks into
`crash.log` beside it. Nothing is printed on a terminal.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

LOG_NAME = "graphviewer.log"
CRASH_NAME = "crash.log"
MAX_BYTES = 2_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

_crash_file: TextIO | None = None  # kept open: faulthandler writes to its descriptor


def state_folder() -> Path:
    """The user's state folder for graphviewer (XDG base directory rules)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "graphviewer"


def log_path() -> Path:
    """The current log file (it may not exist yet)."""
    return state_folder() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the "graphviewer" logger to the rotating log file and native crashes to
    `crash.log`; the log file, or None if the folder cannot be written (then nothing is logged).
    Calling it again changes nothing."""
    global _crash_file
    logger = logging.getLogger("graphviewer")
    path = log_path()
    for handler in logger.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        logger.addHandler(logging.NullHandler())  # no stderr fallback: a read-only home is fine
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # the user's own logging config (graphviewer.show) is left alone
    if _crash_file is None and not faulthandler.is_enabled():  # pytest's own, or the user's
        try:
            _crash_file = open(path.parent / CRASH_NAME, "a", encoding="utf-8")  # noqa: SIM115
        except OSError:
            pass
        else:
            faulthandler.enable(file=_crash_file, all_threads=True)
    logger.info("graphviewer started: %s (Python %s)", " ".join(sys.argv), sys.version.split()[0])
    return path
