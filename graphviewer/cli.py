"""`graphviewer inspect FILE` and friends: argument parsing and the one-line error contract.

torch is imported only once a command needs it, so `--help` is instant. Every user-caused failure
is one line on standard error and exit status 2; `--debug` shows the traceback too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from typing import Any

from graphviewer.cli_backward import (
    add_backward_options,
    print_backward,
    step_state,
    wants_backward,
)
from graphviewer.cli_compare import add_compare_option, run_compare
from graphviewer.cli_lesson import add_lesson_parser, run_lesson
from graphviewer.cli_process import (
    EXIT_INTERRUPTED,
    EXIT_USER_ERROR,
    exit_flushed,
    exit_now_if_threads_remain,
    sigint_ends_process,
    sigint_raises,
    write_stdout,
)
from graphviewer.cli_samples import run_samples

DEFAULT_TIMEOUT_S = 600.0


def _shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(p) for p in text.replace("x", ",").split(",") if p.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a shape: {text!r} (expected e.g. 16,20)") from None
    if not dims or any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"not a shape: {text!r} (expected e.g. 16,20)")
    return dims


def _checked(kind: type[int] | type[float], ok: Any, unparsable: str, out_of_range: str) -> Any:
    """An argparse type: `text` as `kind`, kept when `ok(value)`; each failure its own sentence
    (`{!r}` in the messages is the text given)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(unparsable.format(text)) from None
        if not ok(value):  # NaN fails every comparison, so it is out of range too
            raise argparse.ArgumentTypeError(out_of_range.format(text))
        return value

    parse.__name__ = kind.__name__
    return parse


_depth = _checked(
    int, lambda v: v >= 0, "not a depth: {!r} (0, 1, 2, …)", "not a depth: {!r} (0 or more)"
)
_timeout = _checked(
    float,
    lambda v: v >= 0,
    "not a number of seconds: {!r}",
    "not a number of seconds: {!r} (0: never)",
)


def _positive(kind: type[int] | type[float]) -> Any:
    """An argparse type for a number above zero (`--width`, `--scale`)."""
    return _checked(kind, lambda v: v > 0, "not a number: {!r}", "must be above 0: {!r}")


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .py model file, a torch.save pickle, TorchScript or .pt2")
    p.add_argument(
        "--mode",
        choices=("train", "eval", "no_grad"),
        default="train",
        help="run the forward in train mode, eval mode, or eval under no_grad",
    )
    p.add_argument(
        "--trust",
        action="store_true",
        help="open a file that can run code: a full pickle, a .pt2 carrying code, or the .py "
        "beside an archive (only files you trust; README: Trust model)",
    )
    p.add_argument(
        "--input-shape",
        type=_shape,
        metavar="16,20",
        help="make a random input of this shape when the file has none",
    )
    p.add_argument("--input-dtype", default="float32", help="dtype of --input-shape's tensor")
    _add_script_options(p)
    p.add_argument(
        "--input",
        dest="input_name",
        metavar="NAME|EXPR",
        help="the variable holding the input in a script, or an expression among its names "
        'where `model` is the model: "(x, model.init_hidden(1))"',
    )
    p.add_argument(
        "--tensor",
        dest="output_name",
        metavar="NAME",
        help="the tensor whose graph to show in a plain autograd script (`loss`)",
    )
    # The old spelling, kept working but unlisted: it read too much like -o/--output-file.
    p.add_argument("--output", dest="output_name", help=argparse.SUPPRESS)
    _add_device_option(p)
    p.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"stop a forward still running after SECONDS ({DEFAULT_TIMEOUT_S:g}; 0: never)",
    )
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars on the terminal (none are drawn into a pipe either)",
    )


def _add_script_options(p: argparse.ArgumentParser) -> None:
    """`--model NAME|CLASS|'Net(3)'` and `--run-script` (the commands and the window)."""
    p.add_argument(
        "--model",
        dest="model_name",
        metavar="NAME",
        help="the model: a variable, a class, or a call such as 'Net(upscale_factor=3)'",
    )
    p.add_argument(
        "--run-script",
        action="store_true",
        help="run a script to its end instead of stopping it at its first forward",
    )


