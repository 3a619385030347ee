"""The picture's shape on the command line: `--direction TB|LR` and `--fit slide|page|none`."""

from __future__ import annotations

import argparse


def add_shape_options(p: argparse.ArgumentParser, fit: str = "slide") -> None:
    """Add `--direction` and `--fit` (default `fit`) to an export or inspect parser."""
    p.add_argument(
        "--direction",
        choices=("TB", "LR"),
        type=str.upper,
        help="the flow top to bottom or left to right (default: whichever fits --fit better; "
        "top to bottom with --fit none)",
    )
    p.add_argument(
        "--fit",
        choices=("slide", "page", "none"),
        default=fit,
        help=f"shape the picture for a 16:9 slide or a portrait page, folding a long chain into "
        f"columns or rows; none: one column as laid out (default: {fit})",
    )


def shape_kwargs(args: argparse.Namespace) -> dict[str, object]:
    """`export_snapshot` keyword arguments from the parsed `--direction` and `--fit`."""
    return {"direction": args.direction, "fit": args.fit}
