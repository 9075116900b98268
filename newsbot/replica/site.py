"""ReplicaSite: a deterministic devdiscourse.com, derived on demand from (seed, articles, now)."""

import bisect
import hashlib
import random
from array import array
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
)
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


def _cumulative(weights: tuple[tuple[str, int], ...]) -> list[int]:
    return list(accumulate(weight for _, weight in weights))


class ReplicaSite:
    """The articles and pages of the replica. Nothing is rendered until asked for."""

    def __init__(
        self,
        articles: int = 300,
        seed: int = 1,
        decoy_url: str | None = None,
        now: datetime = DEFAULT_NOW,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.decoy_url = decoy_url.rstrip("/") if decoy_url else None
        self._ids = array("q")
        self._created = array("q")
        self._updated = array("q")
        self._labels = bytearray()
        self._sources = bytearray()
        self._markups = bytearray()
        self._build_index(articles)
        self._by_source: dict[int, list[int]] = {code: [] for code in range(len(SOURCES))}
        self._by_label: dict[int, list[int]] = {}
        for position, (source, label) in enumerate(zip(self._sources, self._labels, strict=True)):
            self._by_source[source].append(position)
            self._by_label.setdefault(label, []).append(position)
        self._pinned = {PINNED_SEED_ID: seed_article(), PINNED_OTHER_ID: self._pinned_other()}
        self._article = lru_cache(maxsize=4096)(self._generate)

    # -- index -------------------------------------------------------------------------------

    def _build_index(self, count: int) -> None:
        """Walk back from `now`: one article every 60-120 s, with bursts, ids ascending in time."""
        rng = random.Random(f"{self.seed}:index")
        source_cum = _cumulative(SOURCE_WEIGHTS)
        markup_cum = _cumulative(MARKUP_WEIGHTS)
        now = int(self.now.timestamp())
        news_id = NEWEST_ID_BASE + rng.randrange(5000)
        moment = now - rng.randint(5, 120)
        rows = []
        for _ in range(count):
            roll = rng.random()
            if roll < 0.4:
                delay = 0
            elif roll < 0.85:
                delay = rng.randint(60, 5400)
            else:
                delay = rng.randint(7200, 172_800)
            label = NO_LABEL_CODE if rng.random() < 0.1 else rng.randrange(len(LABELS))
            source = bisect.bisect_right(source_cum, rng.randrange(source_cum[-1]))
            markup = bisect.bisect_right(markup_cum, rng.randrange(markup_cum[-1]))
            rows.append((news_id, moment, min(moment + delay, now), label, source, markup))
            news_id -= 1 + (rng.randrange(1, 4) if rng.random() < 0.3 else 0)
            burst = rng.random() < 0.15
            moment -= rng.randint(5, 30) if burst else rng.randint(60, 120)
        for news_id, created, updated, label, source, markup in reversed(rows):
            self._ids.append(news_id)
            self._created.append(created)
            self._updated.append(updated)
            self._labels.append(label)
            self._sources.append(source)
            self._markups.append(markup)

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

    def _position(self, news_id: int) -> int | None:
        index = bisect.bisect_left(self._ids, news_id)
        if index < len(self._ids) and self._ids[index] == news_id:
            return index
        return None

    def label_of(self, position: int) -> str | None:
        code = self._labels[position]
        return None if code == NO_LABEL_CODE else LABELS[code]

    def source_of(self, position: int) -> str:
        return SOURCES[self._sources[position]]

    def created_of(self, position: int) -> datetime:
        return datetime.fromtimestamp(self._created[position], UTC)

    def updated_of(self, position: int) -> datetime:
        return datetime.fromtimestamp(self._updated[position], UTC)

    def id_at(self, position: int) -> int:
        return self._ids[position]

    def __len__(self) -> int:
        return len(self._ids) + len(self._pinned)

    # -- public API ---------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return [str(i) for i in sorted([*self._pinned, *self._ids])]

    def has(self, news_id: int) -> bool:
        return news_id in self._pinned or self._position(news_id) is not None

    def article(self, news_id: str | int) -> ArticleData:
        return self._article(int(news_id))

    def _generate(self, news_id: int) -> ArticleData:
        if news_id in self._pinned:
            return self._pinned[news_id]
        position = self._position(news_id)
        if position is None:
            raise KeyError(news_id)
        rng = random.Random(f"{self.seed}:{news_id}:links")
        links = [self.link(self._random_position(rng), "canonical") for _ in range(3)]
        return generate(
            self.seed,
            news_id,
            self.created_of(position),
            self.updated_of(position),
            self.label_of(position),
            self.source_of(position),
            MARKUP_WEIGHTS[self._markups[position]][0],
            links,
        )

    def expected_record(
        self, news_id: str | int, variant: str = "desktop", bot: bool = False
    ) -> dict:
        data = self.article(news_id)
        return expected_record(data, variant, bot, amp_tag_order(data))

    def render_article(
        self,
        news_id: str | int,
        variant: str = "desktop",
        bot: bool = False,
        markup: str | None = None,
    ) -> str:
        data = self.article(news_id)
        if variant == "amp":
            return render_amp_page(data, bot)
        if variant != "desktop":
            raise ValueError(f"unknown variant {variant!r}")
        return render_article_page(data, markup or data.markup, bot, self)

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
        position = self._position(news_id)
        if position is None:
            raise KeyError(news_id)
        return self.label_of(position) or "agency-wire"

    def canonical_path(self, news_id: int) -> str:
        return f"/article/{self.section_of(news_id)}/{slug(news_id, self.title_of(news_id))}"

    def guid(self, news_id: int) -> str:
        """The legacy `/Home/Detail/<GUID>` key; its last group carries the id for the lookup."""
        digest = hashlib.md5(f"{self.seed}:guid:{news_id}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{news_id:012x}"

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
        news_id = self._ids[position]
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
            return f"/Home/Detail/{self.guid(news_id)}"
        if form == "absolute":
            return PRODUCTION + canonical
        if form == "amp":
            return canonical + "?amp"
        return canonical

    def _random_position(self, rng: random.Random) -> int:
        return rng.randrange(len(self._ids))

    def also_read(self, news_id: int) -> list[tuple[str, str]]:
        """ALSO READ: other articles under every alias form, plus decoy links on some pages."""
        rng = random.Random(f"{self.seed}:{news_id}:also")
        links = []
        for _ in range(rng.randint(4, 6)):
            position = self._random_position(rng)
            links.append(
                (
                    self.link(position, rng.choice(ALIAS_FORMS)),
                    headline(self.seed, self._ids[position]),
                )
            )
        if self.decoy_url and rng.random() < 0.2:
            links.append((self.decoy_article_url(rng.randrange(50)), "A story on another host"))
            links.append((f"/Home/Detail/{self.decoy_guid()}", "An old story that moved away"))
        return links

    def newest_positions(self, count: int) -> list[int]:
        return list(range(len(self._ids) - 1, max(-1, len(self._ids) - 1 - count), -1))

    def blog_positions(self) -> list[int]:
        return self._by_source[SOURCES.index(BLOG)]

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
            title = enc(headline(self.seed, self._ids[position]))
            form = rng.choice(("canonical", "canonical", "absolute", "js", "amp"))
            extra = f"<p>{title}. {_TEASER}</p>" if teaser else ""
            thumb = f"https://devdiscourse.blob.core.windows.net/devnews/thumb_{self._ids[position]}.jpg"
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

    def window(self, positions: list[int], days: float) -> list[int]:
        """Positions created within `days` before now, newest first."""
        cutoff = int((self.now - timedelta(days=days)).timestamp())
        start = bisect.bisect_left(positions, cutoff, key=lambda p: self._created[p])
        return positions[start:][::-1]

    def positions_of_source(self, source: str) -> list[int]:
        return self._by_source[SOURCES.index(source)] if source in SOURCES else []

    def positions_of_label(self, label: str) -> list[int]:
        if label == "agency-wire":
            return self._by_label.get(NO_LABEL_CODE, [])
        return self._by_label.get(LABELS.index(label), []) if label in LABELS else []

    def created_at(self, news_id: int) -> datetime:
        if news_id in self._pinned:
            return self._pinned[news_id].created
        position = self._position(news_id)
        if position is None:
            raise KeyError(news_id)
        return self.created_of(position)

    def pinned_ids(self) -> list[int]:
        return list(PINNED_IDS)

    def sitemap_positions(self) -> list[int]:
        """Created within 2.5 days, newest modified first, at most 500."""
        recent = self.window(list(range(len(self._ids))), 2.5)
        recent.sort(key=lambda p: (self._updated[p], self._ids[p]), reverse=True)
        return recent[:500]
