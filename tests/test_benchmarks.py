"""`python -m benchmarks --quick` (the CI smoke test of `make bench`): every registered benchmark
runs and has its rows in the one table. No figure is asserted: figures are not pass/fail."""

import subprocess
import sys

import pytest

from benchmarks import REGISTRY
from benchmarks.__main__ import discover
from tests.crawling import PROJECT_DIR

pytestmark = pytest.mark.e2e


def test_quick_mode_runs_every_benchmark_and_prints_one_table():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    discover()
    rows = [
        line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| ")
    ]
    assert rows[0] == "benchmark"
    assert set(rows[1:]) == set(REGISTRY) >= {"extraction", "dates", "store", "crawl", "faults"}
    assert "| failed" not in done.stdout
