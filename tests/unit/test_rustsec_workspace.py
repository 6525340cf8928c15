"""The benchmark's RustSec conversion (scripts/rustsec_workspace.py) gives advisories that
releasekit's model accepts, and counts what it adjusted."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from releasekit.model.advisory import parse_advisory
from releasekit.model.versions import versions
from tests.helpers.scripts import load_script

SCORED = """\
```toml
[advisory]
id = "RUSTSEC-2021-0042"
package = "widget"
date = "2021-03-04"
aliases = ["CVE-2021-1111", "GHSA-aaaa-bbbb-cccc"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"

[versions]
patched = [">= 1.2.3", ">= 0.9.5, < 1.0.0", "< 0.2.0"]
```

# Widget reads past the end of its buffer

Calling `Widget::read` with a short buffer reads past its end. More text follows.

## Impact

A marker sentence.
"""

OLD_VECTOR = """\
```toml
[advisory]
id = "CVE-2020-2222"
package = "std"
date = "2020-05-06"
aliases = ["CVE-2021-1111"]
cvss = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
patched = ["> 1.27.0"]
```

# Standard library issue

A first sentence. A second one.
"""

UNSCORED = """\
```toml
[advisory]
id = "RUSTSEC-2022-0007"
package = "gadget"
date = "2022-01-02"
aliases = ["CVE-2021-1111"]
informational = "unmaintained"

[versions]
patched = []
```

# gadget is unmaintained

The crate is no longer maintained.
"""

# RustSec's rkyv (RUSTSEC-2026-0233): affected from a pre-release on.
FROM_PRE_RELEASE = """\
```toml
[advisory]
id = "RUSTSEC-2026-0233"
package = "rkyv"
date = "2026-05-11"

[versions]
patched = [">= 0.8.17"]
unaffected = ["< 0.8.0-rc.1"]
```

# Crafted archives can cause a use-after-free during deserialization

A marker sentence.
"""

# RustSec's rustls-webpki (RUSTSEC-2026-0099): unpatched again from 0.104.0-alpha.1 to .5.
AGAIN_FROM_PRE_RELEASE = """\
```toml
[advisory]
id = "RUSTSEC-2026-0099"
package = "rustls-webpki"
date = "2026-04-14"

[versions]
patched = [">= 0.103.12, < 0.104.0-alpha.1", ">= 0.104.0-alpha.6"]
unaffected = ["<= 0.2.1"]
```

# Name constraints were accepted for certificates asserting a wildcard name

A marker sentence.
"""

# RustSec's enum-map (RUSTSEC-2022-0010): SemVer's 2.0.0-2 comes before 2.0.0; PEP 440 would
# read a post-release after it.
NUMERIC_PRE_RELEASE = """\
```toml
[advisory]
id = "RUSTSEC-2022-0010"
package = "enum-map"
date = "2022-02-17"

[versions]
patched = [">= 2.0.2"]
unaffected = ["< 2.0.0-2"]
```

# enum-map macro can cause UB when `Enum` trait is incorrectly implemented

A marker sentence.
"""


def _archive(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:xz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"rustsec-advisory-db/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_every_converted_advisory_parses_and_the_adjustments_are_counted(tmp_path: Path) -> None:
    module = load_script("rustsec_workspace")
    archive = _archive(
        tmp_path / "db.tar.xz",
        {
            "crates/widget/RUSTSEC-2021-0042.md": SCORED,
            "crates/zgadget/RUSTSEC-2022-0007.md": UNSCORED,
            "rust/std/CVE-2020-2222.md": OLD_VECTOR,
            "crates/rkyv/RUSTSEC-2026-0233.md": FROM_PRE_RELEASE,
            "crates/rustls-webpki/RUSTSEC-2026-0099.md": AGAIN_FROM_PRE_RELEASE,
            "crates/enum-map/RUSTSEC-2022-0010.md": NUMERIC_PRE_RELEASE,
            "README.md": "# not an advisory\n",
        },
    )
    workspace = tmp_path / "ws"
    done = module.convert(archive, workspace)

    assert done.ids == {
        "RUSTSEC-2021-0042": "RUSTSEC-2021-0042",
        "RUSTSEC-2022-0007": "RUSTSEC-2022-0007",
        "CVE-2020-2222": "RUSTSEC-2020-9001",
        "RUSTSEC-2026-0233": "RUSTSEC-2026-0233",
        "RUSTSEC-2026-0099": "RUSTSEC-2026-0099",
        "RUSTSEC-2022-0010": "RUSTSEC-2022-0010",
    }
    assert (workspace / "ids.tsv").read_text().splitlines()[0] == "CVE-2020-2222\tRUSTSEC-2020-9001"
    parsed = {
        path.stem: parse_advisory(path.read_text(), path, "RUSTSEC")
        for path in sorted((workspace / "advisories").glob("*.md"))
    }
    assert sorted(parsed) == sorted(done.ids.values())
    scored = parsed["RUSTSEC-2021-0042"]
    assert scored.title == "Widget reads past the end of its buffer"
    assert scored.summary == "Calling `Widget::read` with a short buffer reads past its end."
    assert scored.cve == "CVE-2021-1111"
    assert scored.cvss is not None and scored.severity == "high"
    assert dict(scored.fixed) == {"1.2": "1.2.3", "0.9": "0.9.5"}
    assert scored.released == scored.embargo
    assert scored.released is not None
    assert scored.released.isoformat() == "2021-03-04T00:00:00+00:00"
    assert scored.body.startswith("Calling `Widget::read`") and "A marker sentence." in scored.body
    old = parsed["RUSTSEC-2020-9001"]
    assert old.cvss is not None and old.cvss.version == "3.0" and old.severity == "critical"
    assert old.severity_reason is None  # (scored by 3.0's own rules)
    assert old.cve == "CVE-2020-2222"  # its own id, not the alias another advisory has
    assert dict(old.fixed) == {"1.27": "1.27.1"}
    unscored = parsed["RUSTSEC-2022-0007"]
    assert not unscored.scored and unscored.severity_reason is None and not unscored.fixed
    assert unscored.cve == "CVE-2021-1111"  # the widget's too: another crate may share it
    # `unaffected`'s "< X" is `introduced`, a pre-release as spelt (before: none, and the
    # pages said 0.8.0 to 0.8.16)
    rkyv = parsed["RUSTSEC-2026-0233"]
    assert (rkyv.introduced, dict(rkyv.fixed)) == ("0.8.0-rc.1", {"0.8": "0.8.17"})
    assert versions(rkyv).affected_list == ["0.8.0-rc.1 – 0.8.16"]
    webpki = parsed["RUSTSEC-2026-0099"]
    assert webpki.introduced is None  # (another shape: counted, as the bound at alpha.1)
    assert dict(webpki.fixed) == {"0.103": "0.103.12", "0.104": "0.104.0-alpha.6"}
    assert parsed["RUSTSEC-2022-0010"].introduced == "2.0.0"  # (not 2.0.0.post2)
    assert done.adjusted == {
        "id that is not RUSTSEC-YYYY-NNNN: renumbered (ids.tsv)": 1,
        "no CVSS vector: unscored": 4,
        "patched requirement without a lower bound: left out": 1,
        "more than one CVE id: the first kept": 1,
        "patched upper bound at a pre-release: left out": 1,
        "unaffected requirement other than one '< X': left out": 1,
        "unaffected bound a numeric SemVer pre-release: its release taken": 1,
    }
