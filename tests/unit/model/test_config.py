from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.model.config import load_config, parse_config, reference
from releasekit.support.errors import ConfigError
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.paths import REPO_ROOT


def parse(text: str) -> object:
    return parse_config(text, Path("/ws"), Path("releasekit.toml"))


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.exit_code == 2
    return [str(p) for p in info.value.problems]


def test_minimal_config_gets_defaults() -> None:
    settings = parse(MINIMAL_CONFIG)
    assert settings.project.remote == "origin"
    assert settings.project.disclosure_days == 30
    assert settings.releases.branch == "release-{line}"
    assert settings.releases.esr == ("9.11",)
    assert settings.policy.groups("low") == ("upcoming", "esr")
    assert settings.policy.groups("critical") == ("upcoming", "esr", "last")
    assert settings.mail is None
    assert settings.branch_name("10.3") == "release-10.3"
    assert settings.tag_name("10.3.2") == "v10.3.2"
    assert settings.repository_path == Path("/ws/product")


def test_product_example_parses(tmp_path: Path) -> None:
    example = REPO_ROOT / "releasekit.toml"
    settings = load_config(example.parent)
    assert settings.mail is not None
    assert settings.mail.sender.startswith("Acme Security")
    assert settings.mail.to == ("security-announce@lists.acme.example",)


def test_unknown_key_suggests_the_right_one() -> None:
    text = MINIMAL_CONFIG.replace('time_zone = "America', 'timezone = "America')
    (message,) = problems(text)
    assert message.startswith("releasekit.toml:7: project.timezone: unknown key")
    assert "did you mean 'time_zone'?" in message


def test_a_misspelt_required_key_or_table_is_one_problem() -> None:
    # Not also "required key is missing" for the key it is a typo of: one mistake, one line.
    text = MINIMAL_CONFIG.replace('name = "Acme Server"', 'nme = "Acme Server"')
    (message,) = problems(text)
    assert message.startswith("releasekit.toml:2: project.nme: unknown key; did you mean 'name'?")
    (message,) = problems(MINIMAL_CONFIG.replace("[releases]", "[releaes]"))
    assert "releaes: unknown table; did you mean [releases]?" in message


def test_unknown_table_suggests() -> None:
    (message,) = problems(MINIMAL_CONFIG + "\n[releaes]\nlast = 2\n")
    assert "releaes: unknown table; did you mean [releases]?" in message
    assert message.startswith("releasekit.toml:13:")


def test_wrong_type_names_table_key_and_line() -> None:
    text = MINIMAL_CONFIG + 'last = "three"\n'
    (message,) = problems(text)
    assert message == "releasekit.toml:12: releases.last: must be an integer"


def test_missing_required_key_and_table() -> None:
    text = MINIMAL_CONFIG.replace('vendor = "Acme"\n', "")
    assert problems(text) == ["releasekit.toml:1: project.vendor: required key is missing"]
    only_project = MINIMAL_CONFIG.split("[releases]")[0]
    assert problems(only_project) == [
        "releasekit.toml: releases: required table [releases] is missing"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = MINIMAL_CONFIG.replace('"10.4"', '"ten"').replace('"America/Los_Angeles"', '"Mars/Base"')
    found = problems(text)
    assert len(found) == 2
    assert any("releases.upcoming: 'ten' is not a version" in m for m in found)
    assert any("project.time_zone: 'Mars/Base' is not an IANA time zone" in m for m in found)


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ('branch = "release"', "releases.branch: must contain {line}"),
        ('tag = "v{line}"', "releases.tag: must contain {version}"),
        ("last = -1", "releases.last: must not be negative"),
        ('esr = ["10.4"]', "releases.esr: the upcoming line cannot be an ESR"),
    ],
)
def test_release_rules(addition: str, expected: str) -> None:
    text = MINIMAL_CONFIG.replace('esr = ["9.11"]\n', "") + addition + "\n"
    (message,) = problems(text)
    assert expected in message


def test_policy_groups_are_checked() -> None:
    (message,) = problems(MINIMAL_CONFIG + '\n[policy]\nlow = ["upcoming", "lts"]\n')
    assert "policy.low: 'lts' is not a line group" in message


def test_disclosure_at_release_names_fields_public_from_the_release() -> None:
    assert parse(MINIMAL_CONFIG).disclosure.at_release == ()  # type: ignore[attr-defined]
    both = parse(MINIMAL_CONFIG + '\n[disclosure]\nat_release = ["cve", "credits"]\n')
    assert both.disclosure.at_release == ("cve", "credits")  # type: ignore[attr-defined]
    for value, expected in (
        ('["cve", "details"]', "'details' is not a field public at release (one of cve, "),
        ('"cve"', "must be a list of strings"),
        ('["severity_reason"]', "'severity_reason' is not a field public at release"),
    ):
        (message,) = problems(MINIMAL_CONFIG + f"\n[disclosure]\nat_release = {value}\n")
        assert message.startswith("releasekit.toml:14: disclosure.at_release: "), message
        assert expected in message


def test_mail_url_and_from_key() -> None:
    mail = '\n[mail]\nfrom = "Sec <s@x>"\nto = ["a@x"]\nsmtp = "http://x"\nsigning_key = "AB"\n'
    (message,) = problems(MINIMAL_CONFIG + mail)
    assert message.startswith("releasekit.toml:16: mail.smtp:")
    ok = parse(MINIMAL_CONFIG + mail.replace("http://x", "smtp+starttls://mail.x:587"))
    assert ok.mail is not None and ok.mail.smtp == "smtp+starttls://mail.x:587"


def test_malformed_toml_names_the_line() -> None:
    (message,) = problems(MINIMAL_CONFIG + "broken = [\n")
    assert message.startswith("releasekit.toml:12: invalid TOML")


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `releasekit init`"):
        load_config(tmp_path)


def test_reference_documents_every_key() -> None:
    rows = reference()
    keys = {(table, key) for table, key, _, _ in rows}
    assert ("project", "time_zone") in keys
    assert ("mail", "from") in keys
    assert all(doc for *_, doc in rows)
