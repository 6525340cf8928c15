"""The example advisories (advisories/*.md, and the demo's copies of them) say in their prose
the versions releasekit computes from their facts (model/versions.py): examples are read as
documentation."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.model.advisory import Advisory, read_advisory
from releasekit.model.versions import versions
from tests.helpers.paths import REPO_ROOT

VERSION = re.compile(r"(?<![\w.])\d+\.\d+(?:\.\d+)?(?![\w.]*\d)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
UP_TO = re.compile(r"up to and including ([^\n]*)")


def prose_versions(advisory: Advisory) -> tuple[set[str], set[str]]:
    """Every version the prose names, and those it says are the last affected."""
    prose = FENCE.sub("", advisory.body)
    named = set(VERSION.findall(prose))
    last: set[str] = set()
    for match in UP_TO.finditer(prose):
        last |= set(VERSION.findall(match.group(1)))
    return named, last


def check(advisory: Advisory) -> None:
    computed = versions(advisory)
    last = {fix.last_affected for fix in computed.lines if fix.last_affected}
    known = {*computed.fixed_list, *advisory.fixed, *last}
    known |= {fix.first_affected for fix in computed.lines if fix.first_affected}
    if advisory.introduced:
        known.add(advisory.introduced)
    if computed.earlier_before:
        known.add(computed.earlier_before)
    named, said_last = prose_versions(advisory)
    where = advisory.path.name
    assert named <= known, (where, named - known, computed)
    if said_last:  # "up to and including": exactly the last affected release of each line
        assert said_last == last, (where, said_last, last)


def examples(folder: Path) -> list[Advisory]:
    return [read_advisory(path, "ACSA") for path in sorted(folder.glob("*.md"))]


def test_the_shipped_examples_agree_with_their_facts() -> None:
    shipped = examples(REPO_ROOT / "advisories")
    assert any(prose_versions(a)[1] for a in shipped)  # the check has something to check
    for advisory in shipped:
        check(advisory)


def test_the_demos_copies_agree_with_their_facts(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("demo", REPO_ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    demo.set_sandbox(tmp_path / "demo")
    now = datetime.now(UTC)
    latest = demo.make_product(now)
    demo.make_workspace(now, "0" * 40, 25, latest)
    copies = examples(demo.WORKSPACE / "advisories")
    assert [a.fixed for a in copies if a.fixed]  # the released one has its fixed versions
    for advisory in copies:
        check(advisory)


@pytest.mark.parametrize(
    ("text", "fine"),
    [
        ("All releases from 9.8 up to and including 10.3.2, 10.2.2, 10.1.3 and 9.11.8.", True),
        ("All releases from 9.8 up to and including 10.3.3, 10.2.3, 10.1.4 and 9.11.9.", False),
        ("Upgrade to 10.3.7.", False),
    ],
)
def test_a_contradiction_is_found(tmp_path: Path, text: str, fine: bool) -> None:
    source = (REPO_ROOT / "advisories" / "ACSA-2026-0001.md").read_text()
    path = tmp_path / "ACSA-2026-0001.md"
    path.write_text(
        source.replace(
            "All releases from 9.8 up to and including 10.3.2, 10.2.2, 10.1.3 and 9.11.8.", text
        )
    )
    advisory = read_advisory(path, "ACSA")
    if fine:
        check(advisory)
    else:
        with pytest.raises(AssertionError):
            check(advisory)
