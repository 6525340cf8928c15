"""The leak oracle (tests/helpers/leak_oracle.py), small: generated advisories with a marker in
every field, published twice at generated instants (the inputs changed between), every file
of site/ and the publish log scanned; and the texts made before the lift. A marker may show
only where the contract's table makes its field public. tests/e2e/test_leak_oracle.py runs
many more cases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings

from tests.helpers import leak_oracle as oracle
from tests.helpers import leak_texts
from tests.helpers.leak_oracle import BASE, Case, Change, Config, Spec, embargo_near

# Named shapes, in every run: details public at the release (disclosure_days 0) then not
# (30); at_release naming everything, then nothing; a release taken back; a shared CVE id
# of a disclosed and an embargoed advisory; a file removed; the site's templates printing
# all they get, then the built-in ones.
_ONE = Spec(1, BASE, embargo_near(BASE, 1), True, 2, True, True)
_TWO = Spec(2, None, embargo_near(BASE + timedelta(days=1), 2), False, 0, False, False, cve_of=1)
_LATER = BASE + timedelta(days=3)
_THREE = Spec(3, _LATER, embargo_near(_LATER, 3), True, 1, False, False)
_ALL = Config(0, oracle.EARLY)
NAMED = [
    Case(
        (_ONE, _TWO, _THREE),
        _ALL,
        True,
        BASE + timedelta(days=4),
        BASE + timedelta(days=5),
        Change(Config(30, ()), frozenset(), frozenset({3}), frozenset(), False),
    ),
    Case(
        (_ONE, _TWO, _THREE),
        Config(1, ("cve", "credits")),
        False,
        BASE + timedelta(days=40),
        BASE + timedelta(days=2),  # (the clock set back: a build is a function of its inputs)
        Change(Config(1, ("cve", "credits")), frozenset({2}), frozenset(), frozenset({1}), True),
    ),
]


def _run(tmp: Path, case: Case, tally: oracle.Tally) -> list[str]:
    return oracle.run_case(tmp / "ws", case, tally)


@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # (a shrink builds sites: minutes)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(oracle.cases())
@example(NAMED[0])
@example(NAMED[1])
def test_no_marker_shows_in_the_site_before_its_field_is_public(
    tmp_path_factory: Any, case: Case
) -> None:
    tally = oracle.Tally()
    problems = _run(tmp_path_factory.mktemp("leak"), case, tally)
    assert problems == [], problems[:10]
    assert tally.files > 0


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(oracle.cases())
@example(NAMED[0])
def test_no_marker_shows_in_a_text_made_before_the_lift(tmp_path_factory: Any, case: Case) -> None:
    tally = oracle.Tally()
    root = tmp_path_factory.mktemp("texts") / "ws"
    problems = leak_texts.run_texts(root, list(case.specs), case.config, tally)
    assert problems == [], problems[:10]


def test_the_oracle_sees_a_marker_out_of_its_stage(tmp_path: Path) -> None:
    # The scan itself: a disclosed advisory's body may show, an embargoed one's never.
    shown = Spec(1, BASE, embargo_near(BASE, 1), True, 1, False, False)
    hidden = Spec(2, None, embargo_near(BASE, 2), True, 1, False, False)
    site = tmp_path / "site"
    (site / "osv").mkdir(parents=True)
    body = shown.markers()["details"][1] + " " + hidden.markers()["details"][1].lower()
    (site / "osv" / "x.json").write_text(body)
    (site / "cve").mkdir()
    (site / "cve" / f"{hidden.markers()['cve'][0]}.json").write_text("{}")
    now = BASE + timedelta(days=31)
    leaks, files = oracle.scan(site, [shown, hidden], Config(30, ()), now, {})
    assert files == 2
    assert {(leak.path, leak.advisory, leak.field) for leak in leaks} == {
        ("osv/x.json", hidden.id, "details"),
        (f"cve/{hidden.markers()['cve'][0]}.json", hidden.id, "cve"),
    }
