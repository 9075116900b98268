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
    render_live_blog_page,
)
from newsbot.replica.chrome import EDITIONS
from newsbot.replica.content import (
    BLOG,
    LABELS,
    MARKUP_WEIGHTS,
    NEWS_DESK,
    SOURCE_WEIGHTS,
    SOURCES,
    UpdatePlan,
    as_live_blog,
    generate,
    headline,
    is_live_blog_id,
    live_schedule,
    revise,
    update_content,
)
from newsbot.replica.faults import ARTICLE_MODES, DROP_REASONS, FaultPlan
from newsbot.replica.faults import expected_outcome as _expected_outcome
from newsbot.replica.model import KINDS, LIVE_BLOG, ArticleData, Update, expected_record
from newsbot.replica.seed_article import PINNED_SEED_ID, seed_article
from newsbot.replica.text import IST, PRODUCTION, enc, slug

DEFAULT_NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
LABEL_DAYS = 10
ANALYSIS_FIRST_DAYS = 2
ANALYSIS_DAYS = 15
ANALYSIS_PER_PAGE = 25
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
# The forms in which the site's own pages print links to its articles (docs/site.md §3, §8.1): the
# canonical path, or the same as an absolute URL. Other forms it answers (wrong labels, JS slugs,
# `agency-wire`, legacy GUIDs) it does not print.
LINK_FORMS = ("canonical", "absolute")
BLOG_KIND = KINDS.index("Blog")
NEWS_KIND = KINDS.index("News")
LIVE_KIND = KINDS.index(LIVE_BLOG)
EDITION_NAMES = tuple(EDITIONS.values())

# The update schedule: a share of articles gets one or two updates (each a new `Updated:` time
# and a changed body), the first 5 min to 36 h after creation, a second 5 min to 6 h later.
UPDATE_SHARE = 0.25
SECOND_UPDATE_SHARE = 0.3
MIN_UPDATE_GAP = 300
# The latest any update comes after creation (42 h); a live blog's last change comes within
# 32 h (content.COVERAGE_SECONDS, then one last burst and its edit).
MAX_UPDATE_DELAY = 129_600 + 21_600
# The news sitemap lists articles created since 12:00 server time (IST) two days before today
# (docs/site.md §3), 500 at most.
SITEMAP_START_DAYS = 2
SITEMAP_START_HOUR = 12
SITEMAP_CAP = 500
BREAKAGES = (None, "http500", "no_dates")
# The publishing rate (about 1,000 articles a day, as on the live site: docs/site.md §3): gaps of
# 60-120 s between articles, 15 % of them 5-30 s (bursts), each divided by the hour's weight in
# the day (IST): the desks publish most in Indian daytime, least at night. The weights average 1,
# so a day holds about 1,090 articles whatever the profile.
DIURNAL_WEIGHTS = (
    0.35, 0.3, 0.3, 0.3, 0.35, 0.5,  # 00-05 IST
    0.8, 1.1, 1.4, 1.6, 1.7, 1.7,  # 06-11
    1.6, 1.6, 1.5, 1.5, 1.4, 1.3,  # 12-17
    1.2, 1.1, 1.0, 0.8, 0.6, 0.45,  # 18-23
)  # fmt: skip
_DIURNAL_MEAN = sum(DIURNAL_WEIGHTS) / len(DIURNAL_WEIGHTS)
_IST_OFFSET = 19_800
# Label and region listings hold only articles with a region ranking that are not sponsored
# (docs/site.md §3): these shares leave some articles out of every label listing.
RANKED_SHARE = 0.85
SPONSORED_SHARE = 0.04
MAX_RANKING = 50
DESK_BLOG_SHARE = 0.12
GLOBAL_EDITION = "Global Edition"
# robots.txt: None, the inferred default, is no route at all (404: everything allowed).
ROBOTS_STATES = (None, "allow_api", "disallow_api")
# /api/Search/GetAllNews and /api/Search/GetSubBlogs: served as specified, failing (500), or in
# a changed shape.
ALL_NEWS_STATES = ("ok", "error", "shape")


