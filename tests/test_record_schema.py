"""docs/record.schema.json: every record newsbot can produce fits it, and it cannot drift from
the item (newsbot/items.py), the README's record table or what `scrapy corpus` and `scrapy
replay` write.

Generic on purpose: a field added to the item must appear, with the same type, in the README
table and the schema (and in the records), or the drift test names it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
import typing
from dataclasses import fields
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from newsbot.extract import EXTRACTOR_VERSION
from newsbot.items import ARTICLE_FIELDS, Article
from newsbot.replica import ReplicaSite
from newsbot.replica.seed_article import PINNED_SEED_ID

PROJECT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = PROJECT / "docs" / "record.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
CRAWLED_AT = "2026-11-26T10:15:02Z"
FETCHED_FROM = "http://127.0.0.1:8800"

# A field's type, said the same way for all three: its base type and whether it may be null.
Kind = tuple[str, bool]
JSON_TYPES = {str: "string", int: "integer", bool: "boolean", float: "number", dict: "object"}


def readme_table() -> dict[str, Kind]:
    """The `field` and `type` columns of the README's record table, in table order."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## The record\n", 1)[1].split("\n## ", 1)[0]
    table: dict[str, Kind] = {}
    for line in section.splitlines():
        # Cells are split on pipes that are not escaped (`\|` appears in the body's rule).
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) < 2 or not (match := re.fullmatch(r"`([a-z_]+)`", cells[0])):
            continue
        table[match[1]] = readme_kind(cells[1])
    return table


def readme_kind(text: str) -> Kind:
    """`string` → (string, False); `string or null` → (string, True); `list of strings` →
    (array of string, False)."""
    base, nullable = text.removesuffix(" or null"), text.endswith(" or null")
    if list_of := re.fullmatch(r"list of (\w+)s", base):
        base = f"array of {list_of[1]}"
    return base, nullable


def schema_kind(prop: dict) -> Kind:
    kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    nullable = "null" in kinds
    (base,) = [kind for kind in kinds if kind != "null"]
    if base == "array":
        base = f"array of {schema_kind(prop['items'])[0]}"
    return base, nullable


def item_kind(annotation: object) -> Kind:
    """The dataclass annotation: `str | None` → (string, True), `list[str]` → (array …)."""
    nullable = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        (annotation,) = args
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return f"array of {JSON_TYPES[item]}", nullable
    return JSON_TYPES[annotation], nullable


def item_fields() -> dict[str, Kind]:
    hints = typing.get_type_hints(Article)
    return {field.name: item_kind(hints[field.name]) for field in fields(Article)}


def schema_fields() -> dict[str, Kind]:
    return {name: schema_kind(prop) for name, prop in SCHEMA["properties"].items()}


def test_the_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_schema_readme_item_and_corpus_output_agree(two_crawls) -> None:
    """The one drift test: names, order and types of the three, then the real output."""
    item, readme, schema = item_fields(), readme_table(), schema_fields()
    assert list(readme) == list(item), "README record table vs newsbot/items.py"
    assert list(schema) == list(item), "docs/record.schema.json properties vs newsbot/items.py"
    # README: "Every field is always present", and nothing else is.
    assert SCHEMA["required"] == list(item)
    assert SCHEMA["additionalProperties"] is False
    assert readme == schema, "types: README record table vs docs/record.schema.json"
    for name, (base, nullable) in schema.items():
        # The item is filled field by field, so it may allow None where the record may not;
        # it must never refuse a value the record can hold.
        item_base, item_nullable = item[name]
        assert item_base == base, f"{name}: items.py says {item_base}, the schema {base}"
        assert item_nullable or not nullable, f"{name}: null in the schema, not in items.py"

    corpus = scrapy("corpus", "--data-dir", str(two_crawls.data_dir))
    # Replay's output (no --publish) is the one place a record has no revision.
    replayed = scrapy("replay", str(two_crawls.data_dir / "warc"))
    for records in (corpus, replayed):
        assert len(records) == len(two_crawls.site.ids())
        for record in records:
            assert list(record) == list(item), "a record's fields are the item's, in its order"
            assert list(VALIDATOR.iter_errors(record)) == []
    assert {record["revision"] for record in replayed} == {None}


