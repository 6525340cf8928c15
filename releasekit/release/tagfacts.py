"""What ``init --repository`` reads from a product clone (nothing is fetched or written):
its branches, the remote's default branch, and its tags; and which tags name a version
(``2.0.6``, ``v2.0.5``, ``release-1.29.2``: a version after an optional word prefix; or its
dots written as underscores, as curl's ``curl-8_6_0`` and PostgreSQL's ``REL_16_2`` do, and
a major's pre-release so, PostgreSQL's ``REL_17_BETA2``; with a word in capitals after it,
Mozilla's ``FIREFOX_133_0_3_RELEASE``), in which spelling. A prefix that
names a pre-release (curl's release candidates ``rc-8_22_0-1``) makes no version tag: its
number after the version is no release. Tags of another product made in the same clone
(wolfSSL's ``tiny-curl-8_4_0`` in curl's, "tiny-curl: patch set applied on 8.4.0") are none of
its releases, nor are branches that carry them (:func:`foreign_spellings`).
:mod:`releasekit.release.survey` infers the ``[releases]`` table from them."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import Version

from releasekit.adapters.git import ProductRepo
from releasekit.model.checks import line_key

_TAG = re.compile(
    r"(?P<prefix>[A-Za-z][A-Za-z_/-]*)?"
    r"(?:(?P<version>[0-9]+\.[0-9]+[0-9A-Za-z.+!-]*)|(?P<under>[0-9]+_[0-9]+[0-9A-Za-z_+!-]*)"
    r"|(?P<major_pre>[0-9]+_(?i:alpha|beta|rc)[0-9]+))"  # PostgreSQL's REL_17_BETA2, REL_17_RC1
)
# Mozilla's FIREFOX_133_0_3_RELEASE: the version's dots as underscores, then a word in
# capitals (not its candidate builds' FIREFOX_133_0_3_BUILD1); its ESRs glue a word to the
# version, FIREFOX_128_5_0esr_RELEASE; a beta is FIREFOX_134_0b9_RELEASE.
_SUFFIXED = re.compile(
    r"(?P<prefix>[A-Za-z][A-Za-z_/-]*)?(?P<under>[0-9]+(?:_[0-9]+)+(?:(?:a|b|rc)[0-9]+)?)"
    r"(?P<glued>[a-z]+)?(?P<word>_[A-Z]+)"
)
_PRE_RELEASE_PREFIX = re.compile(r"(?i:rc|alpha|beta|pre|preview|candidate)[_/-]?")


@dataclass(frozen=True)
class TagFact:
    name: str
    commit: str
    time: int  # committer time of the commit, epoch seconds


@dataclass(frozen=True)
class Facts:
    """What init reads from the clone: its branches (the remote's, as last fetched), the
    remote's default branch, the tags, and which commits a branch contains."""

    remote: str | None
    branches: Mapping[str, str]  # name -> tip commit
    default_branch: str | None
    tags: Sequence[TagFact]
    contains: Callable[[str, str], bool]  # (tip, commit): is commit on the branch at tip?


@dataclass(frozen=True)
class Tagged:
    """A tag that names a version."""

    tag: TagFact
    spelling: str  # e.g. "v{version}"
    version: Version
    parts: int = 2  # how many numbers of a version name its line (line_parts)

    @property
    def line(self) -> str:
        return line_key(str(self.version), self.parts)

    @property
    def final(self) -> bool:
        return not (self.version.is_prerelease or self.version.is_devrelease)


def _dated(release: tuple[int, ...]) -> bool:
    """Whether a version's numbers after its major end in a date: a snapshot's tag, no
    release (httpd's ``APACHE_2_0_2001_02_09``; a CalVer release's year is its major)."""
    return any(
        1970 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31
        for year, month, day in zip(release[1:], release[2:], release[3:], strict=False)
    )


def tagged(tag: TagFact) -> Tagged | None:
    """``tag`` as a version tag, or None when it names no version."""
    suffixed = _SUFFIXED.fullmatch(tag.name)
    if suffixed is not None and not _PRE_RELEASE_PREFIX.fullmatch(suffixed["prefix"] or ""):
        try:
            version = Version(suffixed["under"].replace("_", "."))
        except ValueError:  # a number of over 4300 digits
            return None
        if _dated(version.release):
            return None
        after = (suffixed["glued"] or "") + suffixed["word"]
        return Tagged(tag, (suffixed["prefix"] or "") + "{version:_}" + after, version)
    match = _TAG.fullmatch(tag.name)
    if match is None or _PRE_RELEASE_PREFIX.fullmatch(match["prefix"] or ""):
        return None
    under = match["under"] or match["major_pre"]
    try:
        version = Version(under.replace("_", ".") if under else match["version"])
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return None
    if version.local or version.epoch or (len(version.release) < 2 and not match["major_pre"]):
        return None
    if _dated(version.release):
        return None
    spelling = "{version:_}" if under else "{version}"
    return Tagged(tag, (match["prefix"] or "") + spelling, version)


@dataclass(frozen=True)
class Foreign:
    """A spelling of another product's tags: why (a check says it), and the commits of its
    tags that a branch of that product carries (none for a library's import, which the
    project's own branches carry)."""

    why: str
    carried: tuple[str, ...] = ()


def foreign_spellings(versions: Sequence[Tagged], written: str) -> dict[str, Foreign]:
    """The spellings of another product's tags, beside ``written``, the project's:

    - each, of fewer tags than ``written``, that tags a version ``written`` tags too, at
      another commit (curl's ``curl-8_4_0`` and wolfSSL's ``tiny-curl-8_4_0``, "tiny-curl:
      patch set applied on 8.4.0": not an earlier spelling of curl's release);
    - each whose releases are all of lines that ``written`` has none of, after its newest
      release (httpd's ``PCRE_3_9`` and ``MOD_SSL_2_8_3``, libraries imported in 2001:
      an earlier spelling names earlier releases, of the same lines), each tagged before
      that newest release (a spelling the project took up after it, v2.1.0 after 2.0.4, is
      its own: its newest releases)."""
    counts = Counter(t.spelling for t in versions)
    by_version: dict[str, list[Tagged]] = {}
    for item in versions:
        by_version.setdefault(str(item.version), []).append(item)  # (8.4 is not 8.4.0)
    found: dict[str, Foreign] = {}
    for same in by_version.values():
        for one in same:
            for other in same:
                if (
                    other.spelling == written
                    and one.tag.commit != other.tag.commit
                    and counts[one.spelling] < counts[written]
                ):
                    why = (
                        f"{one.tag.name} names {one.version} like {other.tag.name}, another commit"
                    )
                    found.setdefault(one.spelling, Foreign(why))
    for spelling in found:
        carried = tuple(t.tag.commit for t in versions if t.spelling == spelling)
        found[spelling] = dataclasses.replace(found[spelling], carried=carried)
    finals = [t for t in versions if t.final]
    own = [t for t in finals if t.spelling == written]
    if not own:
        return found
    newest = max(own, key=lambda t: t.version)
    lines = {t.line for t in own}
    for spelling in sorted({t.spelling for t in finals} - {written} - found.keys()):
        theirs = [t for t in finals if t.spelling == spelling]
        top = max(theirs, key=lambda t: t.version)
        later = any(t.tag.time > newest.tag.time for t in theirs)  # (the project's new one)
        if top.version > newest.version and not later and not lines & {t.line for t in theirs}:
            why = f"{top.tag.name} names {top.version}, after {newest.tag.name}, in no line of it"
            found[spelling] = Foreign(why)
    return found


def foreign_branches(
    facts: Facts,
    named: Mapping[str, tuple[str, str]],
    versions: Sequence[Tagged],
    foreign: Mapping[str, Foreign],
    mainline: str | None,
) -> list[str]:
    """The branches of ``named`` (name -> the pattern and line it names) that are another
    product's: named like its tags (``tiny-curl-{line:_}`` beside ``tiny-curl-{version:_}``),
    or carrying one of its tags of their line that the development branch (its tip:
    ``mainline``) does not carry (``curl-tiny-7.72``, which holds ``tiny-curl-7_72_0``: a
    fork's; not a library's developed in the tree, Samba's ``ldb-2.0.10`` on ``master``).
    (Ancestry is asked of a branch's line alone: each question walks history.)"""
    if not foreign:
        return []
    found = []
    off: dict[str, bool] = {}  # a foreign tag's commit -> whether mainline lacks it
    for name, (pattern, line) in sorted(named.items()):
        if pattern.replace("{line", "{version") in foreign:
            found.append(name)
            continue
        width = len(line.split("."))
        for item in versions:
            if item.spelling not in foreign or line_key(str(item.version), width) != line:
                continue
            commit = item.tag.commit
            if commit not in off:
                off[commit] = mainline is None or not facts.contains(mainline, commit)
            if off[commit] and facts.contains(facts.branches[name], commit):
                found.append(name)
                break
    return found


def read_facts(repo: ProductRepo) -> Facts:
    """The clone's branches (its remote's, as last fetched; its own when it has no remote),
    the remote's default branch and its tags."""
    names = repo.remote_names()
    remote = "origin" if "origin" in names else (names[0] if len(names) == 1 else None)
    branches = repo.tracking_tips(remote) if remote is not None else {}
    default = repo.remote_default_branch(remote) if remote is not None else None
    if not branches:
        branches = repo.local_tips()
    tags = [
        TagFact(name, commit, repo.commit(commit).committer.time)
        for name, commit in sorted(repo.tags().items())
        if _TAG.fullmatch(name)
    ]

    def contains(tip: str, commit: str) -> bool:
        return repo.is_ancestor(commit, tip)

    return Facts(remote, branches, default, tags, contains)
