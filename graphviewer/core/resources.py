"""Where graphviewer's own files are (icons, samples, the JSON schema), and what the samples need.

A source checkout (or an editable install) reads them from the repository's `resources/`,
`samples/` and `docs/`; a wheel ships them as data files under `<prefix>/share/graphviewer/`
(pyproject's `[tool.setuptools.data-files]`). `GRAPHVIEWER_RESOURCES` (a folder holding
`icons/`, `samples/`, …) comes before both. Qt-free: the CLI's `samples` command and the window
share it.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import sysconfig
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_DIRS = {
    "icons": ROOT / "resources" / "icons",
    "lessons": ROOT / "resources" / "lessons",
    "samples": ROOT / "samples",
}
# Packages a sample may import that graphviewer itself does not need, and the extra that adds
# each (`pip install "graphviewer[transformers]"`).
OPTIONAL_PACKAGES = {"transformers": "transformers"}


def data_dirs(kind: str) -> list[Path]:
    """Where the `kind` folder ("icons", "samples", "docs") may be: override, checkout, installs."""
    roots = [Path(p) for p in [os.environ.get("GRAPHVIEWER_RESOURCES", "")] if p]
    found = [root / kind for root in roots]
    found.append(CHECKOUT_DIRS.get(kind, ROOT / kind))
    prefixes = [sysconfig.get_path("data"), sys.prefix, sys.base_prefix]
    with suppress(KeyError):  # `pip install --user` puts data files under the user base
        prefixes.append(sysconfig.get_path("data", f"{os.name}_user"))
    found += [Path(p) / "share" / "graphviewer" / kind for p in dict.fromkeys(prefixes) if p]
    return found


def samples_dir() -> Path:
    """The first folder of samples that exists (the checkout's `samples/`, else an install's)."""
    candidates = data_dirs("samples")
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


@dataclass(frozen=True)
class Sample:
    """One sample model: its file, the first line of its docstring, the packages it needs."""

    path: Path
    summary: str
    needs: tuple[str, ...] = ()  # optional packages it imports (see OPTIONAL_PACKAGES)

    @property
    def missing(self) -> tuple[str, ...]:
        """The packages it needs that are not installed here."""
        return tuple(p for p in self.needs if importlib.util.find_spec(p) is None)

    @property
    def install_hint(self) -> str:
        """How to get what is missing: `pip install "graphviewer[transformers]"`, or ""."""
        extras = sorted({OPTIONAL_PACKAGES[p] for p in self.missing})
        return f'pip install "graphviewer[{",".join(extras)}]"' if extras else ""


def sample_files(folder: Path | None = None) -> list[Sample]:
    """The sample models, sorted by name, each with its summary and the packages it needs."""
    folder = folder if folder is not None else samples_dir()
    found = []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        if path.name.startswith("_") or path.stem == "make_variants":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            found.append(Sample(path, ""))
            continue
        doc = (ast.get_docstring(tree) or "").strip()
        found.append(Sample(path, doc.splitlines()[0] if doc else "", _optional_imports(tree)))
    return found


def _optional_imports(tree: ast.Module) -> tuple[str, ...]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return tuple(sorted(names & set(OPTIONAL_PACKAGES)))
