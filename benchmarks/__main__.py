"""Run every benchmark (or those named) and print one table: `python -m benchmarks [--quick]`."""

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import benchmarks
from benchmarks import REGISTRY, Figure


def discover() -> None:
    """Import every module of the package: importing one registers its benchmarks."""
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"benchmarks.{module.name}")


def table(rows: list[tuple[str, Figure]]) -> str:
    """A Markdown table, aligned for a terminal too."""
    cells = [("benchmark", "figure", "value", "detail")]
    cells += [(name, figure.figure, figure.value, figure.detail) for name, figure in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def main(argv: list[str] | None = None) -> int:
    discover()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke test of every benchmark"
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {sorted(REGISTRY)}")
    options = parser.parse_args(argv)
    unknown = sorted(set(options.names) - set(REGISTRY))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    rows: list[tuple[str, Figure]] = []
    failed = []
    for name in options.names or list(REGISTRY):
        started = time.monotonic()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            figures = REGISTRY[name](options.quick)
        except Exception:
            traceback.print_exc()
            figures = [Figure("failed", "-", "see the traceback above")]
            failed.append(name)
        rows += [(name, figure) for figure in figures]
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    mode = "--quick: a smoke test, sizes too small for the figures" if options.quick else "full"
    print(f"\nnewsbot benchmarks ({mode})\n")
    print(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
