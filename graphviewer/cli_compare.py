"""`inspect FILE --compare A B` and `export FILE --compare A B -o diff.svg`: two modes at once.

The flag is added to both commands by `add_compare_option`; `run_compare` runs the modes on one
loaded model (the same input, the same seed) and prints the differences, writes them as JSON
(`compare`, docs/json-schema.md), or draws the marked graph. Imports nothing heavy until run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphviewer.core.types import Mode

_MODES = ("train", "eval", "no_grad")


def add_compare_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--compare",
        nargs=2,
        choices=_MODES,
        metavar=("A", "B"),
        help="run the forward in modes A and B (train, eval, no_grad) on the same input and "
        "show what changes: nodes in one mode only, per-module max |Δ|, dropout, batchnorm",
    )


def _modes(a: Mode, b: Mode) -> tuple[Mode, ...]:
    """A and B, and eval and no_grad for the allclose check and the unsaved-bytes line."""
    return tuple(dict.fromkeys((a, b, "eval", "no_grad")))


def run_compare(args: argparse.Namespace) -> int:
    """`--compare A B` of `inspect` (text or --json) or `export` (-o OUT)."""
    from graphviewer.cli import load_spec
    from graphviewer.cli_process import EXIT_USER_ERROR, sigint_raises
    from graphviewer.core.jobs import CancelToken
    from graphviewer.core.mode_diff import diff_modes
    from graphviewer.core.modes import capture_modes
    from graphviewer.core.user_stdio import user_stdio
    from graphviewer.core.watchdog import run_watched

    a, b = args.compare
    if args.command == "export" and a == b:
        print("graphviewer: error: --compare needs two different modes", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.command == "export" and args.out == "-":
        print(
            "graphviewer: error: export --compare writes a file: give -o OUT.svg", file=sys.stderr
        )
        return EXIT_USER_ERROR
    json_channel = args.command == "export" or args.json
    with user_stdio(json_channel=json_channel):
        spec = load_spec(args)
        cancel = CancelToken()
        sigint_raises()
        job = capture_modes(spec, _modes(a, b), cancel=cancel, report=args.progress)
        run = run_watched(
            job, timeout=args.timeout or None, cancel=cancel, on_progress=args.progress
        )
        del spec
        diff = diff_modes(run, a, b)
        result = _export(args, run, diff) if args.command == "export" else None
    args.progress.close()
    if result is not None:  # the user's prints went to stderr; this line is ours
        print(f"wrote {result.path} ({result.width}×{result.height} px, {result.seconds:.2f} s)")
        return 0
    where = run.captures[a].snapshot.source_path or run.captures[a].snapshot.name
    if args.json:
        from graphviewer.core.mode_report import compare_to_json
        from graphviewer.core.serialize import snapshot_to_json

        doc: dict[str, Any] = snapshot_to_json(
            run.captures[a].snapshot, histograms=not args.no_histograms
        )
        doc["compare"] = compare_to_json(diff)
        sys.stdout.write(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    else:
        from graphviewer.core.mode_report import format_compare

        print(format_compare(diff, where))
    return 0


def _export(args: argparse.Namespace, run: Any, diff: Any) -> Any:
    """Draw mode A's graph (B's when A is no_grad's empty one) with the comparison marked."""
    from graphviewer.render.mode_layer import compare_layer
    from graphviewer.render.snapshot_export import export_snapshot
    from graphviewer.render.state import ViewState, with_layers

    a, b = args.compare
    shown = run.captures[a].snapshot
    if shown.num_nodes == 0:
        shown = run.captures[b].snapshot
    args.progress.stage(f"laying out and drawing {args.out}")
    return export_snapshot(
        shown,
        args.out,
        fmt=args.format,
        depth=args.depth,
        expand_all=args.expand == "all",
        theme=args.theme,
        width=args.width,
        scale=args.scale,
        title=args.title
        or f"{shown.name} — {shown.mode}, compared with {b if shown.mode == a else a}",
        legend=not args.no_legend,
        show_title=not args.no_title,
        marks=lambda layout: with_layers(
            ViewState(), {"modes": compare_layer(diff, shown, layout)}
        ),
    )
