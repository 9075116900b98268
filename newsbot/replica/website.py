"""ReplicaSite: a deterministic devdiscourse.com, derived on demand from (seed, articles, now).

The site has a clock (`now`) that tests move with `advance()`. Everything served and every
expected record is a pure function of (seed, articles, initial now, current now): the timeline
of articles and of their updates is fixed when the site is built (the past) or extended lazily
from its own random stream (the future), so any path of advances to the same moment yields the
same site. See `ReplicaSite` for the rules.
"""

import bisect
import hashlib
import random
import threading
from array import array
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import accumulate

from newsbot.replica.article_page import (
    amp_tag_order,
    render_amp_page,
    render_article_page,
)
from newsbot.replica.content import (
    BLOG,
    LABELS,
    MARKUP_WEIGHTS,
    SOURCE_WEIGHTS,
    SOURCES,
    generate,
    headline,
    revise,
)
from newsbot.replica.faults import ARTICLE_MODES, DROP_REASONS, FaultPlan
from newsbot.replica.faults import expected_outcome as _expected_outcome
from newsbot.replica.model import ArticleData, expected_record
from newsbot.replica.seed_article import PINNED_SEED_ID, seed_article
from newsbot.replica.text import PRODUCTION, enc, js_slug, slug

DEFAULT_NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
NEWEST_ID_BASE = 3_990_000
PINNED_OTHER_ID = 806669
PINNED_IDS = (PINNED_OTHER_ID, PINNED_SEED_ID)
NO_LABEL_CODE = 255
# Ids served only by the decoy host; never below the replica's own ids.
DECOY_ID_BASE = 4_500_000
_TEASER = (
    "Following is a summary of the story and the latest developments as reported by our "
    "correspondents and partner agencies; read the full article on Devdiscourse..."
)
ALIAS_FORMS = ("canonical", "js", "wrong-label", "agency-wire", "bare", "detail", "absolute", "amp")

# The update schedule: a share of articles gets one or two updates (each a new `Updated:` time
# and a changed body), the first 5 min to 36 h after creation, a second 5 min to 6 h later.
UPDATE_SHARE = 0.25
SECOND_UPDATE_SHARE = 0.3
MIN_UPDATE_GAP = 300
MAX_UPDATE_DELAY = 129_600 + 21_600  # the latest any update comes after creation (42 h)
SITEMAP_DAYS = 2.5
SITEMAP_CAP = 500
BREAKAGES = (None, "http500", "no_dates")


def _cumulative(weights: tuple[tuple[str, int], ...]) -> list[int]:
    return list(accumulate(weight for _, weight in weights))


def _update_schedule(rng: random.Random, created: int) -> tuple[int, int]:
    """(first, second) update times of an article created at `created`; 0 means none."""
    if rng.random() >= UPDATE_SHARE:
        return 0, 0
    roll = rng.random()
    if roll < 0.5:
        delay = rng.randint(MIN_UPDATE_GAP, 5400)
    elif roll < 0.8:
        delay = rng.randint(5400, 43_200)
    else:
        delay = rng.randint(43_200, 129_600)
    first = created + delay
    if rng.random() >= SECOND_UPDATE_SHARE:
        return first, 0
    return first, first + rng.randint(MIN_UPDATE_GAP, 21_600)


