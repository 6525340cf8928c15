from releasekit.release.lines import ReleaseLine
from releasekit.release.policy import _groups_text
from releasekit.support.words import counted, plural


def test_counted_agrees_with_its_count() -> None:
    assert counted(0, "advisory", "advisories") == "0 advisories"
    assert counted(1, "advisory", "advisories") == "1 advisory"
    assert counted(2, "file") == "2 files"
    assert plural(1, "fix", "fixes") == "fix"


def test_the_last_one_released_line_is_said_as_one() -> None:
    line = ReleaseLine("10.3", "10.3.2", "10.3.3", ("last",), "release-10.3", "v10.3.3")
    assert _groups_text(line, 1) == "the last released line"
    assert _groups_text(line, 3) == "one of the last 3 released lines"
