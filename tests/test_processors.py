"""Example tables for every public function of newsbot/processors.py.

Expected values come from docs/site.md (the site's formats) and the README's record table (the
record rules), not from running the code. IST is India Standard Time, UTC+05:30 (docs/site.md §6).
"""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsbot.processors import (
    api_time,
    as_printed,
    author_from_href,
    byline_created,
    byline_location,
    byline_parts,
    byline_source,
    byline_updated,
    caption_part,
    clean_credit,
    clean_text,
    clock_offset,
    credit_part,
    distinct,
    distinct_tags,
    drop_boilerplate,
    drop_stock_image,
    has_disclaimer,
    image_from_proxy,
    is_boilerplate,
    is_opinion_headline,
    is_syndicated,
    join_paragraphs,
    parse_datetime,
    parse_json_ld,
    post_url,
    reconcile_times,
    sector_from_href,
    split_keywords,
    strip_title_suffix,
    subtitle_from_description,
    to_ist_iso,
    unescape_html,
    update_id,
    utc_iso,
)

IST_OFFSET = timedelta(hours=5, minutes=30)
INDIA = timezone(IST_OFFSET)

SEED_BYLINE = "PTI | Moscow | Updated: 02-03-2020 17:54 IST | Created: 02-03-2020 17:29 IST"
SYNDICATED_DISCLAIMER = (
    "(This story has not been edited by Devdiscourse staff and is auto-generated from a "
    "syndicated feed.)"
)
AGENCY_DISCLAIMER = "(With inputs from agencies.)"
APP_LINE = "Download The Devdiscourse News App for Latest News."
BLOB = "https://devdiscourse.blob.core.windows.net/devnews/02_03_2020_17_29_00_1234567.jpg"
BLOB_ENCODED = (
    "https%3A%2F%2Fdevdiscourse.blob.core.windows.net%2Fdevnews%2F02_03_2020_17_29_00_1234567.jpg"
)
SEED_TITLE = "Kremlin says cooperation with Turkey on Syria of 'great importance'"


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=INDIA)


# --- clean_text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kremlin says", "Kremlin says"),
        ("  leading and trailing  ", "leading and trailing"),
        ("tabs\tand\t\tmore", "tabs and more"),
        ("new\nlines\r\n\r\nand CRLF", "new lines and CRLF"),
        ("no\xa0break\xa0\xa0space", "no break space"),
        ("\xa0\u2003edges\u2009\xa0", "edges"),
        ("zero\u200bwidth", "zerowidth"),
        ("zero \u200b width", "zero width"),
        ("\ufeffBOM first", "BOM first"),
        ("joiners\u200c\u200d\u2060gone", "joinersgone"),
        ("\n\t  \xa0\u200b", None),
        ("", None),
        ("a < b & c > d", "a < b & c > d"),
        ("&lt;b&gt; stays literal", "&lt;b&gt; stays literal"),
        ("S\xe3o Paulo", "São Paulo"),
    ],
    ids=[
        "plain",
        "leading-trailing",
        "tabs",
        "newlines",
        "nbsp",
        "unicode-spaces-at-edges",
        "zero-width-inside-word",
        "zero-width-between-spaces",
        "bom",
        "other-invisibles",
        "only-whitespace",
        "empty",
        "markup-characters-are-text",
        "entities-not-decoded",
        "non-ascii",
    ],
)
def test_clean_text(raw: str, expected: str | None) -> None:
    assert clean_text(raw) == expected


# --- unescape_html -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Syria of &#x27;great importance&#x27;", "Syria of 'great importance'"),
        ("S&#xE3;o Paulo", "São Paulo"),
        ("war &#x2014; peace", "war \u2014 peace"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("a &lt; b", "a < b"),
        ("plain text", "plain text"),
        ("", ""),
    ],
    ids=["apostrophe", "non-ascii", "em-dash", "named-amp", "lt", "plain", "empty"],
)
def test_unescape_html(raw: str, expected: str) -> None:
    assert unescape_html(raw) == expected


# --- strip_title_suffix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Five down, five to go: NASA's Perseverance rover just dropped off another sample "
            "tube on Mars | Science-Environment",
            "Five down, five to go: NASA's Perseverance rover just dropped off another sample "
            "tube on Mars",
        ),
        (f"{SEED_TITLE} | International", SEED_TITLE),
        ("Court verdict today | Law-Order", "Court verdict today"),
        ("Cricket final | Sports-Games", "Cricket final"),
        ("Old page title - Devdiscourse", "Old page title"),
        (SEED_TITLE, SEED_TITLE),
        (
            "Budget 2024 | what changes for you explained | Business",
            "Budget 2024 | what changes for you explained",
        ),
        ("Q&A | 5 questions on the budget", "Q&A | 5 questions on the budget"),
        ("Semi-final preview", "Semi-final preview"),
        ("  Padded title | Headlines  ", "Padded title"),
    ],
    ids=[
        "hyphenated-label",
        "label",
        "law-order",
        "sports-games",
        "old-devdiscourse-suffix",
        "no-suffix",
        "pipe-in-middle-and-label",
        "pipe-in-middle-only",
        "hyphen-in-title",
        "padded",
    ],
)
def test_strip_title_suffix(raw: str, expected: str) -> None:
    assert strip_title_suffix(raw) == expected