def _timestamp(moment: datetime) -> int:
    """Whole seconds: an article created at second s exists from s on."""
    if moment.tzinfo is None:
        raise ValueError("the clock is timezone-aware (UTC)")
    return int(moment.timestamp() // 1)


class _Timeline:
    """Every article that ever exists on one site, in creation order, with its update times.

    Positions are stable: the past is built once, the future is only ever appended to (under
    `lock`) from its own random stream, so what exists at a moment never depends on the path.
    """

    def __init__(self, seed: int, count: int, epoch: int) -> None:
        self.seed = seed
        self.epoch = epoch
        self.lock = threading.Lock()
        self.ids = array("q")
        self.created = array("q")
        self.first_update = array("q")
        self.second_update = array("q")
        self.labels = bytearray()
        self.sources = bytearray()
        self.markups = bytearray()
        self.by_source: dict[int, list[int]] = {code: [] for code in range(len(SOURCES))}
        self.by_label: dict[int, list[int]] = {}
        self._source_cum = _cumulative(SOURCE_WEIGHTS)
        self._markup_cum = _cumulative(MARKUP_WEIGHTS)
        self._build_past(count)
        self._future = random.Random(f"{seed}:future")
        self._future_updates = random.Random(f"{seed}:updates:future")
        self._pending: tuple[int, int, int, int, int, int, int] | None = None
        self.pinned = {PINNED_SEED_ID: seed_article(), PINNED_OTHER_ID: self._pinned_other()}
        self.base = lru_cache(maxsize=4096)(self._generate)
        self.revised = lru_cache(maxsize=4096)(self._revise)

    # -- building ------------------------------------------------------------------------------

    def _draw_kind(self, rng: random.Random) -> tuple[int, int, int]:
        label = NO_LABEL_CODE if rng.random() < 0.1 else rng.randrange(len(LABELS))
        source = bisect.bisect_right(self._source_cum, rng.randrange(self._source_cum[-1]))
        markup = bisect.bisect_right(self._markup_cum, rng.randrange(self._markup_cum[-1]))
        return label, source, markup

    def _build_past(self, count: int) -> None:
        """Walk back from the epoch: one article every 60-120 s, with bursts, ids ascending."""
        rng = random.Random(f"{self.seed}:index")
        updates = random.Random(f"{self.seed}:updates")
        news_id = NEWEST_ID_BASE + rng.randrange(5000)
        moment = self.epoch - rng.randint(5, 120)
        rows = []
        for _ in range(count):
            # The index stream once drew an initial `updated` delay; drawn still, so that ids,
            # times, labels and sources stay those of earlier versions of the replica.
            roll = rng.random()
            if 0.4 <= roll < 0.85:
                rng.randint(60, 5400)
            elif roll >= 0.85:
                rng.randint(7200, 172_800)
            label, source, markup = self._draw_kind(rng)
            first, second = _update_schedule(updates, moment)
            rows.append((news_id, moment, first, second, label, source, markup))
            news_id -= 1 + (rng.randrange(1, 4) if rng.random() < 0.3 else 0)
            burst = rng.random() < 0.15
            moment -= rng.randint(5, 30) if burst else rng.randint(60, 120)
        for row in reversed(rows):
            self._append(row)

    def _append(self, row: tuple[int, int, int, int, int, int, int]) -> None:
        news_id, created, first, second, label, source, markup = row
        position = len(self.ids)
        self.ids.append(news_id)
        self.created.append(created)
        self.first_update.append(first)
        self.second_update.append(second)
        self.labels.append(label)
        self.sources.append(source)
        self.markups.append(markup)
        self.by_source[source].append(position)
        self.by_label.setdefault(label, []).append(position)

    def _next_future(self) -> tuple[int, int, int, int, int, int, int]:
        """The article after the newest one: same rate, bursts and id gaps as the past."""
        rng = self._future
        if self.ids:
            last_id, last_created = self.ids[-1], self.created[-1]
        else:
            last_id, last_created = NEWEST_ID_BASE, self.epoch
        news_id = last_id + 1 + (rng.randrange(1, 4) if rng.random() < 0.3 else 0)
        burst = rng.random() < 0.15
        created = last_created + (rng.randint(5, 30) if burst else rng.randint(60, 120))
        # `articles=N` means N articles exist at the epoch: the future starts after it.
        created = max(created, self.epoch + 1)
        label, source, markup = self._draw_kind(rng)
        first, second = _update_schedule(self._future_updates, created)
        return news_id, created, first, second, label, source, markup

    def extend_to(self, moment: int) -> None:
        """Append every future article created at or before `moment` (idempotent)."""
        if self._pending is not None and self._pending[1] > moment:
            return
        with self.lock:
            while True:
                row = self._pending or self._next_future()
                if row[1] > moment:
                    self._pending = row
                    return
                self._pending = None
                self._append(row)

    def count_at(self, moment: int) -> int:
        """How many (non-pinned) articles exist at `moment`."""
        if moment > self.epoch:
            self.extend_to(moment)
        return bisect.bisect_right(self.created, moment)

    # -- per article ---------------------------------------------------------------------------

    def position(self, news_id: int, count: int) -> int | None:
        index = bisect.bisect_left(self.ids, news_id, 0, count)
        if index < count and self.ids[index] == news_id:
            return index
        return None

    def update_times(self, position: int, moment: int) -> list[int]:
        """The update times of the article at `position` that are not after `moment`."""
        return [
            t
            for t in (self.first_update[position], self.second_update[position])
            if t and t <= moment
        ]

    def modified(self, position: int, moment: int) -> int:
        first, second = self.first_update[position], self.second_update[position]
        if second and second <= moment:
            return second
        if first and first <= moment:
            return first
        return self.created[position]

    def label_of(self, position: int) -> str | None:
        code = self.labels[position]
        return None if code == NO_LABEL_CODE else LABELS[code]

    def link(self, position: int, form: str) -> str:
        """A link to the article at `position` in one of the alias forms the site prints."""
        news_id = self.ids[position]
        title = headline(self.seed, news_id)
        label = self.label_of(position)
        canonical = f"/article/{label or 'agency-wire'}/{slug(news_id, title)}"
        if form == "js":
            return f"/article/{label or 'agency-wire'}/{js_slug(news_id, title)}"
        if form == "wrong-label":
            wrong = LABELS[(LABELS.index(label) + 1) % len(LABELS)] if label else "headlines"
            return f"/article/{wrong}/{slug(news_id, title)}"
        if form == "agency-wire":
            return f"/article/agency-wire/{slug(news_id, title)}"
        if form == "bare":
            return f"/article/{slug(news_id, title)}"
        if form == "detail":
            return f"/Home/Detail/{guid(self.seed, news_id)}"
        if form == "absolute":
            return PRODUCTION + canonical
        if form == "amp":
            return canonical + "?amp"
        return canonical

    def _pinned_other(self) -> ArticleData:
        created = datetime(2020, 2, 28, 9, 13, 27, tzinfo=UTC)
        return generate(
            self.seed,
            PINNED_OTHER_ID,
            created,
            created + timedelta(minutes=41, seconds=5),
            "health",
            "Reuters",
            "pre2023",
            [],
        )

    def _generate(self, position: int) -> ArticleData:
        """The article as first published (revision 0), whatever the clock."""
        news_id = self.ids[position]
        rng = random.Random(f"{self.seed}:{news_id}:links")
        # Links in the story point at older articles only: they exist whenever this one does.
        links = [self.link(rng.randrange(max(1, position)), "canonical") for _ in range(3)]
        created = datetime.fromtimestamp(self.created[position], UTC)
        return generate(
            self.seed,
            news_id,
            created,
            created,
            self.label_of(position),
            SOURCES[self.sources[position]],
            MARKUP_WEIGHTS[self.markups[position]][0],
            links,
        )

    def _revise(self, position: int, revision: int) -> ArticleData:
        """The article after its first `revision` updates (0: as first published)."""
        base = self.base(position)
        if revision == 0:
            return base
        previous = self.revised(position, revision - 1)
        updated = (self.first_update, self.second_update)[revision - 1][position]
        return replace(
            previous,
            blocks=revise(previous.blocks, self.seed, base.news_id, revision),
            updated=datetime.fromtimestamp(updated, UTC),
        )


def guid(seed: int, news_id: int) -> str:
    """The legacy `/Home/Detail/<GUID>` key; its last group carries the id for the lookup."""
    digest = hashlib.md5(f"{seed}:guid:{news_id}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{news_id:012x}"


class ReplicaSite:
    """The articles and pages of the replica at the moment `now`. Nothing is rendered until asked.

    The clock:
    - `now` (aware UTC datetime; settable) and `advance(delta)` / `advance(hours=2)` move it
      (backwards too). The state at a moment depends only on (seed, articles, initial now) and
      that moment. `state_at(moment)` is a view of the same site at another moment (sharing
      caches; `advance` on it moves the view only).
    - `articles=N` articles exist at the initial `now` (plus the two pinned old ones); later
      articles appear at the site's rate (about 45 an hour, in bursts), ids ascending.
    - About 25 % of articles get one update (30 % of those a second one): the first 5 min to
      36 h after creation, the second 5 min to 6 h after the first. An update sets `Updated:`
      (byline, itemprop dateModified, JSON-LD, sitemap lastmod) and changes the story (a
      paragraph appended or inserted after the lead, or the lead extended).
    - `expected_record(id)` is the record of the version current at `now`; `revisions(id)` the
      record of every version up to `now`, oldest first; `changes_between(t1, t2)` says which
      articles a crawler that ran at t1 must publish (again) at t2.

    `breakage` (None, "http500" or "no_dates") is consulted per request; see BREAKAGES.

    Faults (faults.py): `faults={"500_once": 0.03, "404": [3990123], ...}` or `site.faults = ...`
    make chosen articles and discovery pages misbehave, deterministically by (seed, id or path).
    The truth: `fault_of(id)`, `fault_targets(mode)`, `expected_outcome(id)`, `healthy_ids()`.
    """

    def __init__(
        self,
        articles: int = 300,
        seed: int = 1,
        decoy_url: str | None = None,
        now: datetime = DEFAULT_NOW,
        faults: dict | None = None,
        decoy_port_url: str | None = None,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.seed = seed
        self.decoy_url = decoy_url.rstrip("/") if decoy_url else None
        # Another port of 127.0.0.1: the target of the `redirect_other_port` fault.
        self.decoy_port_url = decoy_port_url.rstrip("/") if decoy_port_url else None
        # Knobs of the fault modes (faults.py); read per request.
        self.slow_seconds = 3.0
        self.retry_after_seconds = 2
        self.huge_bytes = 10 * 1024 * 1024
        self.junk_link_count = 100_000
        self.many_tags_count = 3000
        self._breakage: str | None = None
        self._clock_lock = threading.Lock()
        self._timeline = _Timeline(seed, articles, _timestamp(now))
        self._pinned = self._timeline.pinned
        self._article = self._timeline.revised
        self._clock = self._clock_at(now)
        self._fault_plan = FaultPlan(faults, seed, self._pinned)

    # -- the clock ---------------------------------------------------------------------------

    def _clock_at(self, moment: datetime) -> tuple[datetime, int, int]:
        if moment.tzinfo is None:
            raise ValueError("the clock is timezone-aware (UTC)")
        moment = moment.astimezone(UTC)
        stamp = _timestamp(moment)
        return moment, stamp, self._timeline.count_at(stamp)

    @property
    def now(self) -> datetime:
        return self._clock[0]

    @now.setter
    def now(self, moment: datetime) -> None:
        self.set_now(moment)

    @property
    def initial_now(self) -> datetime:
        """The moment at which exactly `articles` articles exist."""
        return datetime.fromtimestamp(self._timeline.epoch, UTC)

    def set_now(self, moment: datetime) -> datetime:
        """Move the clock to `moment` (aware); thread-safe against the serving thread."""
        clock = self._clock_at(moment)
        with self._clock_lock:
            self._clock = clock
        return clock[0]

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move the clock forward: `advance(timedelta(hours=2))` or `advance(minutes=90)`."""
        step = (delta or timedelta()) + timedelta(**units)
        with self._clock_lock:
            clock = self._clock_at(self._clock[0] + step)
            self._clock = clock
        return clock[0]

    def state_at(self, moment: datetime) -> "ReplicaSite":
        """The same site seen at `moment`: a cheap view sharing the timeline and caches."""
        view = self.snapshot()
        view._clock = self._clock_at(moment)
        return view

    def snapshot(self) -> "ReplicaSite":
        """A view frozen at the current clock and breakage (one per request)."""
        view = object.__new__(ReplicaSite)
        view.__dict__.update(self.__dict__)
        view._clock_lock = threading.Lock()
        return view

    @property
    def breakage(self) -> str | None:
        return self._breakage

    @breakage.setter
    def breakage(self, mode: str | None) -> None:
        if mode not in BREAKAGES:
            raise ValueError(f"unknown breakage {mode!r}; one of {BREAKAGES}")
        self._breakage = mode

    # -- faults ---------------------------------------------------------------------------------

    @property
    def faults(self) -> dict:
        """The fault configuration: mode -> rate or list of targets (a copy)."""
        return dict(self._fault_plan.config)

    @faults.setter
    def faults(self, config: dict | None) -> None:
        """Replace the configuration; the per-URL hit counters start again from zero."""
        self._fault_plan = FaultPlan(config, self.seed, self._pinned)

    def fault_of(self, news_id: str | int) -> str | None:
        """The article-level fault of an article (None: served healthy)."""
        return self._fault_plan.article_fault(int(news_id))

    def path_fault(self, path: str) -> str | None:
        """The discovery-level fault of a path (sitemaps, listings), case-insensitive."""
        return self._fault_plan.path_fault(path)

    def fault_targets(self, mode: str) -> list[str]:
        """Ids existing at `now` with article fault `mode` (ascending), or paths of a discovery
        mode."""
        if mode in ARTICLE_MODES:
            return [i for i in self.ids() if self._fault_plan.article_fault(int(i)) == mode]
        return self._fault_plan.path_targets(mode)

    def expected_outcome(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False
    ) -> tuple[str, dict | str]:
        """("record", the exact record of the page as served with its fault, minus
        `crawled_at`) or ("dropped", reason) with reason one of faults.REASONS."""
        return _expected_outcome(self, int(news_id), variant, bot)

    def healthy_ids(self) -> list[str]:
        """The ids (existing at `now`) a correct crawler must write: expected_outcome "record"."""
        plan = self._fault_plan
        return [i for i in self.ids() if plan.article_fault(int(i)) not in DROP_REASONS]

    def fault_hits(self, target: str) -> int:
        """How many requests a faulted article URL (path and query as sent) has had."""
        return self._fault_plan.hits(target)

    def fault_hit(self, target: str) -> int:
        """Count one request for `target`; returns the count including it (thread-safe)."""
        return self._fault_plan.hit(target)

    def render_data(
        self, data: ArticleData, variant: str = "desktop", bot: bool = False, dates: bool = True
    ) -> str:
        """The page of any article data with this site's links (and its `breakage`)."""
        dates = dates and self._breakage != "no_dates"
        if variant == "amp":
            return render_amp_page(data, bot, dates=dates)
        if variant != "desktop":
            raise ValueError(f"unknown variant {variant!r}")
        return render_article_page(data, data.markup, bot, self, dates=dates)

    @property
    def _count(self) -> int:
        return self._clock[2]

    # -- index -------------------------------------------------------------------------------

    def _position(self, news_id: int) -> int | None:
        return self._timeline.position(news_id, self._count)

    def _position_of(self, news_id: int) -> int:
        position = self._position(news_id)
        if position is None:
            raise KeyError(news_id)
        return position

    def label_of(self, position: int) -> str | None:
        return self._timeline.label_of(position)

    def source_of(self, position: int) -> str:
        return SOURCES[self._timeline.sources[position]]

    def created_of(self, position: int) -> datetime:
        return datetime.fromtimestamp(self._timeline.created[position], UTC)

    def id_at(self, position: int) -> int:
        return self._timeline.ids[position]

    def __len__(self) -> int:
        return self._count + len(self._pinned)

    # -- public API ---------------------------------------------------------------------------

    def ids(self) -> list[str]:
        """Every id that exists at `now`, ascending (the two pinned old ones first)."""
        pinned = [str(i) for i in sorted(self._pinned)]
        return pinned + [str(i) for i in self._timeline.ids[: self._count]]

    def has(self, news_id: int) -> bool:
        return news_id in self._pinned or self._position(news_id) is not None

    def revision(self, news_id: str | int) -> int:
        """How many updates of the article happened by `now` (0: as first published)."""
        news_id = int(news_id)
        if news_id in self._pinned:
            return 0
        return len(self._timeline.update_times(self._position_of(news_id), self._clock[1]))

    def article(self, news_id: str | int) -> ArticleData:
        """The article as it is at `now`."""
        news_id = int(news_id)
        if news_id in self._pinned:
            return self._pinned[news_id]
        position = self._position_of(news_id)
        return self._article(position, len(self._timeline.update_times(position, self._clock[1])))

    def versions(self, news_id: str | int) -> list[ArticleData]:
        """Every version of the article published by `now`, oldest first."""
        news_id = int(news_id)
        if news_id in self._pinned:
            return [self._pinned[news_id]]
        position = self._position_of(news_id)
        updates = self._timeline.update_times(position, self._clock[1])
        return [self._article(position, number) for number in range(len(updates) + 1)]

    def expected_record(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False
    ) -> dict:
        """The record of the version current at `now` (what a healthy page yields)."""
        data = self.article(news_id)
        return expected_record(data, variant, bot, amp_tag_order(data))

    def revisions(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False
    ) -> list[dict]:
        """The expected record of every version that exists at `now`, oldest first."""
        return [
            expected_record(data, variant, bot, amp_tag_order(data))
            for data in self.versions(news_id)
        ]

    def changes_between(self, earlier: datetime, later: datetime) -> dict[str, list[str]]:
        """What a crawler that saw the site complete at `earlier` must publish at `later`.

        "new": ids created in (earlier, later]; "updated": ids that existed at `earlier` and
        were updated in (earlier, later]. Both ascending. Independent of `now`.
        """
        start, end = _timestamp(earlier), _timestamp(later)
        timeline = self._timeline
        first_new = timeline.count_at(start)
        last_new = timeline.count_at(end)
        new = [str(i) for i in timeline.ids[first_new:last_new]]
        updated = []
        oldest = bisect.bisect_left(timeline.created, start - MAX_UPDATE_DELAY, 0, first_new)
        for position in range(oldest, first_new):
            if any(
                start < moment <= end
                for moment in (timeline.first_update[position], timeline.second_update[position])
            ):
                updated.append(str(timeline.ids[position]))
        return {"new": new, "updated": updated}

    def render_article(
        self,
        news_id: str | int,
        variant: str = "desktop",
        bot: bool = False,
        markup: str | None = None,
    ) -> str:
        """The page as served at `now`, including the effect of `breakage`."""
        data = self.article(news_id)
        dates = self._breakage != "no_dates"
        if variant == "amp":
            return render_amp_page(data, bot, dates=dates)
        if variant != "desktop":
            raise ValueError(f"unknown variant {variant!r}")
        return render_article_page(data, markup or data.markup, bot, self, dates=dates)

    def canonical_url(self, news_id: str | int) -> str:
        return self.article(news_id).canonical_url

    # -- links ----------------------------------------------------------------------------------

    def title_of(self, news_id: int) -> str:
        if news_id in self._pinned:
            return self._pinned[news_id].title
        return headline(self.seed, news_id)

    def section_of(self, news_id: int) -> str:
        if news_id in self._pinned:
            return self._pinned[news_id].section
        return self.label_of(self._position_of(news_id)) or "agency-wire"

    def canonical_path(self, news_id: int) -> str:
        return f"/article/{self.section_of(news_id)}/{slug(news_id, self.title_of(news_id))}"

    def guid(self, news_id: int) -> str:
        return guid(self.seed, news_id)

    def decoy_guid(self) -> str:
        digest = hashlib.md5(f"{self.seed}:decoy".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    def id_for_guid(self, guid: str) -> int | None:
        guid = guid.lower()
        try:
            news_id = int(guid.rsplit("-", 1)[-1], 16)
        except ValueError:
            return None
        return news_id if self.has(news_id) and self.guid(news_id) == guid else None

    def decoy_article_url(self, number: int = 0) -> str | None:
        if not self.decoy_url:
            return None
        return (
            f"{self.decoy_url}/article/international/{DECOY_ID_BASE + number}-story-on-another-host"
        )

    def link(self, position: int, form: str) -> str:
        """A link to the article at `position` in one of the alias forms the site prints."""
        return self._timeline.link(position, form)

    def _random_position(self, rng: random.Random) -> int:
        return rng.randrange(self._count)

    def also_read(self, news_id: int) -> list[tuple[str, str]]:
        """ALSO READ: other articles under every alias form, plus decoy links on some pages."""
        rng = random.Random(f"{self.seed}:{news_id}:also")
        links = []
        for _ in range(rng.randint(4, 6)):
            position = self._random_position(rng)
            title = headline(self.seed, self.id_at(position))
            links.append((self.link(position, rng.choice(ALIAS_FORMS)), title))
        if self.decoy_url and rng.random() < 0.2:
            links.append((self.decoy_article_url(rng.randrange(50)), "A story on another host"))
            links.append((f"/Home/Detail/{self.decoy_guid()}", "An old story that moved away"))
        return links

    def newest_positions(self, count: int) -> list[int]:
        return list(range(self._count - 1, max(-1, self._count - 1 - count), -1))

    def blog_positions(self) -> list[int]:
        return self.positions_of_source(BLOG)

    def sidebar(self, news_id: int) -> str:
        """TRENDING, Latest News and OPINION / BLOG / INTERVIEW blocks."""
        rng = random.Random(f"{self.seed}:{news_id}:sidebar")
        trending = [self._random_position(rng) for _ in range(5)]
        most_read = [self._random_position(rng) for _ in range(5)]
        blogs = self.blog_positions()
        opinion = [rng.choice(blogs) for _ in range(4)] if blogs else []
        return "".join(
            [
                self._sidebar_block("TRENDING", trending, rng, teaser=False),
                self._sidebar_block("OPINION / BLOG / INTERVIEW", opinion, rng, teaser=True),
                '<div class="sidebar-block"><h2 class="section-title3">Videos</h2><a href="/news/'
                'videos/1" class="text-decoration">Watch the latest development videos</a></div>',
                self._sidebar_block("Latest News", self.newest_positions(5), rng, teaser=True),
                self._sidebar_block("MOST READ", most_read, rng, teaser=True),
            ]
        )

    def _sidebar_block(
        self, heading: str, positions: list[int], rng: random.Random, teaser: bool
    ) -> str:
        items = []
        for position in positions:
            news_id = self.id_at(position)
            title = enc(headline(self.seed, news_id))
            form = rng.choice(("canonical", "canonical", "absolute", "js", "amp"))
            extra = f"<p>{title}. {_TEASER}</p>" if teaser else ""
            thumb = f"https://devdiscourse.blob.core.windows.net/devnews/thumb_{news_id}.jpg"
            items.append(
                f'<div class="media"><div class="media-left"><img data-src="{thumb}" '
                f'alt="{title}" class="lazyload media-object" width="96" height="64"></div>'
                '<div class="media-body">'
                f'<a href="{enc(self.link(position, form))}" class="text-decoration"><h3 class='
                f'"trend-title">{title}</h3></a>{extra}</div></div>'
            )
        heading_html = f'<h2 class="section-title3">{heading}</h2>'
        return f'<div class="sidebar-block">{heading_html}{"".join(items)}</div>'

    # -- queries for listings and sitemaps ------------------------------------------------------

    def _visible(self, positions: list[int]) -> list[int]:
        """The part of an ascending position list that exists at `now`."""
        return positions[: bisect.bisect_left(positions, self._count)]

    def window(self, positions: list[int], days: float) -> list[int]:
        """Positions created within `days` before now (and not after it), newest first."""
        cutoff = _timestamp(self.now - timedelta(days=days))
        created = self._timeline.created
        end = bisect.bisect_left(positions, self._count)
        start = bisect.bisect_left(positions, cutoff, 0, end, key=lambda p: created[p])
        return positions[start:end][::-1]

    def positions_of_source(self, source: str) -> list[int]:
        if source not in SOURCES:
            return []
        return self._visible(self._timeline.by_source[SOURCES.index(source)])

    def positions_of_label(self, label: str) -> list[int]:
        if label == "agency-wire":
            code = NO_LABEL_CODE
        elif label in LABELS:
            code = LABELS.index(label)
        else:
            return []
        return self._visible(self._timeline.by_label.get(code, []))

    def created_at(self, news_id: int) -> datetime:
        if news_id in self._pinned:
            return self._pinned[news_id].created
        return self.created_of(self._position_of(news_id))

    def pinned_ids(self) -> list[int]:
        return list(PINNED_IDS)

    def sitemap_positions(self) -> list[int]:
        """Created within 2.5 days, newest modified first (ties: newest id), at most 500."""
        timeline, moment = self._timeline, self._clock[1]
        cutoff = _timestamp(self.now - timedelta(days=SITEMAP_DAYS))
        start = bisect.bisect_left(timeline.created, cutoff, 0, self._count)
        recent = range(start, self._count)
        keyed = sorted(((timeline.modified(p, moment), p) for p in recent), reverse=True)
        return [p for _, p in keyed[:SITEMAP_CAP]]
