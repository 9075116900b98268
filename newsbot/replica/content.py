"""Deterministic article content: titles, bodies, images, tags, from a per-article RNG."""

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from newsbot.replica.model import (
    DISCLAIMED_AGENCIES,
    OPINION,
    ArticleData,
    Block,
    Image,
    heading,
    item_list,
    paragraph,
    table,
)
from newsbot.replica.text import blob_stamp, printed_location, slug, tag_href

BLOG = "blog"
NEWS_DESK = "Devdiscourse News Desk"
# (source, weight); BLOG stands for an author's post first published elsewhere.
SOURCE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("PTI", 30),
    ("Reuters", 20),
    ("IANS", 8),
    ("ANI", 6),
    ("AFP", 3),
    ("UN News", 4),
    ("PR Newswire", 3),
    ("Devdiscourse News Desk", 14),
    ("WAM", 2),
    ("Xinhua", 1),
    ("Emirates News Agency", 1),
    (BLOG, 8),
)
SOURCES: tuple[str, ...] = tuple(name for name, _ in SOURCE_WEIGHTS)
LABELS: tuple[str, ...] = (
    "headlines",
    "international",
    "business",
    "technology",
    "politics",
    "law-order",
    "health",
    "education",
    "entertainment",
    "science-environment",
    "sports-games",
    "other",
    "national",
    "lifestyle",
)
SECTORS: dict[str, str] = {
    "agro-forestry": "Agro-Forestry",
    "art-culture": "Art & Culture",
    "technology": "Technology",
    "economy-business": "Economy & Business",
    "education": "Education",
    "energy-extractives": "Energy & Extractives",
    "politics": "Politics",
    "law-governance": "Law & Governance",
    "health": "Health",
    "science-environment": "Science & Environment",
    "socialgender": "Social & Gender",
    "sports": "Sports",
    "transport": "Transport",
    "urban-development": "Urban Development",
    "wash": "WASH",
}
# Sector ids as the site's database numbers them: the JSON-LD breadcrumb prints them raw.
SECTOR_IDS: dict[str, int] = {slug: number for number, slug in enumerate(SECTORS, 1)}
MARKUP_WEIGHTS = (("2026", 55), ("2024", 30), ("pre2023", 15))
# What a News Desk story was rewritten from: only the first four earn "(With inputs from
# agencies.)" (docs/site.md §8.4).
ORIGINAL_SOURCES = (*sorted(DISCLAIMED_AGENCIES), "AFP", "UN News")
BLOG_PUBLICATIONS = ("Devdiscourse", "The Conversation", "Project Syndicate", "World Bank Blogs")
AUTHORS = (
    "Ankita Sharma",
    "Siddharth Rao",
    "María José Ortega",
    "Chinmayee Dash",
    "Dr. Rajesh Kumar",
    "Ngozi Okafor",
)
PEOPLE = (
    "Vladimir Putin",
    "Narendra Modi",
    "Recep Tayyip Erdoğan",
    "Emmanuel Macron",
    "Luiz Inácio Lula da Silva",
    "Antonio Guterres",
    "Cyril Ramaphosa",
    "Nirmala Sitharaman",
    "Kristalina Georgieva",
    "Volodymyr Zelenskiy",
    "Andrés Manuel López Obrador",
    "Xi Jinping",
    "Dmitry Peskov",
    "Shehbaz Sharif",
)
ORGS = (
    "Kremlin",
    "RBI",
    "WHO",
    "IMF",
    "World Bank",
    "SEBI",
    "ISRO",
    "NASA",
    "BCCI",
    "UNICEF",
    "Tata Motors",
    "Infosys",
    "Supreme Court",
    "Election Commission",
    "Nestlé",
    "Société Générale",
)
COUNTRIES = (
    "India",
    "Russia",
    "United States",
    "Turkey",
    "China",
    "Brazil",
    "Côte d'Ivoire",
    "Ukraine",
    "Kenya",
    "Germany",
    "France",
    "Pakistan",
    "Bangladesh",
    "Japan",
    "United Kingdom",
    "Mexico",
    "Switzerland",
    "Colombia",
    "São Tomé and Príncipe",
    "South Africa",
)
CITIES = (
    "new delhi",
    "mumbai",
    "moscow",
    "washington",
    "washington dc",
    "losangeles",
    "são paulo",
    "geneva",
    "beijing",
    "kyiv",
    "bogotá",
    "zürich",
    "london",
    "nairobi",
    "kolkata",
    "bengaluru",
    "dhaka",
    "tokyo",
    "brasília",
    "chennai",
)
TOPICS = (
    "coronavirus",
    "inflation",
    "monsoon",
    "climate change",
    "Idlib",
    "cricket",
    "IPL",
    "stock market",
    "renewable energy",
    "AI",
    "semiconductors",
    "G20",
    "COP29",
    "rupee",
    "crude oil",
    "gold prices",
    "Bollywood",
    "Champions League",
    "Wimbledon",
    "SDG 6",
    "WASH",
    "malaria",
    "vaccine",
    "startups",
    "fintech",
    "UPI",
    "5G",
    "electric vehicles",
    "Māori rights",
    "Durga Puja",
    "food security",
    "refugees",
    "water sanitation",
    "heatwave",
    "wildfires",
    "trade deal",
)
TAG_POOL: tuple[str, ...] = tuple(dict.fromkeys(PEOPLE + ORGS + COUNTRIES + TOPICS))
TEAMS = ("Real Madrid", "Bayern München", "Atlético Madrid", "Chelsea", "Mohun Bagan", "Flamengo")
CAPTIONS = (
    "Representative Image",
    "Representative Image",
    "",
    "File Photo",
    "{person} (File photo)",
    "Representative image of {topic}",
)
CREDITS = (
    "(en.kremlin.ru)",
    "ANI",
    "Twitter (@ANI)",
    "Reuters",
    "Pixabay",
    "(Wikimedia Commons)",
    "PIB",
    "ANI",
)
TITLE_TEMPLATES = (
    "{org} says cooperation with {country} on {topic} of 'great importance'",
    "{person} meets {person2} as {topic} talks enter final stage",
    "{country}'s {topic} push: {org} unveils ₹{n} crore plan",
    "UPDATE 2-{org} shares rise {n}% after {topic} deal",
    "Markets wrap | Sensex climbs {n} points; {org} leads gains",
    "{city}: {n} held over {topic} protests",
    "{topic} — what {country} needs to know",
    "'{topic} is a turning point,' says {person}",
    "{org} to hold emergency meeting on {topic} | Live updates",
    "Soccer-{team} beat {team2} 2-1 to reach final",
    "Explainer: Why {topic} matters for {country} and its neighbours",
    "{person} says {country} will work with {org} and {org2} on {topic}, {topic2} and water "
    "as leaders gather in {city} for the annual summit on sustainable development goals",
    "{org} flags {topic} risks as {country} braces for a difficult year",
    "In {city}, {topic} brings thousands to the streets",
)
SENTENCES = (
    "{person} said on Monday that {org} would review its position on {topic} in {country}.",
    "The {org} has announced a review of {topic}, officials said.",
    '"We are committed to {topic}," {person} told reporters in {city}.',
    "According to data released by {org}, {topic} rose {n} per cent in the last quarter.",
    "Analysts expect {topic} to remain a key issue for {country} over the coming months.",
    "The move comes after {org} flagged concerns over {topic} earlier this year.",
    "{country} and {country2} have coordinated closely on {topic} in the past.",
    "Officials in {city} said the talks on {topic} would resume next week.",
    "The {org}'s decision drew sharp criticism from opposition leaders.",
    "Prices of {topic} have swung widely since the start of the year, traders said.",
    "Experts say {country}'s approach to {topic} could serve as a model for the region.",
    "The report, released in {city}, lists {n} recommendations on {topic}.",
)


