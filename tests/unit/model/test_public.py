"""model.public: what an advisory shows at each stage, and what [disclosure] at_release adds.
(Every output against this rule: tests/e2e/test_public_when.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.model.advisory import parse_advisory
from releasekit.model.checks import AT_RELEASE
from releasekit.model.config import parse_config
from releasekit.model.lifecycle import Stage
from releasekit.model.public import ahead, as_released, public_fields
from tests.conftest import MINIMAL_CONFIG, advisory_text

RELEASED = datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC)
LATE = {  # Public's attribute for each at_release name
    "cve": "cve",
    "credits": "reporter",
    "cwe": "cwe",
    "component": "component",
}


def advisory(**fields: str):  # type: ignore[no-untyped-def]
    values = {
        "cve": '"CVE-2026-40001"',
        "cwe": '"CWE-862"',
        "component": '"server"',
        "reporter": '"Jane Doe"',
        "severity": '"low"',
        "severity_reason": '"Needs an admin session"',
        **fields,
    }
    text = advisory_text(**values)
    return parse_advisory(text, Path("advisories/ACSA-2026-0001.md"), "ACSA")


def settings(*early: str):  # type: ignore[no-untyped-def]
    listed = ", ".join(f'"{name}"' for name in early)
    text = MINIMAL_CONFIG + f"\n[disclosure]\nat_release = [{listed}]\n"
    return parse_config(text, Path("/ws"))


@pytest.mark.parametrize("early", [(), *((name,) for name in AT_RELEASE), tuple(AT_RELEASE)])
def test_released_shows_what_at_release_names_and_disclosed_shows_everything(
    early: tuple[str, ...],
) -> None:
    config = settings(*early)
    shown = as_released(config, advisory(), RELEASED, {"10.3": "10.3.3"})
    assert shown.stage is Stage.RELEASED
    assert (shown.id, shown.title, shown.summary) == (
        "ACSA-2026-0001",
        "Export ignores permissions",
        "One public sentence.",
    )
    for name, attribute in LATE.items():
        assert (getattr(shown, attribute) is not None) == (name in early), name
    # Public from the disclosure date only, whatever at_release says.
    assert shown.details is None and shown.severity_reason is None
    assert shown.placeholder is not None
    released = advisory(released="2026-12-01T14:00:07Z")
    full = public_fields(config, released, Stage.DISCLOSED)
    assert full is not None
    assert full.details == "Details.\n" and full.severity_reason == "Needs an admin session"
    assert all(getattr(full, attribute) is not None for attribute in LATE.values())
    assert public_fields(config, released, Stage.EMBARGOED) is None
    assert public_fields(config, advisory(), Stage.RELEASED) is None  # not released yet


def test_the_pre_announcement_gets_the_highest_severity_only() -> None:
    found = ahead([advisory(), advisory(severity='"critical"'), advisory(severity='"medium"')])
    assert found.highest == "critical"
    assert [f for f in dir(found) if not f.startswith("_")] == ["highest"]
