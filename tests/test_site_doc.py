"""docs/site.md keeps its section numbers, and every citation of it names a section it has.

The numbering is that of the team's original notes (§1 to §8 with the same subsections), so a
citation written against either points at the same place; nothing cites those notes any more.
"""

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SITE_DOC = PROJECT / "docs" / "site.md"
SECTIONS = {
    *(str(n) for n in range(1, 9)),
    *("5.1", "5.2", "5.2a", "5.3", "5.4"),
    *("8.1", "8.2", "8.3", "8.4"),
}
HEADING_RE = re.compile(r"^#{2,3} (\d+(?:\.\d+a?)?)\.? ", re.MULTILINE)
SECTION_REF_RE = re.compile(r"§(\d+(?:\.\d+a?)?)")
CITATION = "docs/site.md"


def project_texts() -> list[Path]:
    roots = [PROJECT / name for name in ("newsbot", "tests", "benchmarks", "docs")]
    files = [PROJECT / "README.md", PROJECT / "Makefile", PROJECT / "pyproject.toml"]
    for root in roots:
        files += [
            path
            for path in root.rglob("*")
            if path.suffix in {".py", ".md", ".json", ".txt", ".toml"} and path.is_file()
        ]
    return [path for path in files if "__pycache__" not in path.parts]


def test_site_doc_has_exactly_the_agreed_sections() -> None:
    headings = HEADING_RE.findall(SITE_DOC.read_text(encoding="utf-8"))
    assert len(headings) == len(set(headings)), "a section number appears twice"
    assert set(headings) == SECTIONS


def test_every_citation_of_the_site_doc_names_one_of_its_sections() -> None:
    dangling = []
    for path in project_texts():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if path == SITE_DOC:
                cited = line  # its own cross-references
            elif CITATION in line:
                cited = line.split(CITATION, 1)[1]
            else:
                continue
            for section in SECTION_REF_RE.findall(cited):
                if section not in SECTIONS:
                    dangling.append(f"{path.relative_to(PROJECT)}:{number}: §{section}")
    assert dangling == []


def test_nothing_cites_notes_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    found = [
        f"{path.relative_to(PROJECT)}:{number}"
        for path in project_texts()
        if path.resolve() != this
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "SITE.md" in line
    ]
    assert found == []
