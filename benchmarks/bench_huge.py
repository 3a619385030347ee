"""Huge models on one machine: time and peak memory of `graphviewer inspect` on two big models.

    .venv/bin/python benchmarks/bench_huge.py [--skip-xl]

- A Llama with the 7B shape built without weights (`samples/llama_7b_meta.py`, --device meta):
  open time and peak resident memory (goal: a few hundred MB, no weights allocated).
- GPT-2 with the gpt2-xl shape (n_embd 1600, 48 layers, 25 heads: 1.56 B parameters, real float32
  weights, ~6.2 GB): peak resident memory of `inspect` minus the parameters' bytes, that is
  graphviewer's own memory beyond the model's, with Python, torch and transformers (goal < 1 GB).

Each figure comes from a fresh child process running the CLI's own `main`, so the peak is that
of one `graphviewer inspect` run and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LLAMA = ROOT / "samples" / "llama_7b_meta.py"
GPT2_XL = f'''
"""GPT-2 with the gpt2-xl shape and real (random) weights: the GPT-2 sample, larger."""
import sys
import torch
sys.path.insert(0, {str(ROOT / "samples")!r})
from gpt2 import GPT2, example_input  # noqa: E402


def build_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return GPT2(n_layer=48, n_embd=1600, n_head=25)
'''


def child(path: str, mode: str) -> None:
    """Run `graphviewer inspect` in this process; print its time and peak memory as JSON.

    `path` "-" only imports what an inspect of a transformers model imports: the baseline."""
    if path == "-":
        import transformers  # noqa: F401

        from graphviewer.core import capture, model_file  # noqa: F401

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"status": 0, "seconds": 0.0, "peak": peak}))
        return
    import graphviewer.core.model_file as model_file
    from graphviewer.cli import main

    loaded: list[int] = []
    load = model_file.load_model_file

    def load_and_note(*args: object, **kwargs: object) -> object:
        spec = load(*args, **kwargs)  # type: ignore[arg-type]
        loaded.append(_current_rss())  # the model is built: what follows is the capture's
        return spec

    model_file.load_model_file = load_and_note  # type: ignore[assignment]
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        saved, sys.stdout = sys.stdout, devnull
        try:
            status = main(["inspect", path, "--mode", mode])
        finally:
            sys.stdout = saved
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    result = {"status": status, "seconds": seconds, "peak": peak, "loaded": loaded[0]}
    print(json.dumps(result))


def _current_rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def run_child(path: Path | str, mode: str) -> dict[str, float]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--mode", mode],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(f"bench_huge: {path}: the child failed: {out.stderr.strip()[-500:]}")
    result: dict[str, float] = json.loads(lines[-1])
    if result["status"] != 0:
        raise SystemExit(f"bench_huge: {path}: inspect exited {result['status']}")
    return result


def parameter_bytes(path: Path) -> int:
    """The model's parameter bytes, counted on a build without weights (nothing allocated)."""
    from graphviewer.core.model_file import load_model_file

    spec = load_model_file(path, device="meta", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert spec.model is not None
    return sum(p.numel() * p.element_size() for p in spec.model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="eval", choices=("train", "eval"))
    parser.add_argument("--skip-xl", action="store_true", help="only the 7B meta figure")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mode)
        return
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, mode {args.mode}")
    base = run_child("-", args.mode)["peak"]
    print(f"imports alone (Python, torch, transformers, graphviewer): {base / 2**20:,.0f} MB")
    llama = run_child(LLAMA, args.mode)
    print(
        f"llama 7B shape, --device meta: opened in {llama['seconds']:.1f} s, "
        f"peak RSS {llama['peak'] / 2**20:,.0f} MB (goal: a few hundred MB)"
    )
    if args.skip_xl:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gpt2_xl.py"
        path.write_text(GPT2_XL)
        weights = parameter_bytes(path)
        xl = run_child(path, args.mode)
    own = xl["peak"] - weights
    print(
        f"gpt2-xl shape, real weights: {weights / 4 / 1e9:.2f} B parameters = "
        f"{weights / 2**30:.2f} GiB; inspect took {xl['seconds']:.1f} s, peak RSS "
        f"{xl['peak'] / 2**30:.2f} GiB; graphviewer's own beyond the model: "
        f"{own / 2**20:,.0f} MB (goal < 1 GB), {(own - base) / 2**20:,.0f} MB beyond the imports"
    )
    above = (xl["peak"] - xl["loaded"]) / 2**20
    print(
        f"  peak above the built model's resident memory (build temporaries or capture): "
        f"{above:,.0f} MB"
    )


if __name__ == "__main__":
    main()