# --- bylines -----------------------------------------------------------------------------------

BYLINES = {
    "seed": SEED_BYLINE,
    "washington": (
        "Reuters | Washington DC | Updated: 12-01-2021 08:05 IST | Created: 12-01-2021 07:40 IST"
    ),
    "los-angeles": "Reuters | Los Angeles | Updated: 21-11-2022 22:11 IST | "
    "Created: 21-11-2022 22:11 IST",
    "sao-paulo": "Reuters | São Paulo | Updated: 16-12-2023 21:07 IST | "
    "Created: 16-12-2023 20:55 IST",
    "no-location": "Devdiscourse News Desk | Updated: 16-12-2023 21:07 IST | "
    "Created: 16-12-2023 20:55 IST",
    "blog": "Jane Doe | Updated: 05-06-2024 10:00 IST | Created: 04-06-2024 09:15 IST",
    "only-created": "PTI | New Delhi | Created: 02-03-2020 17:29 IST",
    "odd-whitespace": "\n PTI\xa0|\tMoscow \n|\u200b Updated:\n02-03-2020\xa017:54 IST\t|"
    " Created:  02-03-2020 17:29 IST \n",
    "amp": "PTI | New Delhi |  Updated: 02-03-2020 17:54 IST | Created: 02-03-2020 17:29 IST ",
    "empty": "",
}
BYLINE_IDS = list(BYLINES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", ["PTI", "Moscow"]),
        ("washington", ["Reuters", "Washington DC"]),
        ("los-angeles", ["Reuters", "Los Angeles"]),
        ("sao-paulo", ["Reuters", "São Paulo"]),
        ("no-location", ["Devdiscourse News Desk"]),
        ("blog", ["Jane Doe"]),
        ("only-created", ["PTI", "New Delhi"]),
        ("odd-whitespace", ["PTI", "Moscow"]),
        ("amp", ["PTI", "New Delhi"]),
        ("empty", []),
    ],
    ids=BYLINE_IDS,
)
def test_byline_parts(name: str, expected: list[str]) -> None:
    assert byline_parts(BYLINES[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "PTI"),
        ("washington", "Reuters"),
        ("los-angeles", "Reuters"),
        ("sao-paulo", "Reuters"),
        ("no-location", "Devdiscourse News Desk"),
        ("blog", "Jane Doe"),
        ("only-created", "PTI"),
        ("odd-whitespace", "PTI"),
        ("amp", "PTI"),
        ("empty", None),
    ],
    ids=BYLINE_IDS,
)
def test_byline_source(name: str, expected: str | None) -> None:
    assert byline_source(BYLINES[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "Moscow"),
        ("washington", "Washington DC"),
        ("los-angeles", "Los Angeles"),
        ("sao-paulo", "São Paulo"),
        ("no-location", None),
        ("blog", None),
        ("only-created", "New Delhi"),
        ("odd-whitespace", "Moscow"),
        ("amp", "New Delhi"),
        ("empty", None),
    ],
    ids=BYLINE_IDS,
)
def test_byline_location(name: str, expected: str | None) -> None:
    assert byline_location(BYLINES[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "02-03-2020 17:29 IST"),
        ("washington", "12-01-2021 07:40 IST"),
        ("sao-paulo", "16-12-2023 20:55 IST"),
        ("blog", "04-06-2024 09:15 IST"),
        ("only-created", "02-03-2020 17:29 IST"),
        ("odd-whitespace", "02-03-2020 17:29 IST"),
        ("empty", None),
    ],
    ids=["seed", "washington", "sao-paulo", "blog", "only-created", "odd-whitespace", "empty"],
)
def test_byline_created(name: str, expected: str | None) -> None:
    assert byline_created(BYLINES[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "02-03-2020 17:54 IST"),
        ("washington", "12-01-2021 08:05 IST"),
        ("sao-paulo", "16-12-2023 21:07 IST"),
        ("blog", "05-06-2024 10:00 IST"),
        ("only-created", None),
        ("odd-whitespace", "02-03-2020 17:54 IST"),
        ("empty", None),
    ],
    ids=["seed", "washington", "sao-paulo", "blog", "only-created", "odd-whitespace", "empty"],
)
def test_byline_updated(name: str, expected: str | None) -> None:
    assert byline_updated(BYLINES[name]) == expected