def scrapy(*args: str) -> list[dict]:
    """The records a `scrapy` command writes to stdout; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT,
        env=os.environ,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def full_record(truth: dict, revision: int) -> dict:
    """The replica's truth lacks the fields newsbot adds at the fetch, the extraction and
    publication."""
    record = {
        **truth,
        "revision": revision,
        "crawled_at": CRAWLED_AT,
        "fetched_from": FETCHED_FROM,
        "extractor_version": EXTRACTOR_VERSION,
        "reextracted": False,
    }
    return {name: record[name] for name in ARTICLE_FIELDS}


def problems(record: dict) -> list[str]:
    return [f"{record['id']}: {error.message}" for error in VALIDATOR.iter_errors(record)]


def test_every_replica_record_fits_the_schema() -> None:
    """Every revision of every article of a replica, desktop and AMP, with and without a "bot"
    User-Agent: whatever newsbot yields from a healthy page (about 7,000 records)."""
    site = ReplicaSite(articles=300, seed=1)
    site.advance(hours=24)  # about 1,100 more articles, and second and third versions
    found = []
    for news_id in site.ids():
        for variant in ("desktop", "amp"):
            for bot in (False, True):
                for number, truth in enumerate(site.revisions(news_id, variant, bot), 1):
                    found += problems(full_record(truth, number))
    assert found == []


def test_golden_records_and_the_seed_article_fit_the_schema() -> None:
    golden = sorted((PROJECT / "tests" / "golden").glob("*.json"))
    assert golden
    found = []
    for path in golden:
        golden_record = json.loads(path.read_text(encoding="utf-8"))["record"]
        found += problems(full_record(golden_record, 1))
    found += problems(full_record(ReplicaSite().expected_record(PINNED_SEED_ID), 1))
    assert found == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "12a"}, "does not match"),
        ({"revision": 0}, "less than the minimum"),
        ({"created": "2020-03-02T11:59:00Z"}, "does not match"),
        ({"crawled_at": "2026-11-26T15:45:02+05:30"}, "does not match"),
        ({"title": None}, "is not of type 'string'"),
        ({"tags": ["a", "a"]}, "non-unique"),
        ({"syndicated": "yes"}, "is not of type 'boolean'"),
        ({"extra": 1}, "Additional properties"),
        # Only `scrapy replay` without --publish writes a record without a revision.
        ({"revision": None}, "None is not of type 'integer'"),
        ({"extractor_version": "new"}, "does not match"),
        ({"reextracted": None}, "is not of type 'boolean'"),
        ({"kind": "video"}, "is not one of"),
        # Only a live blog has updates, or may not know them.
        ({"updates": None}, "None is not of type 'array'"),
        ({"updates": [{"id": "1"}]}, "is expected to be empty"),
    ],
)
def test_the_schema_refuses_what_newsbot_never_writes(change: dict, message: str) -> None:
    record = full_record(ReplicaSite().expected_record(PINNED_SEED_ID), 1) | change
    assert any(message in error for error in problems(record)), problems(record)


def test_only_a_reextracted_record_may_lack_its_revision() -> None:
    record = full_record(ReplicaSite().expected_record(PINNED_SEED_ID), 1)
    assert problems({**record, "revision": None, "reextracted": True}) == []
    assert problems({**record, "reextracted": True}) == []


def test_a_live_blogs_updates_may_be_unknown_and_each_update_has_its_shape() -> None:
    site = ReplicaSite(articles=300, seed=1)
    news_id = next(i for i in site.ids() if site.expected_record(i)["kind"] == "liveblog")
    record = full_record(site.expected_record(news_id), 1)
    assert record["updates"] and problems(record) == []
    assert problems({**record, "updates": None}) == []
    update = record["updates"][0]
    for change in ({"time": "2026-11-26T08:20:49"}, {"url": record["url"]}, {"extra": 1}):
        assert problems({**record, "updates": [{**update, **change}]}), change
