"""CSAF 2.0: documents valid for the reference validator, signed, hashed and listed; the
same bytes when built again; nothing before the disclosure date."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.site import build, csaf
from releasekit.support.errors import SigningError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers import csaf as validator
from tests.helpers.gpg import GpgHome
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, marked, markers

LATER = datetime(2027, 2, 1, tzinfo=UTC)
RELEASE_URL = "https://acme.example/releases/{version}"
CVSS4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N"


def write_variants(ws: Workspace) -> None:
    """Advisories of every shape a CSAF document has: typed credits, a known CWE, a CVSS 4.0
    vector alone, a revision, a CVSS 3.0 vector, no fixed version (with `introduced` or not)."""
    marked(ws, 1)  # a CWE the catalogue does not know: named in a note
    marked(ws, 2, cwe='"CWE-79"', cvss4=f'"{CVSS4}"')
    common = (
        'summary = "A marker sentence."\nembargo = 2026-10-13T14:00:00Z\n'
        "released = 2026-10-13T14:00:07Z\n"
    )
    ws.write(
        "advisories/ACSA-2026-0003.md",
        '+++\nid = "ACSA-2026-0003"\ntitle = "MARKER-TITLE-0003"\n'
        + common
        + f'cvss4 = "{CVSS4}"\ncwe = "CWE-22"\ncve = "CVE-2099-90003"\n'
        + 'fixed = { "10.3" = "10.3.3" }\nintroduced = "10.3.1"\n'
        + 'credits = [{ name = "Jane Doe", type = "finder" }, '
        + '{ name = "Acme QA", type = "remediation verifier" }]\n'
        + "revisions = [{ date = 2026-11-20T09:00:00Z, reason = "
        + '"Corrected the affected range" }]\n+++\n\nMARKER-BODY-0003\n',
    )
    ws.write(
        "advisories/ACSA-2026-0004.md",
        '+++\nid = "ACSA-2026-0004"\ntitle = "MARKER-TITLE-0004"\n'
        + common
        + 'cvss = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"\n'
        + 'fixed = { "10.4" = "10.4.0", "10.3" = "10.3.3" }\n+++\n\nMARKER-BODY-0004\n',
    )
    ws.write(
        "advisories/ACSA-2026-0005.md",
        '+++\nid = "ACSA-2026-0005"\ntitle = "MARKER-TITLE-0005"\n'
        + common
        + "+++\n\nMARKER-BODY-0005\n",
    )
    ws.write(
        "advisories/ACSA-2026-0006.md",
        '+++\nid = "ACSA-2026-0006"\ntitle = "MARKER-TITLE-0006"\n'
        + common
        + 'introduced = "10.2"\n+++\n\nMARKER-BODY-0006\n',
    )


def signed_workspace(ws: Workspace, gpg_home: GpgHome) -> build.PublishReport:
    config = CONFIG.replace(
        'site_url = "https://acme.example/security"',
        f'site_url = "https://acme.example/security"\nrelease_url = "{RELEASE_URL}"',
    )
    config += (
        '\n[mail]\nfrom = "Acme Security <security@acme.example>"\n'
        'to = ["announce@lists.acme.example"]\nsmtp = "smtp://127.0.0.1:9"\n'
        f'signing_key = "{gpg_home.fingerprint}"\n'
    )
    ws.write("releasekit.toml", config)
    write_variants(ws)
    return publish(ws, str(gpg_home.path))


def publish(ws: Workspace, gnupghome: str | None) -> build.PublishReport:
    settings = workspace.open_workspace(ws.root)
    signing = csaf.signing_for(settings, gnupghome)
    return build.publish_workspace(settings, LATER, signing=signing)


def csaf_files(site: Path) -> dict[str, bytes]:
    found = [*site.glob("csaf/**/*"), *site.glob(".well-known/**/*")]
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in found if p.is_file()}


def test_documents_pass_the_reference_validator_signed_and_listed(
    ws: Workspace, gpg_home: GpgHome, tmp_path: Path
) -> None:
    signed_workspace(ws, gpg_home)
    site = ws.root / "site"
    documents = sorted(site.glob("csaf/*/*.json"))
    assert [p.relative_to(site).as_posix() for p in documents] == [
        f"csaf/2026/acsa-2026-000{n}.json" for n in range(1, 7)
    ]
    results = validator.validate(documents)
    assert all(r["tests"] > 30 for r in results)  # the schema and every mandatory test ran
    base = "https://acme.example/security"
    for path in documents:
        data = path.read_bytes()
        digest = path.with_name(path.name + ".sha512").read_text()
        assert digest == f"{hashlib.sha512(data).hexdigest()}  {path.name}\n"
        signature = path.with_name(path.name + ".asc").read_text()
        assert gpg_home.verify(data, signature).fingerprint == gpg_home.fingerprint
    doc = json.loads((site / "csaf/2026/acsa-2026-0003.json").read_text())
    tracking = doc["document"]["tracking"]
    assert doc["document"]["category"] == "csaf_security_advisory"
    assert doc["document"]["distribution"]["tlp"]["label"] == "WHITE"
    assert [r["summary"] for r in tracking["revision_history"]] == [
        "Initial release",
        "Corrected the affected range",
    ]
    assert (tracking["version"], tracking["current_release_date"]) == ("2", "2026-11-20T09:00:00Z")
    vulnerability = doc["vulnerabilities"][0]
    assert vulnerability["cve"] == "CVE-2099-90003"
    assert vulnerability["cwe"] == {"id": "CWE-22", "name": validator_name("CWE-22")}
    assert vulnerability["product_status"] == {
        "known_affected": ["affected-10.3.1-10.3.3"],
        "fixed": ["v10.3.3"],
    }
    assert vulnerability["remediations"][0]["url"] == "https://acme.example/releases/10.3.3"
    assert "scores" not in vulnerability  # CVSS 4.0 has no place in CSAF 2.0's scores: a note
    assert any(CVSS4 in note["text"] for note in vulnerability["notes"])
    assert doc["document"]["aggregate_severity"] == {"text": "Critical"}
    assert [a["names"] for a in vulnerability["acknowledgments"]] == [["Jane Doe"], ["Acme QA"]]
    assert {
        "category": "external",
        "summary": "CVE-2099-90003 in the CVE List",
        "url": "https://www.cve.org/CVERecord?id=CVE-2099-90003",
    } in vulnerability["references"]
    one = json.loads((site / "csaf/2026/acsa-2026-0001.json").read_text())["vulnerabilities"][0]
    assert one["scores"][0]["cvss_v3"]["vectorString"].startswith("CVSS:3.1/")
    assert (
        "cwe" not in one
        and {"category": "other", "title": "CWE", "text": markers(1)["cwe"]} in one["notes"]
    )
    five = json.loads((site / "csaf/2026/acsa-2026-0005.json").read_text())["vulnerabilities"][0]
    assert five["product_status"] == {"known_affected": ["affected-all"]}
    six = json.loads((site / "csaf/2026/acsa-2026-0006.json").read_text())
    assert six["vulnerabilities"][0]["product_status"] == {
        "known_affected": ["affected-from-10.2.0"]
    }
    # The distribution: provider metadata, key, index.txt, changes.csv, ROLIE feed.
    metadata = json.loads((site / ".well-known/csaf/provider-metadata.json").read_text())
    assert metadata["canonical_url"] == f"{base}/.well-known/csaf/provider-metadata.json"
    assert metadata["publisher"] == {"category": "vendor", "name": "Acme", "namespace": base}
    key = metadata["public_openpgp_keys"][0]
    assert key["fingerprint"] == gpg_home.fingerprint
    exported = site / key["url"].removeprefix(base + "/")
    assert "BEGIN PGP PUBLIC KEY BLOCK" in exported.read_text()
    feed_url = metadata["distributions"][0]["rolie"]["feeds"][0]["url"]
    feed = json.loads((site / feed_url.removeprefix(base + "/")).read_text())["feed"]
    assert feed["entry"][0]["id"] == "ACSA-2026-0003"  # revised: the newest change
    assert sorted(e["id"] for e in feed["entry"]) == [f"ACSA-2026-000{n}" for n in range(1, 7)]
    links = {link["rel"] for link in feed["entry"][0]["link"]}
    assert links == {"self", "hash", "signature"}
    index = (site / "csaf/index.txt").read_text().splitlines()
    assert index == [f"2026/acsa-2026-000{n}.json" for n in range(1, 7)]
    changes = list(csv.reader(io.StringIO((site / "csaf/changes.csv").read_text())))
    assert changes[0] == ["2026/acsa-2026-0003.json", "2026-11-20T09:00:00Z"]
    assert metadata["last_updated"] == "2026-11-20T09:00:00Z"
    # The same files from scratch (another copy of the workspace, no state, no live site):
    # the same bytes, signatures included.
    again = Workspace(tmp_path / "again")
    shutil.copytree(ws.root / "advisories", again.root / "advisories")
    shutil.copy(ws.root / "releasekit.toml", again.root / "releasekit.toml")
    publish(again, str(gpg_home.path))
    assert csaf_files(again.root / "site") == csaf_files(site)
    # A publish with nothing changed changes nothing (and signs nothing).
    assert not publish(ws, str(gpg_home.path)).changed
    # A revision: a new document version, signed again, first in changes.csv; the other
    # documents' files stay the very same files.
    inodes = {rel: (site / rel).stat().st_ino for rel in csaf_files(site)}
    path = ws.root / "advisories" / "ACSA-2026-0004.md"
    revision = 'revisions = [{ date = 2026-12-01T08:00:00Z, reason = "Clarified" }]\n'
    path.write_text(path.read_text().replace("+++\n\n", revision + "+++\n\n"))
    report = publish(ws, str(gpg_home.path))
    four = "csaf/2026/acsa-2026-0004.json"
    assert {four, f"{four}.asc", f"{four}.sha512", "csaf/changes.csv"} <= set(report.written)
    assert "csaf/2026/acsa-2026-0001.json.asc" in report.unchanged
    assert (site / "csaf/2026/acsa-2026-0001.json.asc").stat().st_ino == inodes[
        "csaf/2026/acsa-2026-0001.json.asc"
    ]
    data = (site / four).read_bytes()
    assert json.loads(data)["document"]["tracking"]["version"] == "2"
    assert gpg_home.verify(data, (site / f"{four}.asc").read_text())
    changes = list(csv.reader(io.StringIO((site / "csaf/changes.csv").read_text())))
    assert changes[0] == ["2026/acsa-2026-0004.json", "2026-12-01T08:00:00Z"]


def validator_name(cwe: str) -> str:
    names = json.loads((REPO_ROOT / "releasekit/schemas/cwe-names.json").read_text())["names"]
    name: str = names[cwe]
    return name


def test_the_shipped_cwe_catalogue_is_the_validators() -> None:
    shipped = json.loads((REPO_ROOT / "releasekit/schemas/cwe-names.json").read_text())
    assert shipped == validator.catalogue()
    assert shipped["names"]["CWE-79"].startswith("Improper Neutralization of Input")


@pytest.mark.parametrize(
    ("moment", "present"),
    [
        ("2026-10-13T14:00:00Z", False),  # embargoed
        ("2026-11-11T23:59:59Z", False),  # released, not disclosed
        ("2026-11-12T00:00:00Z", True),  # the disclosure date
    ],
)
def test_nothing_of_csaf_before_the_disclosure_date(
    ws: Workspace, moment: str, present: bool
) -> None:
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1)
    settings = workspace.open_workspace(ws.root)
    report = build.publish_workspace(settings, datetime.fromisoformat(moment))
    site = ws.root / "site"
    found = csaf_files(site) if site.is_dir() else {}
    if not present:
        assert found == {}
        assert not any("csaf" in rel for rel in report.written)
        return
    assert set(found) == {
        ".well-known/csaf/provider-metadata.json",
        "csaf/2026/acsa-2026-0001.json",
        "csaf/2026/acsa-2026-0001.json.sha512",
        "csaf/index.txt",
        "csaf/changes.csv",
        "csaf/feed-tlp-white.json",
    }
    metadata = json.loads(found[".well-known/csaf/provider-metadata.json"])
    assert "public_openpgp_keys" not in metadata  # no key: unsigned, and it says so
    assert "signature" not in found["csaf/feed-tlp-white.json"].decode()
    assert report.warnings == (
        "releasekit.toml: mail.signing_key is not set: the CSAF documents are published "
        "unsigned (no .asc, no key in the provider metadata)",
    )
    validator.validate([site / "csaf/2026/acsa-2026-0001.json"])


def test_a_key_that_cannot_sign_stops_the_publish_and_leaves_the_site(
    ws: Workspace, fresh_gpg_home: GpgHome
) -> None:
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1)
    settings = workspace.open_workspace(ws.root)
    build.publish_workspace(settings, LATER)  # unsigned
    before = csaf_files(ws.root / "site")
    signing = csaf.Signing("AB12" * 10, str(fresh_gpg_home.path))  # not in that home
    path = ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text() + "\nMore.\n")
    with pytest.raises(SigningError, match="AB12AB12"):
        build.publish_workspace(settings, LATER, signing=signing)
    assert csaf_files(ws.root / "site") == before


def test_another_key_signs_every_document_again(ws: Workspace, fresh_gpg_home: GpgHome) -> None:
    first = fresh_gpg_home.generate("Acme Security <security@acme.example>")
    second = fresh_gpg_home.generate("Acme Security 2027 <security@acme.example>")
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1)
    settings = workspace.open_workspace(ws.root)
    home = str(fresh_gpg_home.path)
    site = ws.root / "site"
    asc = site / "csaf/2026/acsa-2026-0001.json.asc"
    data = site / "csaf/2026/acsa-2026-0001.json"
    build.publish_workspace(settings, LATER, signing=csaf.Signing(first, home))
    assert fresh_gpg_home.verify(data.read_bytes(), asc.read_text()).fingerprint == first
    report = build.publish_workspace(settings, LATER, signing=csaf.Signing(second, home))
    assert "csaf/2026/acsa-2026-0001.json.asc" in report.written
    assert fresh_gpg_home.verify(data.read_bytes(), asc.read_text()).fingerprint == second
    assert (site / f".well-known/csaf/openpgp/{second}.asc").is_file()
    assert not (site / f".well-known/csaf/openpgp/{first}.asc").exists()


def test_a_new_expiry_of_the_same_key_is_published_again(
    ws: Workspace, fresh_gpg_home: GpgHome
) -> None:
    key = fresh_gpg_home.generate("Acme Security <security@acme.example>")
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1)
    settings = workspace.open_workspace(ws.root)
    signing = csaf.Signing(key, str(fresh_gpg_home.path))
    build.publish_workspace(settings, LATER, signing=signing)
    published = ws.root / "site" / f".well-known/csaf/openpgp/{key}.asc"
    assert published.read_bytes() == fresh_gpg_home.export_public(key)
    assert not build.publish_workspace(settings, LATER, signing=signing).changed
    fresh_gpg_home.gpg("--quick-set-expire", key, "2y")  # same fingerprint, new self-signature
    path = ws.root / "advisories" / "ACSA-2026-0001.md"  # a build, the documents' entries kept
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    report = build.publish_workspace(settings, LATER, signing=signing)
    assert "csaf/index.txt" in report.unchanged
    assert f".well-known/csaf/openpgp/{key}.asc" in report.written
    assert published.read_bytes() == fresh_gpg_home.export_public(key)