# --- parse_datetime ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Updated: 02-03-2020 17:54 IST", ist(2020, 3, 2, 17, 54)),
        ("Created: 02-03-2020 17:29 IST", ist(2020, 3, 2, 17, 29)),
        ("02-03-2020 17:54 IST", ist(2020, 3, 2, 17, 54)),
        ("12-01-2021 08:05 IST", ist(2021, 1, 12, 8, 5)),
        ("  updated :\n02-03-2020\xa017:54\tIST ", ist(2020, 3, 2, 17, 54)),
        ("2023-12-16T21:07:00+05:30", ist(2023, 12, 16, 21, 7)),
        ("2023-12-16T21:07:42+05:30", ist(2023, 12, 16, 21, 7, 42)),
        ("2020-03-02T12:24:00Z", ist(2020, 3, 2, 17, 54)),
        ("2020-03-02T12:24:00+00:00", ist(2020, 3, 2, 17, 54)),
        ("2023-12-16T21:07:00", None),
        ("2023-12-16 21:07", None),
        ("31-02-2020 25:61 IST", None),
        ("31-02-2020 17:54 IST", None),
        ("02-03-2020 25:00 IST", None),
        ("2023-02-30T10:00:00+05:30", None),
        ("not a date at all", None),
        ("Updated:", None),
        ("", None),
        ("2 March 2020 17:54 IST", ist(2020, 3, 2, 17, 54)),
        ("2 march 2020 17:54 ist", ist(2020, 3, 2, 17, 54)),
        ("21 November 2022", ist(2022, 11, 21, 0, 0)),
    ],
    ids=[
        "byline-updated",
        "byline-created",
        "byline-bare",
        "day-first-12-january",
        "byline-odd-whitespace",
        "iso-ist-offset",
        "iso-ist-seconds",
        "iso-utc-z",
        "iso-utc-offset",
        "iso-without-offset-untrusted",
        "iso-space-without-offset-untrusted",
        "impossible-date-and-time",
        "impossible-date",
        "impossible-hour",
        "iso-impossible-date",
        "garbage",
        "prefix-only",
        "empty",
        "dateparser-ist-is-india-not-israel",
        "dateparser-lowercase-ist",
        "dateparser-listing-date",
    ],
)
def test_parse_datetime(raw: str, expected: datetime | None) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    if expected is not None:
        assert parsed.utcoffset() == IST_OFFSET


def test_day_first_is_never_month_first() -> None:
    parsed = parse_datetime("02-03-2020 17:54 IST")
    assert (parsed.day, parsed.month) == (2, 3)


@pytest.mark.parametrize(
    "raw",
    ["9999-12-31T23:59:00Z", "0001-01-01T00:00:00+14:00", "31 December 9999 23:59 -1200"],
    ids=["utc-at-max-year", "positive-offset-at-min-year", "dateparser-at-max-year"],
)
def test_parse_datetime_out_of_range_is_none_not_an_error(raw: str) -> None:
    # A time that cannot be shown in IST is not a usable site time.
    assert parse_datetime(raw) is None


# --- to_ist_iso / utc_iso ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ist(2020, 3, 2, 17, 54), "2020-03-02T17:54:00+05:30"),
        (ist(2020, 3, 2, 17, 29), "2020-03-02T17:29:00+05:30"),
        (datetime(2020, 3, 2, 12, 24, tzinfo=UTC), "2020-03-02T17:54:00+05:30"),
        (datetime(2020, 3, 2, 20, 0, tzinfo=UTC), "2020-03-03T01:30:00+05:30"),
        (ist(2023, 12, 16, 21, 7, 42, 999999), "2023-12-16T21:07:42+05:30"),
    ],
    ids=["updated", "created", "from-utc", "crosses-midnight", "drops-microseconds"],
)
def test_to_ist_iso(value: datetime, expected: str) -> None:
    assert to_ist_iso(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ist(2020, 3, 2, 17, 54), "2020-03-02T12:24:00Z"),
        (ist(2020, 3, 2, 17, 29), "2020-03-02T11:59:00Z"),
        (ist(2020, 3, 2, 3, 0), "2020-03-01T21:30:00Z"),
        (datetime(2026, 11, 26, 10, 15, 2, 123456, tzinfo=UTC), "2026-11-26T10:15:02Z"),
    ],
    ids=["updated", "created", "crosses-midnight", "crawled-at"],
)
def test_utc_iso(value: datetime, expected: str) -> None:
    assert utc_iso(value) == expected


def test_seed_times_round_trip() -> None:
    updated = parse_datetime("Updated: 02-03-2020 17:54 IST")
    created = parse_datetime("Created: 02-03-2020 17:29 IST")
    assert to_ist_iso(updated) == "2020-03-02T17:54:00+05:30"
    assert utc_iso(updated) == "2020-03-02T12:24:00Z"
    assert to_ist_iso(created) == "2020-03-02T17:29:00+05:30"
    assert utc_iso(created) == "2020-03-02T11:59:00Z"


# --- reconcile_times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            [ist(2020, 3, 2, 17, 29), ist(2020, 3, 2, 17, 29, 37)],
            "2020-03-02T17:29:37+05:30",
        ),
        (
            [ist(2020, 3, 2, 17, 29), datetime(2020, 3, 2, 11, 59, 37, tzinfo=UTC)],
            "2020-03-02T17:29:37+05:30",
        ),
        (
            [ist(2020, 3, 2, 17, 29), ist(2020, 3, 2, 17, 31, 5)],
            "2020-03-02T17:29:00+05:30",
        ),
        (
            [ist(2020, 3, 2, 17, 29), ist(2020, 3, 2, 17, 28, 59)],
            "2020-03-02T17:29:00+05:30",
        ),
        (
            [ist(2020, 3, 2, 17, 29), ist(2020, 3, 2, 17, 31, 5), ist(2020, 3, 2, 17, 29, 37)],
            "2020-03-02T17:29:37+05:30",
        ),
        ([ist(2020, 3, 2, 17, 29, 37)], "2020-03-02T17:29:37+05:30"),
        (
            [ist(2020, 3, 2, 17, 29, 37), ist(2020, 3, 2, 17, 29, 5)],
            "2020-03-02T17:29:37+05:30",
        ),
        ([ist(2020, 3, 2, 17, 29)], "2020-03-02T17:29:00+05:30"),
        ([], None),
    ],
    ids=[
        "meta-agrees-gives-seconds",
        "meta-in-utc-agrees",
        "meta-disagrees-keeps-byline-minute",
        "meta-a-second-earlier-disagrees",
        "later-agreeing-source",
        "only-meta",
        "meta-first-keeps-own-seconds",
        "only-byline",
        "empty",
    ],
)
def test_reconcile_times(values: list[datetime], expected: str | None) -> None:
    assert reconcile_times(values) == expected