def _fill(template: str, rng: random.Random) -> str:
    person, person2 = rng.sample(PEOPLE, 2)
    org, org2 = rng.sample(ORGS, 2)
    country, country2 = rng.sample(COUNTRIES, 2)
    topic, topic2 = rng.sample(TOPICS, 2)
    team, team2 = rng.sample(TEAMS, 2)
    city = printed_location(rng.choice(CITIES))
    return template.format(
        person=person,
        person2=person2,
        org=org,
        org2=org2,
        country=country,
        country2=country2,
        topic=topic,
        topic2=topic2,
        team=team,
        team2=team2,
        city=city,
        n=rng.randint(2, 950),
    )


def headline(seed: int, news_id: int) -> str:
    """The title alone, from its own RNG stream so that links to an article stay cheap."""
    rng = random.Random(f"{seed}:{news_id}:title")
    title = _fill(rng.choice(TITLE_TEMPLATES), rng)
    # Editors capitalise the first word, even after an opening quote.
    start = 1 if title.startswith("'") else 0
    return title[:start] + title[start].upper() + title[start + 1 :]


def image_url(moment: datetime, rng: random.Random) -> str:
    # The upload happens shortly before publication.
    uploaded = moment - timedelta(seconds=rng.randint(30, 900))
    stamp = blob_stamp(uploaded, rng.randrange(10_000_000))
    return f"https://devdiscourse.blob.core.windows.net/devnews/{stamp}.jpg"


