"""The leak lint: embargoed words in anything the lift would make public (pure).

Inputs are :class:`Text` blocks (commit messages, author and committer fields, file names,
the lines a diff adds, the text runs of binary files, branch and tag names, tag messages),
each knowing where it comes from. The words, people's names (also family name first) and
identifier forms (CVE, GHSA, PYSEC, RUSTSEC, GO, OSV and ZDI ids, bug-bounty report links,
the project's advisory ids) are matched as :mod:`releasekit.release.lint_terms` describes,
in the folded form of the text (:mod:`releasekit.release.lint_fold`: look-alike letters,
compatibility forms and invisible characters read as what they show), and in that form
written backwards too: words of four letters or more, and shorter ones where a
right-to-left override shows them the right way round. Occurrences inside an allowed
phrase (``[lint] allow``, matched literally and case-insensitively in the original text)
pass.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from releasekit.fixes.store import HeldPatch
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release.lint_binary import binary_strings
from releasekit.release.lint_fold import fold, visible
from releasekit.release.lint_terms import (
    PUBLIC_IDS,
    IdForm,
    Term,
    advisory_id_form,
    id_term,
    name_spellings,
    trie_regex,
    word_term,
)

DEFAULT_WORDS: tuple[str, ...] = (
    "security",
    "vulnerab*",
    "vuln",
    "exploit*",
    "insecure*",
    "attack*",
    "XSS",
    "CSRF",
    "XSRF",
    "SSRF",
    "injection*",
    "RCE",
    "remote code execution",
    "authentication bypass*",
    "authorization bug*",
    "CVE",
    "CVEs",
    "CVSS*",
    "advisory",
    "advisories",
    "HackerOne",
    "Bugcrowd",
    "Intigriti",
    "YesWeHack",
    "huntr",
    "bug bount*",
    "pentest*",
)
CONTEXT = 24  # characters of context on each side of a finding
# A word of fewer letters and digits is short: random data spells such words now and then.
SHORT_WORD = 5
BINARY_RUN = 8  # characters of a binary text run in which a short word counts
# Base64 and the like (lock file hashes, keys, data URLs) are random data too: a short
# word does not count inside a run of at least RANDOM_RUN base64 characters (looked at up
# to RANDOM_REACH on each side) that changes between lowercase, uppercase and digits at
# RANDOM_CHANGES of its joints or more, as random data does (about 0.65) and identifiers
# do not (below 0.45).
RANDOM_RUN = 20
RANDOM_REACH = 32
RANDOM_CHANGES = 0.55
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_CHAR_CLASS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "A" * 26 + "a" * 26 + "0" * 10 + "++",
)

# A RIGHT-TO-LEFT OVERRIDE up to its end: what it shows backwards.
_OVERRIDE = re.compile("\u202e[^\u202c\u2069\n]*")


@dataclass(frozen=True)
class Text:
    """Lines of text that would become public, and where they come from.

    ``lines`` are ``(line number or None, text)``; consecutive lines are checked together
    so that a phrase broken over two lines is still found. ``part`` names what inside
    ``where`` the text is, when the line does not say (a binary file's path).
    In the text runs of binary data, a short word (:data:`SHORT_WORD`) counts only in a
    run of :data:`BINARY_RUN` or more characters and written in one case: random bytes
    spell such words often enough otherwise.
    """

    where: str
    lines: tuple[tuple[int | None, str], ...]
    part: str = ""
    binary: bool = False  # the lines are the text runs of binary data

    @classmethod
    def one(cls, where: str, text: str, line: int | None = None) -> Text:
        return cls(where, ((line, text),))


@dataclass(frozen=True)
class Finding:
    where: str
    line: int | None
    word: str
    context: str
    part: str = ""

    def __str__(self) -> str:
        location = f"{self.where}:{self.line}" if self.line is not None else self.where
        if self.part:
            location = f"{location}: {self.part}"
        return f"{location}: {self.word}: {self.context}"


class Matcher:
    """Compiled words, names, identifier forms and allowed phrases."""

    def __init__(
        self,
        words: Iterable[str],
        allow: Iterable[str] = (),
        *,
        names: Iterable[str] = (),
        ids: Iterable[IdForm] = PUBLIC_IDS,
    ) -> None:
        seen: dict[str, str] = {}
        for word in words:
            cleaned = " ".join(word.split())
            if cleaned.rstrip("*").strip() and cleaned.lower() not in seen:
                seen[cleaned.lower()] = cleaned
        self.words = tuple(seen.values())
        terms: list[Term] = []
        sources: set[str] = set()
        spellings = [(word, word) for word in self.words]
        for name in names:
            spellings.extend((spelling, name) for spelling in name_spellings(name))
        # Among matches of one length, the longer word is the one reported ("CVEs", not "CVE").
        spellings.sort(key=lambda item: len(item[0].rstrip("*")), reverse=True)
        for spelling, label in spellings:
            term = word_term(spelling, label, len(terms))
            if term is not None and term.regex.pattern not in sources:
                sources.add(term.regex.pattern)
                terms.append(term)
        terms.extend(id_term(form, len(terms) + index) for index, form in enumerate(ids))
        self._by_first: dict[str, list[Term]] = {}
        for term in terms:
            self._by_first.setdefault(term.literal[0], []).append(term)
        self._trie = trie_regex(term.literal for term in terms)
        self._trie_reversible = trie_regex(term.literal for term in terms if term.reversible)
        self._allow = [
            re.compile(re.escape(" ".join(phrase.split())).replace(r"\ ", r"\s+"), re.IGNORECASE)
            for phrase in allow
            if phrase.strip()
        ]

    def _scan(
        self,
        text: str,
        lower: str,
        trie: re.Pattern[str],
        accept: Callable[[int, int, Term], bool],
    ) -> None:
        """Every position where a term's literal starts: the longest match there (the
        lowest rank among equals) that ``accept`` takes."""
        found = trie.search(lower)
        while found:
            at = found.start()
            matches = []
            for term in self._by_first.get(lower[at], ()):
                if lower.startswith(term.literal, at):
                    match = term.regex.match(text, at)
                    if match:
                        matches.append((-match.end(), term.rank, term))
            for negative_end, _, term in sorted(matches, key=lambda item: item[:2]):
                if accept(at, -negative_end, term):
                    break
            found = trie.search(lower, at + 1)

    def find(self, text: Text) -> list[Finding]:
        check = _Check(text, self._allow)
        folded = check.folded
        self._scan(
            folded.text,
            folded.lower,
            self._trie,
            lambda b, e, term: check.take(*folded.original(b, e), term, backwards=False),
        )
        size = len(folded.text)
        backwards, backwards_lower = folded.reversed()
        self._scan(
            backwards,
            backwards_lower,
            self._trie if "\u202e" in check.joined else self._trie_reversible,
            lambda b, e, term: check.take(
                *folded.original(size - e, size - b), term, backwards=True
            ),
        )
        return check.findings()


class _Check:
    """One text being checked: its folded form, where its lines start, what it allows, and
    the spans found so far."""

    def __init__(self, text: Text, allow: list[re.Pattern[str]]) -> None:
        self.text = text
        self.joined = "\n".join(line for _, line in text.lines)
        self.folded = fold(self.joined)
        self.starts: list[int] = []
        position = 0
        for _, line in text.lines:
            self.starts.append(position)
            position += len(line) + 1
        self._allow = allow
        self._allowed: _Spans | None = None  # found when first needed
        self._overrides = _Spans(m.span() for m in _OVERRIDE.finditer(self.joined))
        self.hits: list[tuple[int, int, str]] = []

    def _line(self, at: int) -> int:
        return bisect.bisect_right(self.starts, at) - 1

    def take(self, begin: int, end: int, term: Term, *, backwards: bool) -> bool:
        """Record ``term`` at ``joined[begin:end]`` unless it does not count there."""
        if backwards and not term.reversible and not self._overrides.contain(begin, end):
            return False
        if term.size < SHORT_WORD:
            if _in_random_run(self.joined, begin, end):
                return False
            _, run = self.text.lines[self._line(begin)]
            if self.text.binary and (
                len(run) < BINARY_RUN or not _one_case(self.joined[begin:end])
            ):
                return False
        if self._allowed is None:
            self._allowed = _Spans(m.span() for rx in self._allow for m in rx.finditer(self.joined))
        if self._allowed.contain(begin, end):
            return False
        self.hits.append((begin, end, term.label))
        return True

    def findings(self) -> list[Finding]:
        findings: list[Finding] = []
        reach = -1
        for begin, end, label in sorted(self.hits, key=lambda hit: (hit[0], -hit[1])):
            if end <= reach:
                continue  # inside a longer finding
            reach = end
            index = self._line(begin)
            number, line = self.text.lines[index]
            column = begin - self.starts[index]
            length = min(end, self.starts[index] + len(line)) - begin
            context = _context(line, column, length)
            findings.append(Finding(self.text.where, number, label, context, self.text.part))
        return findings


def _one_case(word: str) -> bool:
    """Whether the letters of ``word`` are written in one case (``xss``, ``XSS``, ``Xss``,
    ``XSSes``), as text is and random bytes mostly are not."""
    letters = "".join(char for char in word if char.isalpha())
    stems = (letters, re.sub("e?s$", "", letters))
    return any(s and (s.islower() or s.isupper() or s.istitle()) for s in stems)


def _in_random_run(text: str, begin: int, end: int) -> bool:
    """Whether ``text[begin:end]`` is inside a run of base64 characters that reads as
    random data."""
    left = begin
    while left > max(0, begin - RANDOM_REACH) and text[left - 1] in _BASE64:
        left -= 1
    right = end
    while right < min(len(text), end + RANDOM_REACH) and text[right] in _BASE64:
        right += 1
    if right - left < RANDOM_RUN:
        return False
    classes = text[left:right].translate(_CHAR_CLASS)
    changes = sum(a != b for a, b in itertools.pairwise(classes))
    return changes >= RANDOM_CHANGES * (right - left - 1)


class _Spans:
    """Spans of a text, to ask whether one of them contains a given span."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach = list(itertools.accumulate((end for _, end in ordered), max))

    def contain(self, begin: int, end: int) -> bool:
        index = bisect.bisect_right(self._starts, begin) - 1
        return index >= 0 and self._reach[index] >= end


