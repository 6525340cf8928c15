"""The OSV record of a real lift, evaluated as the OSV spec says a scanner must.

urllib3's release history up to its October 2023 security release (see
test_real_history.py): the lift pushes the fixes of 2.1 (main), 2.0 and 1.26 and records
each line's fix commit; the site published after the disclosure date carries the OSV record.
For every release tag of the product (pre-releases are no releases) a scanner's answer from
that record must be the truth: by version order for the ECOSYSTEM ranges of the [osv]
package, by the commit graph (git merge-base --is-ancestor) for the GIT range.
"""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from packaging.version import Version

from releasekit import records
from tests.e2e.test_real_history import (  # noqa: F401 - fixtures
    EMBARGO,
    ID,
    Workspace,
    after_embargo,
    urllib3,
    urllib3_template,
)
from tests.helpers.osv_eval import affected_commit, affected_version, ancestry, git_ranges
from tests.helpers.repos import git

REPOSITORY = "https://github.com/urllib3/urllib3.git"
PACKAGE = {"ecosystem": "PyPI", "name": "urllib3"}
FIXED = {"2.0": "2.0.6", "1.26": "1.26.17"}  # what the lift releases


def released(ws: Workspace) -> dict[str, str]:
    """Every release of the product on its public remote: version -> the tag's commit."""
    found: dict[str, str] = {}
    for tag in git(ws.product.remote, "tag", "--list").split():
        version = Version(tag.removeprefix("v"))
        if not version.is_prerelease:
            found[str(version)] = git(ws.product.remote, "rev-parse", f"{tag}^{{commit}}")
    return found


def truth(version: str) -> bool:
    """Each line's releases before its fix are affected; the fix and later ones are not."""
    line = ".".join(version.split(".")[:2])
    return line in FIXED and Version(version) < Version(FIXED[line])


def test_a_scanner_finds_exactly_the_affected_releases_by_version_and_by_commit(
    urllib3: Workspace,  # noqa: F811 - the fixture imported above
) -> None:
    ws = urllib3
    config = ws.root / "releasekit.toml"
    text = config.read_text().replace(
        "[project]\n", f'[project]\nrepository_url = "{REPOSITORY}"\n', 1
    )
    config.write_text(text + '\n[osv]\necosystem = "PyPI"\npackage = "urllib3"\n')
    with after_embargo():
        lift = ws.run("embargo", "lift", "--yes")
    assert lift.exit_code == 0, lift.output + lift.stderr
    with after_embargo() as traveller:
        traveller.shift(timedelta(days=40))  # past the disclosure date (30 days)
        published = ws.run("publish")
    assert published.exit_code == 0, published.output + published.stderr
    record = json.loads((ws.root / "site" / "osv" / f"{ID}.json").read_text())
    schema = json.loads(records.osv_schema_path().read_text())
    jsonschema.Draft202012Validator(schema).validate(record)
    assert record["published"].startswith(EMBARGO.date().isoformat())

    releases = released(ws)
    assert {"1.26.16", "1.26.17", "2.0.5", "2.0.6"} <= set(releases)
    by_version = {v: affected_version(record, v, PACKAGE) for v in releases}
    is_ancestor = ancestry(ws.product.remote)
    by_commit = {v: affected_commit(record, c, is_ancestor) for v, c in releases.items()}
    expected = {v: truth(v) for v in releases}
    assert by_version == expected
    assert by_commit == expected

    (git_range,) = git_ranges(record)
    assert git_range["repo"] == REPOSITORY
    commits = git_range["database_specific"]["lines"]
    assert set(commits) == {"2.1", "2.0", "1.26"}  # the upcoming line's fix too
    for line, commit in commits.items():
        assert f'"{line}" = "{commit}"' in ws.advisory()  # what the lift recorded
    # The fix on main: the next release of 2.1 (made from main) is not affected by it.
    main = git(ws.product.remote, "rev-parse", "refs/heads/main")
    assert not affected_commit(record, main, is_ancestor)