def _unit(seed: int, news_id: int, salt: str) -> float:
    """A number in [0, 1) fixed by (seed, id, salt): per-article facts that need no generator."""
    digest = hashlib.blake2b(f"{seed}:{news_id}:{salt}".encode(), digest_size=7).digest()
    return int.from_bytes(digest, "big") / (1 << 56)


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


def _gap(rng: random.Random, moment: int) -> int:
    """Seconds from an article (at `moment`) to its neighbour: bursty, denser in Indian daytime.
    Draws from `rng` exactly as the flat rate of earlier versions did, so ids, labels and sources
    are unchanged; only the times follow the day."""
    burst = rng.random() < 0.15
    gap = rng.randint(5, 30) if burst else rng.randint(60, 120)
    hour = (moment + _IST_OFFSET) // 3600 % 24
    return max(1, round(gap * _DIURNAL_MEAN / DIURNAL_WEIGHTS[hour]))


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
        self.kinds = bytearray()
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
        self.live_plans = lru_cache(maxsize=1024)(self._live_plans)
        self.live_events = lru_cache(maxsize=1024)(self._live_events)
        self.update = lru_cache(maxsize=16_384)(self._update)

    # -- building ------------------------------------------------------------------------------

    def _draw_kind(self, rng: random.Random) -> tuple[int, int, int]:
        label = NO_LABEL_CODE if rng.random() < 0.1 else rng.randrange(len(LABELS))
        source = bisect.bisect_right(self._source_cum, rng.randrange(self._source_cum[-1]))
        markup = bisect.bisect_right(self._markup_cum, rng.randrange(self._markup_cum[-1]))
        return label, source, markup

    def _build_past(self, count: int) -> None:
        """Walk back from the epoch at the site's rate (`_gap`), ids ascending."""
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
            moment -= _gap(rng, moment)
        for row in reversed(rows):
            self._append(row)

    def _append(self, row: tuple[int, int, int, int, int, int, int]) -> None:
        news_id, created, first, second, label, source, markup = row
        kind = self._draw_type(news_id, SOURCES[source])
        if kind == LIVE_KIND:
            # A live blog changes through its updates, not through edits of its page; an
            # author's post made a live blog is the News Desk's.
            first = second = 0
            if SOURCES[source] == BLOG:
                source = SOURCES.index(NEWS_DESK)
        position = len(self.ids)
        self.ids.append(news_id)
        self.created.append(created)
        self.first_update.append(first)
        self.second_update.append(second)
        self.labels.append(label)
        self.sources.append(source)
        self.markups.append(markup)
        self.kinds.append(kind)
        self.by_source[source].append(position)
        self.by_label.setdefault(label, []).append(position)

    def _draw_type(self, news_id: int, source: str) -> int:
        """A few ids are live blogs (content.is_live_blog_id); an author's post is a Blog, and so
        is a share of the News Desk's pieces (analyses), which its own listing then leaves out;
        everything else is News."""
        if is_live_blog_id(news_id):
            return LIVE_KIND
        if source == BLOG:
            return BLOG_KIND
        if source == NEWS_DESK and _unit(self.seed, news_id, "type") < DESK_BLOG_SHARE:
            return BLOG_KIND
        return NEWS_KIND

    def _next_future(self) -> tuple[int, int, int, int, int, int, int]:
        """The article after the newest one: same rate, bursts and id gaps as the past."""
        rng = self._future
        if self.ids:
            last_id, last_created = self.ids[-1], self.created[-1]
        else:
            last_id, last_created = NEWEST_ID_BASE, self.epoch
        news_id = last_id + 1 + (rng.randrange(1, 4) if rng.random() < 0.3 else 0)
        created = last_created + _gap(rng, last_created)
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

    def is_live(self, position: int) -> bool:
        return self.kinds[position] == LIVE_KIND

    def event_times(self, position: int) -> tuple[int, ...]:
        """Every moment the article changes, ascending: its updates, or a live blog's updates
        appearing, edited or deleted (each a new version of its record)."""
        if self.kinds[position] == LIVE_KIND:
            return self.live_events(position)
        return tuple(t for t in (self.first_update[position], self.second_update[position]) if t)

    def update_times(self, position: int, moment: int) -> list[int]:
        """The update times of the article at `position` that are not after `moment`."""
        return [t for t in self.event_times(position) if t <= moment]

    def modified(self, position: int, moment: int) -> int:
        if self.kinds[position] == LIVE_KIND:
            events = self.live_events(position)
            index = bisect.bisect_right(events, moment)
            return events[index - 1] if index else self.created[position]
        first, second = self.first_update[position], self.second_update[position]
        if second and second <= moment:
            return second
        if first and first <= moment:
            return first
        return self.created[position]

    def _live_plans(self, position: int) -> tuple[UpdatePlan, ...]:
        return live_schedule(self.seed, self.ids[position], self.created[position])

    def _live_events(self, position: int) -> tuple[int, ...]:
        moments = set()
        for plan in self.live_plans(position):
            moments.update(t for t in (plan.created, plan.edited, plan.deleted) if t)
        return tuple(sorted(moments))

    def _update(self, plan: UpdatePlan, edited: bool) -> Update:
        title, html, texts = update_content(self.seed, plan.id, edited)
        modified = datetime.fromtimestamp(plan.edited, UTC) if edited else None
        return Update(
            plan.id, title, html, texts, datetime.fromtimestamp(plan.created, UTC), modified
        )

    def live_updates(self, position: int, moment: int) -> tuple[Update, ...]:
        """A live blog's updates as they stand at `moment`, newest created first (ties: the
        newest id first), as the updates API lists them."""
        updates = [
            self.update(plan, bool(plan.edited and plan.edited <= moment))
            for plan in self.live_plans(position)
            if plan.created <= moment and not (plan.deleted and plan.deleted <= moment)
        ]
        return tuple(reversed(updates))

    def label_of(self, position: int) -> str | None:
        code = self.labels[position]
        return None if code == NO_LABEL_CODE else LABELS[code]

    def kind_of(self, position: int) -> str:
        return KINDS[self.kinds[position]]

    def link(self, position: int, form: str) -> str:
        """A link to the article at `position` in one of the LINK_FORMS the site prints."""
        news_id = self.ids[position]
        title = headline(self.seed, news_id)
        canonical = f"/article/{self.label_of(position) or 'agency-wire'}/{slug(news_id, title)}"
        if form == "absolute":
            return PRODUCTION + canonical
        if form != "canonical":
            raise ValueError(f"the site prints no {form!r} links; one of {LINK_FORMS}")
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
        data = generate(
            self.seed,
            news_id,
            created,
            created,
            self.label_of(position),
            SOURCES[self.sources[position]],
            MARKUP_WEIGHTS[self.markups[position]][0],
            links,
            self.kind_of(position),
        )
        return as_live_blog(data, self.seed) if self.is_live(position) else data

    def _revise(self, position: int, revision: int) -> ArticleData:
        """The article after its first `revision` updates (0: as first published)."""
        base = self.base(position)
        if self.is_live(position):
            moment = (
                self.live_events(position)[revision - 1] if revision else _timestamp(base.created)
            )
            return replace(
                base,
                updated=datetime.fromtimestamp(moment, UTC) if revision else None,
                updates=self.live_updates(position, moment),
            )
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
      articles appear at the site's rate (about 1,000 a day, in bursts, most in Indian daytime:
      DIURNAL_WEIGHTS), ids ascending.
    - About 25 % of articles get one update (30 % of those a second one): the first 5 min to
      36 h after creation, the second 5 min to 6 h after the first. An update sets `Updated:`
      (byline, itemprop dateModified, JSON-LD, sitemap lastmod) and changes the story (a
      paragraph appended or inserted after the lead, or the lead extended).
    - A few articles are live blogs (content.is_live_blog_id): their updates arrive in bursts
      for 3 to 30 hours, now and then edited or deleted soon after; each change is a new
      version (`Updated:`, the head's last-modified meta, the sitemap's lastmod follow), and
      `/api/Search/GetSubBlogs/<id>/<page>` lists the updates (`sub_blogs`).
    - `expected_record(id)` is the record of the version current at `now`; `revisions(id)` the
      record of every version up to `now`, oldest first; `changes_between(t1, t2)` says which
      articles a crawler that ran at t1 must publish (again) at t2.

    `breakage` (None, "http500" or "no_dates") is consulted per request; see BREAKAGES.

    Knobs read per request: `robots` (ROBOTS_STATES: no robots.txt at all, the inferred default;
    one allowing `/api/`; one disallowing it), `all_news` and `sub_blogs` (ALL_NEWS_STATES: how
    `/api/Search/GetAllNews` and a live blog's `GetSubBlogs` answer) and `geolocated_edition`
    (the edition a visitor without an `Edition` cookie is given on `/`).

    Listings (docs/site.md §3, §8.2) are queries on the timeline, public so that tests can say
    what a page must hold: `sitemap_ids`, `source_listing_ids`, `label_listing_ids`,
    `analysis_listing_ids`, `all_news_ids`. Per article, `kind_of`, `ranking`, `sponsored` and
    `regional_edition` decide which listings hold it.

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
        robots: str | None = None,
        all_news: str = "ok",
        sub_blogs: str = "ok",
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if (
            robots not in ROBOTS_STATES
            or all_news not in ALL_NEWS_STATES
            or sub_blogs not in ALL_NEWS_STATES
        ):
            raise ValueError(
                f"robots one of {ROBOTS_STATES}, all_news and sub_blogs one of {ALL_NEWS_STATES}"
            )
        self.seed = seed
        self.robots = robots
        self.all_news = all_news
        self.sub_blogs = sub_blogs
        self.geolocated_edition = "South Asia"
        self.decoy_url = decoy_url.rstrip("/") if decoy_url else None
        # Another port of 127.0.0.1: the target of the `redirect_other_port` fault.
        self.decoy_port_url = decoy_port_url.rstrip("/") if decoy_port_url else None
        # Knobs of the fault modes (faults.py); read per request.
        self.slow_seconds = 3.0
        # Seconds every answer waits before it is sent, as a distant site's would (benchmarks of
        # a backfill's rate; 0: at once).
        self.latency_seconds = 0.0
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
        if data.is_live_blog:
            return render_live_blog_page(data, bot, self, dates=dates)
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

    def version_times(self, news_id: str | int) -> list[datetime]:
        """When each version published by `now` appeared (creation, then each update), oldest
        first: `versions` without building them (the month's simulation asks for 30,000)."""
        news_id = int(news_id)
        if news_id in self._pinned:
            return [self._pinned[news_id].modified]
        position = self._position_of(news_id)
        times = [self._timeline.created[position]]
        times += self._timeline.update_times(position, self._clock[1])
        return [datetime.fromtimestamp(moment, UTC) for moment in times]

    def expected_record(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False, api: bool = True
    ) -> dict:
        """The record of the version current at `now` (what a healthy page yields); `api=False`:
        of its page alone, a live blog's updates unknown (model.expected_record)."""
        data = self.article(news_id)
        return expected_record(data, variant, bot, amp_tag_order(data), api)

    def revisions(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False, api: bool = True
    ) -> list[dict]:
        """The expected record of every version that exists at `now`, oldest first."""
        return [
            expected_record(data, variant, bot, amp_tag_order(data), api)
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
            if any(start < moment <= end for moment in timeline.event_times(position)):
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
        if data.is_live_blog:
            return render_live_blog_page(data, bot, self, dates=dates)
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
        """ALSO READ: other articles, plus decoy links on some pages."""
        rng = random.Random(f"{self.seed}:{news_id}:also")
        links = []
        for _ in range(rng.randint(4, 6)):
            position = self._random_position(rng)
            title = headline(self.seed, self.id_at(position))
            links.append((self.link(position, rng.choice(LINK_FORMS)), title))
        if self.decoy_url and rng.random() < 0.2:
            links.append((self.decoy_article_url(rng.randrange(50)), "A story on another host"))
            links.append((self.legacy_link(self.decoy_guid()), "An old story that moved away"))
        return links

    @staticmethod
    def legacy_link(guid: str) -> str:
        """The legacy article link that still answers (a 301): `/Home/Detail?id=<GUID>`."""
        return f"/Home/Detail?id={guid}"

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
            form = rng.choice(("canonical", "canonical", "absolute"))
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

    # -- what puts an article in a listing -------------------------------------------------------

    def updates_of(self, news_id: int) -> tuple[Update, ...]:
        """A live blog's updates at `now`, newest created first (none for other articles)."""
        return self.article(news_id).updates

    def kind_of(self, news_id: int) -> str:
        """The article type (model.KINDS)."""
        if news_id in self._pinned:
            return self._pinned[news_id].kind
        return self._timeline.kind_of(self._position_of(news_id))

    def ranking(self, news_id: int) -> int | None:
        """The article's region ranking (1 ranks first), or None: it carries none."""
        if news_id in self._pinned or _unit(self.seed, news_id, "ranked") >= RANKED_SHARE:
            return None
        return 1 + int(_unit(self.seed, news_id, "ranking") * MAX_RANKING)

    def sponsored(self, news_id: int) -> bool:
        return _unit(self.seed, news_id, "sponsored") < SPONSORED_SHARE

    def regional_edition(self, news_id: int) -> str:
        """The one edition besides the Global Edition whose region listings hold the article."""
        return EDITION_NAMES[int(_unit(self.seed, news_id, "edition") * len(EDITION_NAMES))]

    def in_region(self, news_id: int, region: str) -> bool:
        """Whether a region's listings can show the article (ranking aside)."""
        return region == GLOBAL_EDITION or region == self.regional_edition(news_id)

    def modified_at(self, news_id: int) -> datetime:
        """The last modification at `now` (creation for an article never updated)."""
        if news_id in self._pinned:
            return self._pinned[news_id].modified
        position = self._position_of(news_id)
        return datetime.fromtimestamp(self._timeline.modified(position, self._clock[1]), UTC)

    # -- listings and sitemaps ------------------------------------------------------------------

    def _visible(self, positions: list[int]) -> list[int]:
        """The part of an ascending position list that exists at `now`."""
        return positions[: bisect.bisect_left(positions, self._count)]

    def _created_since(self, positions: list[int], moment: datetime | None) -> list[int]:
        """The part of an ascending position list created in [moment, now] (all if None)."""
        end = bisect.bisect_left(positions, self._count)
        if moment is None:
            return positions[:end]
        created = self._timeline.created
        start = bisect.bisect_left(positions, _timestamp(moment), 0, end, key=lambda p: created[p])
        return positions[start:end]

    def _by_modification(self, positions: list[int]) -> list[int]:
        """Newest modified first; ties: newest id first."""
        moment, modified = self._clock[1], self._timeline.modified
        return sorted(positions, key=lambda p: (modified(p, moment), p), reverse=True)

    def positions_of_source(self, source: str) -> list[int]:
        if source not in SOURCES:
            return []
        return self._visible(self._timeline.by_source[SOURCES.index(source)])

    def positions_of_label(self, label: str) -> list[int]:
        if label not in LABELS:
            return []
        return self._visible(self._timeline.by_label.get(LABELS.index(label), []))

    def created_at(self, news_id: int) -> datetime:
        if news_id in self._pinned:
            return self._pinned[news_id].created
        return self.created_of(self._position_of(news_id))

    def pinned_ids(self) -> list[int]:
        return list(PINNED_IDS)

    def sitemap_window_start(self) -> datetime:
        """12:00 IST two days before today (server time, IST; docs/site.md §3)."""
        today = self.now.astimezone(IST).date() - timedelta(days=SITEMAP_START_DAYS)
        start = datetime(today.year, today.month, today.day, SITEMAP_START_HOUR, tzinfo=IST)
        return start.astimezone(UTC)

    def sitemap_ids(self) -> list[int]:
        """The news sitemap: articles created since `sitemap_window_start`, and the two pinned old
        ones, newest modified first (ties: newest id), cut to 500. The pinned ones sort in by
        their own, old, modification, so they are cut whenever 500 newer exist."""
        timeline, moment = self._timeline, self._clock[1]
        start = bisect.bisect_left(
            timeline.created, _timestamp(self.sitemap_window_start()), 0, self._count
        )
        keyed = [(timeline.modified(p, moment), timeline.ids[p]) for p in range(start, self._count)]
        keyed += [(_timestamp(data.modified), news_id) for news_id, data in self._pinned.items()]
        keyed.sort(reverse=True)
        return [news_id for _, news_id in keyed[:SITEMAP_CAP]]

    def source_listing_ids(
        self, sources: tuple[str, ...], days: float | None, by_modification: bool = False
    ) -> list[int]:
        """`/pti-stories`, `/AgencyWire`, `/devdiscourse-stories`: articles of type News from
        `sources` created within `days` (None: no window), newest created (or modified) first."""
        since = self.now - timedelta(days=days) if days is not None else None
        kinds = self._timeline.kinds
        positions = [
            p
            for source in sources
            for p in self._created_since(self.positions_of_source(source), since)
            if kinds[p] == NEWS_KIND
        ]
        if by_modification:
            positions = self._by_modification(positions)
        else:
            positions.sort(reverse=True)
        return [self.id_at(p) for p in positions]

    def label_listing_ids(self, label: str, region: str) -> list[int]:
        """A label listing in full (docs/site.md §3): articles of the last 10 days with a region
        ranking, not sponsored, sorted by modification day (UTC, as stored), newest first, then
        by ranking; ties by newest id. So the listing is not in time order."""
        since = self.now - timedelta(days=LABEL_DAYS)
        moment, modified = self._clock[1], self._timeline.modified
        keyed = []
        for position in self._created_since(self.positions_of_label(label), since):
            news_id = self.id_at(position)
            ranking = self.ranking(news_id)
            if ranking is None or self.sponsored(news_id) or not self.in_region(news_id, region):
                continue
            day = modified(position, moment) // 86_400
            keyed.append((-day, ranking, -news_id))
        keyed.sort()
        return [-news_id for _, _, news_id in keyed]

    def analysis_listing_ids(self, region: str, page: int) -> list[int]:
        """A page of `/news-analysis` (docs/site.md §3): every source and type of the region, newest
        modified first, 25 a page; page 1 is drawn from the last 2 days, later pages from the
        last 15 (so the first 25 of the 15 days appear on no page unless also on page 1)."""
        days = ANALYSIS_FIRST_DAYS if page == 1 else ANALYSIS_DAYS
        positions = self._created_since(range(self._count), self.now - timedelta(days=days))
        chosen = [p for p in positions if self.in_region(self.id_at(p), region)]
        ordered = self._by_modification(chosen)
        first = (page - 1) * ANALYSIS_PER_PAGE
        return [self.id_at(p) for p in ordered[first : first + ANALYSIS_PER_PAGE]]

    def all_news_ids(self) -> list[int]:
        """`/api/Search/GetAllNews` in full: every article, newest created first (the pinned old
        ones last)."""
        newest_first = [self.id_at(p) for p in range(self._count - 1, -1, -1)]
        return newest_first + sorted(self._pinned, key=self.created_at, reverse=True)