def _context(line: str, column: int, length: int) -> str:
    start = max(0, column - CONTEXT)
    end = min(len(line), column + length + CONTEXT)
    snippet = visible(line[start:end]).strip()
    return ("..." if start > 0 else "") + snippet + ("..." if end < len(line) else "")


def workspace_words(settings: Settings, advisories: Iterable[Advisory]) -> list[str]:
    """The default words, ``[lint] words``, and every advisory id, CVE id, CWE id and
    reporter name."""
    words = [*DEFAULT_WORDS, *settings.lint.words]
    for advisory in advisories:
        words.append(advisory.id)
        if advisory.cve:
            words.append(advisory.cve)
        if advisory.cwe:  # (public from the disclosure: the lift pushes at the release)
            words.append(advisory.cwe)
        words.extend(credit.name for credit in advisory.credits)
    return words


def matcher_for(settings: Settings, advisories: Iterable[Advisory]) -> Matcher:
    """The workspace's words, its reporters' names, the public id forms and the form of the
    project's own advisory ids."""
    advisories = list(advisories)
    return Matcher(
        workspace_words(settings, advisories),
        settings.lint.allow,
        names=[credit.name for a in advisories for credit in a.credits],
        ids=[*PUBLIC_IDS, advisory_id_form(settings.project.advisory_prefix)],
    )


