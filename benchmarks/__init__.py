"""newsbot's benchmarks: `python -m benchmarks [--quick] [NAME ...]` (`make bench`) runs them and
prints one table of figures, each measured side by side in one run (ratios, never pass/fail).

A benchmark is a function in any module of this package, registered with `@benchmark(name)`: it
takes `quick` (a smoke-test size for CI, seconds instead of minutes) and returns its `Figure`s.
Adding one is a module with such a function; the harness finds it. BENCHMARKS.md explains each
figure and holds the table of one full run.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
_PEAK_RSS = Path(__file__).resolve().parent / "_peak_rss.py"


@dataclass(frozen=True)
class Figure:
    """One row of the table: what is compared, the ratio (or value), and what it rests on."""

    figure: str
    value: str
    detail: str = ""


Benchmark = Callable[[bool], list[Figure]]
REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register a benchmark under `name` (the table's first column, and its name on the CLI)."""

    def register(function: Benchmark) -> Benchmark:
        if name in REGISTRY:
            raise ValueError(f"two benchmarks named {name!r}")
        REGISTRY[name] = function
        return function

    return register


def ratio(value: float) -> str:
    return f"{value:.2f}x"


def per_item_cpu(
    works: dict[str, Callable[[object], object]], items: Sequence[object], rounds: int
) -> dict[str, float]:
    """Mean CPU seconds per item of each work, side by side: for each item, every work runs in
    turn, `rounds` times; the fastest round of each (work, item) counts, which drops the time
    other processes took from this one (the machine is shared) and warms every cache alike."""
    best = {name: [float("inf")] * len(items) for name in works}
    for _ in range(rounds):
        for index, item in enumerate(items):
            for name, work in works.items():
                started = time.process_time()
                work(item)
                spent = time.process_time() - started
                best[name][index] = min(best[name][index], spent)
    return {name: statistics.fmean(times) for name, times in best.items()}


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


@dataclass(frozen=True)
class Process:
    """What one process cost: wall seconds, CPU seconds (user + system), peak RSS in MiB."""

    wall: float
    cpu: float
    peak_mb: float


def run_module(
    argv: list[str], cwd: Path, env: dict[str, str], ok: Iterable[int] = (0,)
) -> Process:
    """Run `python -m <argv…>` in its own process and measure it (benchmarks/_peak_rss.py)."""
    with tempfile.NamedTemporaryFile(prefix="newsbot-bench-peak-") as peak_file:
        command = [sys.executable, str(_PEAK_RSS), *argv]
        env = {**env, "NEWSBOT_BENCH_PEAK_FILE": peak_file.name}
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        stderr = process.stderr.read() if process.stderr else b""
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            raise RuntimeError(f"python -m {' '.join(argv[:3])} exited {code}: {stderr[-2000:]!r}")
        peak_kib = int(Path(peak_file.name).read_text(encoding="ascii"))
    return Process(wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024)