def _add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--device",
        choices=("cpu", "meta"),
        default=None,
        help="meta: build the model without weights (shapes and graph, no values) for models "
        "too big for memory; default: the file's GRAPHVIEWER_DEVICE hint, else cpu",
    )


def _add_depth_options(p: argparse.ArgumentParser) -> None:
    """`--depth N | --expand all`: which modules are drawn expanded (inspect, export, window)."""
    depth = p.add_mutually_exclusive_group()
    depth.add_argument(
        "--depth",
        type=_depth,
        default=None,
        metavar="N",
        help="module nesting depth shown expanded",
    )
    depth.add_argument("--expand", choices=("all",), help="draw every module expanded")


_TOP_HELP = """\
See what your PyTorch model really computes.

  graphviewer                 open the window (a start page with the samples)
  graphviewer FILE [OPTIONS]  open the window on FILE (graphviewer FILE --help for its options)
  graphviewer COMMAND ...     inspect or export without a window (below)
"""
_INSPECT_EXAMPLES = """\
examples:
  graphviewer inspect samples/mlp.py
  graphviewer inspect samples/mlp.py --mode eval --json > mlp.json
  graphviewer inspect model.py --model 'Net(3)' --input-shape 1,3,64,64
"""
_SAMPLES_EXAMPLES = """\
examples:
  graphviewer samples
  graphviewer samples --copy mlp.py && graphviewer mlp.py
"""
_EXPORT_EXAMPLES = """\
examples:
  graphviewer export samples/cnn.py -o cnn.svg
  graphviewer export samples/gpt2.py -o gpt2.png --depth 2 --theme dark
  graphviewer export samples/mlp.py -o - --format svg > mlp.svg
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphviewer",
        description=_TOP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    inspect = sub.add_parser(
        "inspect",
        help="print the module tree, op counts and warnings of one forward pass",
        description="Print the module tree, op counts and warnings of one forward pass.",
        epilog=_INSPECT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model_options(inspect)
    inspect.add_argument(
        "--json",
        action="store_true",
        help="print the snapshot as JSON (schema: docs/json-schema.md)",
    )
    inspect.add_argument(
        "--no-histograms",
        action="store_true",
        help="leave histogram bins and per-unit arrays out of the JSON",
    )
    inspect.add_argument("--layout", action="store_true", help="add the graph's layout to the JSON")
    from graphviewer.cli_shape import add_shape_options

    add_shape_options(inspect, fit="none")
    _add_depth_options(inspect)
    add_compare_option(inspect)
    export = _add_export_parser(sub)
    add_backward_options(inspect, export)
    samples = sub.add_parser(
        "samples",
        help="list the sample models (and copy one to a folder of yours)",
        description="List the sample models that come with graphviewer, where they are, and "
        "what each needs; --copy puts one where you can edit it.",
        epilog=_SAMPLES_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    samples.add_argument("--copy", metavar="NAME", help="copy sample NAME (e.g. mlp.py)")
    samples.add_argument(
        "--to", default=".", metavar="FOLDER", help="where --copy puts it (default: here)"
    )
    add_lesson_parser(sub)
    return parser


def _add_export_parser(sub: Any) -> argparse.ArgumentParser:
    export = sub.add_parser(
        "export",
        help="write the graph to a PNG, SVG or PDF file (no window needed)",
        description="Write the graph of one forward pass to a PNG, SVG or PDF file.",
        epilog=_EXPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model_options(export)
    export.add_argument(
        "-o",
        "--output-file",
        dest="out",
        required=True,
        metavar="OUT",
        help="OUT.png|svg|pdf, or - for standard output",
    )
    _add_depth_options(export)
    export.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        help="the file format (default: OUT's suffix; with -o -, svg)",
    )
    export.add_argument(
        "--width", type=_positive(int), metavar="PX", help="picture width in pixels"
    )
    export.add_argument(
        "--scale", type=_positive(float), help="pixels per layout unit (PNG default 2)"
    )
    export.add_argument(
        "--theme", choices=("light", "dark", "transparent"), default="light", help="background"
    )
    export.add_argument("--title", help="title text (default: model name and mode)")
    export.add_argument("--no-title", action="store_true", help="leave the title out")
    export.add_argument("--no-legend", action="store_true", help="leave the legend out")
    add_compare_option(export)
    from graphviewer.cli_shape import add_shape_options
    from graphviewer.ui.histogram_export import add_histogram_option

    add_shape_options(export)
    add_histogram_option(export)
    return export  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; with `argv` None it runs the process (`python -m graphviewer`, the
    `graphviewer` script) and exits at once even when the model left threads running.

    Ctrl-C at any moment (while torch imports, while the help prints) exits with status 130
    and one line, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("graphviewer: interrupted", file=sys.stderr)
        if argv is None:
            exit_flushed(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    owns_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    from graphviewer.core.log_file import setup_logging

    setup_logging()  # the log file in the user's state folder; nothing on the terminal
    typo = _command_typo(argv)
    if typo:
        print(f"graphviewer: error: {typo}", file=sys.stderr)
        return EXIT_USER_ERROR
    if _wants_window(argv):
        return _window(argv)
    if owns_process:
        sigint_ends_process()
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    if args.command == "samples":
        return _command(args)
    before = set(threading.enumerate())
    status = _command(args)
    if not owns_process:
        return status
    if status == EXIT_INTERRUPTED:
        # Interpreter shutdown right after an interrupted forward inside torch aborts
        # ("terminate called without an active exception", status 134): nothing is left to
        # clean up in a one-shot process, so it ends here with its own status.
        exit_flushed(status)
    return exit_now_if_threads_remain(status, before)


def _command(args: argparse.Namespace) -> int:
    """Run `inspect` or `export`; every failure becomes one line on stderr and an exit status."""
    from graphviewer.cli_progress import CliProgress

    args.progress = CliProgress(quiet=getattr(args, "quiet", False))
    try:
        with args.progress:
            if args.command == "samples":
                return run_samples(args)
            if args.command == "lesson":
                return run_lesson(args)
            if getattr(args, "compare", None):
                return run_compare(args)
            if args.command == "inspect":
                return _inspect(args)
            if args.command == "export":
                return _export(args)
    except KeyboardInterrupt:
        print("graphviewer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `graphviewer inspect f.py --json | head`: the reader left
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - quiets the flush at exit
        return 0
    except Exception as exc:
        from graphviewer.core.errors import GraphviewerError

        if getattr(args, "debug", False):  # the traceback, then the same line and status
            traceback.print_exc()
        if isinstance(exc, GraphviewerError):
            print(f"graphviewer: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(
            f"graphviewer: internal error: {type(exc).__name__}: {exc} "
            "(run again with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    return 0


def load_and_capture(args: argparse.Namespace) -> Any:
    """Open `args.file` and capture one forward pass in `args.mode` (shared by the commands)."""
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import CancelToken
    from graphviewer.core.watchdog import run_watched

    spec = load_spec(args)
    cancel = CancelToken()  # Ctrl-C sets it: the forward stops at its next module or op
    sigint_raises()
    job = capture_graph(spec, args.mode, cancel=cancel, report=args.progress)
    return run_watched(job, timeout=args.timeout or None, cancel=cancel, on_progress=args.progress)


def load_spec(args: argparse.Namespace) -> Any:
    """Open `args.file` into a `ModelSpec` (no forward run yet)."""
    from graphviewer.core.gc_pause import settle_loaded
    from graphviewer.core.model_file import load_model_file

    progress = args.progress
    progress.stage(f"loading {os.path.basename(args.file)}")
    spec = load_model_file(
        args.file,
        trust=args.trust,
        model_name=args.model_name,
        input_name=args.input_name,
        output_name=args.output_name,
        input_shape=args.input_shape,
        input_dtype=args.input_dtype,
        stdout=sys.stderr,
        run_script=args.run_script,
        report=_script_progress if args.run_script else None,
        device=args.device,
    )
    args.spec = spec if wants_backward(args) else None  # the backward runs the model again
    if spec.notice and (args.command != "inspect" or args.json):  # the report says it itself
        print(f"graphviewer: {spec.notice}", file=sys.stderr)
    settle_loaded(collect=False)  # a one-shot process: no full collection sweeps the model
    return spec


def _script_progress(progress: Any) -> None:
    """A script run to its end may take minutes: say so before it starts."""
    if progress.stage.startswith("running "):
        print(f"graphviewer: {progress.stage} (--run-script) …", file=sys.stderr, flush=True)


def _inspect(args: argparse.Namespace) -> int:
    """The report (or JSON document) of one pass; of a failed pass, what it built up to the
    failure, then the error line (exit status 2)."""
    from graphviewer.core.errors import CaptureError
    from graphviewer.core.user_stdio import user_stdio

    failed: CaptureError | None = None
    # With --json whatever the user's code prints goes to stderr: stdout holds the JSON alone.
    with user_stdio(json_channel=args.json):
        try:
            snapshot = load_and_capture(args)
        except CaptureError as exc:
            if exc.snapshot is None:
                raise
            snapshot, failed = exc.snapshot, exc
    args.progress.close()
    if args.json:
        from graphviewer.core.serialize import snapshot_to_json

        doc = snapshot_to_json(snapshot, histograms=not args.no_histograms)
        if args.layout:
            doc["layout"] = _layout_json(snapshot, args)
        # One write: json.dump writes piece by piece, ~80,000 writes for a 1,000-node graph.
        if args.backward and failed is None:
            print_backward(args, snapshot, doc)
        sys.stdout.write(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    else:
        from graphviewer.core.report import format_report

        print(format_report(snapshot))
        if args.backward and failed is None:
            print_backward(args, snapshot, None)
    if failed is not None:
        sys.stdout.flush()
        print(f"graphviewer: error: {failed}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write the picture to `-o OUT` (or, with `-o -`, to standard output, SVG by default)."""
    import tempfile
    from pathlib import Path

    from graphviewer.render.export import format_of

    if args.histogram:
        return _export_histogram(args)
    to_stdout = args.out == "-"
    stdout = sys.stdout  # the real one: the user's prints go to stderr below
    fmt = args.format or ("svg" if to_stdout else None)
    if not to_stdout:
        fmt = format_of(args.out, fmt)  # a bad suffix fails before the model runs
    from graphviewer.core.user_stdio import user_stdio

    # The user's prints go to stderr (at the descriptor level too, for C code's prints);
    # stdout says what was written, or is the picture, once the user's code has run.
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"graph.{fmt}" if to_stdout else args.out
        with user_stdio(json_channel=True):
            snapshot = load_and_capture(args)
            from graphviewer.cli_shape import shape_kwargs

            marks = step_state(args, snapshot)
            from graphviewer.render.snapshot_export import export_snapshot

            args.progress.stage(f"laying out and drawing {fmt or format_of(args.out)}")
            result = export_snapshot(
                snapshot,
                target,
                fmt=fmt,
                depth=args.depth,
                expand_all=args.expand == "all",
                theme=args.theme,
                width=args.width,
                scale=args.scale,
                title=args.title,
                legend=not args.no_legend,
                show_title=not args.no_title,
                **shape_kwargs(args),  # type: ignore[arg-type]
                marks=marks,
            )
        args.progress.close()
        if to_stdout:
            write_stdout(stdout, Path(target).read_bytes())
    done = f"({result.width}×{result.height} px, {result.seconds:.2f} s)"
    if to_stdout:
        print(f"graphviewer: wrote {fmt.upper()} to standard output {done}", file=sys.stderr)
    else:
        print(f"wrote {result.path} {done}")
    if result.advice:
        sys.stdout.flush()
        print(f"graphviewer: warning: {result.advice}", file=sys.stderr)
    return 0


