"""newsbot's benchmarks: `python -m benchmarks [--quick] [NAME ...]` (`make bench`) runs them and
prints one table of figures, each measured side by side in one run (ratios, never pass/fail).

A benchmark is a function in any module of this package, registered with `@benchmark(name)`: it
takes `quick` (a smoke-test size for CI, seconds instead of minutes) and returns its `Figure`s.
Adding one is a module with such a function; the harness finds it. BENCHMARKS.md explains each
figure and holds the table of one full run.
"""

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


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
