"""`python -m newsbot.replica --port 8800 --articles 2000`: serve the replica until interrupted."""

import argparse
import json
from datetime import datetime

from newsbot.replica.server import ReplicaServer
from newsbot.replica.website import DEFAULT_NOW, ReplicaSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newsbot.replica", description=__doc__)
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decoy", default=None, help="base URL of a decoy host to link to")
    parser.add_argument("--decoy-port", default=None, help="base URL of a decoy on another port")
    parser.add_argument(
        "--faults",
        type=json.loads,
        default=None,
        help='fault configuration as JSON, e.g. \'{"500_once": 0.03, "404": [3990123]}\'',
    )
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=DEFAULT_NOW,
        help="the site's clock, ISO 8601 with an offset (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-11-26T10:00:00+00:00")
    site = ReplicaSite(
        articles=args.articles,
        seed=args.seed,
        decoy_url=args.decoy,
        now=args.now,
        faults=args.faults,
        decoy_port_url=args.decoy_port,
    )
    server = ReplicaServer(site, args.host, args.port)
    print(f"replica: serving {len(site)} articles at {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
