"""Which site a data directory holds: the live devdiscourse.com, or a mirror or the replica.

Their records must never mix: a mirror (the replica, the demo) prints production URLs and ids,
so its articles in a live directory's seen store would make a live crawl skip or mis-revise the
real ones. A directory's first crawl writes `<data dir>/site.json` naming the kind of site it
crawled; a crawl of the other kind refuses the directory before any request. The kind, not the
base URL, is compared: the replica's port changes from run to run.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsbot.store import PUBLISHED_GLOB, STORE_NAME
from newsbot.urls import is_production

SITE_FILE = "site.json"
LIVE = "live"
MIRROR = "mirror"
DESCRIPTIONS = {LIVE: "the live site", MIRROR: "a mirror or the replica"}


class WrongSite(ValueError):
    """The data directory holds another kind of site's records; one line says which."""


def site_kind(base_url: str) -> str:
    return LIVE if is_production(base_url) else MIRROR


def claim(directory: Path, base_url: str) -> None:
    """Mark `directory` as holding `base_url`'s kind of site, or check that it already does.

    A directory from before the marker existed is taken as live: that was the only documented
    use of a data directory with records. A mirror may not start in one, which may hold live
    records.
    """
    kind = site_kind(base_url)
    marker = read_marker(directory)
    if marker is None:
        if kind == MIRROR and holds_records(directory):
            raise WrongSite(
                f"{directory} holds records from before newsbot marked which site a data"
                f" directory holds, maybe of the live site: crawl {base_url} into another"
                " data directory"
            )
        marker = _mark(directory, kind, base_url)
    if marker["site"] != kind:
        raise WrongSite(
            f"{directory} holds records of {DESCRIPTIONS[marker['site']]} (first crawled from"
            f" {marker.get('base_url')}), not of {DESCRIPTIONS[kind]}: crawl {base_url} into"
            " another data directory"
        )


def read_marker(directory: Path) -> dict[str, Any] | None:
    """The directory's marker, or None when it has none."""
    path = directory / SITE_FILE
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise WrongSite(f"{path} is not a marker newsbot wrote: {error}") from None
    if not isinstance(marker, dict) or marker.get("site") not in DESCRIPTIONS:
        raise WrongSite(f"{path} is not a marker newsbot wrote: no site {LIVE!r} or {MIRROR!r}")
    return marker


def holds_records(directory: Path) -> bool:
    return (directory / STORE_NAME).exists() or any(directory.glob(f"*/{PUBLISHED_GLOB}"))


def _mark(directory: Path, kind: str, base_url: str) -> dict[str, Any]:
    """Write the marker unless another run just did; the marker now on disk."""
    since = datetime.now(UTC).isoformat(timespec="seconds")
    marker = {"site": kind, "base_url": base_url, "since": since}
    staged = directory / f".{SITE_FILE}.{os.getpid()}"
    staged.write_text(json.dumps(marker) + "\n", encoding="utf-8")
    try:
        # link() never replaces: of two first runs, one marker wins, whole, and both read it.
        os.link(staged, directory / SITE_FILE)
    except FileExistsError:
        return read_marker(directory) or marker
    finally:
        staged.unlink()
    return marker
