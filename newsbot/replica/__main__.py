"""`python -m newsbot.replica --port 8800 --articles 2000`: serve the replica until interrupted.

Crawl it with `scrapy crawl devdiscourse -a base_url=http://127.0.0.1:8800` (a data directory
of its own: newsbot refuses to mix a mirror's records with the live site's). Exit status 1 when
the address cannot be listened on (a busy port), 2 for a bad option.
"""

import argparse
import json
import sys
from datetime import datetime

from newsbot.replica.server import ReplicaServer
from newsbot.replica.website import ALL_NEWS_STATES, DEFAULT_NOW, ROBOTS_STATES, ReplicaSite

CANNOT_LISTEN = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.replica",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8800, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--articles", type=int, default=2000, help="articles on the site at its first clock"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="the generator's seed: same seed, same site"
    )
    parser.add_argument("--decoy", default=None, help="base URL of a decoy host some pages link to")
    parser.add_argument(
        "--decoy-port",
        default=None,
        help="base URL of a decoy on another port, the target of the redirect_other_port fault",
    )
    parser.add_argument(
        "--faults",
        type=json.loads,
        default=None,
        help='fault modes as JSON (newsbot/replica/faults.py), e.g. \'{"500_once": 0.03,'
        ' "404": [3990123]}\'',
    )
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=DEFAULT_NOW,
        help="the site's clock, ISO 8601 with a UTC offset",
    )
    # What is unknown about the live site (docs/site.md §3): robots.txt and GetAllNews.
    parser.add_argument(
        "--robots",
        choices=["none", *filter(None, ROBOTS_STATES)],
        default="none",
        help="robots.txt: none (a 404, as inferred for the site), or one that allows or "
        "disallows /api/",
    )
    parser.add_argument(
        "--all-news",
        choices=ALL_NEWS_STATES,
        default=ALL_NEWS_STATES[0],
        help="how /api/Search/GetAllNews answers: as documented, 500, or in another shape",
    )
    parser.add_argument(
        "--sub-blogs",
        choices=ALL_NEWS_STATES,
        default=ALL_NEWS_STATES[0],
        help="how a live blog's updates API, /api/Search/GetSubBlogs, answers: as documented, "
        "500, or in another shape",
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
        robots=None if args.robots == "none" else args.robots,
        all_news=args.all_news,
        sub_blogs=args.sub_blogs,
    )
    try:
        server = ReplicaServer(site, args.host, args.port)
    except OSError as error:
        print(
            f"replica: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr
        )
        return CANNOT_LISTEN
    print(f"replica: serving {len(site)} articles at {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