def test_reconcile_times_accepts_an_iterator() -> None:
    values = iter([ist(2020, 3, 2, 17, 29), ist(2020, 3, 2, 17, 29, 37)])
    assert reconcile_times(values) == "2020-03-02T17:29:37+05:30"


# --- captions and credits ----------------------------------------------------------------------

CAPTIONS = {
    "seed": "Representative Image Image Credit: (en.kremlin.ru)",
    "ani": "Representative Image Image Credit: ANI",
    "twitter": "PM at the summit Image Credit: Twitter (@ANI)",
    "credit-only": "Image Credit: ANI",
    "no-credit": "Representative Image",
    "empty-credit": "Representative Image Image Credit: ",
    "odd-whitespace": "\n Representative\xa0Image\n Image\xa0Credit:\tANI \n",
    "empty": "",
}
CAPTION_IDS = list(CAPTIONS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "Representative Image"),
        ("ani", "Representative Image"),
        ("twitter", "PM at the summit"),
        ("credit-only", None),
        ("no-credit", "Representative Image"),
        ("empty-credit", "Representative Image"),
        ("odd-whitespace", "Representative Image"),
        ("empty", None),
    ],
    ids=CAPTION_IDS,
)
def test_caption_part(name: str, expected: str | None) -> None:
    assert caption_part(CAPTIONS[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seed", "en.kremlin.ru"),
        ("ani", "ANI"),
        ("twitter", "Twitter (@ANI)"),
        ("credit-only", "ANI"),
        ("no-credit", None),
        ("empty-credit", None),
        ("odd-whitespace", "ANI"),
        ("empty", None),
    ],
    ids=CAPTION_IDS,
)
def test_credit_part(name: str, expected: str | None) -> None:
    assert credit_part(CAPTIONS[name]) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Image Credit: (en.kremlin.ru)", "en.kremlin.ru"),
        ("Image Credit: ANI", "ANI"),
        ("Image Credit: Twitter (@ANI)", "Twitter (@ANI)"),
        ("Image Credit: (a) and (b)", "(a) and (b)"),
        ("Image Credit: ((x))", "(x)"),
        ("Image Credit: ( Reuters )", "Reuters"),
        ("Image Credit: ()", None),
        ("Image Credit: ", None),
        ("Image Credit:", None),
        ("image credit: pexels", "pexels"),
        ("(en.kremlin.ru)", "en.kremlin.ru"),
        ("Wikimedia", "Wikimedia"),
        ("Image Credit: (unbalanced", "(unbalanced"),
        ("", None),
    ],
    ids=[
        "parenthesised-domain",
        "agency",
        "twitter-handle-kept",
        "two-groups-kept",
        "double-wrapped-loses-one",
        "padded-parentheses",
        "empty-parentheses",
        "empty",
        "empty-no-space",
        "lowercase-prefix",
        "no-prefix",
        "bare",
        "unbalanced",
        "empty-string",
    ],
)
def test_clean_credit(raw: str, expected: str | None) -> None:
    assert clean_credit(raw) == expected


# --- image URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"/img?imageUrl={BLOB_ENCODED}&width=920&format=jpeg", BLOB),
        (f"https://www.devdiscourse.com/img?imageUrl={BLOB_ENCODED}&width=920&format=jpeg", BLOB),
        (f"/img?width=920&imageUrl={BLOB_ENCODED}", BLOB),
        (f"/img/?imageurl={BLOB_ENCODED}&width=920", BLOB),
        (f"/img?imageUrl={BLOB}&width=920&format=jpeg", BLOB),
        (f"//img?imageUrl={BLOB_ENCODED}&width=920&format=jpeg", BLOB),
        ("https://img/x.jpg?imageUrl=y", "https://img/x.jpg?imageUrl=y"),
        ("/img?imageUrl=%2Fimages%2Fnewstheme.jpg&width=920", "/images/newstheme.jpg"),
        (BLOB, BLOB),
        ("/img?width=920&format=jpeg", "/img?width=920&format=jpeg"),
        ("/images/photo.jpg?imageUrl=x", "/images/photo.jpg?imageUrl=x"),
        ("", ""),
    ],
    ids=[
        "relative-proxy",
        "absolute-proxy",
        "parameter-order",
        "lowercase-parameter-and-slash",
        "unencoded-inner",
        "amp-protocol-relative-wrong-host",
        "a-real-host-named-img",
        "stock-inside-proxy",
        "plain-url-unchanged",
        "proxy-without-image-unchanged",
        "not-the-proxy",
        "empty",
    ],
)
def test_image_from_proxy(raw: str, expected: str) -> None:
    assert image_from_proxy(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/images/newstheme.jpg", None),
        ("https://www.devdiscourse.com/images/newstheme.jpg", None),
        ("https://www.devdiscourse.com/Images/NewsTheme.jpg", None),
        ("https://www.devdiscourse.com/images/newstheme.jpg?v=2", None),
        (BLOB, BLOB),
        (
            "https://www.devdiscourse.com/images/other.jpg",
            "https://www.devdiscourse.com/images/other.jpg",
        ),
        ("", ""),
    ],
    ids=["relative", "absolute", "case", "query", "real-image", "other-site-image", "empty"],
)
def test_drop_stock_image(raw: str, expected: str | None) -> None:
    assert drop_stock_image(raw) == expected


