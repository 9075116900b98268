"""The month's simulation in its quick mode (benchmarks/simulate.py, issue 13): two days of hourly
cron runs, each its own `scrapy crawl` process against the replica whose clock moves between
them, publish every article and every revision the replica had at some run, each once. CI runs
it with `/api/` disallowed by robots.txt, the harder way (the HTML listings alone, no complete
listing): each mode costs about five minutes of crawl processes. `python benchmarks/simulate.py
--days 2 --scenario hourly --check` runs both. The truth is the replica's (`version_times`)."""

import pytest

from benchmarks.simulate import SCENARIOS, problems, simulate

pytestmark = pytest.mark.e2e


def test_two_days_of_hourly_cron_publish_everything_once(tmp_path):
    result = simulate(SCENARIOS["hourly"], "disallow", days=2, out=tmp_path, seed=1)
    assert problems(result) == []
    articles, revisions = result["coverage"]["articles"], result["coverage"]["revisions"]
    assert articles["coverage"] == revisions["coverage"] == 1.0
    # Only the updates API lists a live blog's updates (docs/site.md §5.4): not judged here.
    assert "live-blog updates" not in result["coverage"]
    assert articles["expected"] > 2000 and revisions["expected"] > articles["expected"]
    assert len(result["ticks"]) == 49
