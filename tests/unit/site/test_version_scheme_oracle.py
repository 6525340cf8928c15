"""The affectedness oracle (test_affected_oracle) over sites whose project names its version
scheme (``[releases] version_scheme``): every reader still gives the same answer, and with
``pep440`` no CVE or CSAF reader is left without one.

Without the key, a Rails advisory fixed in 7.1.6 and 7.2.3 (three numbers) had ``semver``
CVE ranges, and a SemVer reader could not place 7.1.5.1 or 7.2.2.1 against them: the
oracle counted those questions as unplaceable.
"""

from __future__ import annotations

from pathlib import Path

from releasekit.records.common import semver
from tests.conftest import Workspace
from tests.helpers.semver import NodeSemver
from tests.helpers.sites import CONFIG
from tests.unit.site.test_affected_oracle import NAMED, NOW, Case, _releases, _write, ask_everyone
from tests.unit.site.test_build import publish_at

RAILS = Case({"7.2": "7.2.3", "7.1": "7.1.6"}, None, None, _releases("four"))


def _asked(root: Path, scheme: str | None, cases: list[Case]) -> tuple[int, dict, dict]:  # type: ignore[type-arg]
    root.mkdir(parents=True, exist_ok=True)
    ws = Workspace(root)
    config = CONFIG
    if scheme is not None:
        config = CONFIG.replace(
            'esr = ["9.11"]\n', f'esr = ["9.11"]\nversion_scheme = "{scheme}"\n'
        )
    (ws.root / "releasekit.toml").write_text(config)
    made = {_write(ws, n, case): case for n, case in enumerate(cases, start=1)}
    publish_at(ws, NOW)
    with NodeSemver() as semver:
        return ask_everyone(ws.root / "site", made, semver)  # type: ignore[return-value]


def test_a_pep440_project_s_records_place_every_version(tmp_path: Path) -> None:
    asked, wrong, unplaceable = _asked(tmp_path / "pep440", "pep440", [RAILS, *NAMED])
    assert asked > 20 * (len(NAMED) + 1)
    assert wrong == {}, {kind: (len(found), found[:3]) for kind, found in wrong.items()}
    # (OSV has no PEP 440 range without an ecosystem: a four-number release the advisory
    # does not name, 7.1.0.1, is in no SEMVER range and not in its list)
    assert set(unplaceable) <= {"osv"}
    # Without the key: the Rails record's four-number releases had no place in its ranges.
    _, wrong, unplaceable = _asked(tmp_path / "unset", None, [RAILS])
    assert wrong == {} and unplaceable.get("cve", 0) >= 8  # (7.1.0.1 ... 7.2.2.2)


def _semver(case: Case) -> bool:
    """Whether SemVer spells every version the case records (10.3.3.post1: no)."""
    given = [*case.fixed.values(), *([case.introduced] if case.introduced else [])]
    return all(semver(version) is not None for version in given)


def test_a_semver_project_s_records_agree(tmp_path: Path) -> None:
    minor = [case for case in NAMED if case.versions == _releases("minor") and _semver(case)]
    asked, wrong, _ = _asked(tmp_path, "semver", minor)
    assert asked > 20 * len(minor)
    assert wrong == {}, {kind: (len(found), found[:3]) for kind, found in wrong.items()}
