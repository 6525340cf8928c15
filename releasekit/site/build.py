"""``releasekit publish``: the security-updates site from the advisories and the date.

:func:`publish` is the core entry point (the lift calls it after recording ``released``);
:func:`publish_workspace` is what the CLI runs: the same for every advisory file, reading
only the files that changed since the last run.

How a build goes:

1. Each advisory's *render key* (:mod:`.keys`) is a digest of its content, its stage
   (released or disclosed) and everything global (settings, templates, this code). An
   advisory whose key and files on disk match the last build is not rendered again
   (:mod:`.plan`); its row of the index, entry of advisories.json and feed entry stay as
   they are (:mod:`.listing`). Parts are keyed apart where a template does not touch
   them: an advisory's records (OSV, CVE, CSAF) by what they are made of without the
   templates (``keys.records_key``), the version and credits pages by the templates that
   render them; a restyled page renders the pages again and keeps those.
2. Everything else is rendered (:mod:`.pages`; on every core when there is a lot,
   :mod:`.workers`) into the standby tree; unchanged files are hard-linked into it from the
   live site meanwhile.
3. The standby is swapped with the live site in one atomic rename (:mod:`.standby`); nothing
   changes on disk when no output byte would change. See :mod:`releasekit.site.tree`.

Only released advisories produce anything, and only what their stage makes public
(:mod:`.views`). Every timestamp in the output comes from the advisories, never from the
build clock. What the last build made is kept in the private state directory
(:mod:`.state`); the rows themselves are kept by :mod:`.listing`, the details by
:mod:`.mdcache`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasekit.adapters import journal
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.site import child, keys, scans, tree, upcoming
from releasekit.site.state import State, load_state
from releasekit.site.tree import KEEP
from releasekit.support import fsutil
from releasekit.support.errors import AdvisoryError, WorkspaceError
from releasekit.support.progress import Progress
from releasekit.support.words import counted
from releasekit.workspace import paths as workspace

if TYPE_CHECKING:  # a run that changes nothing loads none of the renderers (see builder)
    from releasekit.site.builder import Builder
    from releasekit.site.plan import Entry, Sources
    from releasekit.site.workers import Advance

SCANS = 2  # children that scan the live site, each its share (see scans.split)


@dataclass(frozen=True)
class Signing:
    """The key that signs the CSAF documents (see csaf), and the GnuPG home it is in
    (picklable: it goes to the render workers)."""

    fingerprint: str
    gnupghome: str | None = None


def signing_for(settings: Settings, gnupghome: str | None) -> Signing | None:
    """The release key (``[mail] signing_key``) signs the CSAF documents; None without one.
    The lift's publish and ``releasekit publish`` take it from here: the same site."""
    if settings.mail is None or not settings.mail.signing_key:
        return None
    return Signing(settings.mail.signing_key, gnupghome)


@dataclass(frozen=True)
class Tuning:
    """Where a build changes how it works (not what it makes), by how many pages it renders.

    The defaults suit real sites; a test or a benchmark may move them to take the other way
    with a few advisories.
    """

    parallel_min: int = 64  # below this many pages, forking workers costs more than it saves
    markdown_min: int = 1  # from this many pages on, details are kept between builds (mdcache)
    fork_min: int = tree.FORK_MIN  # from this many unchanged files on, children link them
    aside_min: int = tree.SET_ASIDE_MIN  # a standby folder of this many files may be set aside


