"""A long session in one window: many opens in a row, memory after 5 and after N.

    .venv/bin/python benchmarks/bench_session.py [--opens 50]

Opens samples one after another in one `MainWindow` (offscreen), switching modes, with a
cancelled open, a superseded one, a failing forward and live models among them, as a user
would over an afternoon. Reports resident memory after 5 opens and after N, the growth between
them (goal: ≤ 150 MB for 50), and checks that no job thread and no hook on any model is left.
`tests/ui/test_session.py` runs the same plan, shorter.
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from graphviewer.core.jobs import Progress

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FILES = [
    ("mlp.py", "train"),
    ("cnn.py", "eval"),
    ("control_flow.py", "train"),
    ("dead_relu.py", "no_grad"),
    ("nan_inf.py", "train"),
    ("transformer_block.py", "train"),
    ("lstm.py", "eval"),
    ("tutorial_script.py", "train"),
    ("autograd_scalar.py", "train"),
]
SLOW = """
import time
import torch
from torch import nn

from graphviewer.core.jobs import Progress

class Step(nn.Module):
    def forward(self, x):
        time.sleep(0.02)
        return x * 2

def build_model():
    return nn.Sequential(*[Step() for _ in range(500)])

def example_input():
    return torch.randn(2, 2, requires_grad=True)
"""


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def wait_until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Process Qt events until `done()`; RuntimeError naming `what` after `timeout_s`."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"bench_session.py: {what} did not happen in {timeout_s:.0f} s")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def hooks_left(model: nn.Module) -> list[str]:
    """Every forward/backward hook still on `model` or its parameters."""
    found = []
    for name, m in model.named_modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks"):
            if getattr(m, attr):
                found.append(f"{name or '(root)'}.{attr}")
    found += [f"{n}._backward_hooks" for n, p in model.named_parameters() if p._backward_hooks]
    return found


def job_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("graphviewer-")]


class Session:
    """Drives one window through the plan; counts opens and what each step ended in."""

    def __init__(self, window: object, folder: Path) -> None:
        from graphviewer.ui.main_window import MainWindow

        assert isinstance(window, MainWindow)
        self.window = window
        self.slow = folder / "slow_model.py"
        self.slow.write_text(SLOW)
        self.live: list[nn.Module] = []
        self.ends: dict[str, int] = {}
        for name in ("opened", "failed", "cancelled"):
            signal = getattr(window.session, name)
            signal.connect(lambda *_a, n=name: self.ends.__setitem__(n, self.ends.get(n, 0) + 1))

    def _idle_after(self, start: Callable[[], None], what: str, timeout_s: float = 120) -> None:
        idle: list[bool] = []

        def on_idle() -> None:
            idle.append(True)

        self.window.session.idle.connect(on_idle)
        try:
            start()
            wait_until(lambda: bool(idle) and not self.window.session.busy, timeout_s, what)
        finally:
            self.window.session.idle.disconnect(on_idle)

    def step(self, k: int) -> None:
        """The k-th open of the plan (every step opens something)."""
        from graphviewer.core.capture import live_spec
        from graphviewer.ui.jobs import OpenRequest

        w = self.window
        kind = k % 7
        if kind == 3:  # a cancelled open
            stages: list[str] = []

            def on_progress(progress: Progress) -> None:
                stages.append(progress.stage)

            def start() -> None:
                w.open_path(self.slow)
                wait_until(lambda: "running forward" in stages, 60, "the slow forward")
                w.session.cancel()

            w.session.progress.connect(on_progress)
            try:
                self._idle_after(start, "a cancelled open")
            finally:
                w.session.progress.disconnect(on_progress)
        elif kind == 5:  # a forward that raises
            self._idle_after(lambda: w.open_path(SAMPLES / "forward_raises.py"), "a failure")
        elif kind == 6:  # a live model, as `graphviewer.show` opens it, then a mode switch
            torch.manual_seed(k)
            model = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Dropout(), nn.ReLU())
            self.live.append(model)
            spec = live_spec(model, torch.randn(4, 16))
            request = OpenRequest(path=None, mode="train", spec=spec)
            self._idle_after(lambda: w.open_request(request), "a live model")
        elif kind == 1:  # a slow open superseded by another
            name, _mode = FILES[k % len(FILES)]

            def start() -> None:
                w.open_path(self.slow)
                w.open_path(SAMPLES / name, "eval")

            self._idle_after(start, f"{name} superseding")
        else:
            name, mode = FILES[k % len(FILES)]
            self._idle_after(lambda: w.open_path(SAMPLES / name, mode), name)  # type: ignore[arg-type]
            if w.session.current is not None and mode != "no_grad":
                self._idle_after(lambda: w.session.set_mode("no_grad"), f"{name} no_grad")

    def check_clean(self) -> None:
        """No job thread alive, no hook on any model in memory."""
        assert self.window.session.wait_idle(10.0), "bench_session.py: a job never ended"
        wait_until(lambda: not job_threads(), 10, "the job threads ending")
        gc.collect()
        models = [o for o in gc.get_objects() if isinstance(o, nn.Module)]
        hooked = {type(m).__name__: hooks_left(m) for m in [*self.live, *models] if hooks_left(m)}
        assert not hooked, f"bench_session.py: hooks left on {hooked}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import tempfile

    from PySide6.QtCore import QSettings

    from graphviewer.ui.app import create_app
    from graphviewer.ui.main_window import MainWindow

    settings = tempfile.mkdtemp()  # recent files of 50 opens stay out of the user's settings
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    create_app()
    window = MainWindow()
    window.show()
    session = Session(window, Path(tempfile.mkdtemp()))
    start = time.perf_counter()
    after5 = 0.0
    for k in range(args.opens):
        session.step(k)
        if k == 4:
            gc.collect()
            after5 = rss_mb()
    session.check_clean()
    gc.collect()
    after = rss_mb()
    print(f"{args.opens} opens in {time.perf_counter() - start:.0f} s: {session.ends}")
    print(f"resident memory after 5: {after5:.0f} MB, after {args.opens}: {after:.0f} MB")
    print(f"growth: {after - after5:+.0f} MB (goal ≤ 150 MB); no threads, no hooks left")


if __name__ == "__main__":
    main()
