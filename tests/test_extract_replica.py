"""Every page a replica serves, in every variant, yields the replica's ground truth (no HTTP).

A broad sweep beside the golden files: three seeds, desktop and AMP, default and "bot" agents.
The site serves no AMP page for PTI, Reuters, IANS and ANI stories (docs/site.md §8.4). A page
alone says nothing of a live blog's updates (the spider reads them from the API): its truth is
the record without them (`api=False`).
"""

import pytest
from scrapy.http import HtmlResponse

from newsbot.extract import extract_article
from newsbot.replica import ReplicaSite
from newsbot.replica.model import DISCLAIMED_AGENCIES

VARIANTS = [("desktop", False), ("desktop", True), ("amp", False), ("amp", True)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_replica_page_yields_its_ground_truth(seed):
    site = ReplicaSite(articles=400, seed=seed)
    problems = []
    for news_id in site.ids():
        path = site.article(news_id).canonical_path
        for variant, bot in VARIANTS:
            if variant == "amp" and site.article(news_id).source in DISCLAIMED_AGENCIES:
                continue
            url = "http://127.0.0.1:8800" + path + ("?amp" if variant == "amp" else "")
            html = site.render_article(news_id, variant=variant, bot=bot)
            record = vars(
                extract_article(HtmlResponse(url=url, body=html.encode(), encoding="utf-8"))
            )
            truth = site.expected_record(news_id, variant=variant, bot=bot, api=False)
            problems += [
                f"{news_id} {variant} bot={bot} {name}: {record[name]!r} != {value!r}"
                for name, value in truth.items()
                if record[name] != value
            ]
    assert problems == []