def _sentences(rng: random.Random, count: int) -> str:
    return " ".join(_fill(rng.choice(SENTENCES), rng) for _ in range(count))


def _rich_paragraph(rng: random.Random, links: list[str], created: datetime) -> Block:
    """A paragraph with one inline element, often followed by punctuation, as editors write."""
    lead = _sentences(rng, 1)
    kind = rng.choice(("a", "a", "b", "img", "iframe", "tag"))
    tail = _sentences(rng, 1)
    if kind == "a" and links:
        return paragraph(
            lead + " Read also ",
            ("a", _fill("{org} on {topic}", rng), rng.choice(links)),
            ". " + tail,
        )
    if kind == "b":
        return paragraph(lead + " ", ("b", _fill("{person}", rng)), ", " + tail)
    if kind == "img":
        return paragraph(lead + " ", ("img", image_url(created, rng)), " " + tail)
    if kind == "iframe":
        video = f"https://www.youtube.com/embed/{rng.randrange(16**8):08x}"
        return paragraph(lead + " Watch: ", ("iframe", video), " " + tail)
    topic = rng.choice(TOPICS)
    return paragraph(lead + " More on ", ("a", topic, tag_href(topic)), ": " + tail)


def _body(rng: random.Random, links: list[str], created: datetime) -> list[Block]:
    blocks = [paragraph(_sentences(rng, rng.randint(2, 4)))]
    for _ in range(rng.randint(2, 7)):
        roll = rng.random()
        if roll < 0.10:
            blocks.append(heading(_fill("{topic} in {country}", rng), rng.choice((2, 3))))
        elif roll < 0.20:
            items = [_sentences(rng, 1) for _ in range(rng.randint(2, 5))]
            blocks.append(item_list(items, ordered=rng.random() < 0.4))
        elif roll < 0.25:
            rows = [["Company", "Price (₹)", "Change"]]
            rows += [
                [rng.choice(ORGS), f"{rng.uniform(50, 5000):.2f}", f"{rng.uniform(-5, 5):+.2f}%"]
                for _ in range(rng.randint(2, 5))
            ]
            blocks.append(table(rows))
        elif roll < 0.40:
            blocks.append(_rich_paragraph(rng, links, created))
        else:
            blocks.append(paragraph(_sentences(rng, rng.randint(1, 4))))
    return blocks


