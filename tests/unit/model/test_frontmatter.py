"""update_front_matter and comment_out against front matter of any valid layout."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.model.frontmatter import comment_out, split_front_matter, update_front_matter

# Pieces of front matter, each valid TOML where it stands, as (key it sets, whether that is
# a value of the top level, text): keys of the top level (bare, quoted, dotted, over several
# lines) and comments, then tables.
_KEYS = st.sampled_from(["cve", "released", "fixed", "revisions", "title", "embargo"])
Piece = tuple[str | None, bool, str]
_TOP: st.SearchStrategy[Piece] = st.one_of(
    _KEYS.map(lambda k: (k, True, f'{k} = "a value"')),
    _KEYS.map(lambda k: (k, True, f'"{k}" = "quoted key"  # with a comment')),
    _KEYS.map(lambda k: (k, False, f'{k}.part = "dotted"')),
    _KEYS.map(lambda k: (k, True, f"{k} = [\n  1,\n  2,\n]")),
    _KEYS.map(lambda k: (k, True, f'{k} = """one\n{k} = "in a string"\n"""')),
    st.just((None, False, "# a comment")),
    st.just((None, False, "")),
)
_TABLES: st.SearchStrategy[Piece] = st.one_of(
    _KEYS.map(lambda k: (k, False, f'[{k}]\n"10.4" = "10.4.0"')),
    _KEYS.map(lambda k: (k, False, f'[[{k}]]\nname = "Jane"  # kept\ncve = "inside a table"')),
)
_UPDATES: dict[str, Any] = {
    "cve": "CVE-2026-40001",
    "released": datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC),
    "fixed": {"10.4": "10.4.1", "9.11": "9.11.9"},
    "revisions": [{"date": datetime(2027, 1, 10, 9, tzinfo=UTC), "reason": "Corrected"}],
}


def _front(pieces: list[Piece]) -> str | None:
    """The front matter, or None when the pieces set a key twice (not valid TOML)."""
    text = "".join(f"{piece}\n" for _, _, piece in pieces)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_TOP, max_size=6),
    st.lists(_TABLES, max_size=3),
    st.lists(st.sampled_from(sorted(_UPDATES)), min_size=1, unique=True),
    st.sampled_from(["\n", "\r\n"]),
)
def test_an_update_sets_exactly_its_keys_and_keeps_every_other_line(
    top: list[Piece], tables: list[Piece], keys: list[str], newline: str
) -> None:
    front = _front([*top, *tables])
    if front is None:
        return
    text = f"+++\n{front}+++\n\nBody.\n".replace("\n", newline)
    updates = {key: _UPDATES[key] for key in keys}
    updated = update_front_matter(text, updates)
    parts = split_front_matter(updated)
    assert parts is not None and parts[1] == "Body." + newline
    expected = {**tomllib.loads(front), **updates}
    assert tomllib.loads(parts[0].replace("\r\n", "\n")) == expected
    for key, _, piece in [*top, *tables]:  # (the pieces of the updated keys went with them)
        if key not in updates:
            assert piece.replace("\n", newline) + newline in updated
    if newline == "\r\n":
        assert "\n" not in updated.replace("\r\n", "")
    assert update_front_matter(updated, updates) == updated


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOP, max_size=6), st.lists(_TABLES, max_size=3))
def test_comment_out_removes_only_a_value_of_the_top_level(
    top: list[Piece], tables: list[Piece]
) -> None:
    front = _front([*top, *tables])
    if front is None:
        return
    text = f"+++\n{front}+++\n\nBody.\n"
    result = comment_out(text, "cve", "cve rejected")
    if not any(key == "cve" and value for key, value, _ in top):
        assert result == text  # (not set, or set as a table: left as it is)
        return
    data = tomllib.loads(front)
    parts = split_front_matter(result)
    assert parts is not None
    data.pop("cve")
    assert tomllib.loads(parts[0]) == data
    assert "# cve rejected\n" in result
