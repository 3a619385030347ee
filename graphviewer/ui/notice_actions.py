"""The buttons the message bar offers beside the loader's notice."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from graphviewer.core.loading.discover import GUESSED_INPUT
from graphviewer.core.loading.first_forward import RUN_SCRIPT_HINT
from graphviewer.ui.jobs import OpenRequest

Action = tuple[str, Callable[[], None]]


def notice_actions(
    notice: str,
    request: OpenRequest,
    open_request: Callable[[OpenRequest], None],
    ask_shape: Callable[[OpenRequest, str], None],
) -> tuple[Action, ...]:
    """A stopped script offers to run to its end; a guessed input offers to choose another."""
    if notice.endswith(RUN_SCRIPT_HINT):
        run = replace(request, run_script=True, spec=None)
        return (("Run it to its end", lambda: open_request(run)),)
    if notice.startswith(GUESSED_INPUT):
        found = re.search(r"shape \(([\d, ]+)\)", notice)
        shape = found.group(1).replace(" ", "") if found else ""
        return (("Choose input shape…", lambda: ask_shape(request, shape)),)
    return ()
