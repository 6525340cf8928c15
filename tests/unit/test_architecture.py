"""The rules of the house (docs/architecture.md), checked on the source.

Rooms sit on floors; a module imports its own room and lower floors only. Each outside
effect has one owner. No module hides an import of another room inside a function (the CLI's
command modules may, to keep `releasekit --help` fast: they load the core lazily).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "releasekit"

# Lowest first; rooms on one floor do not import each other.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("support",),
    ("model",),
    ("records",),
    ("workspace", "adapters"),
    ("fixes",),
    ("release",),
    ("site",),
    ("embargo",),
    ("cli",),
)
FLOOR = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}

# Third-party modules that only one room (or module) may import: one owner per effect.
OWNERS: dict[str, str | tuple[str, ...]] = {
    "pygit2": "adapters/git/",
    "gnupg": "adapters/signing.py",
    "smtplib": "adapters/mail/smtp.py",
    "cvelib": ("adapters/cve.py", "adapters/cve_http.py"),
    "requests": ("adapters/cve.py", "adapters/cve_http.py"),
    "click": "cli/",
    "rich": "cli/",
    "feedgen": "site/feeds.py",
    # (and model/nesting.py, which parses a body the way the site does to check it)
    "markdown_it": ("site/markdown.py", "model/nesting.py"),
    "markdown_it_pyrs": "site/markdown_rs.py",
    "subprocess": "adapters/process.py",  # the product's own command ([verify]); no git CLI
}
SQLITE_OWNERS = ("adapters/journal.py", "site/kept.py", "site/mdcache.py", "site/listing.py")


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _room(rel: str) -> str:
    return rel.split("/", 1)[0].removesuffix(".py")


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "releasekit":
                for alias in node.names:
                    yield node.lineno, f"releasekit.{alias.name}"
            else:
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _attributes(tree: ast.AST) -> Iterator[tuple[str, str, int]]:
    """``(name, attribute, line)`` of every ``name.attribute`` in the code."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            yield node.value.id, node.attr, node.lineno


MODULES = list(_modules())


def test_every_room_is_on_a_floor() -> None:
    rooms = {_room(rel) for rel, _ in MODULES if "/" in rel}
    assert rooms <= set(FLOOR), f"rooms missing from FLOORS: {rooms - set(FLOOR)}"


@pytest.mark.parametrize(("rel", "tree"), MODULES, ids=[rel for rel, _ in MODULES])
def test_imports_run_down_the_floors(rel: str, tree: ast.Module) -> None:
    if "/" not in rel:
        return  # releasekit/__init__.py
    room = _room(rel)
    wrong = []
    for line, module in _imports(tree):
        parts = module.split(".")
        if parts[0] != "releasekit" or len(parts) < 2 or parts[1] == "__version__":
            continue
        other = parts[1]
        if other != room and (other not in FLOOR or FLOOR[other] >= FLOOR[room]):
            wrong.append(f"{rel}:{line} imports {module}")
    assert not wrong


@pytest.mark.parametrize(("rel", "tree"), MODULES, ids=[rel for rel, _ in MODULES])
def test_each_outside_effect_has_one_owner(rel: str, tree: ast.Module) -> None:
    wrong = []
    for line, module in _imports(tree):
        top = module.split(".")[0]
        owner = OWNERS.get(top)
        if owner is not None and not rel.startswith(owner):
            wrong.append(f"{rel}:{line} imports {top} (owned by {owner})")
        if top == "sqlite3" and rel not in SQLITE_OWNERS:
            wrong.append(f"{rel}:{line} imports sqlite3")
    for name, attribute, line in _attributes(tree):
        if name == "os" and attribute in ("environ", "getenv") and not rel.startswith("cli/"):
            wrong.append(f"{rel}:{line} reads the environment (the CLI passes an Environment)")
        clock = (name, attribute) in (("datetime", "now"), ("time", "time"), ("date", "today"))
        if clock and rel != "support/clock.py":
            wrong.append(f"{rel}:{line} reads the wall clock (support/clock.py does)")
    assert not wrong


@pytest.mark.parametrize(("rel", "tree"), MODULES, ids=[rel for rel, _ in MODULES])
def test_no_other_room_is_imported_inside_a_function(rel: str, tree: ast.Module) -> None:
    if rel.startswith("cli/"):
        return
    wrong = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for line, module in _imports(function):
            parts = module.split(".")
            if parts[0] == "releasekit" and len(parts) > 1 and parts[1] != _room(rel):
                wrong.append(f"{rel}:{line} imports {module} inside {function.name}()")
    assert not wrong


def test_no_module_or_class_is_too_big() -> None:
    big = []
    for rel, tree in MODULES:
        lines = len((PACKAGE / rel).read_text(encoding="utf-8").splitlines())
        if lines >= 500:
            big.append(f"{rel}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size >= 250:
                    big.append(f"{rel}: class {node.name}: {size} lines")
    assert not big


def test_the_tests_mirror_the_package() -> None:
    rooms = {_room(rel) for rel, _ in MODULES if "/" in rel}
    unit = {p.name for p in (REPO_ROOT / "tests" / "unit").iterdir() if p.is_dir()}
    assert unit <= rooms | {"__pycache__"}, unit - rooms
    # The rooms whose every module drives git, gpg or SMTP are tested in tests/e2e only.
    assert rooms - unit == {"fixes", "embargo"}, rooms - unit
    assert Path(REPO_ROOT / "tests" / "e2e").is_dir()
