"""Run a Python module as `python -m` would, then write this process's peak RSS in KiB to the
file named by $NEWSBOT_BENCH_PEAK_FILE as it exits:

    python benchmarks/_peak_rss.py scrapy crawl devdiscourse …

The peak is /proc's VmHWM, counted from the exec. `ru_maxrss` (getrusage, wait4) is not: Linux
starts a process's at its parent's RSS, so every child of a large harness would look as large.
"""

import atexit
import os
import runpy
import sys

PEAK_FILE_ENV = "NEWSBOT_BENCH_PEAK_FILE"


def peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def write_peak() -> None:
    with open(os.environ[PEAK_FILE_ENV], "w", encoding="ascii") as out:
        out.write(str(peak_kib()))


if __name__ == "__main__":
    atexit.register(write_peak)
    module, sys.argv = sys.argv[1], sys.argv[1:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
