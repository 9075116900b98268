"""The project installs as a package, and the benchmarks need only the runtime requirements.

Offline: the wheel is built with the setuptools pinned in requirements-dev.txt, without build
isolation (which would download a build backend) and without dependencies.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
# What a clean clone holds that packaging reads or must leave out.
SOURCES = ("pyproject.toml", "requirements.txt", "README.md", "newsbot", "tests", "benchmarks")


def requirement_names(path: Path) -> set[str]:
    """The distributions a requirements file pins itself (not those it includes with -r)."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(line.split("==")[0].strip().lower())
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    # Built from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
    tree = tmp_path_factory.mktemp("clone")
    for name in SOURCES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--no-index", "--wheel-dir", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("newsbot-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_holds_newsbot_and_not_tests_or_benchmarks(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"newsbot"}
    modules = {name for name in names if name.endswith(".py")}
    expected = {
        path.relative_to(PROJECT).as_posix()
        for path in (PROJECT / "newsbot").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules == expected


def test_wheel_requires_exactly_the_runtime_pins(wheel: zipfile.ZipFile) -> None:
    (metadata,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    requires = {
        line.removeprefix("Requires-Dist: ").strip()
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist: ")
    }
    pins = {
        line.split("#")[0].strip()
        for line in (PROJECT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    }
    assert requires == pins


def test_benchmarks_need_only_the_runtime_requirements() -> None:
    """`python -m benchmarks --help` imports every benchmark module (each registers itself;
    `_*` modules are their helpers) with every dev-only distribution made unimportable."""
    dev_only = requirement_names(PROJECT / "requirements-dev.txt") - requirement_names(
        PROJECT / "requirements.txt"
    )
    assert "pytest" in dev_only
    # A None entry in sys.modules makes `import name` raise ImportError.
    blocker = (
        f"import runpy, sys; sys.modules.update(dict.fromkeys({sorted(dev_only)!r}));"
        " sys.argv = ['benchmarks', '--help'];"
        " runpy.run_module('benchmarks', run_name='__main__', alter_sys=True)"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocker], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")