@dataclass(frozen=True)
class PublishReport:
    """What a publish did to ``site/`` (paths relative to it)."""

    site_dir: Path
    written: tuple[str, ...]  # new or changed files
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    public: int  # advisories on the site
    disclosed: int  # of which the details are public
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)

    def summary(self) -> str:
        return (
            f"{counted(self.public, 'advisory', 'advisories')} public "
            f"({self.disclosed} with details): "
            f"{counted(len(self.written), 'file')} written, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )

    def to_json(self) -> dict[str, Any]:
        """The report as ``publish --json`` prints it (the CLI adds ``cve_services``)."""
        return {
            "site": str(self.site_dir),
            "public": self.public,
            "disclosed": self.disclosed,
            "written": list(self.written),
            "removed": list(self.removed),
            "unchanged": len(self.unchanged),
        }


def publish(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
    tuning: Tuning = Tuning(),
    signing: Signing | None = None,
) -> PublishReport:
    """Build ``site/`` for ``advisories`` as of ``now`` and swap it in; see the module doc.

    ``progress`` gets messages; ``advance``, in a build of many pages, the count rendered;
    ``signing``: the key that signs the CSAF documents (None: they go unsigned).

    Returns what was written, left unchanged and removed. Raises AdvisoryError when the
    advisories contradict each other, PublishError when a record fails its schema; the live
    site is untouched then.
    """
    from releasekit.site.builder import given_entries

    entries = given_entries(settings, advisories)
    builder = Job(settings, now, progress, jobs, advance, tuning, signing)
    return builder.run(entries, None)


def publish_workspace(
    settings: Settings,
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
    tuning: Tuning = Tuning(),
    signing: Signing | None = None,
) -> PublishReport:
    """:func:`publish` for every advisory file of the workspace (what the CLI runs)."""
    builder = Job(settings, now, progress, jobs, advance, tuning, signing)
    return builder.run([], settings.advisories_dir)


def _sources(settings: Settings) -> Sources:
    """The advisory files: name -> (size, mtime, ctime, inode).

    AdvisoryError when the folder is not there, or is no folder, or names an advisory file
    that is no regular file (see workspace.advisory_entries): a build would take their
    advisories off the site, where the files were most likely lost, moved or not yet
    copied (an empty folder makes a site without advisories).
    """
    found, problems = workspace.advisory_entries(settings, missing_ok=False)
    if problems:
        raise AdvisoryError(problems)
    return found


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    """No cyclic garbage collection in the build's own process.

    The state is hundreds of thousands of small tuples and strings; the collector would walk
    all of them again and again while they are loaded (a sixth of a small build's time) to
    find nothing: the build makes next to no reference cycles. The worker processes, which
    render page after page, collect as usual (see workers). (The collector is the
    process's: a program that runs other threads while it calls publish runs them without.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What the build made is all in the youngest generation: the first allocation
            # after enable() walked every object of it (50 ms for 10,000 advisories). Moved
            # to the oldest (freeze, then unfreeze), it waits for a full collection like any
            # long-lived data. (Not when the caller froze objects of its own.)
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def site_path(settings: Settings) -> Path:
    """Where the site is built: ``site/``, or where it links to. WorkspaceError (exit 2,
    nothing written) when that is a file or a symlink loop, as for ``advisories/``."""
    site = settings.site_dir
    shown = workspace.display_path(settings, site)
    if site.is_symlink():
        try:
            site = site.resolve()
        except (OSError, RuntimeError):  # a loop (RuntimeError before Python 3.13)
            raise WorkspaceError(f"{shown}: is a symlink loop") from None
        _own_folder(settings, site, shown)
    if site.exists() and not site.is_dir():
        raise WorkspaceError(f"{shown}: is not a directory (the site is built in it)")
    return site


def _own_folder(settings: Settings, site: Path, shown: Path) -> None:
    """WorkspaceError when the folder ``site/`` links to holds more than a site: publish
    swaps the folder it builds in away as a whole, and cleans it as its next standby (a link
    to advisories/ lost every advisory file). A folder inside the workspace or the product
    clone is fine (docs/ for a forge's pages), but not one in a folder of the workspace's."""
    holders = {"the workspace": settings.root, "the product repository": settings.repository_path}
    own = (settings.advisories_dir, settings.patches_dir, settings.templates_dir)
    for folder in (*own, settings.state_dir):
        holders[f"the workspace's {folder.name}/"] = folder
    for what, folder in holders.items():
        path = fsutil.resolved(folder)
        inside = path in site.parents and what.startswith("the workspace's")
        if site == path or site in path.parents or inside:
            raise WorkspaceError(
                f"{shown}: links to {site}, which holds {what}; publish replaces the folder it "
                "builds in as a whole: link site to a folder of its own"
            )


class Job:
    """One publish: what it was asked, and what it finds once it holds the publish lock."""

    def __init__(
        self,
        settings: Settings,
        now: datetime,
        progress: Progress | None,
        jobs: int | None,
        advance: Advance | None,
        tuning: Tuning,
        signing: Signing | None = None,
    ) -> None:
        self.settings, self.now, self.jobs = settings, now, jobs
        self.signing = signing
        self.say: Progress = progress or (lambda _message: None)
        self.advance, self.tuning = advance, tuning
        self.site = site_path(settings)
        self.state_dir = workspace.state_dir(settings)
        self.state = State((), "")  # the last build's, read once the publish lock is held
        self.global_key = self.records_key = ""
        self.standby_scan: child.Background | None = None  # scans.scan of the standby
        self.announced: list[upcoming.Announced] = []  # pre-announcements (the journal)

    def run(self, entries: list[Entry], folder: Path | None) -> PublishReport:
        """Build under the publish lock, without the cyclic collector (see _no_collector);
        ``folder``: where the advisory files are (publish_workspace), None: ``entries``.

        The live site is scanned by two children meanwhile, each told what the state says
        it holds: on a big site that scan is most of a run in which nothing changed.
        """
        with journal.exclusive(self.state_dir, "publish"), _no_collector():
            self.state = load_state(self.state_dir, self.settings, self.site)
            expected = self.state.signatures
            parts = scans.split(expected, SCANS)
            live = [
                child.Background(scans.scan_told, self.site, KEEP, (k, SCANS), expected, parts)
                for k in range(SCANS)
            ]
            try:
                sources = None if folder is None else _sources(self.settings)
                fingerprint = None if self.signing is None else self.signing.fingerprint
                self.global_key = keys.global_key(self.settings, fingerprint)
                self.records_key = keys.records_key(self.settings, fingerprint)
                self.announced = upcoming.announced(self.state_dir)
                return self._run(entries, sources, live, parts)
            finally:
                for scan in live:
                    scan.discard()

    def _run(
        self,
        entries: list[Entry],
        sources: Sources | None,
        live: list[child.Background],
        parts: scans.Split,
    ) -> PublishReport:
        state = self.state
        steady = (
            sources is not None
            and state.steady(self.global_key, self.now.timestamp())
            and state.upcoming_key == upcoming.key(self.announced)
        )
        builder = None
        try:
            if not steady or sources != state.sources:  # a build: while the live site is
                # scanned, the standby is too (told what the live site should hold: most of
                # the standby is links to it), and what the build reads is read
                path = tree.standby_path(self.site, self.state_dir)
                if path.is_dir() and not path.is_symlink() and state.built_at is not None:
                    scan = scans.scan_beside
                    self.standby_scan = child.Background(scan, path, KEEP, state.signatures)
                builder = self._builder()
            present = scans.gathered(
                [scan.result() for scan in live],
                state.signatures,
                lambda k: scans.scan(self.site, KEEP, (k, len(live)), parts=parts),
            )
            if steady and sources == state.sources and present == state.signatures:
                files = ((), tuple(sorted(present)), ())  # the daily cron run: all unchanged
                return report(self.settings, self.site, state, self.signing, files)
            return (builder or self._builder()).build(entries, sources, present)
        finally:
            if self.standby_scan is not None:
                self.standby_scan.discard()

    def _builder(self) -> Builder:
        """The build, with what it reads of the state (not loaded by a run that changes
        nothing)."""
        from releasekit.site.builder import Builder

        builder = Builder(self)
        builder.load()
        return builder


def report(
    settings: Settings,
    site: Path,
    state: State,
    signing: Signing | None,
    files: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]],
) -> PublishReport:
    """What a build did (files written, unchanged, removed) and what to warn of."""
    public, disclosed, unrecorded = state.counts
    warnings: tuple[str, ...] = ()
    if unrecorded:
        warnings = (
            f"{settings.config_path.name}: cve.org_id is not set: no CVE records "
            f"written ({counted(unrecorded, 'disclosed advisory', 'disclosed advisories')} "
            "with a CVE id)",
        )
    if disclosed and signing is None:
        warnings += (
            f"{settings.config_path.name}: mail.signing_key is not set: the CSAF "
            "documents are published unsigned (no .asc, no key in the provider metadata)",
        )
    return PublishReport(site, *files, public, disclosed, warnings)
