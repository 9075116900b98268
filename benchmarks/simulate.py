"""A simulated month of cron: coverage, freshness and cost per schedule (issue 13).

    python benchmarks/simulate.py [--days 30] [--scenario NAME ...] [--robots allow|disallow|both]
                                  [--out DIR] [--seed 1] [--check]
    python benchmarks/simulate.py --out DIR [--rejudge] [--report PLOTS]
        # the months under DIR judged again, and their table and plots; nothing crawled

Each tick is what cron does: a separate `scrapy crawl devdiscourse` process (the shipped settings
but the loopback speed-ups of newsbot/demo.py), real HTTP on 127.0.0.1 against a replica served by
this process (one server for the whole scenario), one data directory for the whole month. Between
ticks the replica's clock moves to the next tick; during a tick it stands still, so a run sees
the site as it was at its tick.

The truth is the replica's own: every article that existed at the last tick, and every version
(revision) of each, with the moment it appeared (`ReplicaSite.version_times`). A version
superseded by the next one before any run could see it never was on the site at a run: it is
counted apart ("superseded"), not as missed. What newsbot published is read from each run's
published file (runs.jsonl names it), so each record belongs to the tick that published it.

Coverage is a list of `Coverage` columns: articles by id, revisions by (id, minute of `updated`),
and, where robots.txt allows `/api/` (the only place the site lists them), live-blog updates by
(blog, update id, text); each has its truth from the replica and its keys from a record. The
judging reads the published files again (`judged`), so `--rejudge` redoes it on a finished month.

`--check` (`--days 2 --scenario hourly --check`; CI's tests/test_simulation.py runs it with
`/api/` disallowed) exits 1 unless coverage is 100 % and duplicates 0 in every scenario run.
Figures, not pass/fail, otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command  # noqa: E402
from newsbot.replica import ReplicaSite, serve_in_thread  # noqa: E402
from newsbot.replica.content import LABELS  # noqa: E402
from newsbot.replica.model import LIVE_BLOG  # noqa: E402
from newsbot.replica.pages import SOURCE_LISTINGS  # noqa: E402
from newsbot.replica.website import ANALYSIS_DAYS, ANALYSIS_PER_PAGE, GLOBAL_EDITION  # noqa: E402

# The month starts here (a Monday, 05:30 IST) with a small site: the first run pays the roots.
START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
INITIAL_ARTICLES = 300
OUTAGE = timedelta(days=3)
ROBOTS = {"allow": "allow_api", "disallow": "disallow_api"}


@dataclass(frozen=True)
class Scenario:
    name: str
    interval: timedelta
    outage: bool = False
    # What the README tells a user of this schedule to set (before `-s` on the command line).
    settings: tuple[tuple[str, str], ...] = ()

    def ticks(self, days: float) -> list[datetime]:
        """The moments cron starts a run: every interval from START to START + days; with an
        outage, none in the 3 days (half the time at most) around the middle."""
        end = START + timedelta(days=days)
        moments, moment = [], START
        while moment <= end:
            moments.append(moment)
            moment += self.interval
        if not self.outage:
            return moments
        length = min(OUTAGE, timedelta(days=days) / 2)
        middle = START + timedelta(days=days) / 2
        low, high = middle - length / 2, middle + length / 2
        return [m for m in moments if not low < m < high]


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario("hourly", timedelta(hours=1)),
        Scenario("6-hourly", timedelta(hours=6)),
        Scenario("daily", timedelta(days=1)),
        # A week is about 7,600 new articles, more than the default budget of 5,000 (README:
        # Running it from cron).
        Scenario("weekly", timedelta(days=7), settings=(("NEWSBOT_MAX_ARTICLES", "20000"),)),
        Scenario("outage", timedelta(hours=1), outage=True),
    )
}


# -- the truth, and what a record captured ---------------------------------------------------------


def minute(moment: datetime) -> str:
    """A time to the minute, UTC: the byline, where `updated` comes from, has no seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Coverage:
    """One thing to capture: `truth` maps each key to when it appeared on the site (and, for what
    a later version replaces, until when: None while current); `keys` names what a record
    captured. A key `once` must be published once (a revision); other keys come again with
    what follows them (an article, with each of its revisions)."""

    name: str
    keys: Callable[[dict], Iterable[str]]
    once: bool
    truth: dict[str, tuple[datetime, datetime | None]] = field(default_factory=dict)


