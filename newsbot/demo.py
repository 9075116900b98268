"""The offline demo: serve the replica on 127.0.0.1, crawl it with `scrapy crawl`, report.

`python -m newsbot.demo` (or `make demo`). The crawl is the real command line a user runs, with
the politeness delays lifted because the replica is a local process, not someone's site.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from newsbot.replica import ReplicaSite, serve_in_thread

# For a server on this machine only: the shipped settings pace a crawl for the live site.
LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


def crawl_command(base_url: str, data_dir: Path, settings: dict[str, str], *args: str) -> list[str]:
    """`scrapy crawl devdiscourse` against `base_url`, writing under `data_dir`."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "devdiscourse",
        "-a",
        f"base_url={base_url}",
    ]
    command += [*args, "-s", f"NEWSBOT_DATA_DIR={data_dir}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def published_files(data_dir: Path) -> set[Path]:
    return set((data_dir / "devdiscourse").glob("*.jsonl"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="size of the replica")
    parser.add_argument("--seed", type=int, default=1)
    default_dir = os.environ.get("NEWSBOT_DATA_DIR") or "data"
    parser.add_argument("--data-dir", type=Path, default=Path(default_dir))
    options = parser.parse_args()

    site = ReplicaSite(articles=options.articles, seed=options.seed)
    server = serve_in_thread(site)
    data_dir = options.data_dir.resolve()
    before = published_files(data_dir)
    print(f"demo: replica of {len(site.ids())} articles serving at {server.base_url}", flush=True)
    started = time.monotonic()
    try:
        command = crawl_command(
            server.base_url, data_dir, {**LOOPBACK_SETTINGS, "LOG_LEVEL": "WARNING"}
        )
        status = subprocess.call([*command, "-a", "max_pages=50"])
    finally:
        server.stop()
    new_files = sorted(published_files(data_dir) - before)
    if status != 0 or not new_files:
        print(f"demo: the crawl failed (exit status {status}); see the log above", file=sys.stderr)
        return status or 1
    output = new_files[-1]
    with output.open(encoding="utf-8") as lines:
        count = sum(1 for _ in lines)
    seconds = time.monotonic() - started
    print(f"demo: wrote {count} records to {output} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
