"""update_front_matter and comment_out against front matter of any valid layout."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.model.frontmatter import comment_out, split_front_matter, update_front_matter

# The ways a key may be set, each valid TOML where it stands: (text, whether it is a value
# of the top level, whether it is a table and goes after the keys).
_FORMS = (
    ('{k} = "a value"', True, False),
    ('"{k}" = "quoted key"  # with a comment', True, False),
    ('{k}.part = "dotted"', False, False),
    ("{k} = [\n  1,\n  2,\n]", True, False),
    ('{k} = """one\n{k} = "in a string"\n"""', True, False),
    ('[{k}]\n"10.4" = "10.4.0"', False, True),
    ('[[{k}]]\nname = "Jane"  # kept\ncve = "inside a table"', False, True),
)
_NAMES = ["cve", "released", "fixed", "revisions", "title", "embargo"]
Piece = tuple[str | None, bool, str]  # (the key it sets, a value of the top level, text)
_UPDATES: dict[str, Any] = {
    "cve": "CVE-2026-40001",
    "released": datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC),
    "fixed": {"10.4": "10.4.1", "9.11": "9.11.9"},
    "revisions": [{"date": datetime(2027, 1, 10, 9, tzinfo=UTC), "reason": "Corrected"}],
}


@st.composite
def _layouts(draw: st.DrawFn) -> list[Piece]:
    """Each of some keys set once, in one of its forms; comments and blank lines between
    the keys of the top level; the tables after them."""
    keys: list[Piece] = []
    tables: list[Piece] = []
    for name in draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=6)):
        text, value, table = draw(st.sampled_from(_FORMS))
        (tables if table else keys).append((name, value, text.format(k=name)))
    for _ in range(draw(st.integers(0, 3))):
        other = draw(st.sampled_from([(None, False, "# a comment"), (None, False, "")]))
        keys.insert(draw(st.integers(0, len(keys))), other)
    return [*keys, *tables]


def _text(pieces: list[Piece]) -> str:
    return "".join(f"{piece}\n" for _, _, piece in pieces)


@settings(max_examples=300, deadline=None)
@given(
    _layouts(),
    st.lists(st.sampled_from(sorted(_UPDATES)), min_size=1, unique=True),
    st.sampled_from(["\n", "\r\n"]),
)
def test_an_update_sets_exactly_its_keys_and_keeps_every_other_piece(
    pieces: list[Piece], keys: list[str], newline: str
) -> None:
    front = _text(pieces)
    text = f"+++\n{front}+++\n\nBody.\n".replace("\n", newline)
    updates = {key: _UPDATES[key] for key in keys}
    updated = update_front_matter(text, updates)
    parts = split_front_matter(updated)
    assert parts is not None and parts[1] == "Body." + newline
    expected = {**tomllib.loads(front), **updates}
    assert tomllib.loads(parts[0].replace("\r\n", "\n")) == expected
    for key, _, piece in pieces:  # (the pieces of the updated keys went with them)
        if key not in updates:
            assert piece.replace("\n", newline) + newline in updated
    if newline == "\r\n":
        assert "\n" not in updated.replace("\r\n", "")
    assert update_front_matter(updated, updates) == updated


@settings(max_examples=200, deadline=None)
@given(_layouts())
def test_comment_out_puts_the_comment_where_a_top_level_value_was(pieces: list[Piece]) -> None:
    text = f"+++\n{_text(pieces)}+++\n\nBody.\n"
    result = comment_out(text, "cve", "cve rejected")
    removed = [piece for key, value, piece in pieces if key == "cve" and value]
    if not removed:
        assert result == text  # (not set, or set as a table: left as it is)
        return
    assert result == text.replace(removed[0] + "\n", "# cve rejected\n", 1)


def test_times_keep_their_fraction_of_a_second_and_are_written_in_utc() -> None:
    text = '+++\nrevisions = [{ date = 2027-01-10T10:00:00.75+01:00, reason = "First" }]\n+++\n'
    first = datetime(2027, 1, 10, 9, 0, 0, 750000, tzinfo=UTC)
    later = datetime(2027, 1, 11, 9, tzinfo=UTC)
    updated = update_front_matter(
        text,
        {"revisions": [{"date": first, "reason": "First"}, {"date": later, "reason": "Second"}]},
    )
    assert "date = 2027-01-10T09:00:00.750000Z" in updated
    assert "date = 2027-01-11T09:00:00Z" in updated
    parts = split_front_matter(updated)
    assert parts is not None
    assert [r["date"] for r in tomllib.loads(parts[0])["revisions"]] == [first, later]
