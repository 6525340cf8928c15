"""The version headers `init --repository` proposes as ``[[releases.bump]]``, on the real
files of Node.js, nginx, PHP and CPython (tests/fixtures/): each define that says the
version, whole or in numbers, is a format of its own."""

from __future__ import annotations

import pytest

from releasekit.model.checks import bump_format
from releasekit.release.versiondefines import header_line, set_flags, suffix_line
from releasekit.release.versionfiles import (
    VERSION_ENDINGS,
    VERSION_FILES,
    read_version,
    version_formats,
)
from tests.helpers.nginx import nginx_h
from tests.helpers.node import node_version_h
from tests.helpers.paths import REPO_ROOT
from tests.helpers.php import php_version_h, zend_h
from tests.helpers.redis import version_h

NGINX_ID = "#define nginx_version      {major}{minor:03}{micro:03}"
PHP_ID = "#define PHP_VERSION_ID {major}{minor:02}{micro:02}"
ZEND = '#define ZEND_VERSION "4.{minor}.{micro}"'
REDIS_NUM = "#define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}"


def test_the_headers_are_found_by_their_names() -> None:
    for name in ("nginx.h", "zend.h", "patchlevel.h", "version.h"):
        assert name in VERSION_FILES
    # Any *_version.h (c-ares' ares_version.h too), not a name that only contains it.
    for name in ("node_version.h", "php_version.h", "ares_version.h"):
        assert name.endswith(VERSION_ENDINGS)
    assert not "node_version.hpp".endswith(VERSION_ENDINGS)


@pytest.mark.parametrize(
    ("path", "text", "version", "expected"),
    [
        # Node.js: the numbers on lines of their own; the patch is the release's to move.
        (
            "src/node_version.h", node_version_h("20.18.1", True), "20.18.1",
            ["#define NODE_PATCH_VERSION {micro}"],
        ),
        # ... and "Working on v20.18.2" says the next one in the same define.
        (
            "src/node_version.h", node_version_h("20.18.2", False), "20.18.2",
            ["#define NODE_PATCH_VERSION {micro}"],
        ),
        # nginx: the whole version, and its numbers packed, minor and patch to three digits.
        (
            "src/core/nginx.h", nginx_h("1.26.2"), "1.26.2",
            ['#define NGINX_VERSION      "{version}"', NGINX_ID],
        ),
        # PHP: the whole version, the last number alone, the numbers packed to two digits.
        (
            "main/php_version.h", php_version_h("8.3.14"), "8.3.14",
            ['#define PHP_VERSION "{version}"', "#define PHP_RELEASE_VERSION {micro}", PHP_ID],
        ),
        (
            "main/php_version.h", php_version_h("8.3.15", dev=True), "8.3.15",
            ['#define PHP_VERSION "{version}-dev"', "#define PHP_RELEASE_VERSION {micro}", PHP_ID],
        ),
        # The Zend Engine's version: 4, then PHP's minor and micro.
        ("Zend/zend.h", zend_h("8.3.14"), "8.3.14", [ZEND]),
        ("Zend/zend.h", zend_h("8.3.15", dev=True), "8.3.15", [ZEND.replace('}"', '}-dev"')]),
        ("Zend/zend.h", zend_h("8.3.14"), "8.3.15", []),  # another version
        # CPython: PY_VERSION and PY_MICRO_VERSION.
        (
            "Include/patchlevel.h",
            (REPO_ROOT / "tests/fixtures/cpython/patchlevel-3.12.10.h").read_text(),
            "3.12.10",
            [
                '#define PY_VERSION              "{version}"',
                "#define PY_MICRO_VERSION        {micro}",
            ],
        ),
        # Redis: the whole version, and its numbers packed a byte each in hex (0x00070401).
        (
            "src/version.h", version_h("7.4.1"), "7.4.1",
            ['#define REDIS_VERSION "{version}"', REDIS_NUM],
        ),
        ("src/version.h", version_h("7.4.1"), "7.4.2", []),  # another version
        # curl: 8.11.0 as 0x080b00 (the major in two digits), in the case the file writes.
        (
            "include/curl/curlver_version.h",
            "#define LIBCURL_VERSION_NUM 0x080B00\n", "8.11.0",
            ["#define LIBCURL_VERSION_NUM 0x{major:02X}{minor:02X}{micro:02X}"],
        ),
        ("x_version.h", "#define X_NUM 0x080b01\n", "8.11.0", []),  # 8.11.1
        # Not a header: its defines are no version file's.
        ("notes.txt", "#define X_VERSION_ID 80314\n", "8.3.14", []),
        ("x.h", "#define X_VERSION_ID 80314\n#define Y_ID 80314\n", "8.3.14", []),  # which?
    ],
)  # fmt: skip
def test_the_formats_of_a_header(path: str, text: str, version: str, expected: list[str]) -> None:
    assert version_formats(text, version, path=path) == expected


@pytest.mark.parametrize("digits", range(6, 17))
def test_a_hex_define_proposes_only_a_format_the_config_takes(digits: int) -> None:
    # 7.4.1 packed in 6 to 16 hex digits (0x070401 to 0x0000000000070401): from 14 digits
    # the major's width took two digits, {major:010x}, which bump.format refuses, so that
    # the releasekit.toml init wrote failed its own check.
    value = f"0x{0x070401:0{digits}x}"
    text = f"#define X_VERSION_NUM {value}\n"
    for form in version_formats(text, "7.4.1", path="x_version.h"):
        assert bump_format(form) is None, form
        assert read_version(text, form) == "7.4.1"