# --- sectors, authors, keywords ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/news/economy-business", "economy-business"),
        ("https://www.devdiscourse.com/news/science-environment", "science-environment"),
        ("/news/wash/", "wash"),
        (" /news/agro-forestry ", "agro-forestry"),
        ("/news/health?page=2", "health"),
        ("/news?tag=Kremlin", None),
        ("/news", None),
        ("/news/health/extra", None),
        ("/article/health/1234567-x", None),
        ("/", None),
        ("", None),
    ],
    ids=[
        "relative",
        "absolute",
        "trailing-slash",
        "padded",
        "query",
        "tag-listing",
        "news-root",
        "deeper-path",
        "article",
        "home",
        "empty",
    ],
)
def test_sector_from_href(raw: str, expected: str | None) -> None:
    assert sector_from_href(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/Home/AuthorArticles?fl=Jane+Doe", "Jane Doe"),
        ("/Home/AuthorArticles?fl=Jane%20Doe", "Jane Doe"),
        ("https://www.devdiscourse.com/Home/AuthorArticles?fl=Jane+Doe", "Jane Doe"),
        ("/Home/AuthorArticles?fl=Jo%C3%A3o+Silva", "João Silva"),
        ("/Home/AuthorArticles?fl=+Jane++Doe+", "Jane Doe"),
        ("/Home/AuthorArticles?page=2&fl=Jane+Doe", "Jane Doe"),
        ("/Home/AuthorArticles?fl=", None),
        ("/Home/AuthorArticles", None),
        ("", None),
    ],
    ids=[
        "plus",
        "percent-20",
        "absolute",
        "non-ascii",
        "padded",
        "second-parameter",
        "empty-name",
        "no-query",
        "empty",
    ],
)
def test_author_from_href(raw: str, expected: str | None) -> None:
    assert author_from_href(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kremlin, Turkey, Syria", ["Kremlin", "Turkey", "Syria"]),
        ("Kremlin", ["Kremlin"]),
        ("Kremlin,  Turkey ,\nSyria", ["Kremlin", "Turkey", "Syria"]),
        ("Kremlin, , Turkey, ", ["Kremlin", "Turkey"]),
        ("Rs 2,000 notes, RBI", ["Rs 2,000 notes", "RBI"]),
        ("Recep Tayyip Erdogan, Vladimir Putin", ["Recep Tayyip Erdogan", "Vladimir Putin"]),
        ("", []),
        (" , ", []),
    ],
    ids=[
        "three",
        "one",
        "odd-whitespace",
        "empty-items",
        "comma-inside-a-tag",
        "multi-word",
        "empty",
        "only-separators",
    ],
)
def test_split_keywords(raw: str, expected: list[str]) -> None:
    assert split_keywords(raw) == expected


# --- subtitles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"Read more about {SEED_TITLE} on Devdiscourse", None),
        (f"Read more about {SEED_TITLE}\non Devdiscourse", None),
        ("Read more about Mars | Science on Devdiscourse.", None),
        (
            "The rover has now left five of ten tubes at the depot",
            "The rover has now left five of ten tubes at the depot",
        ),
        ("  A subtitle\xa0with  odd\nspace ", "A subtitle with odd space"),
        (
            "Read more about it: the budget explained",
            "Read more about it: the budget explained",
        ),
        ("", None),
        ("  \n", None),
    ],
    ids=[
        "stock",
        "stock-with-newline",
        "stock-with-full-stop",
        "real-subtitle",
        "odd-whitespace",
        "starts-like-stock",
        "empty",
        "blank",
    ],
)
def test_subtitle_from_description(raw: str, expected: str | None) -> None:
    assert subtitle_from_description(raw) == expected


# --- boilerplate and syndication ---------------------------------------------------------------

