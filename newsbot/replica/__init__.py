"""A deterministic replica of devdiscourse.com served over HTTP on 127.0.0.1 (docs/site.md).

Its ground truth (`ReplicaSite.expected_record`) comes from the generator's own data and never
from the crawler's code: nothing here imports newsbot outside this package.

The site has a clock tests move (`site.advance(hours=2)`, `site.now = moment`): articles appear,
some are updated, listings and the news sitemap follow; `site.revisions(id)` lists the truth of
every version and `site.breakage` simulates an outage or a markup change. See `ReplicaSite`.
"""

from newsbot.replica.article_page import render_amp_page, render_article_page
from newsbot.replica.model import ArticleData, Block, Image, heading, item_list, paragraph, table
from newsbot.replica.server import ReplicaServer, serve_in_thread
from newsbot.replica.website import BREAKAGES, DEFAULT_NOW, ReplicaSite

__all__ = [
    "BREAKAGES",
    "DEFAULT_NOW",
    "ArticleData",
    "Block",
    "Image",
    "ReplicaServer",
    "ReplicaSite",
    "heading",
    "item_list",
    "paragraph",
    "render_amp_page",
    "render_article_page",
    "serve_in_thread",
    "table",
]
