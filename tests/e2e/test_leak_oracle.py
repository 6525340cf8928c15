"""The leak oracle at size (tests/helpers/leak_oracle.py; tests/unit/site/test_leak_oracle.py
runs a few cases): hundreds of generated workspaces, each published twice at generated
instants with its inputs changed between, every file of site/ and the publish log scanned for
every field's marker; and the texts made before the lift (tests/helpers/leak_texts.py). The
figures are printed (-s)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import leak_oracle as oracle
from tests.helpers import leak_texts

# RELEASEKIT_LEAK_CASES: more cases for a longer hunt. 60 keep `make test` near its ten
# minutes (about 30 s on two cores under load); the one leak the oracle found showed within
# 20 cases.
CASES = int(os.environ.get("RELEASEKIT_LEAK_CASES", "60"))


def test_no_marker_shows_before_its_field_is_public(
    tmp_path_factory: Any,
) -> None:
    tally = oracle.Tally()
    texts = oracle.Tally()
    problems: list[str] = []
    root = Path(tmp_path_factory.mktemp("leak"))

    @settings(
        max_examples=CASES,
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
        f"\nleak oracle: {tally.cases} cases, {tally.instants} instants, {tally.files} files "
        f"scanned; leaks {dict(tally.leaks)}, stale {dict(tally.stale)}, changed by an "
        f"embargoed advisory {dict(tally.changed)}; texts: "
        f"{texts.instants} lifts, {texts.files} texts, leaks {dict(texts.leaks)}"
    )
    assert tally.cases > CASES // 2
    assert problems == [], problems[:20]
