"""The replica of devdiscourse.com: determinism, variety, routing, weight, truth."""

import ast
import http.client
import itertools
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from parsel import Selector

from newsbot.replica import ArticleData, Image, ReplicaSite, paragraph, render_article_page
from newsbot.replica.content import LABELS
from newsbot.replica.model import APP_LINE, INPUTS_NOTE, SYNDICATED_NOTE
from newsbot.replica.text import IST, slug

REPLICA_DIR = Path(__file__).resolve().parents[1] / "newsbot" / "replica"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
BOT_UA = "newsbot/1.0 (+https://example.org/newsbot)"
NOTES = {SYNDICATED_NOTE, INPUTS_NOTE, APP_LINE}
RECORD_KEYS = {
    "id", "url", "section", "sector", "title", "subtitle", "source", "author", "location",
    "created", "updated", "image_url", "image_caption", "image_credit", "body", "syndicated",
    "tags", "countries", "language",
}  # fmt: skip


def fetch(base_url: str, target: str, user_agent: str = BROWSER_UA) -> http.client.HTTPResponse:
    """One GET without following redirects; the body is read into `.text`."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", target, headers={"User-Agent": user_agent})
    response = connection.getresponse()
    response.body = response.read()
    response.text = response.body.decode("utf-8")
    connection.close()
    return response


def follow(base_url: str, target: str, user_agent: str = BROWSER_UA, limit: int = 5):
    """GET following redirects; returns (final response, list of (status, url))."""
    url = urljoin(base_url, target)
    chain = []
    for _ in range(limit):
        parts = urlsplit(url)
        response = fetch(
            f"{parts.scheme}://{parts.netloc}",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            user_agent,
        )
        chain.append((response.status, url))
        if response.status != 301:
            return response, chain
        url = urljoin(url, response.getheader("Location"))
    raise AssertionError(f"redirect loop: {chain}")


def text_of(node: Selector) -> str:
    return " ".join("".join(node.xpath(".//text()").getall()).split())


def page_facts(html: str) -> dict:
    """An independent, minimal reading of a desktop page, to check the truth against."""
    page = Selector(html)
    story = page.css("section.article-cont")
    paragraphs = []
    for block in story.xpath("./p | ./ul/li | ./ol/li | ./h2 | ./h3 | ./table//tr"):
        if block.root.tag == "tr":
            text = " | ".join(text_of(cell) for cell in block.xpath("./th | ./td"))
        else:
            text = text_of(block)
        if text and text not in NOTES:
            paragraphs.append(text)
    return {
        "title": text_of(page.css("h1.title")[0]),
        "url": page.css("link[rel=canonical]::attr(href)").get(),
        "countries": page.css("li.fg-orange::text").getall(),
        "tags": page.css("a.tag::text").getall(),
        "keywords": page.css("meta[name=news_keywords]::attr(content)").get(),
        "body": "\n\n".join(paragraphs),
        "story_text": text_of(story[0]),
        "sector": page.css('article ul[class*=breadcrumb] a[href^="/news/"]::attr(href)').re_first(
            r"^/news/([a-z-]+)$"
        ),
    }


# -- determinism, scale, independence --------------------------------------------------------------


def test_same_seed_gives_byte_identical_pages():
    first, second = ReplicaSite(articles=300, seed=1), ReplicaSite(articles=300, seed=1)
    assert first.ids() == second.ids()
    for news_id in first.ids()[::15]:
        for variant in ("desktop", "amp"):
            assert first.render_article(news_id, variant) == second.render_article(news_id, variant)
        assert first.expected_record(news_id) == second.expected_record(news_id)


def test_different_seed_gives_a_different_site():
    first, other = ReplicaSite(articles=300, seed=1), ReplicaSite(articles=300, seed=2)
    assert first.ids() != other.ids()
    assert first.render_article("806669") != other.render_article("806669")


def test_ids_ascend_with_creation_time_and_updates_never_pass_now(replica_site):
    ids = [int(i) for i in replica_site.ids()]
    assert ids == sorted(ids) and len(ids) == 302
    assert {806669, 809210} <= set(ids)
    fresh = [replica_site.article(i) for i in ids[2:]]
    assert all(3_900_000 < a.news_id < 4_100_000 for a in fresh)
    assert all(a.created < b.created for a, b in itertools.pairwise(fresh))
    assert all(a.created <= a.modified <= replica_site.now for a in fresh)
    gaps = [(b.created - a.created).total_seconds() for a, b in itertools.pairwise(fresh)]
    assert 50 < sum(gaps) / len(gaps) < 110
    assert min(gaps) < 30, "bursts are missing"


def test_a_hundred_thousand_articles_build_fast_and_lazily():
    started = time.perf_counter()
    site = ReplicaSite(articles=100_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert len(site.ids()) == 100_002
    assert site._article.cache_info().currsize == 0, "articles must be derived on demand"
    newest = site.ids()[-1]
    assert site.expected_record(newest)["id"] == newest


def test_replica_imports_nothing_of_newsbot_outside_the_replica():
    offenders = []
    for module in REPLICA_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["<relative>"]
            for name in names:
                if name == "newsbot" or (
                    name.startswith("newsbot.") and not name.startswith("newsbot.replica")
                ):
                    offenders.append(f"{module.name}: {name}")
                if name == "<relative>":
                    offenders.append(f"{module.name}: relative import")
    assert offenders == []


# -- variety ---------------------------------------------------------------------------------------


def test_every_variant_is_present_in_a_300_article_site(replica_site):
    articles = [replica_site.article(i) for i in replica_site.ids()]
    pages = {a.news_id: replica_site.render_article(a.news_id) for a in articles}
    records = {a.news_id: replica_site.expected_record(a.news_id) for a in articles}
    blocks = "".join(b.html for a in articles for b in a.blocks)

    def some(predicate) -> bool:
        return any(predicate(a) for a in articles)

    assert {a.markup for a in articles} == {"2026", "2024", "pre2023"}
    sources = {a.source for a in articles}
    assert {
        "PTI",
        "Reuters",
        "IANS",
        "ANI",
        "AFP",
        "UN News",
        "PR Newswire",
        "Devdiscourse News Desk",
    } <= sources
    assert sources & {"WAM", "Xinhua", "Emirates News Agency"}, "no /news-source/<Source> agency"
    assert some(lambda a: a.author) and some(lambda a: a.disclaimer == "inputs")
    assert some(lambda a: a.source == "Devdiscourse News Desk" and a.disclaimer is None)
    assert some(lambda a: a.app_line) and some(lambda a: not a.meta_dates)
    assert some(lambda a: a.image is None and not a.video)
    assert some(lambda a: a.video and a.image) and some(lambda a: a.video and not a.image)
    assert some(lambda a: a.subtitle is None) and some(lambda a: a.location is None)
    assert some(lambda a: a.location == "Washington DC") and some(
        lambda a: a.location == "Los Angeles"
    )
    assert some(lambda a: a.location and not a.location.isascii())
    assert some(lambda a: len(a.countries) >= 2) and some(lambda a: not a.countries)
    assert some(lambda a: len(a.tags) >= 15) and some(lambda a: len(a.tags) > 15)
    assert some(lambda a: not a.tags)
    assert some(lambda a: not a.title.isascii())
    assert some(lambda a: "|" in a.title) and some(lambda a: "'" in a.title)
    assert some(lambda a: len(slug(a.news_id, a.title, 150)) > len(slug(a.news_id, a.title)))
    assert some(lambda a: a.sector is None) and some(lambda a: a.label is None)
    credits = {a.image.credit for a in articles if a.image and not a.video}
    assert {"(en.kremlin.ru)", "ANI", "Twitter (@ANI)"} <= credits
    assert some(lambda a: a.image and not a.video and a.image.caption == "")
    for element in (
        "<ul>",
        "<ol>",
        "<h2>",
        "<h3>",
        "<table",
        "<a href",
        "<b>",
        "<img ",
        "<iframe ",
    ):
        assert element in blocks, element
    assert any('<span class="badge tag">' in p for p in pages.values())
    assert any(r["image_credit"] == "Twitter (@ANI)" for r in records.values())
    assert any(r["image_credit"] == "en.kremlin.ru" for r in records.values())


def test_page_weight_is_70_to_100_kb(replica_site):
    sizes = [len(replica_site.render_article(i).encode()) for i in replica_site.ids()]
    assert min(sizes) >= 70_000, min(sizes)
    assert max(sizes) <= 100_000, max(sizes)


def test_desktop_render_is_fast(replica_site):
    news_id = replica_site.ids()[100]
    replica_site.render_article(news_id)
    started = time.perf_counter()
    for _ in range(50):
        replica_site.render_article(news_id)
    assert (time.perf_counter() - started) / 50 < 0.01


# -- the truth agrees with the page ----------------------------------------------------------------


def test_expected_record_matches_an_independent_reading_of_every_page(replica_site):
    for news_id in replica_site.ids():
        record = replica_site.expected_record(news_id)
        assert set(record) == RECORD_KEYS
        facts = page_facts(replica_site.render_article(news_id))
        assert facts["title"] == record["title"]
        assert facts["url"] == record["url"]
        assert facts["countries"] == record["countries"]
        assert facts["tags"] == record["tags"]
        assert facts["keywords"] == ", ".join(record["tags"][:15])
        assert facts["body"] == record["body"], news_id
        assert facts["sector"] == record["sector"]
        assert "Advertisement" not in record["body"]


def test_record_follows_the_time_and_image_rules(replica_site):
    for news_id in replica_site.ids():
        data = replica_site.article(news_id)
        record = replica_site.expected_record(news_id)
        amp = replica_site.expected_record(news_id, variant="amp")
        assert record["created"].endswith("+05:30") and amp["created"].endswith(":00+05:30")
        if not data.meta_dates:
            assert record["created"].endswith(":00+05:30") and record["updated"].endswith(
                ":00+05:30"
            )
        if not data.was_updated:
            assert record["updated"] == record["created"]
        assert amp["image_caption"] is None
        assert sorted(amp["tags"]) == sorted(record["tags"])
        assert amp["sector"] is None and amp["countries"] == []
        amp_differs = ("created", "updated", "image_caption", "tags", "sector", "countries")
        assert {k: v for k, v in amp.items() if k not in amp_differs} == {
            k: v for k, v in record.items() if k not in amp_differs
        }
        if data.image is None:
            assert record["image_url"] is None and record["image_credit"] is None
        else:
            assert record["image_url"].startswith(
                "https://devdiscourse.blob.core.windows.net/devnews/"
            )
        html = replica_site.render_article(news_id)
        # No source on the page may offer seconds that the truth does not have.
        json_ld_created = re.search(r'"datePublished":"([^"]+)"', html)[1]
        assert json_ld_created == record["created"]
        if data.image is None and not data.video:
            assert 'class="hidden figure"' in html and "/images/newstheme.jpg" in html
        if data.video:
            assert '<video id="my-video" class="video-js' in html and "<figure" not in html


def test_amp_page_prints_tags_in_the_records_order(replica_site):
    news_id = next(i for i in replica_site.ids() if len(replica_site.article(i).tags) >= 5)
    record = replica_site.expected_record(news_id, variant="amp")
    page = Selector(replica_site.render_article(news_id, variant="amp"))
    assert page.css("a.tag::text").getall() == record["tags"]
    assert record["tags"] != replica_site.article(news_id).tags
    assert page.css("html").attrib.get("lang") == "en" and "\u26a1" in page.get()[:200]
    assert page.css("title::text").get() == record["title"]
    assert not page.css('meta[itemprop="datePublished"]')
    note = {"syndicated": SYNDICATED_NOTE, "inputs": INPUTS_NOTE}.get(
        replica_site.article(news_id).disclaimer or ""
    )
    description = text_of(page.css("div.description")[0])
    assert note is None or description.endswith(note)


def test_seed_article_rebuilt_by_hand_renders_in_old_markups():
    data = ArticleData(
        news_id=809210,
        title="Kremlin says cooperation with Turkey on Syria of 'great importance'",
        created=datetime(2020, 3, 2, 11, 59, tzinfo=UTC),
        updated=datetime(2020, 3, 2, 12, 24, tzinfo=UTC),
        label="international",
        location_raw="moscow",
        image=Image(
            "https://devdiscourse.blob.core.windows.net/devnews/x.jpg",
            "Representative Image",
            "(en.kremlin.ru)",
        ),
        blocks=[
            paragraph("The Kremlin said Monday that cooperation with Turkey is a top priority.")
        ],
        disclaimer="syndicated",
        app_line=True,
        tags=["Kremlin", "Turkey"],
        countries=["Russia"],
    )
    for markup in ("2024", "pre2023"):
        html = render_article_page(data, markup)
        page = Selector(html)
        byline = "PTI | Moscow | Updated: 02-03-2020 17:54 IST | Created: 02-03-2020 17:29 IST"
        if markup == "2024":
            assert text_of(page.css("div.m-b-10.m-t-10")[0]) == byline
        else:
            items = page.css("ul.list-inline.m-b-10 > li")
            assert " ".join(text_of(li) for li in items) == byline
        assert (
            text_of(page.css("figcaption")[0])
            == "Representative Image Image Credit: (en.kremlin.ru)"
        )
        assert (
            "Kremlin says cooperation with Turkey on Syria of &#x27;great importance&#x27;" in html
        )
    pre2023 = Selector(render_article_page(data, "pre2023"))
    assert [text_of(li) for li in pre2023.css("ul.list-inline.m-b-10 > li")][:3] == [
        "PTI",
        "|",
        "Moscow",
    ]


def test_the_pinned_seed_article_is_the_real_one(replica_site):
    record = replica_site.expected_record("809210")
    assert record["created"] == "2020-03-02T17:29:00+05:30"
    assert record["updated"] == "2020-03-02T17:54:00+05:30"
    assert (record["source"], record["location"], record["syndicated"]) == ("PTI", "Moscow", True)
    assert (record["image_caption"], record["image_credit"]) == (
        "Representative Image",
        "en.kremlin.ru",
    )
    assert record["body"].count("\n\n") == 3


def test_non_ascii_and_apostrophes_arrive_as_numeric_entities(replica_site):
    for news_id in replica_site.ids()[:120]:
        html = replica_site.render_article(news_id)
        assert html.isascii(), "every non-ASCII character must be an entity"
        assert "'" not in "".join(
            re.findall(r">([^<]*)<", html.split("<body>")[1].split("<script")[0])
        )
    sao = next(i for i in replica_site.ids() if replica_site.article(i).location == "São Paulo")
    assert '<span class="text-capitalize">S&#xE3;o Paulo</span>' in replica_site.render_article(sao)


def test_slug_rule_examples_from_site_md():
    title = (
        "Amazon Great Summer Sale - Exclusive No Cost EMI Offers on Bajaj Finserv EMI Network Card"
    )
    assert slug(2439536, title) == (
        "2439536-amazon-great-summer-sale---exclusive-no-cost-emi-offers-on-bajaj-finserv-emi-network-card"
    )
    title = "Five down, five to go: NASA's Perseverance rover just dropped off another sample tube"
    title += " on Mars"
    assert slug(2311486, title) == (
        "2311486-five-down-five-to-go-nasas-perseverance-rover-just-dropped-off-another-sample-tube-on-mars"
    )
    assert slug(1, "São Paulo  —  rains") == "1-so-paulo-rains"
    long_title = "word " * 60
    assert len(slug(7, long_title)) <= 130 and not slug(7, long_title).endswith("-")
    assert len(slug(7, long_title, 150)) > 130


def test_bot_user_agent_hides_tags_disclaimers_ads_and_summary(replica_site):
    desk = next(i for i in replica_site.ids() if replica_site.article(i).disclaimer == "inputs")
    blog = next(
        i
        for i in replica_site.ids()
        if replica_site.article(i).author and replica_site.article(i).tags
    )
    for news_id in (desk, blog, "809210"):
        human, bot = (
            replica_site.render_article(news_id),
            replica_site.render_article(news_id, bot=True),
        )
        assert "READ MORE ON:" in human and 'class="ai-summary-card"' in human
        for hidden in (
            "READ MORE ON:",
            "FIRST PUBLISHED IN:",
            '<ins class="adsbygoogle"',
            'class="ai-summary-card"',
            "(With inputs from agencies.)",
            "auto-generated from a syndicated feed",
        ):
            assert hidden not in bot
        assert 'name="news_keywords"' in bot
    record = replica_site.expected_record(desk, bot=True)
    assert (
        record["syndicated"] is False and replica_site.expected_record(desk)["syndicated"] is True
    )
    many = next(i for i in replica_site.ids() if len(replica_site.article(i).tags) > 15)
    assert (
        replica_site.expected_record(many, bot=True)["tags"] == replica_site.article(many).tags[:15]
    )


def test_in_body_ads_and_summary_are_not_story_text(replica_site):
    news_id = next(i for i in replica_site.ids() if len(replica_site.article(i).blocks) > 5)
    html = replica_site.render_article(news_id)
    page = Selector(html)
    assert page.css("section.article-cont ins.adsbygoogle")
    assert not page.css("section.article-cont div.ai-summary-card")
    assert page.css("div.ai-summary-card p")
    assert "Advertisement" not in replica_site.expected_record(news_id)["body"]


def test_news_article_json_ld_is_invalid_since_2024_and_breadcrumb_is_valid(replica_site):
    news_id = next(i for i in replica_site.ids() if replica_site.article(i).markup == "2026")
    blocks = (
        Selector(replica_site.render_article(news_id))
        .css('script[type="application/ld+json"]::text')
        .getall()
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[0])
    crumbs = json.loads(blocks[1])
    assert crumbs["@type"] == "BreadcrumbList"


# -- over HTTP -------------------------------------------------------------------------------------


def test_http_basics_and_request_log(replica_server):
    news_id = replica_server.site.ids()[-1]
    path = urlsplit(replica_server.site.canonical_url(news_id)).path
    response = fetch(replica_server.base_url, path, "probe/1.0")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert int(response.getheader("Content-Length")) == len(response.body)
    assert ("GET", path, "probe/1.0") in list(replica_server.requests)
    parts = urlsplit(replica_server.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for target in ("/robots.txt", path, "/sitemap.xml"):
        connection.request("GET", target)
        answer = connection.getresponse()
        assert answer.status == 200 and len(answer.read()) == int(
            answer.getheader("Content-Length")
        )
    connection.close()


def test_article_aliases_redirect_or_serve_with_the_canonical(replica_server):
    site = replica_server.site
    labelled = next(i for i in site.ids()[2:] if site.article(i).label)
    data = site.article(labelled)
    canonical_path = urlsplit(data.canonical_url).path
    for alias in (
        f"/article/{labelled}",
        f"/article/agency-wire/{labelled}-whatever",
        f"/Home/Detail/{site.guid(int(labelled))}",
    ):
        final, chain = follow(replica_server.base_url, alias)
        assert (
            final.status == 200
            and all(status == 301 for status, _ in chain[:-1])
            and len(chain) >= 2
        )
        assert urlsplit(chain[-1][1]).path == canonical_path
        assert urlsplit(chain[-1][1]).netloc == urlsplit(replica_server.base_url).netloc
    detail_chain = follow(replica_server.base_url, f"/Home/Detail/{site.guid(int(labelled))}")[1]
    assert len(detail_chain) == 3 and "/article/agency-wire/" in detail_chain[1][1]
    wrong = LABELS[(LABELS.index(data.label) + 1) % len(LABELS)]
    for alias in (
        f"/article/{wrong}/{labelled}-x",
        f"/article/{data.label}/{labelled}",
        canonical_path.replace("---", "-"),
    ):
        response = fetch(replica_server.base_url, alias)
        assert response.status == 200
        assert (
            Selector(response.text).css("link[rel=canonical]::attr(href)").get()
            == data.canonical_url
        )
    amp = fetch(replica_server.base_url, canonical_path + "?amp")
    assert amp.status == 200 and amp.text.startswith("<!doctype html>\n<html \u26a1")
    redirect = fetch(replica_server.base_url, f"/article/{labelled}?amp")
    assert redirect.status == 301 and redirect.getheader("Location").endswith("?amp")
    unlabelled = next(i for i in site.ids() if site.article(i).label is None)
    assert fetch(replica_server.base_url, f"/article/{unlabelled}").status == 200
    assert fetch(replica_server.base_url, f"/article/agency-wire/{unlabelled}-x").status == 200


def test_unknown_ids_are_500_and_unknown_paths_404(replica_server):
    assert fetch(replica_server.base_url, "/article/international/123-no-such-story").status == 500
    assert fetch(replica_server.base_url, "/article/international/no-digits").status == 500
    assert (
        fetch(replica_server.base_url, "/Home/Detail/00000000-0000-0000-0000-000000000000").status
        == 500
    )
    assert fetch(replica_server.base_url, "/no/such/page").status == 404
    assert fetch(replica_server.base_url, "/rss/website").status == 404


def test_news_sitemap_is_case_insensitive_capped_and_pins_two_old_articles(serve_replica):
    site = ReplicaSite(articles=3000, seed=3)
    server = serve_replica(site)
    lower = fetch(server.base_url, "/rss/googlenews")
    upper = fetch(server.base_url, "/RSS/GoogleNews")
    assert lower.status == upper.status == 200 and lower.body == upper.body
    assert "xml" in upper.getheader("Content-Type")
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    urls = ElementTree.fromstring(upper.body).findall("s:url", ns)
    assert len(urls) == 502
    ids = [re.search(r"/(\d+)-", u.find("s:loc", ns).text)[1] for u in urls]
    assert ids[-2:] == ["806669", "809210"] and len(set(ids)) == 502
    lastmods = [u.find("s:lastmod", ns).text for u in urls[:-2]]
    assert lastmods == sorted(lastmods, reverse=True)
    cutoff = site.now - timedelta(days=2.5)
    for url, news_id in zip(urls[:-2], ids[:-2], strict=True):
        data = site.article(news_id)
        assert data.created >= cutoff
        published = url.find("n:news/n:publication_date", ns).text
        assert published[:16] == site.expected_record(news_id)["created"][:16]
        assert url.find("s:loc", ns).text.startswith("https://www.devdiscourse.com/article/")
    newest_modified = max(site.article(i).modified for i in site.ids()[2:])
    assert lastmods[0] == newest_modified.astimezone(IST).isoformat()


def test_listing_windows_page_sizes_and_pagers(serve_replica):
    site = ReplicaSite(articles=45_000, seed=5)
    server = serve_replica(site)
    first = Selector(fetch(server.base_url, "/pti-stories?page=1").text)
    assert first.css("h2.section-title span::text").get() == "PTI STORIES"
    items = first.css("a.text-decoration h3.title-sub")
    assert len(items) == 20 and first.css("ul.pagination")
    total_pages = int(re.search(r"Page 1 of (\d+)", first.get())[1])
    last = Selector(fetch(server.base_url, f"/pti-stories?page={total_pages}").text)
    hrefs = last.css("div.listing a.text-decoration::attr(href)").getall()
    assert 1 <= len(hrefs) <= 20
    oldest = site.article(re.search(r"/(\d+)-", hrefs[-1])[1])
    assert oldest.source == "PTI" and site.now - oldest.created <= timedelta(days=30)
    assert site.now - oldest.created > timedelta(days=29), "the window should reach back 30 days"
    wire = Selector(fetch(server.base_url, "/AgencyWire?page=2").text)
    wire_ids = [re.search(r"/(\d+)-", h)[1] for h in wire.css("div.listing a::attr(href)").getall()]
    assert len(wire_ids) == 40
    assert {site.article(i).source for i in wire_ids} <= {"PTI", "Reuters", "IANS"}
    wire_pages = int(re.search(r"Page 2 of (\d+)", wire.get())[1])
    wire_last = Selector(fetch(server.base_url, f"/AgencyWire?page={wire_pages}").text)
    wire_oldest = re.search(r"/(\d+)-", wire_last.css("div.listing a::attr(href)").getall()[-1])[1]
    assert timedelta(days=9) < site.now - site.article(wire_oldest).created <= timedelta(days=10)
    desk = Selector(fetch(server.base_url, "/devdiscourse-stories?page=3").text)
    desk_ids = [re.search(r"/(\d+)-", h)[1] for h in desk.css("div.listing a::attr(href)").getall()]
    assert {site.article(i).source for i in desk_ids} == {"Devdiscourse News Desk"}


def test_label_listing_and_get_news_items_fragments(replica_server):
    site = replica_server.site
    label = "international"
    expected = sorted(
        (int(i) for i in site.ids() if site.article(i).label == label),
        key=lambda i: site.article(i).created,
        reverse=True,
    )
    page = Selector(fetch(replica_server.base_url, f"/stories/{label}").text)
    first = [
        int(re.search(r"/(\d+)-", h)[1])
        for h in page.css("#news-items div.media a.text-decoration::attr(href)").getall()
    ]
    assert first == expected[:20]
    times = page.css("#news-items div.media small.font-oswald::text").getall()
    assert len(times) == 20 and all(
        re.search(r"ago$|^Yesterday$|^\d+ \w+ \d{4}$", t) for t in times
    )
    collected = list(first)
    number = 2
    while True:
        target = (
            f"/Home/GetNewsItems?sector=&region=&country=&tag=&page={number}&cat=&label={label}"
        )
        fragment = fetch(replica_server.base_url, target)
        assert fragment.status == 200
        ids = [int(i) for i in re.findall(r'href="/article/[a-z-]+/(\d+)-', fragment.text)]
        if not ids:
            assert fragment.text.strip() == ""
            break
        assert len(ids) <= 20
        collected += ids
        number += 1
    assert collected == expected


def test_hub_sitemap_robots_home_and_hub_pages(replica_server):
    hub = fetch(replica_server.base_url, "/sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", hub.text)
    assert 30 <= len(locs) <= 45 and not any("/article/" in loc for loc in locs)
    robots = fetch(replica_server.base_url, "/robots.txt").text
    assert "Disallow: /Home/AdvancedSearch" in robots and "Disallow: /api/" in robots
    disallowed = re.findall(r"Disallow: (\S+)", robots)
    for path in (
        "/article/",
        "/pti-stories",
        "/Home/GetNewsItems",
        "/stories/",
        "/RSS/GoogleNews",
        "/AgencyWire",
    ):
        assert not any(path.startswith(rule) for rule in disallowed)
    home = Selector(fetch(replica_server.base_url, "/").text)
    assert any(h.startswith("article/") for h in home.css("a::attr(href)").getall())
    for path in (
        "/south-asia",
        "/blogs",
        "/Home/AuthorArticles?fl=Ankita%20Sharma",
        "/news/wash",
        "/news?tag=AI",
        "/news-source/WAM",
    ):
        assert fetch(replica_server.base_url, path).status == 200, path


def test_every_link_on_a_page_reaches_an_article_or_a_known_page(replica_server, decoy_server):
    site = replica_server.site
    base = replica_server.base_url
    pages = ["/", "/pti-stories", *[urlsplit(site.canonical_url(i)).path for i in site.ids()[::40]]]
    seen: set[str] = set()
    for page_path in pages:
        html = fetch(base, page_path).text
        for href in Selector(html).css("a::attr(href)").getall():
            url = urljoin(base + page_path, href)
            url = url.replace("https://www.devdiscourse.com", base)
            if url.startswith(decoy_server.base_url) or "#" in url or url in seen:
                continue
            seen.add(url)
            final, chain = follow(base, url)
            if urlsplit(chain[-1][1]).netloc != urlsplit(base).netloc:
                continue
            assert final.status == 200, (page_path, href, chain)
    assert len(seen) > 100


def test_decoy_links_and_redirect_leave_the_replica(replica_server, decoy_server):
    site = replica_server.site
    pages = "".join(site.render_article(i) for i in site.ids())
    assert decoy_server.base_url + "/article/" in pages
    response = fetch(replica_server.base_url, f"/Home/Detail/{site.decoy_guid()}")
    assert response.status == 301 and response.getheader("Location").startswith(
        decoy_server.base_url
    )
    before = len(decoy_server.requests)
    final, _chain = follow(replica_server.base_url, f"/Home/Detail/{site.decoy_guid()}")
    assert final.status == 200 and len(decoy_server.requests) == before + 1
    decoy_ids = re.findall(re.escape(decoy_server.base_url) + r"/article/[a-z-]+/(\d+)", pages)
    assert decoy_ids and not set(decoy_ids) & set(site.ids())


def test_command_line_serves_on_the_port_it_prints():
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbot.replica", "--port", "0", "--articles", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"replica: serving 52 articles at (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        assert fetch(match[1], "/robots.txt").status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
