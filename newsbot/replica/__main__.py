"""`python -m newsbot.replica --port 8800 --articles 2000`: serve the replica until interrupted."""

import argparse

from newsbot.replica.server import ReplicaServer
from newsbot.replica.site import ReplicaSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newsbot.replica", description=__doc__)
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decoy", default=None, help="base URL of a decoy host to link to")
    args = parser.parse_args(argv)
    site = ReplicaSite(articles=args.articles, seed=args.seed, decoy_url=args.decoy)
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