def _tags(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.05:
        count = 0
    elif roll < 0.20:
        count = rng.randint(15, 20)
    else:
        count = rng.randint(2, 10)
    return rng.sample(TAG_POOL, count)


def _countries(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.2:
        return []
    return rng.sample(COUNTRIES, 1 if roll < 0.8 else rng.randint(2, 3))


def _image(rng: random.Random, created: datetime) -> Image:
    caption = _fill(rng.choice(CAPTIONS), rng)
    return Image(image_url(created, rng), caption, rng.choice(CREDITS))


def _sectors(rng: random.Random, first: str | None) -> tuple[str, ...]:
    """All sectors of an article in stored order: the drawn one, sometimes one or two more."""
    if first is None:
        return ()
    more = rng.sample(tuple(SECTORS), rng.choice((0, 0, 0, 1, 2)))
    return tuple(dict.fromkeys((first, *more)))


def first_by_name(sectors: tuple[str, ...]) -> str | None:
    """The sector the HTML breadcrumb shows: the alphabetically first (docs/site.md §8.4)."""
    return min(sectors, key=lambda sector: SECTORS[sector]) if sectors else None


def generate(
    seed: int,
    news_id: int,
    created: datetime,
    updated: datetime,
    label: str | None,
    source: str,
    markup: str,
    links: list[str],
    kind: str = "News",
) -> ArticleData:
    """Every per-article detail the index does not hold, from the article's own RNG.

    Details added after the first version of the replica are drawn last, so that the earlier
    ones stay what they were.
    """
    rng = random.Random(f"{seed}:{news_id}")
    title = headline(seed, news_id)
    author = None
    if source == BLOG:
        author = rng.choice(AUTHORS)
        source = rng.choice(BLOG_PUBLICATIONS)
    video = rng.random() < 0.05
    if video:
        image = Image(image_url(created, rng)) if rng.random() < 0.5 else None
    else:
        image = None if rng.random() < 0.08 else _image(rng, created)
    disclaimer = None
    if source in ("PTI", "Reuters", "IANS", "ANI"):
        disclaimer = "syndicated"
    elif source == NEWS_DESK and rng.random() < 0.4:
        disclaimer = "inputs"
    blocks = _body(rng, links, created)
    data = ArticleData(
        news_id=news_id,
        title=title,
        created=created,
        updated=updated if updated > created else None,
        source=source,
        label=label,
        subtitle=_sentences(rng, 1) if rng.random() < 0.65 else None,
        author=author,
        location_raw=rng.choice(CITIES) if rng.random() < 0.8 else None,
        sector=rng.choice(tuple(SECTORS)) if rng.random() < 0.8 else None,
        image=image,
        video=video,
        blocks=blocks,
        disclaimer=disclaimer,
        app_line=markup == "pre2023" and rng.random() < 0.7,
        tags=_tags(rng),
        countries=_countries(rng),
        markup=markup,
        meta_dates=markup != "pre2023" or rng.random() < 0.5,
        summary=_sentences(rng, 2),
        kind=kind,
    )
    sectors = _sectors(rng, data.sector)
    data.sectors = sectors
    data.sector = first_by_name(sectors)
    if disclaimer == "inputs":
        data.original_source = rng.choice(sorted(DISCLAIMED_AGENCIES))
    elif source == NEWS_DESK and rng.random() < 0.3:
        data.original_source = rng.choice(ORIGINAL_SOURCES[len(DISCLAIMED_AGENCIES) :])
    data.disclaimer_stored = disclaimer == "syndicated" and rng.random() < 0.3
    if kind == "Blog" and rng.random() < 0.4:
        data.subtype = OPINION
    return data


def canonical_path(seed: int, news_id: int, label: str | None) -> str:
    return f"/article/{label or 'agency-wire'}/{slug(news_id, headline(seed, news_id))}"


UPDATE_SENTENCES = (
    "{org} later said that talks on {topic} with {country} would continue this week.",
    "Updating the figures, {org} said {topic} had risen {n} per cent, not the earlier estimate.",
    '"We will not change course on {topic}," {person} told reporters in {city} on Tuesday.',
    "A spokesperson for {org} confirmed the decision on {topic} late in the evening.",
    "{country} has since asked {org} for a detailed report on {topic} within {n} days.",
    "Correction: an earlier version of this story misstated the {org}'s position on {topic}.",
)
REVISIONS = ("append", "insert", "lead")


def revise(blocks: list[Block], seed: int, news_id: int, number: int) -> list[Block]:
    """The story after update `number` (1, 2, ...): one paragraph added, or the lead extended."""
    rng = random.Random(f"{seed}:{news_id}:update:{number}")
    kind = rng.choice(REVISIONS)
    sentences = [_fill(rng.choice(UPDATE_SENTENCES), rng) for _ in range(rng.randint(1, 2))]
    added = " ".join(sentences)
    blocks = list(blocks)
    lead = blocks[0] if blocks else None
    if kind == "lead" and lead and lead.html.startswith("<p>") and len(lead.texts) == 1:
        blocks[0] = paragraph(f"{lead.texts[0]} {added}")
    elif kind == "insert" and blocks:
        blocks.insert(1, paragraph(added))
    else:
        blocks.append(paragraph(added))
    return blocks


# -- live blogs (docs/site.md §5.4, §8.3) ---------------------------------------------------------

# Live blogs: the ids whose remainder by LIVE_BLOG_EVERY is below LIVE_BLOG_RUN. Ids step by 1 to
# 4, so every run of LIVE_BLOG_RUN ids holds an article: a few live blogs in every replica of
# realistic size (about 1.5 % of articles), and whichever seed, at least one in 300 articles.
LIVE_BLOG_EVERY = 150
LIVE_BLOG_RUN = 4
# A live blog's update ids: its NewsId times this, plus the update's number (1, 2, ...).
UPDATE_ID_FACTOR = 1000
UPDATE_TITLES = (
    "{person} arrives in {city}",
    "{org} statement on {topic}",
    "Talks on {topic} resume after a short break",
    "{country} delegation briefs reporters",
    "Key moments so far: {topic}",
    "{person}: 'We will not change course on {topic}'",
    "Crowds gather in {city} as {topic} debate continues",
    "{org} and {org2} sign agreement on {topic}",
)
EDIT_SENTENCES = (
    "This update has been corrected: an earlier version misstated the {org}'s figures.",
    "Updated with a statement from {person}.",
    "Adds details on {topic} from the {org}'s briefing.",
)
# Coverage lasts 3 to 30 hours; then the live blog falls silent.
COVERAGE_SECONDS = (3 * 3600, 30 * 3600)
# Changes of one live blog are a minute apart at least: a crawler compares the sitemap's lastmod
# with what it stored to the minute (the byline shows no seconds).
MIN_EVENT_GAP = 60
EDIT_SHARE = 0.15
DELETE_SHARE = 0.05


def is_live_blog_id(news_id: int) -> bool:
    return news_id % LIVE_BLOG_EVERY < LIVE_BLOG_RUN


@dataclass(frozen=True)
class UpdatePlan:
    """When one update of a live blog appears, is edited and is deleted (UTC seconds; 0: never).

    An edit or a deletion comes before the live blog's next update, while the update is still
    the newest: the site's editors correct what they just posted.
    """

    id: int
    created: int
    edited: int = 0
    deleted: int = 0


def live_schedule(seed: int, news_id: int, created: int) -> tuple[UpdatePlan, ...]:
    """A live blog's updates: bursts of 1 to 7, minutes apart, every 15 min to 2 h while the
    coverage lasts, then silence. Fixed by (seed, id), whatever the clock."""
    rng = random.Random(f"{seed}:{news_id}:live")
    end = created + rng.randint(*COVERAGE_SECONDS)
    moment = created + rng.randint(60, 900)
    times = []
    while moment <= end:
        for _ in range(rng.randint(1, 7)):
            times.append(moment)
            moment += rng.randint(MIN_EVENT_GAP * 2, 600)
        moment += rng.randint(900, 7200)
    plans = []
    for number, when in enumerate(times, 1):
        following = times[number] if number < len(times) else when + 600
        change = rng.randint(when + MIN_EVENT_GAP, following - MIN_EVENT_GAP)
        roll = rng.random()
        plans.append(
            UpdatePlan(
                news_id * UPDATE_ID_FACTOR + number,
                when,
                edited=change if roll < EDIT_SHARE else 0,
                deleted=change if EDIT_SHARE <= roll < EDIT_SHARE + DELETE_SHARE else 0,
            )
        )
    return tuple(plans)


def update_content(seed: int, update_id: int, edited: bool) -> tuple[str, str, tuple[str, ...]]:
    """An update's title, stored HTML and record paragraphs; an edit adds a sentence."""
    rng = random.Random(f"{seed}:{update_id}:update")
    title = _fill(rng.choice(UPDATE_TITLES), rng)
    blocks = [paragraph(_sentences(rng, rng.randint(1, 3))) for _ in range(rng.randint(1, 2))]
    note = _fill(rng.choice(EDIT_SENTENCES), rng)
    if edited:
        blocks.append(paragraph(note))
    return (
        title,
        "".join(block.html for block in blocks),
        tuple(text for block in blocks for text in block.texts),
    )


def as_live_blog(data: ArticleData, seed: int) -> ArticleData:
    """An article generated as usual, made a live blog: an intro of one or two paragraphs (a
    tag word in it linked), no dateline city, no author, a still image; agency sources keep
    their syndication disclaimer, printed in the intro (docs/site.md §5.4)."""
    rng = random.Random(f"{seed}:{data.news_id}:intro")
    topic = rng.choice(TOPICS)
    intro = [
        paragraph(
            _sentences(rng, 1) + " Follow the latest on ",
            ("a", topic, tag_href(topic)),
            " here. " + _sentences(rng, 1),
        )
    ]
    if rng.random() < 0.5:
        intro.append(paragraph(_sentences(rng, rng.randint(1, 2))))
    source = data.source
    return replace(
        data,
        blocks=intro,
        author=None,
        location_raw=None,
        video=False,
        image=data.image or (_image(rng, data.created) if rng.random() < 0.5 else None),
        disclaimer="syndicated" if source in DISCLAIMED_AGENCIES else None,
        disclaimer_stored=False,
        app_line=False,
        subtype=None,
        original_source=None,
        source_url=f"https://www.{source.replace(' ', '')}.com/News"
        if rng.random() < 0.6
        else None,
        # The byline's clock (docs/site.md §5.4): every other run of live-blog ids is rendered
        # by a server on UTC.
        server_utc=(data.news_id // LIVE_BLOG_EVERY) % 2 == 1,
    )