def article_key(record: dict) -> Iterable[str]:
    yield record["id"]


def revision_key(record: dict) -> Iterable[str]:
    yield f"{record['id']}@{minute(datetime.fromisoformat(record['updated']))}"


def update_key(news_id: str, update: dict) -> str:
    """A live blog's update as a record shows it: an edit (new title or text) is another key."""
    text = f"{update['title']}\n{update['body']}".encode()
    return f"{news_id}#{update['id']}#{hashlib.blake2b(text, digest_size=6).hexdigest()}"


def live_update_keys(record: dict) -> Iterable[str]:
    for update in record.get("updates") or ():
        yield update_key(record["id"], update)


def truth_of(site: ReplicaSite, api: bool) -> list[Coverage]:
    """Every article, revision and live-blog update on the site up to its `now` (the last tick).
    An update's truth is read from the replica's own record of each version of its blog: it
    appears with one version and lasts until a version without it (edited or deleted). Only
    the updates API lists them (docs/site.md §5.4): with `/api/` disallowed no crawler can have
    them, and that column is left out."""
    articles = Coverage("articles", article_key, once=False)
    revisions = Coverage("revisions", revision_key, once=True)
    updates = Coverage("live-blog updates", live_update_keys, once=False)
    columns = [articles, revisions, updates] if api else [articles, revisions]
    for news_id in site.ids():
        times = site.version_times(news_id)
        articles.truth[news_id] = (times[0], None)
        for when, until in zip(times, [*times[1:], None], strict=True):
            revisions.truth[f"{news_id}@{minute(when)}"] = (when, until)
        if not api or site.kind_of(int(news_id)) != LIVE_BLOG:
            continue
        current: set[str] = set()
        for when in times:
            record = site.state_at(when).expected_record(news_id)
            keys = set(live_update_keys(record))
            for key in current - keys:
                updates.truth[key] = (updates.truth[key][0], when)
            for key in keys - current:
                updates.truth[key] = (when, None)
            current = keys
    return columns


# -- one scenario ----------------------------------------------------------------------------------


@dataclass
class Tick:
    at: str
    status: int | None
    wall_s: float
    requests: int
    article_requests: int
    written: int
    new: int
    revised: int
    # Articles on the site at the tick, and distinct articles newsbot had published by its end.
    site_articles: int
    published_articles: int
    # Of `requests`: what every run asks whatever changed (robots.txt, the sitemap, page 1 of
    # each listing), and a live blog's updates API.
    fixed_requests: int = 0
    updates_requests: int = 0


_PAGE = re.compile(r"(?:[?&]page=|/GetAllNews/)(\d+)")


def request_kind(path: str) -> str:
    """`article`, `updates` (a live blog's API), `fixed` (robots.txt, the sitemap, page 1 of a
    listing: every run asks them) or `listing` (a later page: as many as the site changed)."""
    if path.startswith("/article/"):
        return "article"
    if path.startswith("/api/Search/GetSubBlogs/"):
        return "updates"
    page = _PAGE.search(path)
    return "fixed" if page is None or page[1] == "1" else "listing"


def run_tick(
    base_url: str, data_dir: Path, log_path: Path, settings: dict[str, str]
) -> tuple[int, dict | None]:
    """One cron run (the shipped arguments): its exit status and its line of runs.jsonl."""
    command = crawl_command(base_url, data_dir, {**LOOPBACK_SETTINGS, **settings})
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    with log_path.open("ab") as output:
        status = subprocess.run(
            command, cwd=PROJECT, env=env, stdout=output, stderr=output, check=False
        ).returncode
    runs = data_dir / "runs.jsonl"
    lines = runs.read_text(encoding="utf-8").splitlines() if runs.exists() else []
    return status, json.loads(lines[-1]) if lines else None


