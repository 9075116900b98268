"""The exit statuses and the troubleshooting table, as documented: README.md and docs/cron.md
carry the same table, and every status newsbot.cron can return is in it and in the README's
table of exit statuses."""

import re
from pathlib import Path

from newsbot import cron

PROJECT_DIR = Path(__file__).resolve().parent.parent
README = PROJECT_DIR / "README.md"
CRON_DOC = PROJECT_DIR / "docs" / "cron.md"


def section(path: Path, title: str) -> list[str]:
    """The lines under the heading `title` (any level), up to the next heading."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if re.fullmatch(rf"#+ {title}", line))
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("#")), len(lines))
    return lines[start + 1 : end]


def table(lines: list[str]) -> list[list[str]]:
    """The rows of the first Markdown table in `lines`, cells stripped, header and rule left out."""
    rows = [line for line in lines if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


def statuses() -> set[int]:
    """Every exit status newsbot.cron names: its module-level integer constants."""
    return {value for name, value in vars(cron).items() if name.isupper() and type(value) is int}


def test_readme_and_cron_doc_carry_the_same_troubleshooting_table() -> None:
    readme = table(section(README, "Troubleshooting"))
    assert readme == table(section(CRON_DOC, "Troubleshooting"))
    assert all(len(row) == 4 for row in readme)


def test_every_exit_status_is_documented_and_has_its_troubleshooting_rows() -> None:
    documented = {int(row[0]) for row in table(section(README, "Exit statuses"))}
    assert documented == statuses()
    troubleshooting = {int(row[2]) for row in table(section(README, "Troubleshooting"))}
    assert troubleshooting == statuses()


def test_every_exit_status_has_its_word_in_scrapy_runs() -> None:
    assert set(cron.STATUS_WORDS) == statuses()