BOILERPLATE_CASES = [
    (SYNDICATED_DISCLAIMER, True),
    (AGENCY_DISCLAIMER, True),
    (APP_LINE, True),
    (
        "\n (This story has not been edited by\xa0Devdiscourse staff and is auto-generated\n"
        "from a syndicated feed.) \t",
        True,
    ),
    ("(With\u200b inputs from  agencies.)", True),
    ("  Download The Devdiscourse News App\nfor Latest News.  ", True),
    ("(WITH INPUTS FROM AGENCIES.)", True),
    (
        "Officials told news agencies on Monday that the talks would resume.",
        False,
    ),
    ("With inputs from agencies, the Kremlin said on Monday it would respond.", False),
    (f"{AGENCY_DISCLAIMER} More text.", False),
    ("The Kremlin said Monday that cooperation with Turkey is a top priority.", False),
    ("", False),
]
BOILERPLATE_IDS = [
    "syndicated-disclaimer",
    "agencies-disclaimer",
    "app-line",
    "syndicated-odd-whitespace",
    "agencies-zero-width",
    "app-line-odd-whitespace",
    "agencies-upper-case",
    "mentions-agencies",
    "starts-with-inputs-from-agencies",
    "disclaimer-plus-text",
    "story",
    "empty",
]


@pytest.mark.parametrize(("raw", "expected"), BOILERPLATE_CASES, ids=BOILERPLATE_IDS)
def test_is_boilerplate(raw: str, expected: bool) -> None:
    assert is_boilerplate(raw) is expected


@pytest.mark.parametrize(("raw", "boilerplate"), BOILERPLATE_CASES, ids=BOILERPLATE_IDS)
def test_drop_boilerplate(raw: str, boilerplate: bool) -> None:
    assert drop_boilerplate(raw) == (None if boilerplate else raw)


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["The Kremlin said Monday …", SYNDICATED_DISCLAIMER, APP_LINE], True),
        (["Story.", f" {AGENCY_DISCLAIMER}\n"], True),
        (["Story.", APP_LINE], False),
        (["Officials told news agencies on Monday."], False),
        ([], False),
    ],
    ids=["syndicated", "agencies-padded", "app-line-only", "mentions-agencies", "none"],
)
def test_has_disclaimer(paragraphs: list[str], expected: bool) -> None:
    assert has_disclaimer(paragraphs) is expected
    assert has_disclaimer(iter(paragraphs)) is expected


@pytest.mark.parametrize(
    ("source", "disclaimer", "expected"),
    [
        ("PTI", False, True),
        ("Reuters", False, True),
        ("IANS", False, True),
        ("ANI", False, True),
        ("AFP", False, True),
        (" PTI ", False, True),
        ("Devdiscourse News Desk", True, True),
        ("Devdiscourse News Desk", False, False),
        ("UN News", False, False),
        ("PR Newswire", False, False),
        ("Jane Doe", False, False),
        (None, True, True),
        (None, False, False),
    ],
    ids=[
        "pti",
        "reuters",
        "ians",
        "ani",
        "afp",
        "padded-agency",
        "desk-with-disclaimer",
        "desk-without-disclaimer",
        "un-news",
        "pr-newswire",
        "blog-author",
        "no-source-disclaimer",
        "no-source",
    ],
)
def test_is_syndicated(source: str | None, disclaimer: bool, expected: bool) -> None:
    assert is_syndicated(source, disclaimer) is expected


# --- lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["One.", "Two.", "Three."], "One.\n\nTwo.\n\nThree."),
        (["Only."], "Only."),
        ([], None),
    ],
    ids=["three", "one", "none"],
)
def test_join_paragraphs(paragraphs: list[str], expected: str | None) -> None:
    assert join_paragraphs(paragraphs) == expected
    assert join_paragraphs(iter(paragraphs)) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["India", "Russia", "India", "Turkey"], ["India", "Russia", "Turkey"]),
        (["Turkey", "India"], ["Turkey", "India"]),
        (["India", "india"], ["India", "india"]),
        ([], []),
    ],
    ids=["first-seen-order", "order-kept", "case-sensitive", "empty"],
)
def test_distinct(values: list[str], expected: list[str]) -> None:
    assert distinct(values) == expected


TAGS_25 = [f"Tag {n}" for n in range(25)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Kremlin", "Turkey", "Kremlin", "Syria"], ["Kremlin", "Turkey", "Syria"]),
        (TAGS_25, TAGS_25[:20]),
        (TAGS_25[:20], TAGS_25[:20]),
        (TAGS_25[:3] * 10 + TAGS_25[3:22], TAGS_25[:20]),
        (["Syria", "Kremlin"], ["Syria", "Kremlin"]),
        ([], []),
    ],
    ids=["duplicates", "capped-at-20", "exactly-20", "duplicates-do-not-count", "order", "none"],
)
def test_distinct_tags(values: list[str], expected: list[str]) -> None:
    assert distinct_tags(values) == expected
    assert distinct_tags(iter(values)) == expected


# --- parse_json_ld -----------------------------------------------------------------------------

