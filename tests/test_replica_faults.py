"""Faults on purpose (issue 4, replica side): every mode served as specified, with its truth."""

import http.client
import json
import re
import socket
import time
from collections import Counter
from xml.etree import ElementTree

import pytest
from lxml import etree
from parsel import Selector

from newsbot.replica import ReplicaSite, serve_in_thread
from newsbot.replica.faults import (
    ARTICLE_MODES,
    BAD_UTF8,
    BAD_UTF8_TEXT,
    DISCOVERY_MODES,
    DROP_REASONS,
    IMPOSSIBLE_TIME,
    LOOP_SUFFIX,
    ONCE_MODES,
    REASONS,
    RECORD_MODES,
)
from newsbot.replica.model import DISCLAIMED_AGENCIES
from newsbot.replica.pages import JUNK_ID_BASE
from newsbot.replica.routes import handle

BOT_UA = "newsbot/1.0 (+https://example.org/newsbot)"


def get(server, target: str, timeout: float = 10, user_agent: str = "probe/1.0"):
    """One GET without following redirects; `.body` holds the raw bytes."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request("GET", target, headers={"User-Agent": user_agent})
        response = connection.getresponse()
        response.body = response.read()
        return response
    finally:
        connection.close()


def has_amp(data) -> bool:
    """The site serves an AMP page for the article (agency stories answer 500: docs/site.md
    §8.4)."""
    return data.source not in DISCLAIMED_AGENCIES


def pick(site: ReplicaSite, count: int, wanted=has_amp) -> list[int]:
    """Ids (not pinned) whose data satisfies `wanted` (by default: it has an AMP page), oldest
    first."""
    found = []
    for news_id in site.ids()[2:]:
        if wanted(site.article(news_id)):
            found.append(int(news_id))
            if len(found) == count:
                break
    return found


@pytest.fixture(scope="module")
def faulted(decoy_server, decoy_port_server):
    """300 articles, one explicit target per article mode, discovery modes on chosen paths."""
    site = ReplicaSite(
        articles=300,
        seed=1,
        decoy_url=decoy_server.base_url,
        decoy_port_url=decoy_port_server.base_url,
    )
    pictured = pick(
        site, 1, lambda d: has_amp(d) and d.image is not None and not d.video and d.image.caption
    )
    plain = [i for i in pick(site, 60) if i not in pictured]
    config = {mode: [plain[n]] for n, mode in enumerate(m for m in ARTICLE_MODES)}
    config["script_in_title"] = pictured
    config.update(
        sitemap_malformed=["/sitemap.xml"],
        sitemap_bomb=["/RSS/GoogleNews"],
        endless_pagination=["/pti-stories"],
        junk_links=["/devdiscourse-stories"],
    )
    site.faults = config
    site.slow_seconds = 0.5
    site.huge_bytes = 2 * 1024 * 1024
    site.junk_link_count = 100_000
    server = serve_in_thread(site)
    yield server
    server.stop()


def target_of(server, mode: str) -> tuple[int, str]:
    news_id = int(server.site.fault_targets(mode)[0])
    return news_id, server.site.canonical_path(news_id)


def healthy_page(server, news_id: int, variant: str = "desktop", bot: bool = False) -> bytes:
    return server.site.render_article(news_id, variant, bot).encode()


# -- configuration, assignment, truth -------------------------------------------------------------


def test_a_site_without_faults_serves_identical_pages(serve_replica):
    plain = serve_replica(ReplicaSite(articles=200, seed=3))
    empty = serve_replica(ReplicaSite(articles=200, seed=3, faults={}))
    some = ReplicaSite(articles=200, seed=3, faults={"404": 0.5, "truncated": 0.3})
    served = serve_replica(some)
    healthy = [i for i in some.ids() if some.fault_of(i) is None][:5]
    targets = ["/", "/RSS/GoogleNews", "/sitemap.xml", "/pti-stories", "/AgencyWire?page=2"]
    targets += [some.canonical_path(int(i)) for i in healthy]
    targets += [some.canonical_path(int(i)) + "?amp" for i in healthy[:2]]
    for target in targets:
        reference = get(plain, target)
        for other in (empty, served):
            response = get(other, target)
            assert (response.status, response.body) == (reference.status, reference.body), target
    assert empty.site.fault_of(healthy[0]) is None and not empty.site.faults


def test_assignment_is_deterministic_exclusive_and_honours_rates():
    rates = dict.fromkeys(ARTICLE_MODES, 0.03)
    site = ReplicaSite(articles=2000, seed=7, faults=rates)
    again = ReplicaSite(articles=2000, seed=7, faults=rates)
    other = ReplicaSite(articles=2000, seed=8, faults=rates)
    ids = site.ids()
    faults = {i: site.fault_of(i) for i in ids}
    assert faults == {i: again.fault_of(i) for i in ids}
    assert faults != {i: other.fault_of(i) for i in other.ids()}
    counts = Counter(faults.values())
    for mode in ARTICLE_MODES:
        assert 30 <= counts[mode] <= 95, (mode, counts[mode])  # 60 expected of 2002
    assert 250 <= counts[None] <= 400  # 16 % healthy
    # At most one fault per article: the targets of the modes partition the faulted ids.
    targets = [i for mode in ARTICLE_MODES for i in site.fault_targets(mode)]
    assert len(targets) == len(set(targets)) == sum(1 for f in faults.values() if f)
    assert faults[ids[0]] is None and faults[ids[1]] is None  # the pinned ones: only if listed
    healthy = site.healthy_ids()
    assert healthy == [i for i in ids if faults[i] is None or faults[i] in RECORD_MODES]


def test_a_mode_alone_at_rate_one_or_by_list_and_bad_configurations():
    site = ReplicaSite(articles=100, seed=2, faults={"404": 1.0})
    # Live blogs are faulted only when named (faults.FaultPlan.article_fault).
    unnamed = [i for i in site.ids()[2:] if not site.article(i).is_live_blog]
    assert {site.fault_of(i) for i in unnamed} == {"404"}
    chosen = site.ids()[10:13]
    site.faults = {"pdf": chosen, "404": 0.2}
    assert [site.fault_of(i) for i in chosen] == ["pdf"] * 3
    assert site.fault_targets("pdf") == chosen
    assert site.faults == {"pdf": chosen, "404": 0.2}
    pinned = site.ids()[0]
    site.faults = {"empty": [pinned]}
    assert site.fault_of(pinned) == "empty"
    for bad in (
        {"nonsense": 0.1},
        {"404": 1.5},
        {"404": 0.6, "pdf": 0.6},
        {"404": [chosen[0]], "pdf": [chosen[0]]},
        {"404": "all"},
    ):
        with pytest.raises(ValueError):
            ReplicaSite(articles=10, faults=bad)


def test_discovery_modes_by_rate_take_default_paths():
    site = ReplicaSite(articles=50, seed=1, faults={"sitemap_bomb": 0.02})
    assert site.fault_targets("sitemap_bomb") == ["/RSS/GoogleNews", "/sitemap.xml"]
    site.faults = dict.fromkeys(DISCOVERY_MODES, 0.02)
    sitemaps = [site.path_fault(p) for p in ("/sitemap.xml", "/rss/googlenews")]
    assert len(set(sitemaps)) == 2 and set(sitemaps) <= {
        "sitemap_malformed",
        "sitemap_bomb",
        "sitemap_xxe",
    }
    endless, junk = site.fault_targets("endless_pagination"), site.fault_targets("junk_links")
    assert len(endless) == len(junk) == 1 and endless != junk
    assert {endless[0], junk[0]} <= {"/pti-stories", "/devdiscourse-stories", "/AgencyWire"}


def test_expected_outcomes_name_the_crawler_facing_reasons(faulted):
    site = faulted.site
    assert set(DROP_REASONS.values()) == set(REASONS)
    for mode in ARTICLE_MODES:
        news_id = site.fault_targets(mode)[0]
        kind, value = site.expected_outcome(news_id)
        if mode in DROP_REASONS:
            assert (kind, value) == ("dropped", DROP_REASONS[mode]), mode
            assert news_id not in site.healthy_ids()
        else:
            assert kind == "record" and value["id"] == news_id, mode
            assert news_id in site.healthy_ids()
    for mode in (*ONCE_MODES, "jsonld_missing", "jsonld_broken"):
        news_id = site.fault_targets(mode)[0]
        assert site.expected_outcome(news_id)[1] == site.expected_record(news_id)
        assert site.expected_outcome(news_id, "amp", True)[1] == site.expected_record(
            news_id, "amp", True
        )


# -- HTTP: once, permanent, slow, reset ------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "status", "retry_after"),
    [("500_once", 500, None), ("503_retry_after", 503, "1"), ("429_retry_after", 429, "2")],
)
def test_once_modes_fail_the_first_request_of_each_url_then_serve_healthy(
    faulted, mode, status, retry_after
):
    news_id, path = target_of(faulted, mode)
    first = get(faulted, path)
    assert (first.status, first.getheader("Retry-After")) == (status, retry_after)
    for _ in range(2):
        again = get(faulted, path)
        assert (again.status, again.body) == (200, healthy_page(faulted, news_id))
    assert faulted.site.fault_hits(path) == 3
    amp = get(faulted, path + "?amp")  # another URL: its own first failure
    assert amp.status == status
    assert get(faulted, path + "?amp").body == healthy_page(faulted, news_id, "amp")


def test_retry_after_seconds_is_configurable_and_requests_are_timestamped(serve_replica):
    site = ReplicaSite(articles=50, seed=1, faults={"429_retry_after": 1.0})
    site.retry_after_seconds = 7
    server = serve_replica(site)
    path = site.canonical_path(int(site.ids()[5]))
    before = time.time()
    assert get(server, path).getheader("Retry-After") == "7"
    assert get(server, path).status == 200
    entries = list(server.requests)
    assert [tuple(e) for e in entries] == [("GET", path, "probe/1.0")] * 2
    method, logged_path, _ = entries[0]  # still a 3-tuple
    assert (method, logged_path) == ("GET", path)
    assert before <= entries[0].at <= entries[1].at <= time.time()
    assert [t[1:] for t in server.requests.timed()] == [("GET", path, "probe/1.0")] * 2


@pytest.mark.parametrize(("mode", "status"), [("500_permanent", 500), ("404", 404)])
def test_permanent_errors_never_heal(faulted, mode, status):
    _, path = target_of(faulted, mode)
    assert [get(faulted, path).status for _ in range(3)] == [status] * 3
    assert get(faulted, path + "?amp").status == status


def test_slow_answers_after_slow_seconds(faulted):
    news_id, path = target_of(faulted, "slow")
    start = time.monotonic()
    response = get(faulted, path)
    assert time.monotonic() - start >= 0.5
    assert response.body == healthy_page(faulted, news_id)
    with pytest.raises(TimeoutError):
        get(faulted, path, timeout=0.2)


def raw_get(server, target: str) -> tuple[bytes, bytes, BaseException | None]:
    """(head, body bytes received, the error that ended the read) over a raw socket."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data, error = b"", None
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError as exc:
            error = exc
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body, error


