"""Breaking a job thread out of the user's code, and only out of the user's code.

A forward stuck in a pure-Python loop never reaches a hook that checks the cancel token. The
fallback is `PyThreadState_SetAsyncExc`: an exception raised in the thread at its next bytecode.
Landing in graphviewer's own cleanup (removing hooks, restoring buffers, putting `sys.path` back)
would leave a live model hooked, so the exception is only sent while the thread is inside a
`user_code()` block, checked under a lock that the block's exit takes too. One sent but not landed
by the time the block exits is made to land in the exit itself, so it propagates from the user's
call like any error of theirs. It is sent at most once per thread.

(Withdrawing it instead, `PyThreadState_SetAsyncExc(id, NULL)`, leaves CPython 3.11's
interpreter-wide "async exception pending" flag set for good: every thread then takes the slow
path at each check, and a traced thread spins at a function entry forever.)

Threads that may be interrupted say so with `Interruptible` (the window's worker); elsewhere (the
CLI, tests) `user_code()` costs one attribute lookup.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from types import TracebackType
from typing import Literal

log = logging.getLogger(__name__)

_local = threading.local()

Outcome = Literal["sent", "sent-before", "not-in-user-code", "ended"]


class Interruptible:
    """The interrupt switch of one thread: entered on that thread, `interrupt()` from any other."""

    def __init__(self) -> None:
        self.ident = 0
        self._lock = threading.Lock()
        self._depth = 0  # nested user_code() blocks running now
        self._sent = False
        self._landed = False
        self._ended = False

    def __enter__(self) -> Interruptible:
        self.ident = threading.get_ident()
        _local.switch = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.switch = None
        with self._lock:
            self._ended = True

    @property
    def in_user_code(self) -> bool:
        return self._depth > 0

    def interrupt(self, exc: type[BaseException]) -> Outcome:
        """Raise `exc` in the thread if it is running user code now; what happened."""
        with self._lock:
            if self._ended or not self.ident:
                return "ended"
            if self._sent:
                return "sent-before"
            if self._depth == 0:
                return "not-in-user-code"
            self._sent = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self.ident), ctypes.py_object(self._marked(exc))
            )
        log.info("interrupted thread %s inside user code with %s", self.ident, exc.__name__)
        return "sent"

    def _marked(self, exc: type[BaseException]) -> type[BaseException]:
        """`exc` as a subclass whose instances say the exception has landed."""
        switch = self

        def __init__(self: BaseException, *args: object) -> None:
            switch._landed = True
            exc.__init__(self, *args)

        return type(exc.__name__, (exc,), {"__init__": __init__, "__module__": exc.__module__})

    def _enter_user(self) -> None:
        with self._lock:
            self._depth += 1

    def _exit_user(self) -> None:
        with self._lock:
            self._depth -= 1
            wait = self._depth == 0 and self._sent and not self._landed
        if wait:
            # Sent but not landed: it lands within a few bytecodes, here, and propagates from
            # the user's block, never later in graphviewer's cleanup. Bounded, to be safe.
            deadline = time.monotonic() + 1.0
            while not self._landed and time.monotonic() < deadline:
                pass


class user_code:
    """Marks the block as the user's code: the only place an interrupt may land on this thread."""

    __slots__ = ("_switch",)

    def __enter__(self) -> None:
        switch = getattr(_local, "switch", None)
        self._switch = switch
        if switch is not None:
            switch._enter_user()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._switch is not None:
            self._switch._exit_user()
