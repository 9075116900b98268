"""Spider arguments (`-a name=value`): parsed and checked once, before anything is crawled."""

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newsbot.corpus import parse_instant
from newsbot.urls import LABEL_RE, LABELS, PRODUCTION_BASE_URL

DEFAULT_MAX_PAGES = 5
# Written before a label (`-a sections=+newlabel`): crawl it though newsbot does not know it yet.
NEW_LABEL_MARK = "+"


class BadArgument(ValueError):
    """A spider argument is wrong; the message says which and why, in one line."""


@dataclass(frozen=True)
class IdRange:
    """`ids=LOW-HIGH`: NewsIds LOW to HIGH inclusive, walked from HIGH down (newest first)."""

    low: int
    high: int

    def __len__(self) -> int:
        return self.high - self.low + 1

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


@dataclass(frozen=True)
class CrawlArguments:
    base_url: str = PRODUCTION_BASE_URL
    max_pages: int = DEFAULT_MAX_PAGES
    sections: tuple[str, ...] = LABELS
    # The labels of `sections` written with NEW_LABEL_MARK: not checked against the known ones.
    new_sections: frozenset[str] = frozenset()
    full: bool = False
    # A backfill (newsbot/backfill.py): an id range, or everything created since a moment.
    ids: IdRange | None = None
    since: datetime | None = None

    @property
    def backfill(self) -> str | None:
        """The backfill job's name (`ids=3900000-3950000`, `since=2026-01-01T00:00:00+05:30`),
        the same for every run and worker given the same arguments; None for an ordinary run."""
        if self.ids is not None:
            return f"ids={self.ids}"
        if self.since is not None:
            return f"since={self.since.isoformat()}"
        return None