def test_a_packed_number_is_read_by_its_widths() -> None:
    assert read_version(nginx_h("1.27.2"), NGINX_ID) == "1.27.2"
    assert read_version(php_version_h("8.5.0", dev=True), PHP_ID) == "8.5.0"
    assert read_version(version_h("7.4.10"), REDIS_NUM) == "7.4.10"  # 0x0007040a
    upper = REDIS_NUM.replace("x}", "X}")
    assert read_version(version_h("7.4.10").replace("0a\n", "0A\n"), upper) == "7.4.10"


def test_the_line_that_says_the_suffix_alone_is_moved_with_the_version() -> None:
    # PHP's release commit clears PHP_EXTRA_VERSION too: a format of PHP_VERSION alone
    # would leave "-dev" there in the release.
    form, development = suffix_line(
        php_version_h("8.3.14"),
        php_version_h("8.3.15", dev=True),
        '#define PHP_VERSION "{version}"',
        '#define PHP_VERSION "{version}-dev"',
    )
    assert form == '#define PHP_EXTRA_VERSION ""\n#define PHP_VERSION "{version}"'
    assert development == '#define PHP_EXTRA_VERSION "-dev"\n#define PHP_VERSION "{version}-dev"'
    # configure.ac says the suffix on the version's line alone: left as it is.
    plain = ("AC_INIT([PHP],[{version}],", "AC_INIT([PHP],[{version}-dev],")
    assert (
        suffix_line("AC_INIT([PHP],[8.3.14],\n", "AC_INIT([PHP],[8.3.15-dev],\n", *plain) == plain
    )


def test_the_defines_set_to_one_are_the_flags_a_release_may_set() -> None:
    # Node's release commit sets NODE_VERSION_IS_RELEASE 1; the LTS flag is 1 at an LTS
    # release too (the branches tell which is a flag of the release); 0 at a Current one.
    lts, current = node_version_h("20.18.1", True), node_version_h("23.4.0", True)
    flag = ("#define NODE_VERSION_IS_RELEASE 1", "#define NODE_VERSION_IS_RELEASE 0")
    assert set_flags(lts) == [
        ("#define NODE_VERSION_IS_LTS 1", "#define NODE_VERSION_IS_LTS 0"),
        flag,
    ]
    assert set_flags(current) == [flag]
    assert set_flags(node_version_h("20.18.2", False)) == [
        ("#define NODE_VERSION_IS_LTS 1", "#define NODE_VERSION_IS_LTS 0")
    ]


HTTPD = REPO_ROOT / "tests/fixtures/httpd/ap_release.h-2.4.62"


def test_a_development_flag_cleared_at_a_release() -> None:
    # httpd's release 2.4.62 says AP_SERVER_DEVBUILD_BOOLEAN 0 and 62 as its patch level;
    # "bump to 2.4.63-dev" sets the flag to 1 and the level to 63 (the real file).
    text = HTTPD.read_text()
    dev = ("#define AP_SERVER_DEVBUILD_BOOLEAN    0", "#define AP_SERVER_DEVBUILD_BOOLEAN    1")
    assert set_flags(text) == [dev]
    assert version_formats(text, "2.4.62", path="include/ap_release.h") == [
        "#define AP_SERVER_PATCHLEVEL_NUMBER   {micro}"
    ]
    assert "include/ap_release.h".endswith(VERSION_ENDINGS)


CPYTHON = REPO_ROOT / "tests/fixtures/cpython"


def test_a_header_says_its_line_in_defines_of_its_numbers() -> None:
    # CPython's main (the real file at 3.15.0a2+): 3.15, in development (alpha); the
    # release 3.12.10's: 3.12, final. Node's (the real 14.17.5 file): line 14, and main's
    # "Bump to 24.0.0-pre" 24, a line of one number (a major version).
    main = (CPYTHON / "patchlevel-main-3.15.0a2+.h").read_text()
    released = (CPYTHON / "patchlevel-3.12.10.h").read_text()
    two = "PY_MAJOR_VERSION 3, PY_MINOR_VERSION"
    assert header_line(main, 2) == ("3.15", f"{two} 15", "alpha")
    assert header_line(released, 2) == ("3.12", f"{two} 12", "final")
    assert header_line(main, 1) == ("3", "PY_MAJOR_VERSION 3", "alpha")
    node = (REPO_ROOT / "tests/fixtures/node/node_version.h-14.17.5").read_text()
    assert header_line(node, 1) == ("14", "NODE_MAJOR_VERSION 14", None)
    assert header_line(node_version_h("24.0.0", False), 1) == ("24", "NODE_MAJOR_VERSION 24", None)
    for level, name in (("BETA", "beta"), ("GAMMA", "candidate")):
        text = main.replace("PY_RELEASE_LEVEL_ALPHA\n", f"PY_RELEASE_LEVEL_{level}\n")
        assert header_line(text, 2) == ("3.15", f"{two} 15", name)


@pytest.mark.parametrize(
    "text",
    [
        "#define X_MAJOR_VERSION 3\n",  # no minor
        "#define X_MAJOR_VERSION 3\n#define Y_MINOR_VERSION 15\n",  # not one prefix
        "#define X_MAJOR_VERSION 3\n#define X_MAJOR_VERSION 4\n#define X_MINOR_VERSION 1\n",
        "#define X_MAJOR_VERSION X_API_MAJOR\n#define X_MINOR_VERSION 1\n",  # no number
        "#define X_VERSION_MAJOR 3\n#define X_VERSION_MINOR 15\n",  # not so named
        # a number too long to be a line's (Python refuses to read 4,301 digits)
        "#define X_MAJOR_VERSION 3\n#define X_MINOR_VERSION " + "1" * 5000 + "\n",
    ],
)
def test_a_header_says_no_line_unless_one_define_of_each_number_does(text: str) -> None:
    assert header_line(text, 2) is None