def test_reset_sends_full_length_headers_then_part_of_the_body_and_resets(faulted):
    news_id, path = target_of(faulted, "reset")
    full = healthy_page(faulted, news_id)
    head, body, error = raw_get(faulted, path)
    assert head.startswith(b"HTTP/1.1 200")
    assert f"Content-Length: {len(full)}".encode() in head
    assert 0 < len(body) < len(full) and full.startswith(body)
    assert isinstance(error, ConnectionResetError)
    assert get(faulted, "/sitemap.xml").status == 200  # the server lives on


# -- HTTP: bodies that are not articles ------------------------------------------------------------


def test_truncated_is_a_cut_page_with_a_matching_length_every_time(faulted):
    news_id, path = target_of(faulted, "truncated")
    bodies = set()
    for _ in range(2):
        response = get(faulted, path)
        assert response.status == 200
        assert int(response.getheader("Content-Length")) == len(response.body)
        bodies.add(response.body)
    (body,) = bodies
    assert body.startswith(b"<!DOCTYPE html>") and b"</html>" not in body
    assert healthy_page(faulted, news_id).startswith(body)


@pytest.mark.parametrize(
    ("mode", "content_type", "start"),
    [
        ("empty", "text/html; charset=utf-8", b""),
        ("pdf", "application/pdf", b"%PDF-"),
        ("image", "image/jpeg", b"\xff\xd8\xff"),
    ],
)
def test_empty_pdf_and_image_at_article_urls(faulted, mode, content_type, start):
    _, path = target_of(faulted, mode)
    response = get(faulted, path)
    assert (response.status, response.getheader("Content-Type")) == (200, content_type)
    assert response.body.startswith(start) and (mode == "empty") == (response.body == b"")


