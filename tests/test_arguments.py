"""Spider arguments: unknown names and label typos are refused, new labels stay crawlable.

The command-line side (one line, exit 2, nothing created) is in tests/test_commands.py.
"""

from pathlib import Path

import pytest

from newsbot.arguments import ARGUMENTS, BadArgument, check_labels, parse_arguments
from newsbot.cron import known_labels
from newsbot.replica import ReplicaSite
from newsbot.spiders.devdiscourse import label_listing
from newsbot.store import STORE_NAME, SeenStore
from newsbot.urls import LABELS
from tests.crawling import run_crawl

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"max_page": "3"}, "unknown spider argument 'max_page' (did you mean 'max_pages'?)"),
        ({"foo": "1"}, "unknown spider argument 'foo'; the arguments are"),
        ({"Sections": "health"}, "(did you mean 'sections'?)"),
    ],
)
def test_an_unknown_argument_names_the_known_ones(raw: dict, message: str) -> None:
    with pytest.raises(BadArgument) as refused:
        parse_arguments(raw)
    assert message in str(refused.value)
    known = "base_url, max_pages, sections, full, ids, since"
    assert str(refused.value).endswith(f"the arguments are {known}")


def test_scrapys_own_internal_arguments_pass() -> None:
    assert parse_arguments({"_job": "20261201-1", "max_pages": "2"}).max_pages == 2


@pytest.mark.parametrize(
    ("raw", "sections", "new"),
    [
        ("business,health", ("business", "health"), set()),
        ("+brand-new,health", ("brand-new", "health"), {"brand-new"}),
        ("health,+health", ("health",), {"health"}),
    ],
)
def test_sections_keep_the_labels_marked_new(raw: str, sections: tuple, new: set) -> None:
    arguments = parse_arguments({"sections": raw})
    assert (arguments.sections, arguments.new_sections) == (sections, new)


@pytest.mark.parametrize(
    ("sections", "known", "message"),
    [
        ("buisness", LABELS, "unknown label 'buisness' (did you mean 'business'?)"),
        ("helth,business", LABELS, "unknown label 'helth' (did you mean 'health'?)"),
        ("zzz", LABELS, "unknown label 'zzz'; known labels: business, education,"),
        ("brand-new", LABELS, "if the site has added it since, write it as +brand-new"),
    ],
)
def test_a_label_newsbot_does_not_know_is_refused(sections: str, known, message: str) -> None:
    with pytest.raises(BadArgument) as refused:
        check_labels(parse_arguments({"sections": sections}), known)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("sections", ["business,health", "+brand-new", "brand-new"])
def test_known_or_marked_labels_pass(sections: str) -> None:
    check_labels(parse_arguments({"sections": sections}), {*LABELS, "brand-new"})


def test_labels_of_published_articles_become_known(tmp_path: Path) -> None:
    """A label the site adds later: once an article of it is published, it is known."""
    store = SeenStore(tmp_path / STORE_NAME)
    store.record_publication("a.jsonl", [], labels={"brand-new"})
    store.close()
    arguments = parse_arguments({"sections": "brand-new"})
    known = known_labels(arguments, tmp_path)
    assert known == {*LABELS, "brand-new"}
    check_labels(arguments, known)


def test_known_labels_need_no_store_for_newsbots_own(tmp_path: Path) -> None:
    arguments = parse_arguments({"sections": "health"})
    assert known_labels(arguments, tmp_path / "none") == set(LABELS)
    assert not (tmp_path / "none").exists()


def test_the_readme_options_table_lists_every_argument_with_its_default() -> None:
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `-a ")]
    assert len(rows) == len(ARGUMENTS)
    for argument in ARGUMENTS.values():
        (row,) = [row for row in rows if row.startswith(f"| `-a {argument.usage}`")]
        assert argument.default in row


@pytest.mark.e2e
def test_a_label_marked_new_is_crawled(tmp_path: Path, serve_replica) -> None:
    server = serve_replica(ReplicaSite(articles=12, seed=7))
    result = run_crawl(server.base_url, tmp_path, "-a", "sections=+brand-new,health")
    assert result.status == 0, result.stderr
    paths = [path for _, path, _ in server.requests]
    # Each label is read through its fragment (its own page shows only 5 items: docs/site.md §3).
    assert label_listing("brand-new").path(1) in paths and label_listing("health").path(1) in paths
