"""The version files `init --repository` proposes as ``[[releases.bump]]``: the line of a
file that holds a version, as a format."""

from __future__ import annotations

import pytest

from releasekit.release.versionfiles import read_version, version_format

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


@pytest.mark.parametrize(
    ("text", "form", "expected"),
    [
        ('VERSION = (6, 0, 0, "alpha", 0)\n', DJANGO.replace("final", "alpha"), "6.0.0"),
        ('VERSION = (6, 0, 0, "alpha", 0)\n', DJANGO, None),  # not in this state
        ('__version__ = "3.1.0.dev0"\n', '__version__ = "{version}.dev0"', "3.1.0"),
        ('__version__ = "3.1.0"\n', '__version__ = "{version}"', "3.1.0"),
        ("#define PY_MICRO_VERSION 4\n", "#define PY_MICRO_VERSION {micro}", None),  # no line
        ('a = "1.0"\na = "2.0"\n', 'a = "{version}"', None),  # which one?
    ],
)  # fmt: skip
def test_the_version_a_file_says(text: str, form: str, expected: str | None) -> None:
    assert read_version(text, form) == expected