def _export_histogram(args: argparse.Namespace) -> int:
    """`export --histogram MODULE`: the plots of one output instead of the graph."""
    from pathlib import Path

    from graphviewer.core.user_stdio import user_stdio
    from graphviewer.ui.histogram_export import check_histogram_target, export_histogram

    check_histogram_target(args)
    with user_stdio(json_channel=True):
        snapshot = load_and_capture(args)
    args.progress.close()
    for path in export_histogram(snapshot, args.histogram, Path(args.out)):
        print(f"wrote {path}")
    return 0


def _layout_json(snapshot: Any, args: argparse.Namespace) -> dict[str, Any]:
    from graphviewer.core.layout import default_collapsed, layout_to_json
    from graphviewer.core.layout.fit import fit_layout

    depth = None if args.expand == "all" else args.depth
    collapsed = (
        frozenset()
        if args.expand == "all"
        else default_collapsed(snapshot.graph, snapshot.modules, depth=depth)
    )
    directions = (args.direction,) if args.direction else ("TB", "LR")
    return layout_to_json(
        fit_layout(snapshot.graph, snapshot.modules, collapsed, args.fit, directions)
    )


def _wants_window(argv: list[str]) -> bool:
    """`graphviewer` and `graphviewer FILE` open the window; commands and --help do not."""
    if argv and argv[0] in ("-h", "--help", "--version"):
        return False
    parser = build_parser()
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return not argv or argv[0] not in commands


