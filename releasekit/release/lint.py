"""The leak lint: embargoed words in anything the lift would make public (pure).

Inputs are :class:`Text` blocks (commit messages, author and committer fields, file names,
the lines a diff adds, branch and tag names, tag messages), each knowing where it comes
from. A word matches case-insensitively as a whole word, or as a prefix when it ends with
``*``; word boundaries include ``snake_case``, ``kebab-case`` and ``camelCase`` joints, and
the words of a phrase may be separated by spaces, line breaks or punctuation (``-``, ``_``,
a comment's ``*`` or ``//``). Occurrences
inside an allowed phrase (``[lint] allow``, matched literally, case-insensitively) pass.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from releasekit.fixes.store import HeldPatch
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings

DEFAULT_WORDS: tuple[str, ...] = (
    "security",
    "vulnerab*",
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
    "pentest*",
)
CONTEXT = 24  # characters of context on each side of a finding


@dataclass(frozen=True)
class Text:
    """Lines of text that would become public, and where they come from.

    ``lines`` are ``(line number or None, text)``; consecutive lines are checked together
    so that a phrase broken over two lines is still found.
    """

    where: str
    lines: tuple[tuple[int | None, str], ...]

    @classmethod
    def one(cls, where: str, text: str, line: int | None = None) -> Text:
        return cls(where, ((line, text),))


@dataclass(frozen=True)
class Finding:
    where: str
    line: int | None
    word: str
    context: str

    def __str__(self) -> str:
        location = f"{self.where}:{self.line}" if self.line is not None else self.where
        return f"{location}: {self.word}: {self.context}"


def _word_regex(word: str) -> tuple[re.Pattern[str], bool]:
    prefix = word.endswith("*")
    parts = [re.escape(part) for part in re.split(r"[\s]+", word.rstrip("*").strip()) if part]
    # Between the words of a phrase: spaces, line breaks and comment or joint characters.
    return re.compile(r"[\W_]+".join(parts), re.IGNORECASE), prefix


def _starts_word(text: str, at: int) -> bool:
    if at == 0:
        return True
    before, first = text[at - 1], text[at]
    if not before.isalnum():
        return True
    return before.islower() and first.isupper()  # camelCase joint


def _ends_word(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    last, after = text[end - 1], text[end]
    if not after.isalpha():
        return True
    return last.islower() and after.isupper()


class Matcher:
    """Compiled words and allowed phrases."""

    def __init__(self, words: Iterable[str], allow: Iterable[str] = ()) -> None:
        seen: dict[str, str] = {}
        for word in words:
            cleaned = " ".join(word.split())
            if cleaned.rstrip("*").strip() and cleaned.lower() not in seen:
                seen[cleaned.lower()] = cleaned
        self.words = tuple(seen.values())
        # Longer words first, so that "CVE-2026-1234" is reported rather than "CVE" in it.
        ordered = sorted(self.words, key=lambda w: len(w.rstrip("*")), reverse=True)
        self._compiled = [(word, *_word_regex(word)) for word in ordered]
        self._allow = [
            re.compile(re.escape(" ".join(phrase.split())).replace(r"\ ", r"\s+"), re.IGNORECASE)
            for phrase in allow
            if phrase.strip()
        ]

    def find(self, text: Text) -> list[Finding]:
        joined = "\n".join(line for _, line in text.lines)
        starts = []
        position = 0
        for _, line in text.lines:
            starts.append(position)
            position += len(line) + 1
        allowed = [m.span() for rx in self._allow for m in rx.finditer(joined)]
        findings: list[tuple[int, Finding]] = []
        taken: list[tuple[int, int]] = []
        for word, regex, prefix in self._compiled:
            for match in regex.finditer(joined):
                begin, end = match.span()
                if not _starts_word(joined, begin):
                    continue
                if prefix:
                    while end < len(joined) and joined[end].isalnum():
                        end += 1
                elif not _ends_word(joined, end):
                    continue
                if any(a <= begin and end <= b for a, b in allowed):
                    continue
                if any(a <= begin and end <= b for a, b in taken):
                    continue  # already reported under a longer word
                taken.append((begin, end))
                index = bisect.bisect_right(starts, begin) - 1
                number, line = text.lines[index]
                column = begin - starts[index]
                length = min(end, starts[index] + len(line)) - begin
                findings.append(
                    (begin, Finding(text.where, number, word, _context(line, column, length)))
                )
        return [finding for _, finding in sorted(findings, key=lambda item: item[0])]


def _context(line: str, column: int, length: int) -> str:
    start = max(0, column - CONTEXT)
    end = min(len(line), column + length + CONTEXT)
    snippet = "".join(c if c.isprintable() else " " for c in line[start:end]).strip()
    return ("..." if start > 0 else "") + snippet + ("..." if end < len(line) else "")


def workspace_words(settings: Settings, advisories: Iterable[Advisory]) -> list[str]:
    """The default words, ``[lint] words``, and every advisory id, CVE id and reporter name."""
    words = [*DEFAULT_WORDS, *settings.lint.words]
    for advisory in advisories:
        words.append(advisory.id)
        if advisory.cve:
            words.append(advisory.cve)
        if advisory.reporter:
            words.append(advisory.reporter)
    return words


def matcher_for(settings: Settings, advisories: Iterable[Advisory]) -> Matcher:
    return Matcher(workspace_words(settings, advisories), settings.lint.allow)


def patch_texts(patch: HeldPatch) -> list[Text]:
    """Everything of a held fix that a push publishes: messages, authors, file names and
    the lines its diffs add."""
    where = str(patch.path)
    texts: list[Text] = []
    for commit in patch.commits:
        texts.append(Text(where, commit.message_lines))
        author = f"{commit.author.name} <{commit.author.email}>"
        texts.append(Text.one(where, author, commit.author_line))
        for change in commit.files:
            if change.new_path is not None:
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
    return texts


def check(texts: Iterable[Text], matcher: Matcher) -> list[Finding]:
    findings: list[Finding] = []
    for text in texts:
        findings.extend(matcher.find(text))
    return findings