def test_huge_streams_a_page_larger_than_huge_bytes(faulted):
    _, path = target_of(faulted, "huge")
    response = get(faulted, path)
    assert int(response.getheader("Content-Length")) == len(response.body) >= 2 * 1024 * 1024
    assert response.body.endswith(b"</html>\n")
    assert b"<!--xxxx" in response.body
    # A client that gives up mid-body leaves the server serving.
    with socket.create_connection((faulted.host, faulted.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        sock.recv(65536)
    assert get(faulted, "/sitemap.xml").status == 200


# -- HTTP: redirects -------------------------------------------------------------------------------


def test_redirect_loop_goes_a_b_a(faulted):
    news_id, path = target_of(faulted, "redirect_loop")
    first = get(faulted, path)
    assert first.status == 301
    location_b = first.getheader("Location")
    b_path = location_b.split(str(faulted.port), 1)[1]
    assert b_path == f"/article/{faulted.site.section_of(news_id)}/{news_id}{LOOP_SUFFIX}"
    second = get(faulted, b_path)
    assert second.status == 301 and second.getheader("Location").endswith(path)
    assert get(faulted, path + "?amp").getheader("Location").endswith(LOOP_SUFFIX + "?amp")


def test_redirects_off_the_host_to_files_and_to_ftp(faulted, decoy_server, decoy_port_server):
    _, path = target_of(faulted, "redirect_offhost")
    assert get(faulted, path).getheader("Location") == decoy_server.base_url + path
    assert decoy_server.base_url.startswith("http://127.0.0.2:")
    _, path = target_of(faulted, "redirect_other_port")
    assert get(faulted, path).getheader("Location") == decoy_port_server.base_url + path
    assert decoy_port_server.base_url.startswith("http://127.0.0.1:")
    assert decoy_port_server.base_url != faulted.base_url
    _, path = target_of(faulted, "redirect_file")
    assert get(faulted, path).getheader("Location") == "file:///etc/passwd"
    _, path = target_of(faulted, "redirect_ftp")
    assert get(faulted, path).getheader("Location") == "ftp://127.0.0.1/x"


# -- content faults: served 200, the markup is hostile ---------------------------------------------


def page_of(server, mode: str, variant: str = "desktop") -> tuple[int, Selector, str]:
    news_id, path = target_of(server, mode)
    response = get(server, path + ("?amp" if variant == "amp" else ""))
    assert response.status == 200
    text = response.body.decode("utf-8", "replace")
    return news_id, Selector(text), text


def test_no_byline_leaves_no_source_anywhere(faulted):
    for variant in ("desktop", "amp"):
        _, page, text = page_of(faulted, "no_byline", variant)
        assert "Created:" not in text and "Updated:" not in text
        assert not page.css('meta[name="article:author"], div.metadata, hr.seperator, p.source')
        assert '"author"' not in text and "FIRST PUBLISHED IN" not in text
        assert page.css("h1.title")


def test_no_title_leaves_no_title_anywhere(faulted):
    for variant in ("desktop", "amp"):
        _, page, text = page_of(faulted, "no_title", variant)
        assert not page.css("h1, title, meta[property='og:title']")
        assert '"headline"' not in text and "Created:" in text


def test_no_dates_and_impossible_dates(faulted):
    for variant in ("desktop", "amp"):
        _, page, text = page_of(faulted, "no_dates", variant)
        assert "Created:" not in text and "datePublished" not in text
        assert page.css('meta[name="article:author"]')
        _, page, text = page_of(faulted, "impossible_dates", variant)
        assert f"Created: {IMPOSSIBLE_TIME}" in text and "Updated:" not in text
        assert "datePublished" not in text and "dateModified" not in text
        assert not re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d IST", text.replace(IMPOSSIBLE_TIME, ""))


def test_updated_before_created_is_kept_as_the_page_says(faulted):
    news_id, page, text = page_of(faulted, "updated_before_created")
    match = re.search(r"Updated: (\d\d-\d\d-\d{4} \d\d:\d\d) IST \| Created: ([^<]*) IST", text)
    assert match
    kind, record = faulted.site.expected_outcome(news_id)
    assert kind == "record" and record["updated"] < record["created"]
    healthy = faulted.site.expected_record(news_id)
    assert record["created"] == healthy["created"] and record["body"] == healthy["body"]
    published = page.css('meta[itemprop="datePublished"]::attr(content)').get()
    if published:
        assert published == record["created"]
        assert page.css('meta[itemprop="dateModified"]::attr(content)').get() == record["updated"]


def test_json_ld_missing_or_broken(faulted):
    _, page, text = page_of(faulted, "jsonld_missing")
    assert "ld+json" not in text and page.css("h1.title")
    _, page, _ = page_of(faulted, "jsonld_broken")
    blocks = page.css('script[type="application/ld+json"]::text').getall()
    assert len(blocks) >= 2
    for block in blocks:
        with pytest.raises(json.JSONDecodeError):
            json.loads(block)


def test_bad_utf8_bytes_sit_in_the_first_paragraph_and_decode_to_two_replacements(faulted):
    news_id, path = target_of(faulted, "bad_utf8")
    for variant, query in (("desktop", ""), ("amp", "?amp")):
        body = get(faulted, path + query).body
        assert body.count(BAD_UTF8) == 1
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert BAD_UTF8.decode("utf-8", "replace") == BAD_UTF8_TEXT == "\ufffd\ufffd"
        page = Selector(body.decode("utf-8", "replace"))
        container = "section.article-cont" if variant == "desktop" else "div.description"
        first = " ".join(
            "".join(page.css(container)[0].css("p")[0].xpath(".//text()").getall()).split()
        )
        kind, record = faulted.site.expected_outcome(news_id, variant)
        assert kind == "record" and record["body"].split("\n\n")[0] == first
        assert first.startswith(BAD_UTF8_TEXT)
        healthy = faulted.site.expected_record(news_id, variant)
        assert record["body"] == BAD_UTF8_TEXT + healthy["body"]


def test_script_and_markup_in_title_and_caption(faulted):
    news_id, page, text = page_of(faulted, "script_in_title")
    h1 = page.css("h1.title")[0]
    assert h1.css("script") and h1.css("b")
    seen = " ".join("".join(h1.xpath(".//text()[not(ancestor::script)]").getall()).split())
    kind, record = faulted.site.expected_outcome(news_id)
    assert kind == "record" and record["title"] == seen and record["title"].endswith(" <updated>")
    assert "&lt;updated&gt;" in text
    caption = page.css("figure.figure figcaption")[0]
    assert caption.css("script") and caption.css("b")
    shown = " ".join("".join(caption.xpath(".//text()[not(ancestor::script)]").getall()).split())
    healthy = faulted.site.expected_record(news_id)
    assert (
        shown
        == f"{healthy['image_caption']} Image Credit: {faulted.site.article(news_id).image.credit}"
    )
    assert {k: v for k, v in record.items() if k != "title"} == {
        k: v for k, v in healthy.items() if k != "title"
    }
    _, amp, _ = page_of(faulted, "script_in_title", "amp")
    assert amp.css("h1.title script")


def test_many_tags_are_thousands_of_links_capped_at_20_distinct_in_the_truth(faulted):
    news_id, page, _ = page_of(faulted, "many_tags")
    tags = page.css("a.tag::text").getall()
    assert len(tags) >= 3000 and len(set(tags)) < len(tags)
    kind, record = faulted.site.expected_outcome(news_id)
    assert kind == "record" and record["tags"] == list(dict.fromkeys(tags))[:20]
    keywords = page.css('meta[name="news_keywords"]::attr(content)').get().split(", ")
    assert len(keywords) == len(set(keywords)) == 15 and tags[15:30] == keywords
    assert record["tags"] == keywords + tags[30:35]
    _, bot_record = faulted.site.expected_outcome(news_id, bot=True)
    assert bot_record["tags"] == keywords


# -- discovery faults ------------------------------------------------------------------------------


def loc_count(xml: bytes) -> int:
    return len(re.findall(rb"<loc>", xml))


def test_malformed_sitemap_does_not_parse(faulted):
    body = get(faulted, "/sitemap.xml").body
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(body)
    assert get(faulted, "/RSS/GoogleNews").status == 200


def test_bomb_sitemap_defines_a_billion_laughs_and_keeps_its_entries(faulted):
    body = get(faulted, "/rss/googlenews").body
    assert b"<!ENTITY lol9" in body and b"&lol9;" in body
    healthy = faulted.site.snapshot()
    healthy.faults = {}
    served = serve_in_thread(healthy)
    try:
        reference = get(served, "/RSS/GoogleNews").body
    finally:
        served.stop()
    assert loc_count(body) == loc_count(reference) + 1
    # A safe parser never expands it: libxml2 even refuses the document outright.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    start = time.monotonic()
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(body, parser)
    assert time.monotonic() - start < 2


def test_xxe_sitemap_names_a_local_file_and_the_decoy(faulty_replica, decoy_server):
    server = faulty_replica({"sitemap_xxe": 1.0})
    for target in ("/sitemap.xml", "/RSS/GoogleNews"):
        body = get(server, target).body
        assert b'SYSTEM "file:///etc/passwd"' in body and b"&xxe;" in body
        assert f'SYSTEM "{decoy_server.base_url}/'.encode() in body and b"%remote;" in body
    before = len(decoy_server.requests)
    etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    assert len(decoy_server.requests) == before


def test_endless_pagination_never_ends(faulted):
    for page in (1, 7, 10_000):
        text = get(faulted, f"/pti-stories?page={page}").body.decode()
        listing = Selector(text).css("div.listing a.text-decoration::attr(href)").getall()
        assert len(listing) == 20
        assert f'href="/pti-stories?page={page + 1}"' in text
        assert f"Page {page} of {page + 1}" in text
    other = Selector(get(faulted, "/AgencyWire?page=500").body.decode())  # other listings end
    assert other.css("div.listing").get() == '<div class="listing"></div>'
    assert "?page=" not in other.css("div.col-md-8").get()  # and AgencyWire prints no pager


def test_junk_links_page_carries_100000_links_that_answer_500(faulted):
    body = get(faulted, "/devdiscourse-stories", timeout=30).body
    junk = re.findall(rb'href="/article/agency-wire/(\d+)-junk"', body)
    assert len(junk) == 100_000
    ids = set(faulted.site.ids())
    assert int(junk[0]) == JUNK_ID_BASE and not {j.decode() for j in junk[:1000]} & ids
    assert get(faulted, f"/article/agency-wire/{JUNK_ID_BASE + 99_999}-junk").status == 500
    assert b"-junk" not in get(faulted, "/devdiscourse-stories?page=2").body


# -- the mixed site --------------------------------------------------------------------------------


def test_a_mixed_2000_article_site_serves_every_mode(faulty_replica):
    server = faulty_replica(
        {**dict.fromkeys(ARTICLE_MODES, 0.02), **dict.fromkeys(DISCOVERY_MODES, 0.02)},
        articles=2000,
        slow_seconds=0.3,
        huge_bytes=200_000,
        junk_link_count=1000,
    )
    site = server.site
    expected = {
        "500_once": 500, "503_retry_after": 503, "429_retry_after": 429, "500_permanent": 500,
        "404": 404, "redirect_loop": 301, "redirect_offhost": 301, "redirect_other_port": 301,
        "redirect_file": 301, "redirect_ftp": 301,
    }  # fmt: skip
    for mode in ARTICLE_MODES:
        targets = site.fault_targets(mode)
        assert targets, mode
        if mode == "reset":
            continue
        response = get(server, site.canonical_path(int(targets[0])), user_agent=BOT_UA)
        assert response.status == expected.get(mode, 200), mode
    healthy = [i for i in site.ids() if site.fault_of(i) is None][:3]
    for news_id in healthy:
        body = get(server, site.canonical_path(int(news_id)), user_agent=BOT_UA).body
        assert body == site.render_article(news_id, bot=True).encode()


def test_bad_utf8_is_served_for_every_article_whatever_its_story_holds():
    """The bytes go inside the first paragraph as printed (the server's entity replacements
    included), for any article."""
    site = ReplicaSite(articles=300, seed=11, faults={"bad_utf8": 1.0})
    for news_id in site.ids()[2:]:
        if site.article(news_id).is_live_blog:
            continue  # faulted only when named (faults.FaultPlan.article_fault)
        answer = handle(site, site.canonical_path(int(news_id)), "probe/1.0")
        assert answer.status == 200 and answer.body.count(BAD_UTF8) == 1, news_id