def published(line: dict | None) -> list[dict]:
    if not line or not line.get("published"):
        return []
    with open(line["published"], encoding="utf-8") as records:
        return [json.loads(record) for record in records]


def simulate(
    scenario: Scenario,
    robots: str,
    days: float,
    out: Path,
    seed: int,
    settings: dict[str, str] | None = None,
) -> dict:
    """Run one scenario with robots.txt allowing or disallowing `/api/`; its results as a dict."""
    ticks = scenario.ticks(days)
    settings = {**dict(scenario.settings), **(settings or {})}
    site = ReplicaSite(articles=INITIAL_ARTICLES, seed=seed, now=START, robots=ROBOTS[robots])
    server = serve_in_thread(site)
    directory = out / f"{scenario.name}-{robots}"
    # A month starts from an empty data directory, as a new cron job does.
    shutil.rmtree(directory, ignore_errors=True)
    data_dir = directory / "data"
    data_dir.mkdir(parents=True)
    rows: list[Tick] = []
    articles: set[str] = set()
    started = time.monotonic()
    try:
        for moment in ticks:
            site.now = moment
            server.requests.clear()
            began = time.monotonic()
            status, line = run_tick(
                server.base_url, data_dir, directory / "crawl-output.txt", settings
            )
            wall = time.monotonic() - began
            kinds = Counter(request_kind(request.path) for request in server.requests)
            records = published(line)
            articles.update(record["id"] for record in records)
            line = line or {}
            rows.append(
                Tick(
                    moment.isoformat(),
                    status,
                    round(wall, 2),
                    kinds.total(),
                    kinds["article"],
                    len(records),
                    line.get("new", 0),
                    line.get("revised", 0),
                    len(site),
                    len(articles),
                    kinds["fixed"],
                    kinds["updates"],
                )
            )
            print(
                f"{scenario.name}/{robots} {moment:%m-%d %H:%M} status {status} "
                f"{kinds.total()} requests {len(records)} records {wall:.1f} s",
                flush=True,
            )
    finally:
        server.stop()
    total_wall = time.monotonic() - started
    result = {
        "scenario": scenario.name,
        "robots": robots,
        "days": days,
        "seed": seed,
        "settings": settings,
        "interval_h": scenario.interval.total_seconds() / 3600,
        "wall_s": round(total_wall, 1),
        "ticks": [asdict(row) for row in rows],
    }
    span = int((ticks[-1] - START).total_seconds() // 3600)
    result["site_hourly"] = [
        len(site.state_at(START + timedelta(hours=h))) for h in range(span + 1)
    ]
    return judged(result, directory)


def judged(result: dict, directory: Path) -> dict:
    """`result` with its coverage, judged from the replica's truth (rebuilt from the seed) and
    the records each run published (runs.jsonl, a line per run in the order of the ticks),
    written to `directory`/result.json. `--rejudge` runs it again on a finished month."""
    ticks = [datetime.fromisoformat(tick["at"]) for tick in result["ticks"]]
    site = ReplicaSite(
        articles=INITIAL_ARTICLES, seed=result["seed"], now=START, robots=ROBOTS[result["robots"]]
    )
    coverages = truth_of(site.state_at(ticks[-1]), api=result["robots"] == "allow")
    runs = (directory / "data" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    if len(runs) != len(ticks):
        raise SystemExit(f"{directory}: {len(runs)} lines in runs.jsonl for {len(ticks)} runs")
    # Every record's capture keys, with the tick that published it.
    captured: list[tuple[str, str, int]] = []
    for number, line in enumerate(runs):
        for record in published(json.loads(line)):
            for coverage in coverages:
                captured += [(coverage.name, key, number) for key in coverage.keys(record)]
    result.update(judge(site, coverages, captured, ticks, result["robots"]))
    (directory / "result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


# -- judging ---------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def judge(
    site: ReplicaSite,
    coverages: list[Coverage],
    captured: list[tuple[str, str, int]],
    ticks: list[datetime],
    robots: str,
) -> dict:
    """Coverage, duplicates and freshness per column; what was missed, and why."""
    first_tick: dict[tuple[str, str], int] = {}
    duplicates: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    once = {coverage.name for coverage in coverages if coverage.once}
    for name, key, number in captured:
        if (name, key) not in first_tick:
            first_tick[name, key] = number
        elif name in once:
            duplicates[name] += 1
    columns, missed_articles = {}, []
    for coverage in coverages:
        seen = superseded = 0
        missed, delays = [], []
        for key, (when, until) in coverage.truth.items():
            number = first_tick.get((coverage.name, key))
            if number is not None:
                seen += 1
                if when > ticks[0]:  # what was there before the first run is the site's start
                    delays.append((ticks[number] - when).total_seconds() / 3600)
                continue
            # Was it on the site at some run (at or after it appeared, before it was replaced)?
            observable = any(when <= t and (until is None or t < until) for t in ticks)
            if not observable:
                superseded += 1
            else:
                missed.append(key)
        unknown[coverage.name] = sum(
            1 for name, key, _ in captured if name == coverage.name and key not in coverage.truth
        )
        expected = seen + len(missed)
        if coverage.name == "articles":
            missed_articles = missed
        columns[coverage.name] = {
            "expected": expected,
            "captured": seen,
            "coverage": seen / expected if expected else 1.0,
            "missed": len(missed),
            "missed_sample": sorted(missed)[:20],
            "superseded": superseded,
            "duplicates": duplicates[coverage.name],
            "unknown": unknown[coverage.name],
            "fresh_median_h": percentile(delays, 0.5),
            "fresh_p95_h": percentile(delays, 0.95),
            "fresh_hours": [round(d, 3) for d in delays],
        }
    columns["articles"]["unlisted"] = unlisted(site, missed_articles, ticks, robots)
    return {"coverage": columns}


def listed_ids(view: ReplicaSite, api: bool) -> set[int]:
    """Every id some listing of the site holds at the view's moment (every page of each)."""
    ids = set(view.sitemap_ids())
    if api:
        ids.update(view.all_news_ids())
    for _, sources, days, _, by_modification, _ in SOURCE_LISTINGS.values():
        ids.update(view.source_listing_ids(sources, days, by_modification))
    for label in LABELS:
        ids.update(view.label_listing_ids(label, GLOBAL_EDITION))
    page = 1
    while batch := view.analysis_listing_ids(GLOBAL_EDITION, page):
        ids.update(batch)
        page += 1
        if page * ANALYSIS_PER_PAGE > ANALYSIS_DAYS * 2000:
            break
    return ids


def unlisted(site: ReplicaSite, missed: list[str], ticks: list[datetime], robots: str) -> int:
    """How many of the missed articles no listing held any more at the first run after they
    appeared: what no crawler of the listings could have found then."""
    full, listed = site.state_at(ticks[-1]), {}
    count = 0
    for news_id in map(int, missed):
        after = next(t for t in ticks if t >= full.created_at(news_id))
        if after not in listed:
            listed[after] = listed_ids(site.state_at(after), robots == "allow")
        count += news_id not in listed[after]
    return count


# -- the report ------------------------------------------------------------------------------------

ORDER = list(SCENARIOS)


def load(out: Path) -> list[dict]:
    results = [json.loads(path.read_text()) for path in sorted(out.glob("*/result.json"))]
    return sorted(results, key=lambda r: (ORDER.index(r["scenario"]), r["robots"]))


def hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def fresh(column: dict) -> list[float]:
    """Freshness in hours of what appeared after the first run (results of earlier versions of
    this script count what was there before it as 0)."""
    return [delay for delay in column["fresh_hours"] if delay > 0]


def table(results: list[dict]) -> str:
    """One markdown row per scenario and robots.txt."""
    head = (
        "| schedule | /api/ | days | runs | articles | revisions (superseded) | duplicates "
        "| live-blog updates | freshness p50 / p95 | requests per run: median / max "
        "| requests per record: all / after the fixed / and the updates API "
        "| article requests per record | exit statuses | wall time |"
    )
    rows = [head, "| " + " | ".join(["---"] * (head.count("|") - 1)) + " |"]
    for result in results:
        ticks = result["ticks"]
        articles, revisions = result["coverage"]["articles"], result["coverage"]["revisions"]
        updates = result["coverage"].get("live-blog updates")
        requests = [tick["requests"] for tick in ticks]
        # The first run publishes the 300 articles already there: it is a first run, not cron's.
        later = ticks[1:]
        written = sum(tick["written"] for tick in later) or 1
        statuses = Counter(tick["status"] for tick in ticks)
        rows.append(
            "| "
            + " | ".join(
                [
                    result["scenario"],
                    result["robots"] + "ed",
                    f"{result['days']:g}",
                    str(len(ticks)),
                    f"{articles['captured']}/{articles['expected']} "
                    f"({100 * articles['coverage']:.2f} %)",
                    f"{revisions['captured']}/{revisions['expected']} "
                    f"({100 * revisions['coverage']:.2f} %; {revisions['superseded']})",
                    str(revisions["duplicates"]),
                    f"{updates['captured']}/{updates['expected']} "
                    f"({100 * updates['coverage']:.2f} %)"
                    if updates
                    else "none: only `/api/` has them",
                    " / ".join(hours(percentile(fresh(articles), share)) for share in (0.5, 0.95)),
                    f"{statistics.median(requests):.0f} / {max(requests)}",
                    " / ".join(f"{per_record(later, written, apart):.2f}" for apart in APART),
                    f"{sum(t['article_requests'] for t in later) / written:.2f}",
                    ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
                    f"{result['wall_s'] / 60:.0f} min",
                ]
            )
            + " |"
        )
    return "\n".join(rows)


# The requests per record columns: all, after the fixed ones, after those and the updates API.
APART = ((), ("fixed_requests",), ("fixed_requests", "updates_requests"))


def per_record(ticks: list[dict], written: int, apart: Iterable[str] = ()) -> float:
    """Requests per record, those counted in the `apart` columns of each run left out: the fixed
    requests (the roots: what each run asks whatever changed), the updates API (a live blog's
    record's second and further requests)."""
    apart = tuple(apart)
    return sum(t["requests"] - sum(t[name] for name in apart) for t in ticks) / written


def after_outages(results: list[dict]) -> list[str]:
    """The first run after the longest pause of each outage scenario."""
    notes = []
    for result in results:
        if result["scenario"] != "outage":
            continue
        moments = [datetime.fromisoformat(tick["at"]) for tick in result["ticks"]]
        pause, number = max((b - a, n + 1) for n, (a, b) in enumerate(pairwise(moments)))
        tick = result["ticks"][number]
        costs = " / ".join(f"{per_record([tick], tick['written'], a):.2f}" for a in APART)
        pause_h = hours(pause.total_seconds() / 3600)
        notes.append(
            f"outage, /api/ {result['robots']}ed: the first run after {pause_h} without "
            f"runs exited {tick['status']}, made {tick['requests']} requests "
            f"({tick['article_requests']} article pages), published {tick['written']} records "
            f"in {tick['wall_s']:.0f} s: requests per record {costs}"
        )
    return notes


def plots(results: list[dict], directory: Path) -> list[Path]:
    """cumulative.png, requests.png, freshness.png, choice.png in `directory` (matplotlib, from
    benchmarks/requirements.txt: not a runtime dependency, so imported here)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    names = [name for name in ORDER if any(r["scenario"] == name for r in results)]
    styles = {"allow": ("tab:blue", "-"), "disallow": ("tab:orange", "--")}

    def days_of(result: dict) -> list[float]:
        return [
            (datetime.fromisoformat(tick["at"]) - START).total_seconds() / 86_400
            for tick in result["ticks"]
        ]

    written = []
    width = max(4 * len(names), 9)

    def save(figure, name: str) -> None:
        figure.tight_layout()
        written.append(directory / name)
        figure.savefig(written[-1], dpi=90)

    def panels_done(figure, ylabel: str, title: str, name: str) -> None:
        """A figure of one panel per schedule: the first panel's axis label and legend."""
        first = figure.axes[0]
        first.set_ylabel(ylabel)
        first.legend(loc="upper left", fontsize="small")
        figure.suptitle(title)
        save(figure, name)

    figure, axes = pyplot.subplots(1, len(names), figsize=(width, 3.6), squeeze=False)
    for axis, name in zip(axes[0], names, strict=True):
        mine = [r for r in results if r["scenario"] == name]
        site = mine[0]["site_hourly"]
        axis.plot([h / 24 for h in range(len(site))], site, color="black", lw=1, label="site")
        for result in mine:
            color, line = styles[result["robots"]]
            axis.step(
                days_of(result),
                [tick["published_articles"] for tick in result["ticks"]],
                where="post",
                color=color,
                ls=line,
                label=f"newsbot, /api/ {result['robots']}ed",
            )
        axis.set_title(name)
        axis.set_xlabel("day of the month")
        axis.grid(alpha=0.3)
    panels_done(
        figure,
        "articles published (cumulative)",
        "Articles published by the site and by newsbot, cumulative",
        "cumulative.png",
    )

    figure, axes = pyplot.subplots(1, len(names), figsize=(width, 3.6), squeeze=False)
    for axis, name in zip(axes[0], names, strict=True):
        for result in (r for r in results if r["scenario"] == name):
            color, line = styles[result["robots"]]
            ticks = result["ticks"][1:]
            axis.plot(
                days_of(result)[1:],
                [tick["requests"] for tick in ticks],
                color=color,
                ls=line,
                marker="." if len(ticks) < 200 else None,
                label=f"/api/ {result['robots']}ed",
            )
        axis.set_yscale("log")
        axis.set_title(name)
        axis.set_xlabel("day of the month")
        axis.grid(alpha=0.3, which="both")
    panels_done(
        figure,
        "requests per run (log)",
        "Requests per run (the first run, which publishes the site's start, left out)",
        "requests.png",
    )

    figure, axes = pyplot.subplots(1, 2, figsize=(11, 4))
    colors = dict(
        zip(ORDER, ("tab:green", "tab:blue", "tab:purple", "tab:red", "tab:olive"), strict=True)
    )
    for axis, column in zip(axes, ("articles", "revisions"), strict=True):
        for result in results:
            delays = sorted(max(d, 1 / 60) for d in fresh(result["coverage"][column]))
            if not delays:
                continue
            share = [(n + 1) / len(delays) for n in range(len(delays))]
            axis.step(
                delays,
                share,
                where="post",
                color=colors[result["scenario"]],
                ls=styles[result["robots"]][1],
                label=f"{result['scenario']}, /api/ {result['robots']}ed",
            )
        axis.set_xscale("log")
        axis.set_xlabel("hours from appearing on the site to published by newsbot (log)")
        axis.set_title(f"{column}: share published within x hours")
        axis.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("share")
    axes[1].legend(loc="lower right", fontsize="small")
    save(figure, "freshness.png")

    # At a glance: what each schedule costs the site a day against how fresh it keeps the corpus.
    figure, axis = pyplot.subplots(figsize=(7, 4.5))
    for result in results:
        later = result["ticks"][1:]
        span_days = (
            datetime.fromisoformat(result["ticks"][-1]["at"]) - START
        ).total_seconds() / 86_400
        per_day = sum(tick["requests"] for tick in later) / span_days
        p95 = percentile(fresh(result["coverage"]["articles"]), 0.95)
        if p95 is None:
            continue
        allowed = result["robots"] == "allow"
        axis.scatter(
            per_day,
            p95,
            color=colors[result["scenario"]],
            marker="o" if allowed else "s",
            s=60,
        )
        if allowed:
            axis.annotate(
                result["scenario"],
                (per_day, p95),
                textcoords="offset points",
                xytext=(7, 5),
                fontsize="small",
            )
    axis.set_yscale("log")
    axis.set_xlabel("requests to the site per day (the first run left out)")
    axis.set_ylabel("freshness, 95th percentile (hours, log)")
    axis.set_title("Each schedule: cost to the site against freshness")
    axis.scatter([], [], color="grey", marker="o", label="/api/ allowed")
    axis.scatter([], [], color="grey", marker="s", label="/api/ disallowed")
    axis.legend(loc="upper right", fontsize="small")
    axis.grid(alpha=0.3, which="both")
    save(figure, "choice.png")
    pyplot.close("all")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--robots", choices=("allow", "disallow", "both"), default="both")
    parser.add_argument("--out", type=Path, default=Path("simulation-out"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--rejudge",
        action="store_true",
        help="judge the months under --out again (after a change to the judging, not the crawl)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="print the table of the results under --out and draw the plots into DIR",
    )
    parser.add_argument(
        "-s",
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for every run (as `scrapy crawl -s`)",
    )
    arguments = parser.parse_args(argv)
    if arguments.rejudge or arguments.report:
        # Months already run: judged again, reported, or both; nothing is crawled.
        for path in sorted(arguments.out.glob("*/result.json")) if arguments.rejudge else ():
            print(summary_line(judged(json.loads(path.read_text()), path.parent)), flush=True)
        if arguments.report:
            results = load(arguments.out)
            print(table(results))
            for note in after_outages(results):
                print(note)
            for path in plots(results, arguments.report):
                print(f"wrote {path}")
        return 0
    names = arguments.scenario or list(SCENARIOS)
    modes = ("allow", "disallow") if arguments.robots == "both" else (arguments.robots,)
    failures = []
    for name in names:
        for robots in modes:
            settings = dict(setting.split("=", 1) for setting in arguments.setting)
            result = simulate(
                SCENARIOS[name], robots, arguments.days, arguments.out, arguments.seed, settings
            )
            print(summary_line(result), flush=True)
            failures += problems(result)
    if arguments.check and failures:
        for problem in failures:
            print(f"simulate: {problem}", file=sys.stderr)
        return 1
    return 0


def problems(result: dict) -> list[str]:
    """What the smoke test refuses: anything missed, any duplicate, a run that failed."""
    found = []
    label = f"{result['scenario']}/{result['robots']}"
    for name, column in result["coverage"].items():
        if column["missed"] or column["duplicates"] or column["unknown"]:
            found.append(
                f"{label} {name}: {column['missed']} missed (e.g. {column['missed_sample'][:5]}), "
                f"{column['duplicates']} duplicates, {column['unknown']} not on the site"
            )
    statuses = Counter(tick["status"] for tick in result["ticks"])
    if set(statuses) != {0}:
        found.append(f"{label}: exit statuses {dict(statuses)}")
    return found


def summary_line(result: dict) -> str:
    parts = [f"{result['scenario']}/{result['robots']}: {len(result['ticks'])} runs"]
    for name, column in result["coverage"].items():
        parts.append(
            f"{name} {column['captured']}/{column['expected']} "
            f"({100 * column['coverage']:.2f} %), {column['duplicates']} dup, "
            f"fresh p50 {column['fresh_median_h']} h p95 {column['fresh_p95_h']} h"
        )
    parts.append(f"{result['wall_s']} s")
    return "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
