"""The CLI's backward flags: `inspect --backward` (a table, or a `backward` field with --json)
and `export --backward-step N` (the graph drawn as it stands at step N of the backward)."""

from __future__ import annotations

import argparse
from typing import Any


def add_backward_options(inspect: argparse.ArgumentParser, export: argparse.ArgumentParser) -> None:
    """Add `--backward` to inspect and `--backward-step N` to export."""
    inspect.add_argument(
        "--backward",
        action="store_true",
        help="also record the real backward pass (loss_fn(output), else the output's sum) and "
        "print its steps in the engine's order (with --json: a 'backward' field)",
    )
    export.add_argument(
        "--backward-step",
        type=_step_number,
        metavar="N",
        help="draw the graph at step N of the backward: done, current (badged) and to-come "
        "(dimmed) nodes, the edges its gradient flows along",
    )


def _step_number(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a step number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"steps count from 1, got {n}")
    return n


def wants_backward(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "backward", False) or getattr(args, "backward_step", None))


def record_for(args: argparse.Namespace, snapshot: Any) -> Any:
    """Record the backward of the file `args` opened (in its mode); its `BackwardRecord`."""
    from graphviewer.core.backward import record_backward
    from graphviewer.core.jobs import run_job

    args.progress.stage("recording backward")
    job = record_backward(args.spec, args.mode, snapshot=snapshot, report=args.progress)
    return run_job(job, on_progress=args.progress)


def print_backward(args: argparse.Namespace, snapshot: Any, doc: dict[str, Any] | None) -> None:
    """Add the record to the JSON document `doc`, or print its table after the report."""
    record = record_for(args, snapshot)
    args.progress.close()
    if doc is not None:
        from graphviewer.core.backward_report import backward_to_json

        doc["backward"] = backward_to_json(record, histograms=not args.no_histograms)
    else:
        from graphviewer.core.backward_report import format_backward

        print()
        print(format_backward(record, snapshot))


def step_state(args: argparse.Namespace, snapshot: Any) -> Any:
    """For `export --backward-step N`: a function of the export's layout to the view state
    that draws step N; None without the flag."""
    step = getattr(args, "backward_step", None)
    if step is None:
        return None
    from graphviewer.core.errors import BackwardError
    from graphviewer.render.backward_layer import step_layer
    from graphviewer.render.state import ViewState, with_layers
    from graphviewer.ui.graph_items import drawn_item

    record = record_for(args, snapshot)
    if step > len(record.steps):
        raise BackwardError(
            f"--backward-step {step}: the backward has {len(record.steps)} steps",
            path=args.file,
        )

    if args.title is None:
        current = record.steps[step - 1]
        what = current.param or current.backward_class
        args.title = f"{snapshot.name} — backward step {step} of {len(record.steps)}: {what}"

    def state_for(layout: Any) -> ViewState:
        layer = step_layer(record, snapshot, lambda n: drawn_item(snapshot, layout, n), step - 1)
        return with_layers(ViewState(), {"backward": layer})

    return state_for
