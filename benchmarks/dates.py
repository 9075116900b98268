"""The date fast path (`parse_datetime` on the site's own formats) against dateparser, side by side
on the same strings: every byline, meta tag and sitemap time of a replica (docs/site.md §6).

dateparser runs as newsbot's fallback would run it (`_dateparser_datetime`: day first, IST spelled
as +05:30); dateparser left to its defaults is shown too, for what a naive use of it gets wrong.
"""

from benchmarks import Figure, benchmark, per_item_cpu, ratio
from newsbot.processors import _dateparser_datetime, parse_datetime
from newsbot.replica import ReplicaSite
from newsbot.replica.text import byline_time, iso_ist


def site_times(articles: int) -> list[str]:
    """The byline (`02-03-2020 17:54 IST`) and ISO (`2020-03-02T17:54:00+05:30`) times of a
    replica's articles, as its pages print them."""
    site = ReplicaSite(articles=articles, seed=1)
    times = []
    for news_id in site.ids():
        data = site.article(news_id)
        times += [byline_time(data.created), iso_ist(data.modified)]
    return times


@benchmark("dates")
def dates(quick: bool) -> list[Figure]:
    import dateparser

    texts = site_times(50 if quick else 500)
    cpu = per_item_cpu(
        {"fast": parse_datetime, "dateparser": _dateparser_datetime}, texts, 2 if quick else 3
    )
    agree = sum(parse_datetime(text) == _dateparser_datetime(text) for text in texts)
    naive = sum(dateparser.parse(text) == parse_datetime(text) for text in texts)
    return [
        Figure(
            "dateparser / fast path, CPU per date",
            ratio(cpu["dateparser"] / cpu["fast"]),
            f"{cpu['dateparser'] * 1e6:.0f} µs vs {cpu['fast'] * 1e6:.1f} µs;"
            f" {len(texts)} byline and ISO times",
        ),
        Figure(
            "dateparser right (newsbot's settings / its defaults)",
            f"{agree / len(texts):.0%} / {naive / len(texts):.0%}",
            "same instant as the fast path; by default it reads IST as Israel and days second",
        ),
    ]
