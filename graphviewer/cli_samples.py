"""`graphviewer samples`: list the samples with their paths, or copy one into a folder."""

from __future__ import annotations

import argparse
import sys

from graphviewer.cli_process import EXIT_USER_ERROR


def run_samples(args: argparse.Namespace) -> int:
    """`graphviewer samples [--copy NAME [--to FOLDER]]`: list them, or copy one (never over a
    file of the user's)."""
    import shutil
    from pathlib import Path

    from graphviewer.core.resources import sample_files, samples_dir

    found = sample_files()
    if not found:
        print(f"graphviewer: error: no samples found (looked in {samples_dir()})", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.copy is None:
        print(f"samples in {samples_dir()}:")
        width = max(len(s.path.name) for s in found)
        for sample in found:
            needs = f"  [needs {sample.install_hint}]" if sample.install_hint else ""
            print(f"  {sample.path.name:<{width}}  {sample.summary}{needs}")
        print("open one: graphviewer SAMPLE_PATH; copy one: graphviewer samples --copy NAME")
        return 0
    name = args.copy if args.copy.endswith(".py") else f"{args.copy}.py"
    sample = next((s for s in found if s.path.name == name), None)
    if sample is None:
        names = ", ".join(s.path.name for s in found)
        print(f"graphviewer: error: no sample {name!r} (samples: {names})", file=sys.stderr)
        return EXIT_USER_ERROR
    folder = Path(args.to)
    target = folder / name
    if target.exists():
        print(f"graphviewer: error: {target} exists: not overwritten", file=sys.stderr)
        return EXIT_USER_ERROR
    if not folder.is_dir():
        print(f"graphviewer: error: {folder} is not a folder", file=sys.stderr)
        return EXIT_USER_ERROR
    shutil.copyfile(sample.path, target)
    print(f"copied {name} to {target}; open it with: graphviewer {target}")
    if sample.install_hint:
        print(f"it needs {', '.join(sample.missing)}: {sample.install_hint}")
    return 0
