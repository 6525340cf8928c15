"""The version files `init --repository` proposes as ``[[releases.bump]]``: the line of a
file that holds a version, as a format."""

from __future__ import annotations

import pytest

from releasekit.release.versionfiles import version_format

DJANGO = 'VERSION = ({major}, {minor}, {micro}, "final", 0)'


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        # Django's django/__init__.py: the numbers apart, in a tuple with its release level.
        ('VERSION = (5, 1, 4, "final", 0)\n', "5.1.4", DJANGO),
        ('VERSION = (5, 2, 0, "final", 0)\n', "5.2", DJANGO),
        ("version_info = [5,1,4]\n", "5.1.4", "version_info = [{major},{minor},{micro}]"),
        ('VERSION = (5, 1, 4, "final", 0)\nOLD = (5, 1, 4)\n', "5.1.4", None),  # which one?
        ('VERSION = (5, 1, 5, "alpha", 0)\n', "5.1.4", None),  # another version
        ('VERSION = (15, 1, 4, "final", 0)\n', "5.1.4", None),
        ("VERSION = (5, 1, 4, 1)\n", "5.1.4.1", None),  # four numbers: not so
        ('VERSION = (5, 1, 4, "final", 0)\n', "5.1", None),  # 5.1 is (5, 1, 0)
    ],
)  # fmt: skip
def test_a_tuple_of_the_numbers(text: str, version: str, expected: str | None) -> None:
    assert version_format(text, version) == expected
