"""Property tests for newsbot/processors.py: arbitrary input never raises, and types hold.

The processors are fed whatever a page gives: arbitrary text and text mixing HTML-ish pieces,
entities, the byline's `|`, `Image Credit:` and dates in the site's formats.
"""

import html
import json
from datetime import UTC, datetime, timedelta, timezone

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot import processors as p

settings.register_profile(
    "newsbot-processors",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile("newsbot-processors")
IST_OFFSET = timedelta(hours=5, minutes=30)

# Pieces of what article pages carry, so generated text hits the processors' interesting paths.
FRAGMENTS = [
    "<script>",
    "</script>",
    "<b>",
    "</b>",
    "<p class='x'>",
    "<!-- c -->",
    "<",
    ">",
    "&",
    "&#x27;",
    "&#xE3;",
    "&lt;b&gt;",
    "&amp;",
    "|",
    " | ",
    "Image Credit:",
    "Image Credit: (",
    ")",
    "(",
    "Updated: ",
    "Created: ",
    "02-03-2020 17:54 IST",
    "31-02-2020 25:61 IST",
    "2023-12-16T21:07:00+05:30",
    "2023-12-16T21:07:00",
    "9999-12-31T23:59:00Z",
    "21 November 2022",
    "Read more about ",
    " on Devdiscourse",
    " - Devdiscourse",
    " | Science-Environment",
    "/img?imageUrl=",
    "%2F",
    "%3C",
    "+",
    "/news/",
    "/images/newstheme.jpg",
    "/Home/AuthorArticles?fl=",
    "http://[",
    "https://www.devdiscourse.com",
    '"description": ',
    "{",
    "}",
    "[",
    "]",
    '"',
    ",",
    "\n",
    "\t",
    "\xa0",
    "\u200b",
    "\ufeff",
    " ",
    "ist",
    "PTI",
    "(With inputs from agencies.)",
]
# Characters an HTML document can hold (lxml refuses NUL, other C0 controls and surrogates).
DOCUMENT_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n\r")
PAGE_TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(DOCUMENT_CHARS, max_size=8)), max_size=12
).map("".join)
ANY_TEXT = st.one_of(st.text(), PAGE_TEXT)

STR_OR_NONE = [
    p.clean_text,
    p.byline_created,
    p.byline_updated,
    p.byline_source,
    p.byline_location,
    p.caption_part,
    p.credit_part,
    p.clean_credit,
    p.drop_stock_image,
    p.sector_from_href,
    p.author_from_href,
    p.subtitle_from_description,
    p.drop_boilerplate,
]
STR = [p.unescape_html, p.strip_title_suffix, p.image_from_proxy]
STR_LIST = [p.byline_parts, p.split_keywords]
# These decode an encoding by design (HTML entities; percent-encoding and `+` in a query), so
# they may return `<` that their input spelt as `&lt;` or `%3C`.
DECODERS = {p.unescape_html, p.image_from_proxy, p.author_from_href}
TEXT_FUNCTIONS = STR_OR_NONE + STR + STR_LIST


def names(functions: list) -> list[str]:
    return [function.__name__ for function in functions]


def texts_of(value: object) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def elements(text: str) -> list[str]:
    """The elements lxml's HTML parser finds in `text` (comments and the like do not count)."""
    if not text:
        return []
    root = lxml.html.fragment_fromstring(text, create_parent="div")
    return [node.tag for node in root.iter() if isinstance(node.tag, str)][1:]


# --- never raises, documented type --------------------------------------------------------------


@pytest.mark.parametrize("function", STR_OR_NONE, ids=names(STR_OR_NONE))
@PROFILE
@given(text=ANY_TEXT)
def test_returns_str_or_none(function, text: str) -> None:
    out = function(text)
    assert out is None or isinstance(out, str)


@pytest.mark.parametrize("function", STR, ids=names(STR))
@PROFILE
@given(text=ANY_TEXT)
def test_returns_str(function, text: str) -> None:
    assert isinstance(function(text), str)


@pytest.mark.parametrize("function", STR_LIST, ids=names(STR_LIST))
@PROFILE
@given(text=ANY_TEXT)
def test_returns_list_of_clean_str(function, text: str) -> None:
    out = function(text)
    assert isinstance(out, list)
    for item in out:
        assert isinstance(item, str)
        assert item and p.clean_text(item) == item  # non-empty, already clean


@PROFILE
@given(text=ANY_TEXT)
def test_is_boilerplate_returns_bool(text: str) -> None:
    assert isinstance(p.is_boilerplate(text), bool)


@PROFILE
@given(text=ANY_TEXT)
def test_parse_datetime_is_none_or_aware_ist(text: str) -> None:
    out = p.parse_datetime(text)
    if out is not None:
        assert isinstance(out, datetime)
        assert out.utcoffset() == IST_OFFSET
        assert p.to_ist_iso(out).endswith("+05:30")


@PROFILE
@given(text=ANY_TEXT)
def test_parse_json_ld_returns_list_of_dicts(text: str) -> None:
    out = p.parse_json_ld(text)
    assert isinstance(out, list)
    assert all(isinstance(obj, dict) for obj in out)


