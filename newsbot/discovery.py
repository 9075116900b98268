"""Discovery decisions: what a listing's items and times mean, when to read a listing's next page,
and the watermarks that carry discovery over from one run to the next (docs/site.md §3, §6, §8.2).

Kept apart from the spider so that every rule is a plain function or a small class, tested on
built responses and a temporary store.

The site's listings come in three orders, each with its own paging rule:
- by creation (`/api/Search/GetAllNews`, `/pti-stories`, `/AgencyWire`): what is new sits on top,
  so a walk pages on while a page holds nothing the store knows ("page on while new");
- by last modification, with relative times (`/news-analysis`'s fragments): a walk pages on while
  the page's last item may have been modified since the last run began;
- by last modification, without times (`/devdiscourse-stories`): an item above a stored article
  whose stored `updated` is later than its own has been modified since (the listing puts it above
  something modified later than what the store holds for it), and a walk pages on while a page
  shows anything new or changed.
The label fragments are sorted by modification day and then ranking: see `ListingWalk`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum

from newsbot.processors import IST

# -- times a listing gives -------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """When something happened, as far as a listing says: between `earliest` and `latest`."""

    earliest: datetime
    latest: datetime


_SECONDS_AGO = re.compile(r"^(\d+)\s+seconds?\s+ago$", re.IGNORECASE)
_UNITS_AGO = re.compile(r"^about\s+(a|an|\d+)\s+(minute|hour|day)s?\s+ago$", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}
_DAY = timedelta(days=1)


def relative_span(text: str, now: datetime) -> Span | None:
    """The moment a listing's relative time names (docs/site.md §6), counted back from `now`.

    `N Seconds ago`, `About a minute ago`, `About N minutes|hours|days ago`, `Yesterday`, or a
    date `21 November 2022`. The counts are read as whole units elapsed (a TimeAgo helper floors
    them: inferred), so `About 3 hours ago` is 3 to 4 hours back. A date is that day in IST or UTC,
    whichever the site meant. None when the text is none of these.
    """
    text = " ".join(text.split())
    if match := _SECONDS_AGO.match(text):
        seconds = int(match[1])
        return Span(now - timedelta(seconds=seconds + 1), now - timedelta(seconds=seconds))
    if match := _UNITS_AGO.match(text):
        count = 1 if match[1].lower() in ("a", "an") else int(match[1])
        unit = timedelta(seconds=_UNIT_SECONDS[match[2].lower()])
        return Span(now - (count + 1) * unit, now - count * unit)
    if text.lower() == "yesterday":
        return Span(now - 2 * _DAY, now - _DAY)
    try:
        day = datetime.strptime(text, "%d %B %Y")
    except ValueError:
        return None
    return Span(day.replace(tzinfo=IST), day.replace(tzinfo=UTC) + _DAY)


def server_time(headers_date: bytes | str | None) -> datetime | None:
    """A response's `Date` header as an aware UTC time: relative times count from the server's
    clock, not ours."""
    if not headers_date:
        return None
    text = headers_date.decode("latin-1") if isinstance(headers_date, bytes) else headers_date
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


# -- the complete listing: /api/Search/GetAllNews --------------------------------------------------


class ShapeChanged(ValueError):
    """An API (`GetAllNews`, a live blog's updates) answered something other than the
    documented JSON array."""


def read_json_array(body: bytes) -> list:
    """An API page's JSON array; anything else raises ShapeChanged."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise ShapeChanged(f"not JSON: {error}") from None
    if not isinstance(data, list):
        raise ShapeChanged(f"a JSON {type(data).__name__}, not an array")
    return data


@dataclass(frozen=True)
class AllNewsItem:
    news_id: str
    label: str | None
    title: str
    created: datetime


def read_all_news(body: bytes) -> list[AllNewsItem]:
    """A `GetAllNews` page (docs/site.md §3): a JSON array of objects with `newId`, `label`,
    `title` and `createdOn`. `createdOn` is UTC printed without an offset (the API serialises the
    stored UTC time as it is), so it is read as UTC here. Anything else raises ShapeChanged."""
    items = []
    for entry in read_json_array(body):
        try:
            news_id, label, title = entry["newId"], entry["label"], entry["title"]
            moment = datetime.fromisoformat(entry["createdOn"])
        except (TypeError, KeyError, ValueError) as error:
            raise ShapeChanged(f"an item without a readable {error}: {entry!r:.200}") from None
        if not isinstance(news_id, int) or news_id <= 0 or not isinstance(label, str | None):
            raise ShapeChanged(f"an item with a bad newId or label: {entry!r:.200}")
        if moment.tzinfo is None:  # UTC, as the API stores it
            moment = moment.replace(tzinfo=UTC)
        title = title if isinstance(title, str) else ""
        items.append(AllNewsItem(str(news_id), label or None, title, moment.astimezone(UTC)))
    return items


@dataclass(frozen=True)
class Gap:
    """Articles created in (low, high] that no run has yet checked against the complete listing:
    a run cut short by its article budget (or stopped) leaves one below what it reached."""

    low: datetime | None
    high: datetime

    def text(self) -> str:
        return f"{self.low.isoformat() if self.low else ''}/{self.high.isoformat()}"

    @classmethod
    def parse(cls, text: str | None) -> Gap | None:
        low, _, high = (text or "").partition("/")
        try:
            return cls(datetime.fromisoformat(low) if low else None, datetime.fromisoformat(high))
        except ValueError:
            return None

    def widened(self, low: datetime | None, high: datetime) -> Gap:
        """The smallest gap holding this one and (low, high] (no low bound is the lowest)."""
        lowest = None if low is None or self.low is None else min(self.low, low)
        return Gap(lowest, max(self.high, high))


@dataclass
class AllNewsWalk:
    """One run's walk down `GetAllNews`, newest first, and the gap it leaves for the next run.

    An ordinary run pages on while a page holds no stored article, and while a gap left by an
    earlier run is still above it; a run that walks everything (a first run, `full=1`) pages on
    while there are pages (the spider bounds it by `max_pages`) and keeps no gap. `floor` is when
    the newest stored article was created: below it everything was checked before, unless a gap
    says otherwise.
    """

    gap: Gap | None
    floor: datetime | None
    walks_everything: bool = False
    # The oldest article checked so far, and where the walk stopped short (the newest article it
    # could not check), if it did.
    reached: datetime | None = None
    stopped_at: datetime | None = None
    # Articles requested from the listing and not yet answered (a stopped run loses them).
    pending: dict[str, datetime] = field(default_factory=dict)
    finished: bool = False

    def pages_on(self, items: list[AllNewsItem], met_store: bool) -> bool:
        if self.stopped_at is not None or not items:
            return False
        if self.walks_everything:
            return True
        gap = self.gap
        above_gap = gap is not None and (gap.low is None or items[-1].created > gap.low)
        return not met_store or above_gap

    def stop_at(self, moment: datetime | None) -> None:
        """Stop short at `moment`: articles created then and before are not checked (None: at
        the top, nothing was)."""
        moment = moment or datetime.max.replace(tzinfo=UTC)
        self.stopped_at = moment if self.stopped_at is None else max(self.stopped_at, moment)

    def answered(self, news_id: str) -> None:
        self.pending.pop(news_id, None)

    def next_gap(self) -> Gap | None:
        """The gap to keep for the next run, once this run's records are published."""
        high = self.stopped_at
        if self.pending:
            newest = max(self.pending.values())
            high = newest if high is None else max(high, newest)
        if high is None:
            # Reached the store (or the gap's bottom) with everything answered.
            return None if self.finished else self.gap
        low = self.gap.low if self.gap is not None else self.floor
        return self.gap.widened(low, high) if self.gap is not None else Gap(low, high)


@dataclass
class HeldPages:
    """GetAllNews's pages past the first, held while `/news-analysis` is read back to the last run.

    An ordinary run reads `/news-analysis` back to when the last run began anyway (the only
    listing of every source and type by modification, docs/site.md §3: revisions of older
    articles show nowhere else), and it lists the new articles too, at 25 a request. Paging
    GetAllNews as well (20 a request) would pay for every new article twice over. So an ordinary
    run holds GetAllNews after page 1 and, once the walk down `/news-analysis` ended, checks it
    against page 1: every article there created since the last run must have been listed by the
    walk (or be stored). Then the later pages are left unread; otherwise, or when the walk did
    not end by reaching the last run (a failure, the budget), GetAllNews is paged the plain way.

    That `/news-analysis` lists every new article is docs/site.md's word, read from the site's
    code: the check is how the run notices when the site answers otherwise.
    """

    since: datetime
    # GetAllNews's next page and the items read before it, once held.
    page: int | None = None
    items: list[AllNewsItem] = field(default_factory=list)
    # The ids the walk down `/news-analysis` listed, once it reached the last run; None while it
    # is under way, `ended` with None: it stopped short of the last run.
    listed: set[str] | None = None
    ended: bool = False

    def hold(self, page: int, items: list[AllNewsItem]) -> None:
        self.page, self.items = page, items

    def walk_ended(self, listed: set[str] | None) -> None:
        self.ended, self.listed = True, listed

    def covered(self, known: Callable[[str], bool]) -> bool | None:
        """Whether the walk listed what GetAllNews showed (None: not both known yet)."""
        if self.page is None or not self.ended:
            return None
        if self.listed is None:
            return False
        return all(
            item.news_id in self.listed or known(item.news_id)
            for item in self.items
            if item.created >= self.since
        )


# -- HTML listings ---------------------------------------------------------------------------------


class Order(Enum):
    CREATED = "created"  # newest created first
    MODIFIED = "modified"  # newest modified first
    DAY_THEN_RANKING = "day then ranking"  # modification day, then the site's ranking


@dataclass(frozen=True)
class ListingItem:
    news_id: str
    url: str
    modified: Span | None = None  # from the item's relative time, when it has one


@dataclass(frozen=True)
class Stored:
    """What the store holds for a listed article that matters here: the stored revision's
    `updated`, and when the site served its page by the site's clock (None: not known)."""

    updated: datetime
    served: datetime | None = None


Lookup = Callable[[str], Stored | None]


# Probes in a row that rule out no held item before a walk fetches the rest the plain way.
PROBES_IN_VAIN = 3


@dataclass
class ListingWalk:
    """One run's walk down one HTML listing: which items to fetch, whether to read the next page.

    `since` is when the last finished run began (server time): everything modified before it was
    seen then. `announced` holds the articles whose modification the news sitemap already stated
    exactly; a listing's coarser time is not asked about them. `everything` (a first run, or
    `full=1`) fetches every item and pages on while there are items; the spider bounds it by
    `max_pages`. An ordinary run pages on as far as its rule says, which is as far as the site
    changed since the last run (a page per 20-40 changes): the spider bounds it by the article
    budget, and a page holding only items already listed on this walk's earlier pages ends it
    (a listing that repeats itself has nothing further to show).

    The label fragments (DAY_THEN_RANKING) are read one page deep on an ordinary run: their first
    page holds items 6-20 that the label's own page does not show; deeper, what changed since the
    last run is spread over every page of each day since then, and `/news-analysis` tells the same
    for every label, by time, at 25 items a request.
    """

    order: Order
    lookup: Lookup
    since: datetime | None = None
    announced: frozenset[str] = frozenset()
    everything: bool = False
    # MODIFIED without times: stored items seen so far that nothing below has yet shown changed,
    # as (stored `updated` to the minute, id), and their URLs.
    unresolved: list[tuple[datetime, str]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    # Ids listed on the pages walked so far (an ordinary run's walk).
    listed: set[str] = field(default_factory=set)
    # Stored articles whose `updated` fell outside the time the listing gave them.
    disagreed: int = 0
    # Stored items whose listed time ends after their page was served (the last run's day shown
    # as a date, past 3 days), in listing order: changed or not, only a page can tell. They are
    # held while one of them is fetched (`next_probe`): the listing is ordered by modification,
    # so its `updated` decides those above and below it (`probed`). `floor`: no item below a
    # probe was modified after it; `ruled_out`: held items not fetched for it.
    held: list[tuple[ListingItem, datetime]] = field(default_factory=list)
    probing: int | None = None  # the probe's place among the held items, while it is under way
    floor: datetime | None = None
    ruled_out: int = 0
    probes_in_vain: int = 0
    gave_up: bool = False

    def consider(self, items: list[ListingItem]) -> tuple[list[ListingItem], bool]:
        """(the items of a page to fetch, whether the next page may hold more)."""
        if self.everything:
            return items, bool(items)
        ids = {item.news_id for item in items}
        if ids <= self.listed:
            return [], False
        self.listed |= ids
        if self.order is Order.CREATED:
            wanted = [item for item in items if self.lookup(item.news_id) is None]
            return wanted, bool(items) and len(wanted) == len(items)
        if self.order is Order.MODIFIED and not any(item.modified for item in items):
            wanted = self._by_order(items)
            return wanted, bool(wanted)
        wanted = [item for item in items if self._may_have_changed(item) and not self._held(item)]
        if self.order is Order.DAY_THEN_RANKING or not items:
            return wanted, False
        if self.floor is not None and self.since is not None and self.floor <= self.since:
            return wanted, False  # a probe showed nothing below it changed since the last run
        latest = self._latest(items[-1])
        return wanted, self.since is None or latest is None or latest > self.since

    def _held(self, item: ListingItem) -> bool:
        """Whether a wanted item waits for a probe (or was ruled out by one) instead of being
        fetched now: a stored item served before its listed time ends, in a MODIFIED walk."""
        stored = self.lookup(item.news_id)
        if self.order is not Order.MODIFIED or self.gave_up or stored is None:
            return False
        span = item.modified
        if stored.served is None or span is None or span.earliest > stored.served:
            return False  # not known, or changed after it was served for certain
        if self.floor is not None and stored.served >= self.floor:
            self.ruled_out += 1
            return True
        self.held.append((item, stored.served))
        return True

    def next_probe(self) -> ListingItem | None:
        """The middle of the held items, to be fetched now, unless one is under way already."""
        if self.probing is not None or not self.held:
            return None
        self.probing = len(self.held) // 2
        return self.held.pop(self.probing)[0]

    def skip(self) -> None:
        """The probe is fetched already, its answer not at hand: on to the next."""
        self.probing = None

    def probed(self, updated: datetime | None) -> list[ListingItem]:
        """The probe answered with its page's `updated` (None: it failed, or was no article).
        Held items above it were modified no earlier: those served before that changed, to be
        fetched (returned). Held items below it were modified no later: those served after that
        are unchanged, ruled out. So the probes cut the held items in halves, and cost a few
        requests where the plain way fetched every one. When they do not pay (a failure, or
        PROBES_IN_VAIN in a row that decide nothing: the listing's order is not the pages'
        `updated` after all, inferred in docs/site.md §3), every held item is returned."""
        above, below = self.held[: self.probing], self.held[self.probing :]
        self.probing = None
        if updated is None:
            return self._give_up()
        minute = updated.replace(second=0, microsecond=0)
        bound = minute + timedelta(minutes=1)
        # Items still to come are listed below every probe: the lowest bound holds for them.
        self.floor = bound if self.floor is None else min(self.floor, bound)
        changed = [item for item, served in above if served < minute]
        self.held = [(item, served) for item, served in above if served >= minute]
        self.held += [(item, served) for item, served in below if served < bound]
        ruled_out = len(above) + len(below) - len(changed) - len(self.held)
        self.ruled_out += ruled_out
        decided = bool(changed or ruled_out)
        self.probes_in_vain = 0 if decided or not (above or below) else self.probes_in_vain + 1
        if self.probes_in_vain >= PROBES_IN_VAIN:
            return changed + self._give_up()
        return changed

    def _give_up(self) -> list[ListingItem]:
        self.gave_up = True
        released, self.held = [item for item, _ in self.held], []
        return released

    def _latest(self, item: ListingItem) -> datetime | None:
        """The latest moment the item may have been modified: the end of its listed time; for a
        stored article whose page was served after that end, the stored `updated` (to the
        minute), which is then its last modification. The listing is ordered by modification,
        so nothing below the item is later: a coarse "Yesterday" (a span of a day) would
        otherwise keep a walk going through a whole day that the last run already saw."""
        span = item.modified
        if span is None:
            return None
        stored = self.lookup(item.news_id)
        if self.disagreed or stored is None or stored.served is None or span.latest > stored.served:
            return span.latest
        updated = stored.updated.replace(second=0, microsecond=0)
        if not span.earliest - timedelta(minutes=1) <= updated <= span.latest:
            # The listing's time and the page's disagree (a clock 5 h 30 off, an order not by
            # modification): from here on the listed spans alone bound the walk. The fine times
            # ("About 3 hours ago") come first, so an offset shows before the coarse "Yesterday".
            self.disagreed += 1
            return span.latest
        return updated + timedelta(minutes=1)

    def _may_have_changed(self, item: ListingItem) -> bool:
        stored = self.lookup(item.news_id)
        if stored is None:
            return True
        if item.news_id in self.announced or item.modified is None:
            return False
        # Modified after both what the store holds and the last run's start, to the minute.
        latest = item.modified.latest
        if stored.served is not None and latest <= stored.served:
            # The stored revision was served after the latest moment the listing's time allows:
            # it holds that modification. A coarse time ("Yesterday" spans a day) straddles the
            # last run's start for a whole day of articles, which this alone tells unchanged.
            return False
        return latest > stored.updated + timedelta(minutes=1) and (
            self.since is None or latest > self.since
        )

    def _by_order(self, items: Iterable[ListingItem]) -> list[ListingItem]:
        """New items, and stored items shown changed by a stored item below them that was last
        updated later (to the minute: the byline, where `updated` comes from, has no seconds)."""
        wanted = []
        for item in items:
            stored = self.lookup(item.news_id)
            if stored is None:
                wanted.append(item)
                continue
            minute = stored.updated.replace(second=0, microsecond=0)
            changed = [news_id for when, news_id in self.unresolved if when < minute]
            self.unresolved = [(w, n) for w, n in self.unresolved if w >= minute]
            self.unresolved.append((minute, item.news_id))
            wanted += [ListingItem(news_id, self.urls.pop(news_id)) for news_id in changed]
            self.urls[item.news_id] = item.url
        return wanted