SEED_HEADLINE_ESCAPED = (
    "Kremlin says cooperation with Turkey on Syria of &#x27;great importance&#x27;"
)
# A realistic 2024+ NewsArticle block: every value quoted except the description.
NEWS_ARTICLE_2024 = "\n".join(
    [
        "{",
        '    "@context": "https://schema.org",',
        '    "@type": "NewsArticle",',
        '    "mainEntityOfPage": {',
        '        "@type": "WebPage",',
        '        "@id": "https://www.devdiscourse.com/article/international/1234567-kremlin-says"',
        "    },",
        f'    "headline": "{SEED_HEADLINE_ESCAPED} | International",',
        f'    "description": Read more about {SEED_HEADLINE_ESCAPED} on Devdiscourse,',
        '    "image": {',
        '        "@type": "ImageObject",',
        f'        "url": "{BLOB}"',
        "    },",
        '    "datePublished": "2020-03-02T17:29:00+05:30",',
        '    "dateModified": "2020-03-02T17:54:00+05:30",',
        '    "author": {"@type": "Person", "name": "PTI"},',
        '    "publisher": {',
        '        "@type": "Organization",',
        '        "name": "Devdiscourse",',
        '        "logo": {"@type": "ImageObject", "url": "https://www.devdiscourse.com/logo.png"}',
        "    }",
        "}",
    ]
)

DESCRIPTION_LAST_2024 = """{
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Budget, explained | Business",
    "datePublished": "2023-12-16T21:07:00+05:30",
    "description": A subtitle, with "quotes" and a comma
}"""

BREADCRUMBS = """{
  "@context": "https://schema.org",
  "@type": "BreadcrumbList",
  "itemListElement": [
    {"@type": "ListItem", "position": 1, "item": {"@id": "https://www.devdiscourse.com/", "name": "Home"}},
    {"@type": "ListItem", "position": 3, "item": {"@id": "https://www.devdiscourse.com/news/economy-business", "name": "Economy"}}
  ]
}"""  # noqa: E501


def test_parse_json_ld_valid_block() -> None:
    [crumbs] = parse_json_ld(BREADCRUMBS)
    assert crumbs["@type"] == "BreadcrumbList"
    urls = [element["item"]["@id"] for element in crumbs["itemListElement"]]
    assert urls == [
        "https://www.devdiscourse.com/",
        "https://www.devdiscourse.com/news/economy-business",
    ]


def test_parse_json_ld_unquoted_description_keeps_other_fields() -> None:
    with pytest.raises(json.JSONDecodeError):  # the block really is invalid JSON
        json.loads(NEWS_ARTICLE_2024)
    [article] = parse_json_ld(NEWS_ARTICLE_2024)
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == f"{SEED_HEADLINE_ESCAPED} | International"
    assert article["datePublished"] == "2020-03-02T17:29:00+05:30"
    assert article["dateModified"] == "2020-03-02T17:54:00+05:30"
    assert article["author"] == {"@type": "Person", "name": "PTI"}
    assert article["image"]["url"] == BLOB
    assert article["publisher"]["name"] == "Devdiscourse"
    assert article.get("description") is None  # unreadable; the meta tags carry it anyway


def test_parse_json_ld_unquoted_description_on_one_line() -> None:
    one_line = "".join(line.strip() for line in NEWS_ARTICLE_2024.splitlines())
    assert '"description": Read more about' in one_line
    [article] = parse_json_ld(one_line)
    assert article["headline"] == f"{SEED_HEADLINE_ESCAPED} | International"
    assert article["datePublished"] == "2020-03-02T17:29:00+05:30"
    assert article["author"]["name"] == "PTI"
    assert article["image"]["url"] == BLOB
    assert article.get("description") is None


@pytest.mark.parametrize(
    "description",
    [
        "A subtitle, with a comma",
        'He said "no", twice',
        "5 killed in blast",
        "",
    ],
    ids=["comma", "quotes", "starts-with-digit", "empty"],
)
def test_parse_json_ld_unquoted_description_values(description: str) -> None:
    block = (
        '{"@type":"NewsArticle","headline":"X | Business",'
        f'"description":{description},"datePublished":"2023-12-16T21:07:00+05:30"}}'
    )
    [article] = parse_json_ld(block)
    assert article["headline"] == "X | Business"
    assert article["datePublished"] == "2023-12-16T21:07:00+05:30"


def test_parse_json_ld_unquoted_description_as_last_property() -> None:
    [article] = parse_json_ld(DESCRIPTION_LAST_2024)
    assert article["headline"] == "Budget, explained | Business"
    assert article["datePublished"] == "2023-12-16T21:07:00+05:30"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            '{"@type": "NewsArticle", "headline": "X | Business"}',
            [{"@type": "NewsArticle", "headline": "X | Business"}],
        ),
        (
            '{"@type": "NewsArticle", "description": "Quoted, fine"}',
            [{"@type": "NewsArticle", "description": "Quoted, fine"}],
        ),
        (
            '[{"@type": "NewsArticle"}, {"@type": "BreadcrumbList"}]',
            [{"@type": "NewsArticle"}, {"@type": "BreadcrumbList"}],
        ),
        ('[{"@type": "NewsArticle"}, 3, "x", null, []]', [{"@type": "NewsArticle"}]),
        ('{"headline": "tab\tinside"}', [{"headline": "tab\tinside"}]),
        ("", []),
        ("   ", []),
        ("not json at all", []),
        ("<html><body>oops</body></html>", []),
        ('{"@type": "NewsArticle", "headline": ', []),
        ("42", []),
        ("null", []),
        ('"a string"', []),
        ("[" * 100_000, []),
    ],
    ids=[
        "object",
        "quoted-description",
        "list",
        "list-with-non-objects",
        "control-character-in-string",
        "empty",
        "blank",
        "garbage",
        "html",
        "truncated",
        "number",
        "null",
        "string",
        "absurdly-deep",
    ],
)
def test_parse_json_ld(raw: str, expected: list[dict]) -> None:
    assert parse_json_ld(raw) == expected