def parse_base_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadArgument(f"base_url must be an http(s) URL such as http://127.0.0.1:8800: {raw!r}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise BadArgument(f"base_url must be a site root without path or query, got {raw!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise BadArgument(f"base_url has an invalid port: {raw!r}") from None
    return f"{parts.scheme}://{parts.netloc}"


def parse_max_pages(raw: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1:
        raise BadArgument(f"max_pages must be a positive integer, got {raw!r}")
    return int(text)


def parse_sections(raw: str) -> tuple[str, ...]:
    """The labels as written, each possibly marked new (`+label`)."""
    sections = tuple(dict.fromkeys(s.strip() for s in str(raw).split(",") if s.strip()))
    bad = [s for s in sections if not LABEL_RE.match(s.removeprefix(NEW_LABEL_MARK))]
    if bad or not sections:
        raise BadArgument(
            f"sections must be comma-separated [a-z0-9-]+ labels (+label: a new one), got {raw!r}"
        )
    return sections


_ID_RANGE_RE = re.compile(r"^(\d{1,12})-(\d{1,12})$")


def parse_ids(raw: str) -> IdRange:
    match = _ID_RANGE_RE.match(str(raw).strip())
    if match is None or int(match[1]) < 1:
        raise BadArgument(
            f"ids must be a range of NewsIds LOW-HIGH such as 3900000-3950000, got {raw!r}"
        )
    low, high = int(match[1]), int(match[2])
    if low > high:
        raise BadArgument(f"ids: the range is reversed, write it {high}-{low}")
    return IdRange(low, high)


def parse_since(raw: str) -> datetime:
    """A date (`2026-01-01`, midnight IST) or an ISO 8601 time, as `scrapy corpus --since`."""
    try:
        moment = parse_instant(str(raw))
    except ValueError:
        raise BadArgument(
            f"since must be a date (2026-01-01) or an ISO 8601 time, got {raw!r}"
        ) from None
    if moment > datetime.now(UTC):
        raise BadArgument(f"since is in the future: {raw!r}")
    return moment


def parse_flag(raw: str) -> bool:
    text = str(raw).strip().lower()
    if text not in FLAG_VALUES:
        raise BadArgument(f"full must be 1 or 0 (true/false, yes/no), got {raw!r}")
    return FLAG_VALUES[text]


FLAG_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass(frozen=True)
class Argument:
    """One spider argument: how it is parsed and how `scrapy crawl -h` describes it."""

    parse: Callable[[str], object]
    usage: str
    help: str
    default: str


# The README's options table says the same; tests/test_arguments.py keeps them in step.
ARGUMENTS: dict[str, Argument] = {
    "base_url": Argument(
        parse_base_url,
        "base_url=URL",
        "crawl a mirror, or the replica, at the same paths; nothing outside its host and port"
        " is requested",
        PRODUCTION_BASE_URL,
    ),
    "max_pages": Argument(
        parse_max_pages,
        "max_pages=N",
        "how many pages of each listing to walk",
        str(DEFAULT_MAX_PAGES),
    ),
    "sections": Argument(
        parse_sections,
        "sections=a,b",
        "which /stories/<label> listings to walk: labels newsbot knows (its own list and those"
        " of articles already published in this data directory), or +label for a new one",
        f"all {len(LABELS)} labels",
    ),
    "full": Argument(
        parse_flag,
        "full=1",
        "ignore the seen store for discovery; still publish only what is new or changed",
        "0",
    ),
    "ids": Argument(
        parse_ids,
        "ids=LOW-HIGH",
        "backfill: request exactly the NewsIds LOW to HIGH, newest first, each once; resumable"
        " (run it again with the same arguments)",
        "none",
    ),
    "since": Argument(
        parse_since,
        "since=DATE",
        "backfill: every article created since DATE (2026-01-01, midnight IST, or an ISO 8601"
        " time), through GetAllNews where robots.txt allows it; resumable",
        "none",
    ),
}
# What an ordinary run's discovery takes; a backfill requests its own ids and no listing.
DISCOVERY_ARGUMENTS = ("max_pages", "sections", "full")


def did_you_mean(word: str, choices: Collection[str], cutoff: float = 0.6) -> str:
    """` (did you mean 'x'?)` for a close choice, else nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_arguments(raw: Mapping[str, object]) -> CrawlArguments:
    """Check the spider's own arguments; an unknown name is an error, except Scrapy's own
    internal ones, which start with `_` (scrapyd's `_job`)."""
    for name in raw:
        if name not in ARGUMENTS and not name.startswith("_"):
            raise BadArgument(
                f"unknown spider argument {name!r}{did_you_mean(name, ARGUMENTS)};"
                f" the arguments are {', '.join(ARGUMENTS)}"
            )
    values = {
        name: argument.parse(str(raw[name]))
        for name, argument in ARGUMENTS.items()
        if raw.get(name) is not None
    }
    if "sections" in values:
        written = values["sections"]
        values["sections"] = tuple(dict.fromkeys(s.removeprefix(NEW_LABEL_MARK) for s in written))
        marked = (s for s in written if s.startswith(NEW_LABEL_MARK))
        values["new_sections"] = frozenset(s.removeprefix(NEW_LABEL_MARK) for s in marked)
    backfills = [name for name in ("ids", "since") if name in values]
    if len(backfills) > 1:
        raise BadArgument("ids and since exclude each other: give one backfill at a time")
    if backfills and (discovery := [name for name in DISCOVERY_ARGUMENTS if name in values]):
        raise BadArgument(
            f"{backfills[0]} (a backfill) and {', '.join(discovery)} exclude each other:"
            " a backfill requests its own ids, not the listings"
        )
    return CrawlArguments(**values)


def check_labels(arguments: CrawlArguments, known: Collection[str]) -> None:
    """Refuse a label that is neither known nor marked new: most likely a typo, which would
    otherwise crawl an empty listing every run without a word."""
    for label in arguments.sections:
        if label not in known and label not in arguments.new_sections:
            hint = did_you_mean(label, known) or f"; known labels: {', '.join(sorted(known))}"
            raise BadArgument(
                f"sections: unknown label {label!r}{hint}; if the site has added it since,"
                f" write it as {NEW_LABEL_MARK}{label}"
            )
