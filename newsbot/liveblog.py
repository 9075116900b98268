"""A live blog's updates (docs/site.md §5.4, §8.3): only the updates API lists them.

`/api/Search/GetSubBlogs/<NewsId>/<page>` answers a JSON array, newest created first, `[]` past
the end. A first visit reads it from page 1 to the empty page. A re-visit stops at the first page
that holds only updates already published unchanged: the rest of the list is what the store kept
of the last publication (`UpdatesWalk`), so a re-visit costs one or two requests, not the whole
history. The spider chains the requests (newsbot/spiders/devdiscourse.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from newsbot.discovery import ShapeChanged, read_json_array
from newsbot.extract import body_paragraphs
from newsbot.items import UPDATE_FIELDS
from newsbot.loaders import UpdateLoader
from newsbot.processors import as_printed, post_url

SUB_BLOGS = "/api/Search/GetSubBlogs/{news_id}/{page}"
# What an update must have for the page to be read as the documented shape.
_REQUIRED = ("id", "title", "description", "createdOn")


def read_updates(body: bytes, page_url: str) -> list[dict]:
    """A page of the updates API as records' `updates` elements (items.UPDATE_FIELDS), in the
    API's order. Anything but an array of updates with a readable id and creation time raises
    ShapeChanged: a record then says its updates are unknown rather than guess."""
    updates = []
    for entry in read_json_array(body):
        if not isinstance(entry, dict) or any(key not in entry for key in _REQUIRED):
            raise ShapeChanged(f"an update without {_REQUIRED}: {entry!r:.200}")
        update = update_record(entry, page_url)
        if update["id"] is None or update["time"] is None:
            raise ShapeChanged(f"an update without a readable id or time: {entry!r:.200}")
        updates.append(update)
    return updates


def update_record(entry: dict, page_url: str) -> dict:
    """One update of the API as an element of `updates`: its text read as an article's body."""
    loader = UpdateLoader()
    loader.add_value("id", entry.get("id"))
    loader.add_value("time", entry.get("createdOn"))
    loader.add_value("title", entry.get("title"))
    description = entry.get("description")
    if isinstance(description, str) and description.strip():
        fragment = Selector(text=as_printed(description)).css("body")[0]
        loader.add_value("body", body_paragraphs(fragment.root))
    update = loader.load_item()
    if update.get("id") is not None:
        update["url"] = post_url(page_url, update["id"])
    return {name: update.get(name) for name in UPDATE_FIELDS}


def newest_first(update: dict) -> tuple[str, int]:
    """The API's order, newest created first; ties (the same second) by the higher id. Every
    `time` has the same offset, so the text sorts as the time does."""
    return update["time"], int(update["id"])


@dataclass
class UpdatesWalk:
    """One visit's reading of a live blog's updates, page by page.

    `stored` is the `updates` of the live blog's last published record (None: none known, or
    `full=1`): those are the updates "already stored". Deletions are seen where the pages read
    reach: a stored update newer than the oldest one read that no page listed is gone. Beyond
    that the stored list stands, as the site's editors change an update only while it is among
    the newest (inferred: the site has no other way to show a correction to readers).
    """

    stored: list[dict] | None = None
    read: list[dict] = field(default_factory=list)
    complete: bool = False

    def consider(self, page: list[dict]) -> bool:
        """Take one page in; True when the next page is needed. A page that lists nothing the
        pages before it did not raises ShapeChanged: an API that ignored the page number would
        otherwise be read forever."""
        if not page:
            self.complete = True  # past the end: every update was read
            return False
        seen = {update["id"] for update in self.read}
        new = [update for update in page if update["id"] not in seen]
        if not new:
            raise ShapeChanged("a page repeats the pages before it")
        self.read.extend(new)
        known = {update["id"]: update for update in self.stored or ()}
        return not all(known.get(update["id"]) == update for update in page)

    def updates(self) -> list[dict]:
        """Every update, newest first: those read, then the stored ones older than all of them."""
        found = {update["id"]: update for update in self.read}
        if not self.complete and self.read and self.stored:
            oldest = min(map(newest_first, self.read))
            for update in self.stored:
                if update["id"] not in found and newest_first(update) < oldest:
                    found[update["id"]] = update
        return sorted(found.values(), key=newest_first, reverse=True)
