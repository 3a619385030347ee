"""Write the MLP sample in every other format graphviewer opens: `python make_variants.py OUTDIR`.

Teaches: what each format holds. OUTDIR gets
  mlp_full.pt        torch.save(model): a full pickle (opens only with --trust)
  mlp_full.py        the sibling script that supplies the pickle's example_input()
  mlp.py             a copy of the sample: the module the pickle's class is imported from
  mlp_state_dict.pt  torch.save(model.state_dict()): weights only (refused, with a hint)
  mlp_script.pt      torch.jit.script(model), saved: TorchScript
  mlp_export.pt2     torch.export.export(model, ...), saved: carries its example input
The class is imported from the real module `mlp`, so the pickle refers to `mlp.MLP`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIBLING = '"""Example input for mlp_full.pt (graphviewer runs this beside the pickle)."""\n\n' + (
    "from mlp import example_input  # noqa: F401\n"
)


def write_variants(outdir: Path) -> dict[str, Path]:
    """Write every variant of the MLP sample into `outdir`; return them by short name."""
    import torch

    sys.path.insert(0, str(HERE))
    try:
        import mlp
    finally:
        sys.path.remove(str(HERE))
    outdir.mkdir(parents=True, exist_ok=True)
    model = mlp.build_model().eval()
    x = mlp.example_input()
    files = {
        "module": outdir / "mlp.py",
        "full": outdir / "mlp_full.pt",
        "sibling": outdir / "mlp_full.py",
        "state_dict": outdir / "mlp_state_dict.pt",
        "script": outdir / "mlp_script.pt",
        "export": outdir / "mlp_export.pt2",
    }
    shutil.copyfile(HERE / "mlp.py", files["module"])
    files["sibling"].write_text(SIBLING)
    torch.save(model, files["full"])
    torch.save(model.state_dict(), files["state_dict"])
    torch.jit.save(torch.jit.script(model), str(files["script"]))
    torch.export.save(torch.export.export(model, (x,)), str(files["export"]))
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python make_variants.py OUTDIR", file=sys.stderr)
        return 2
    for path in write_variants(Path(argv[0])).values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