# -- live blogs (docs/site.md §5.4, §6, §8.3) -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The API prints UTC without an offset (docs/site.md §6).
        ("2026-11-26T08:20:49", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        # .NET prints up to seven digits of a fraction: dropped.
        ("2026-11-26T08:20:49.1234567", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        ("2026-11-26T08:20:49.5", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        # An offset, when there is one, is honoured.
        ("2026-11-26T13:50:49+05:30", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        ("2026-11-26T08:20:49Z", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        ("  2026-11-26T08:20:49 ", datetime(2026, 11, 26, 8, 20, 49, tzinfo=UTC)),
        ("2026-02-30T08:20:49", None),
        ("26-11-2026 08:20", None),
        ("yesterday", None),
        ("", None),
    ],
    ids=[
        "naive-utc",
        "seven-digit-fraction",
        "short-fraction",
        "ist-offset",
        "z",
        "spaces",
        "impossible-date",
        "byline-format",
        "words",
        "empty",
    ],
)
def test_api_time(raw: str, expected: datetime | None) -> None:
    assert api_time(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3992252005, "3992252005"),
        ("3992252005", "3992252005"),
        (" 17 ", "17"),
        (0, None),
        (-5, None),
        (True, None),
        (1.5, None),
        ("12a", None),
        ("", None),
        (None, None),
    ],
    ids=["int", "digits", "spaces", "zero", "negative", "bool", "float", "not-digits", "empty",
         "null"],
)  # fmt: skip
def test_update_id(raw: object, expected: str | None) -> None:
    assert update_id(raw) == expected


@pytest.mark.parametrize(
    ("page_url", "update", "expected"),
    [
        (
            "https://www.devdiscourse.com/article/education/3992252-x",
            "3992252005",
            "https://www.devdiscourse.com/article/education/3992252-x#post_3992252005",
        ),
        # A page URL that carries a fragment already: the update's replaces it.
        (
            "https://www.devdiscourse.com/article/education/3992252-x#top",
            "7",
            "https://www.devdiscourse.com/article/education/3992252-x#post_7",
        ),
    ],
    ids=["plain", "fragment-replaced"],
)
def test_post_url(page_url: str, update: str, expected: str) -> None:
    assert post_url(page_url, update) == expected


def _ist(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=INDIA)


@pytest.mark.parametrize(
    ("explicit", "byline", "expected"),
    [
        # A server in IST: the byline is the meta's minute.
        (_ist(26, 13, 50, 49), _ist(26, 13, 50), timedelta(0)),
        (_ist(26, 13, 50, 0), _ist(26, 13, 50), timedelta(0)),
        # A server on UTC prints 5 h 30 behind, labelled IST (docs/site.md §5.4).
        (_ist(26, 13, 50, 49), _ist(26, 8, 20), IST_OFFSET),
        # Across midnight.
        (_ist(27, 2, 10, 5), _ist(26, 20, 40), IST_OFFSET),
        # Another zone: a server in UTC+01:00 prints 4 h 30 behind.
        (_ist(26, 13, 50, 59), _ist(26, 9, 20), timedelta(hours=4, minutes=30)),
        # A zone ahead of IST: negative.
        (_ist(26, 13, 50, 1), _ist(26, 17, 20), timedelta(hours=-3, minutes=-30)),
    ],
    ids=["ist", "ist-whole-minute", "utc", "utc-across-midnight", "utc-plus-one", "ahead"],
)
def test_clock_offset(explicit: datetime, byline: datetime, expected: timedelta) -> None:
    assert clock_offset(explicit, byline) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"@type":"NewsArticle","headline":"Opinion: Why water matters | Other"}', True),
        ('{"@type": "NewsArticle", "headline" : "Opinion: x",}', True),
        ('{"@type":"NewsArticle","headline":"Why water matters | Other"}', False),
        # Only the headline's own prefix: a description that starts so is not an opinion.
        ('{"headline":"Why","description":"Opinion: water"}', False),
        ('{"headline":"The Opinion: a column"}', False),
        ("", False),
    ],
    ids=["opinion", "spaces-and-trailing-comma", "news", "description", "inside", "empty"],
)
def test_is_opinion_headline(raw: str, expected: bool) -> None:
    assert is_opinion_headline(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>The IMF&rsquo;s plan</p>", "<p>The IMF's plan</p>"),
        ("&ldquo;We are committed,&rdquo; he said", '"We are committed," he said'),
        ("&lsquo;x&rsquo; and 5&nbsp;per cent", "'x' and 5 per cent"),
        # Other entities stay, for the HTML parser to decode.
        ("Nestl&eacute; &mdash; &amp; &#x27;", "Nestl&eacute; &mdash; &amp; &#x27;"),
        ("", ""),
    ],
    ids=["apostrophe", "quotes", "single-quotes-and-nbsp", "others-stay", "empty"],
)
def test_as_printed(raw: str, expected: str) -> None:
    assert as_printed(raw) == expected