def patch_texts(patch: HeldPatch) -> list[Text]:
    """Everything of a held fix that a push publishes: messages, authors, the file names it
    adds (new files, renames, copies), the lines its diffs add and the text in the binary
    files it writes."""
    where = str(patch.path)
    texts: list[Text] = []
    for commit in patch.commits:
        texts.append(Text(where, commit.message_lines))
        author = f"{commit.author.name} <{commit.author.email}>"
        texts.append(Text.one(where, author, commit.author_line))
        for change in commit.files:
            # A name the push adds (a file changed in place keeps its public name).
            if change.new_path is not None and change.new_path != change.old_path:
                texts.append(Text.one(where, change.new_path, change.line))
            run: list[tuple[int | None, str]] = []
            previous = -1
            for added in change.added_lines():
                if run and added.line != previous + 1:
                    texts.append(Text(where, tuple(run)))
                    run = []
                content = added.content.decode("utf-8", "replace").rstrip("\r\n")
                run.append((added.line, content))
                previous = added.line
            if run:
                texts.append(Text(where, tuple(run)))
            if change.binary is not None and change.new_path is not None:
                runs = tuple((change.line, text) for text in binary_strings(change.binary))
                if runs:
                    texts.append(Text(where, runs, f"binary {change.new_path}", binary=True))
    return texts


def check(texts: Iterable[Text], matcher: Matcher) -> list[Finding]:
    findings: list[Finding] = []
    for text in texts:
        findings.extend(matcher.find(text))
    return findings


__all__ = [
    "CONTEXT",
    "DEFAULT_WORDS",
    "PUBLIC_IDS",
    "Finding",
    "IdForm",
    "Matcher",
    "Text",
    "advisory_id_form",
    "check",
    "matcher_for",
    "patch_texts",
    "workspace_words",
]
