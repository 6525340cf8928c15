"""The terms the leak lint looks for, compiled for folded text (pure).

A word (``[lint] words`` syntax: a phrase, ``*`` at the end for a prefix), a person's name,
or an identifier form (:class:`IdForm`) becomes a :class:`Term`: the literal every match
starts with (lowercase), and a regular expression for a match at a given position. Words
match case-insensitively at word boundaries, which include ``snake_case``, ``kebab-case``,
``camelCase``, ``ACRONYMWord`` and letter-digit joints; their parts may be joined by any
punctuation or by nothing, and a word that is not a prefix may take a plural ``s`` or
``es``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from releasekit.release.lint_fold import fold_word

REVERSED_MIN = 4  # letters and digits a word needs to be looked for written backwards

_ALNUM = "A-Za-z0-9"
# Where a word may start or end: not inside a run of letters and digits, except at a
# camelCase joint, a letter-digit joint, or before the last capital of ACRONYMWord.
_JOINTS = (
    r"|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
    r"|(?<=[A-Z])(?=[A-Z][a-z])"
)
_START = rf"(?:(?<![{_ALNUM}]){_JOINTS})"
_END = rf"(?:(?![{_ALNUM}]){_JOINTS})"
_JOIN = r"[\W_]*"  # between the parts of a word: any punctuation, or nothing
_ID_JOIN = r"[\W_]{0,3}"
# A digit, or the letter that looks like it (O for 0, l or I for 1), in a case-insensitive
# pattern.
_DIGIT = r"[\doil]"
_DIGIT_LOOKS = {"0": "[0o]", "1": "[1il]"}
_YEAR = rf"(?:[1il]9|2[0o]){_DIGIT}{_DIGIT}"
_PIECES = re.compile(r"[^\W_]+|[\W_]+")
_ASIDE = re.compile(r"[(<\[]")  # where an affiliation, address or handle starts
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w.])@\w{4,}")  # address, @handle
_SHORTEST_NAME = 4  # letters and digits of a name worth looking for on its own
_CASE_JOINT = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


@dataclass(frozen=True)
class IdForm:
    """An identifier form: ``literal`` (lowercase) then the regular expression ``rest``,
    matched case-insensitively in folded text, reported as ``label``."""

    label: str
    literal: str
    rest: str


def advisory_id_form(prefix: str) -> IdForm:
    """Ids of the form PREFIX-YYYY-NNNN, with any separators or none."""
    return IdForm(f"{prefix} id", prefix.lower(), rf"{_ID_JOIN}{_YEAR}{_ID_JOIN}{_DIGIT}{{4,}}")


PUBLIC_IDS: tuple[IdForm, ...] = (
    advisory_id_form("CVE"),
    IdForm("GHSA id", "ghsa", rf"(?:{_ID_JOIN}[2-9cfghjmpqrvwx]{{4}}){{3}}"),
    IdForm("PYSEC id", "pysec", rf"{_ID_JOIN}{_YEAR}{_ID_JOIN}{_DIGIT}+"),
    IdForm("RUSTSEC id", "rustsec", rf"{_ID_JOIN}{_YEAR}{_ID_JOIN}{_DIGIT}{{4,}}"),
    IdForm("GO id", "go", rf"{_ID_JOIN}{_YEAR}{_ID_JOIN}{_DIGIT}{{4,}}"),
    IdForm("OSV id", "osv", rf"{_ID_JOIN}{_YEAR}{_ID_JOIN}{_DIGIT}+"),
    IdForm("ZDI id", "zdi", rf"{_ID_JOIN}(?:{_DIGIT}{{2}}|can){_ID_JOIN}{_DIGIT}{{3,}}"),
    IdForm("bug bounty report", "hackerone", rf"{_ID_JOIN}com{_ID_JOIN}reports?{_ID_JOIN}\d+"),
    IdForm("bug bounty report", "bugcrowd", rf"{_ID_JOIN}com"),
    IdForm("bug bounty report", "huntr", rf"{_ID_JOIN}(?:dev|com)"),
)


@dataclass(frozen=True)
class Term:
    """One thing to look for, as matched in folded text."""

    label: str
    literal: str  # lowercase folded text every match starts with
    regex: re.Pattern[str]  # matched at a candidate position of the folded text
    rank: int  # among matches of one length, the lowest rank is reported
    size: int  # letters and digits

    @property
    def reversible(self) -> bool:
        return self.size >= REVERSED_MIN


def word_term(word: str, label: str, rank: int) -> Term | None:
    """``word`` as a term reported as ``label``; None when it has nothing to match."""
    prefix = word.endswith("*")
    folded = fold_word(" ".join(word.rstrip("*").split()))
    if not folded:
        return None
    pieces = _PIECES.findall(folded)
    # Letter and digit runs, each cut at its camelCase and letter-digit joints; punctuation
    # before the first and after the last is literal, between them any joins the parts.
    parts = [part for piece in pieces if piece[0].isalnum() for part in _CASE_JOINT.split(piece)]
    lead = pieces[0] if parts and not pieces[0][0].isalnum() else ""
    trail = pieces[-1] if parts and not pieces[-1][0].isalnum() else ""
    if not parts:
        core, literal = re.escape(folded), folded
    else:
        core = re.escape(lead) + _JOIN.join(map(_part, parts)) + re.escape(trail)
        literal = lead + parts[0] + (trail if len(parts) == 1 else "")
    if prefix:
        tail = f"[{_ALNUM}]*"
    elif folded[-1].isalpha():
        tail = f"(?i:(?:e?s)?){_END}"
    else:
        tail = _END
    regex = re.compile(f"{_START}(?i:{core}){tail}")
    size = sum(char.isalnum() for char in folded)
    return Term(label, literal.lower(), regex, rank, size)


def _part(part: str) -> str:
    """The pattern of one part of a word: a run of digits may use letters for digits."""
    if not part.isdigit():
        return re.escape(part)
    return "".join(_DIGIT_LOOKS.get(digit, re.escape(digit)) for digit in part)


def id_term(form: IdForm, rank: int) -> Term:
    """``form`` as a term, matched as a whole word."""
    regex = re.compile(f"{_START}(?i:{re.escape(form.literal)}{form.rest}){_END}")
    # An id has at least three letters or digits after its literal.
    return Term(form.label, form.literal, regex, rank, len(form.literal) + 3)


def name_spellings(name: str) -> list[str]:
    """``name`` as written; the name before an aside (``Alex Kim (Acme) <alex@acme.test>``);
    that name family name first (``Kim, Alex``); and the addresses and handles in it."""
    spellings = [name]
    base = _ASIDE.split(name, 1)[0].strip()
    if base != name and sum(char.isalnum() for char in base) >= _SHORTEST_NAME:
        spellings.append(base)
    words = [word.strip(",;") for word in base.split()]
    if len(words) >= 2:
        spellings.append(" ".join([words[-1], *words[:-1]]))
    spellings.extend(contact.lstrip("@") for contact in _CONTACT.findall(name))
    return spellings


_Trie = dict[str, "_Trie"]


def trie_regex(literals: Iterable[str]) -> re.Pattern[str]:
    """One regular expression for a set of literals, shared prefixes written once, so that
    a search tries only the branches a character can start."""
    trie: _Trie = {}
    literals_seen = list(literals)
    for literal in literals_seen:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    # Built bottom-up with a stack of its own, not by recursion: one literal of thousands of
    # characters (a reporter's name is data) is a trie that deep.
    written: dict[int, str] = {}
    todo: list[tuple[_Trie, bool]] = [(trie, False)]
    while todo:
        node, children_done = todo.pop()
        if not children_done:
            todo.append((node, True))
            todo.extend((child, False) for char, child in node.items() if char)
            continue
        alternatives = [
            re.escape(char) + written.pop(id(child)) for char, child in sorted(node.items()) if char
        ]
        optional = bool(alternatives) and "" in node
        if len(alternatives) == 1 and not optional:
            written[id(node)] = alternatives[0]  # a run of one literal: no group to nest
        elif alternatives:
            written[id(node)] = "(?:" + "|".join(alternatives) + ")" + ("?" if optional else "")
        else:
            written[id(node)] = ""
    try:
        return re.compile(written[id(trie)] or "(?!)")
    except RecursionError:  # groups nested past what re parses: one alternative a literal
        ordered = sorted(set(literals_seen), key=len, reverse=True)
        return re.compile("|".join(map(re.escape, ordered)) or "(?!)")