@PROFILE
@given(
    json_value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_parse_json_ld_reads_valid_json(json_value: object) -> None:
    out = p.parse_json_ld(json.dumps(json_value))
    objects = json_value if isinstance(json_value, list) else [json_value]
    assert out == [obj for obj in objects if isinstance(obj, dict)]


@PROFILE
@given(source=st.none() | ANY_TEXT, disclaimer=st.booleans())
def test_is_syndicated_returns_bool(source: str | None, disclaimer: bool) -> None:
    out = p.is_syndicated(source, disclaimer)
    assert isinstance(out, bool)
    if disclaimer:
        assert out


@PROFILE
@given(paragraphs=st.lists(ANY_TEXT, max_size=6))
def test_paragraph_lists(paragraphs: list[str]) -> None:
    assert isinstance(p.has_disclaimer(paragraphs), bool)
    joined = p.join_paragraphs(paragraphs)
    assert joined is None or isinstance(joined, str)
    assert (joined is None) == (not "".join(paragraphs) and len(paragraphs) <= 1)


@PROFILE
@given(values=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40))
def test_distinct_and_distinct_tags(values: list[str]) -> None:
    once = p.distinct(values)
    assert len(once) == len(set(once)) == len(set(values))
    assert once == sorted(set(values), key=values.index)  # first-seen order
    tags = p.distinct_tags(values)
    assert tags == once[: p.MAX_TAGS]


AWARE = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, p.IST, timezone(timedelta(hours=-11))]),
)


@PROFILE
@given(values=st.lists(AWARE, max_size=5))
def test_reconcile_times(values: list[datetime]) -> None:
    out = p.reconcile_times(values)
    if not values:
        assert out is None
        return
    assert isinstance(out, str)
    reconciled = datetime.fromisoformat(out)
    assert out.endswith("+05:30")
    first = values[0]
    # Always the first source's minute; never a time from another minute.
    assert reconciled.replace(second=0) == first.replace(second=0, microsecond=0)


@PROFILE
@given(value=AWARE)
def test_iso_formatters(value: datetime) -> None:
    ist_text, utc_text = p.to_ist_iso(value), p.utc_iso(value)
    assert ist_text.endswith("+05:30") and utc_text.endswith("Z")
    assert datetime.fromisoformat(ist_text) == value.replace(microsecond=0)
    assert datetime.fromisoformat(utc_text.replace("Z", "+00:00")) == value.replace(microsecond=0)


# --- clean_text --------------------------------------------------------------------------------


@PROFILE
@given(text=ANY_TEXT)
def test_clean_text_has_no_edge_or_double_whitespace(text: str) -> None:
    out = p.clean_text(text)
    if out is None:
        assert not p._INVISIBLE_RE.sub("", text).strip()
        return
    assert out == out.strip()
    assert not any(char.isspace() and char != " " for char in out)
    assert "  " not in out
    assert not p._INVISIBLE_RE.search(out)
    assert p.clean_text(out) == out  # idempotent


# --- markup ------------------------------------------------------------------------------------
#
# What "no markup in the output" should mean. The processors get text, not HTML: the extractor has
# already let lxml parse the page, so markup the page really nested is reduced to its text before
# a processor sees it, and entities are decoded. Text that the page merely *showed* (a title
# `a < b`, a story quoting `<script>`) legitimately contains `<` and must stay exactly that text:
# a record is JSON, not HTML, and a consumer that renders it must escape it anyway. So "the output
# parses to no element" cannot be a property of a processor whose input already looks like
# markup. The real property is that processors never *add* markup:
#
# 1. A processor never adds a markup-significant character (`<`, `>`, `&`), except the decoders,
#    whose job is to turn an encoding the input spelt (`&lt;`, `%3C`) into the character.
# 2. Text in which lxml finds no markup-significant character comes out with no element when
#    parsed by lxml, for every processor including the decoders when nothing is encoded.
# 3. Text that merely shows markup passes through as text (`a < b` stays `a < b`).
#
# Noted, not a failure: clean_text removes zero-width characters, so text shown as `<\u200bb>`
# (which lxml does not read as a tag) comes out as `<b>`. No character is added, and the record
# is text; it is listed in the report of the change that added these tests.


@pytest.mark.parametrize("function", TEXT_FUNCTIONS, ids=names(TEXT_FUNCTIONS))
@PROFILE
@given(text=ANY_TEXT)
def test_never_adds_markup_characters(function, text: str) -> None:
    """Property 1 above: no `<`, `>` or `&` that the input did not have (decoders excepted)."""
    if function in DECODERS:
        return
    for out in texts_of(function(text)):
        for char in "<>&":
            assert out.count(char) <= text.count(char), (char, out)


@PROFILE
@given(text=ANY_TEXT)
def test_unescape_html_yields_only_what_the_input_spelt(text: str) -> None:
    """A decoder's markup is what its input encoded: escaping then decoding gives the text back."""
    assert p.unescape_html(html.escape(text)) == text


@pytest.mark.parametrize("function", TEXT_FUNCTIONS, ids=names(TEXT_FUNCTIONS))
@PROFILE
@given(text=PAGE_TEXT.map(lambda t: t.replace("<", " ").replace("&", " ").replace("%", " ")))
def test_markup_free_text_stays_markup_free(function, text: str) -> None:
    """Property 2 above: lxml finds no element in the output of text with nothing markup-like."""
    assert elements(text) == []
    for out in texts_of(function(text)):
        assert elements(out) == [], out


@pytest.mark.parametrize(
    ("function", "text"),
    [
        (p.clean_text, "a < b"),
        (p.clean_text, "<script>alert(1)</script> quoted in a story"),
        (p.strip_title_suffix, "Why a < b matters"),
        (p.subtitle_from_description, "x<y, and y>z"),
        (p.caption_part, "a <b> tag"),
    ],
    ids=["lt", "script-shown-as-text", "title", "subtitle", "caption"],
)
def test_text_that_shows_markup_stays_that_text(function, text: str) -> None:
    """Property 3 above."""
    assert function(text) == text