def _command_typo(argv: list[str]) -> str:
    """`graphviewer inspct f.py`: a first word that is no file and looks like a misspelt
    command gets "did you mean", not the window's "unrecognized arguments"."""
    import difflib

    if not argv or argv[0].startswith("-") or os.path.exists(argv[0]):
        return ""
    word = argv[0]
    if any(c in word for c in "./\\") or word in _COMMANDS:
        return ""
    close = difflib.get_close_matches(word, _COMMANDS, n=1, cutoff=0.6)
    if close:
        return f"unknown command {word!r} (did you mean {close[0]!r}?)"
    if len(argv) > 1:  # `graphviewer show f.py`: a word, then more: meant as a command
        return f"unknown command {word!r} (commands: {', '.join(_COMMANDS)}; or FILE to open)"
    return ""


_COMMANDS = ("inspect", "export", "samples", "lesson")


def _window(argv: list[str]) -> int:
    """`graphviewer [FILE]`: the desktop window, on FILE if given."""
    parser = argparse.ArgumentParser(
        prog="graphviewer", description="Open the graphviewer window (on FILE if given)."
    )
    parser.add_argument("file", nargs="?", help="a model file to open")
    parser.add_argument("--mode", choices=("train", "eval", "no_grad"), default="train")
    parser.add_argument("--trust", action="store_true", help="open files that run code, unasked")
    parser.add_argument("--input-shape", type=_shape, metavar="16,20")
    _add_script_options(parser)
    _add_device_option(parser)
    _add_depth_options(parser)
    parser.add_argument(
        "--lesson",
        metavar="N|FILE[:STEP]",
        help="start a lesson: its number in Help ▸ Lessons, or a lesson file (.md); :STEP "
        "starts at that step",
    )
    args = parser.parse_args(argv)
    problem = _no_display()
    if problem:
        print(f"graphviewer: error: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    from graphviewer.ui.app import run_window

    return run_window(
        args.file,
        mode=args.mode,
        trust=args.trust,
        input_shape=args.input_shape,
        model=args.model_name,
        run_script=args.run_script,
        depth=args.depth,
        expand_all=args.expand == "all",
        device=args.device,
        lesson=args.lesson,
    )


def _no_display() -> str:
    """Why no window can open here (Linux with no display server), or "" when one can."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); on a "
        "headless machine run it under `xvfb-run -a`, or use `graphviewer inspect FILE` / "
        "`graphviewer export FILE -o graph.svg`, which need no display"
    )


def _version() -> str:
    from graphviewer import __version__

    return f"graphviewer {__version__}"
