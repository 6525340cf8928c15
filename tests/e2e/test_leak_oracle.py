"""The leak oracle at size (tests/helpers/leak_oracle.py; tests/unit/site/test_leak_oracle.py
runs a few cases): hundreds of generated workspaces, each published twice at generated
instants with its inputs changed between, every file of site/ and the publish log scanned for
every field's marker; and the texts made before the lift (tests/helpers/leak_texts.py). The
figures are printed (-s), per test: the cases are shared by SHARDS tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import leak_oracle as oracle
from tests.helpers import leak_texts

# RELEASEKIT_LEAK_CASES: more cases for a longer hunt. 60 keep `make test` near its ten
# minutes (about 30 s on two cores under load); the one leak the oracle found showed within
# 20 cases.
CASES = int(os.environ.get("RELEASEKIT_LEAK_CASES", "60"))
# The cases are run as this many tests (each its own cases, drawn the same way), so that the
# suite's two xdist workers share them: one test of 60 took 25 to 54 s, the suite's longest;
# each of 4 tests of 15 takes 7 to 23 s.
SHARDS = 4


def shard_cases(shard: int) -> int:
    """How many of the CASES the test ``shard`` runs (all of them over the shards)."""
    return CASES // SHARDS + (1 if shard < CASES % SHARDS else 0)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_marker_shows_before_its_field_is_public(tmp_path_factory: Any, shard: int) -> None:
    cases = shard_cases(shard)
    if cases == 0:
        pytest.skip("RELEASEKIT_LEAK_CASES: fewer cases than shards")
    tally = oracle.Tally()
    texts = oracle.Tally()
    problems: list[str] = []
    root = Path(tmp_path_factory.mktemp("leak"))

    @settings(
        max_examples=cases,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(oracle.cases(), st.booleans())
    def one(case: oracle.Case, also_texts: bool) -> None:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        problems.extend(oracle.run_case(root / "ws", case, tally))
        if also_texts:
            specs = list(case.specs)
            problems.extend(leak_texts.run_texts(root / "texts", specs, case.config, texts))

    one()
    print(
        f"\nleak oracle {shard + 1}/{SHARDS}: {tally.cases} cases, {tally.instants} instants, "
        f"{tally.files} files scanned; leaks {dict(tally.leaks)}, stale {dict(tally.stale)}, "
        f"changed by an embargoed advisory {dict(tally.changed)}; texts: "
        f"{texts.instants} lifts, {texts.files} texts, leaks {dict(texts.leaks)}"
    )
    assert tally.cases > cases // 2
    assert problems == [], problems[:20]
