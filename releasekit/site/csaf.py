"""The site's CSAF 2.0 distribution: each disclosed advisory's document with its hash and
signature, and the files a CSAF aggregator or scanner starts from.

Per document (rendered with its advisory, see :mod:`.pages`)::

    csaf/YEAR/ID.json          the document (YEAR of its initial release, id lower case)
    csaf/YEAR/ID.json.sha512   its SHA-512, as ``sha512sum`` writes it
    csaf/YEAR/ID.json.asc      a detached OpenPGP signature by ``[mail] signing_key``

and for the whole site (:func:`listing_files`, made again when a document's entry or a
setting changed)::

    .well-known/csaf/provider-metadata.json   the provider: publisher, key, distributions
    .well-known/csaf/openpgp/FINGERPRINT.asc  the signing key's public part
    csaf/index.txt, csaf/changes.csv          the directory distribution
    csaf/feed-tlp-white.json                  the ROLIE feed (TLP:CLEAR, in CSAF 2.0's TLP 1.0
                                              words: WHITE)

The signature is made as of the document's current release date (``Signer.sign_as_of``):
the same document signed again gives the same bytes, so that a site built again from the
same files is the same site. A document whose bytes the live site already has keeps the
signature that is there (no gpg run). Without a signing key the documents have no ``.asc``
and the provider metadata lists no key. Nothing here exists before the first disclosure.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from releasekit import records
from releasekit.adapters.signing import Signer, normalize_fingerprint
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.records.csaf import CSAF_SCHEMA_URL, TLP_LABEL
from releasekit.site import tree
from releasekit.site.build import Signing as Signing
from releasekit.site.build import signing_for as signing_for

PROVIDER_METADATA = ".well-known/csaf/provider-metadata.json"
KEYS_DIR = ".well-known/csaf/openpgp"
INDEX = "csaf/index.txt"
CHANGES = "csaf/changes.csv"
FEED = "csaf/feed-tlp-white.json"


class Entry(NamedTuple):
    """What the distribution files say of one document (kept in the build state)."""

    path: str  # csaf/YEAR/ID.json
    id: str  # its tracking id
    title: str
    initial: str  # its initial and current release dates, ISO 8601 in UTC
    current: str


_SIGNERS: dict[Signing, Signer] = {}


def signer(signing: Signing) -> Signer:
    """One Signer per key and process (it looks the key up once)."""
    found = _SIGNERS.get(signing)
    if found is None:
        found = _SIGNERS[signing] = Signer(signing.fingerprint, signing.gnupghome)
    return found


def document_files(
    settings: Settings,
    advisory: Advisory,
    signing: Signing | None,
    live: tree.Live | None,
    shown: Public | None = None,
) -> tuple[dict[str, bytes], Entry]:
    """The document of a disclosed advisory, its ``.sha512`` and (with a key) ``.asc``
    (``shown``: the advisory's disclosed fields, when the caller has them)."""
    document = records.csaf_document(settings, advisory, shown)
    tracking = document["document"]["tracking"]
    initial = datetime.fromisoformat(tracking["initial_release_date"])
    rel = records.csaf_path(advisory.id, initial.year)
    data = records.dumps(document)
    name = rel.rsplit("/", 1)[1]
    files = {
        rel: data,
        f"{rel}.sha512": f"{hashlib.sha512(data).hexdigest()}  {name}\n".encode(),
    }
    if signing is not None:
        current = datetime.fromisoformat(tracking["current_release_date"])
        files[f"{rel}.asc"] = _signature(signing, rel, data, current, live)
    title = document["document"]["title"]
    first, last = tracking["initial_release_date"], tracking["current_release_date"]
    return files, Entry(rel, tracking["id"], title, first, last)


def _signature(
    signing: Signing, rel: str, data: bytes, when: datetime, live: tree.Live | None
) -> bytes:
    """The live site's signature when it signs these very bytes with this key, else a new
    one."""
    asc = f"{rel}.asc"
    if (
        live is not None
        and rel in live.good
        and asc in live.good
        and live.digests.get(rel) == tree.digest(data)
    ):
        try:
            found = (live.root / asc).read_bytes()
        except OSError:  # gone since the scan: sign again
            found = b""
        if _made_by(found, signing.fingerprint):
            return found
    return signer(signing).sign_as_of(data, when).encode("ascii")


def _made_by(armored: bytes, fingerprint: str) -> bool:
    """Whether an armored signature names ``fingerprint`` as its issuer (GnuPG writes the
    issuer fingerprint subpacket): a signature by another key (the key was changed) is made
    again. A false no costs a signature, never a wrong one."""
    lines = armored.decode("ascii", errors="replace").splitlines()
    if "" not in lines:
        return False
    body = lines[lines.index("") + 1 :]
    text = "".join(line for line in body if line and not line.startswith(("=", "-")))
    try:
        raw = base64.b64decode(text, validate=True)
        wanted = bytes.fromhex(normalize_fingerprint(fingerprint))
    except ValueError:
        return False
    return len(wanted) >= 20 and wanted in raw


def listing_files(
    settings: Settings,
    entries: Iterable[Entry],
    signing: Signing | None,
    public_key: str | None = None,
) -> dict[str, bytes]:
    """The provider metadata, the public key, index.txt, changes.csv and the ROLIE feed for
    the documents ``entries`` (nothing when there is none; ``public_key``: the signing key's
    export, when the caller has it)."""
    documents = sorted(entries, key=lambda e: (e.current, e.path), reverse=True)
    if not documents:
        return {}
    base = settings.project.site_url.rstrip("/")
    files: dict[str, bytes] = {}
    metadata: dict[str, Any] = {
        "canonical_url": f"{base}/{PROVIDER_METADATA}",
        "distributions": [
            {
                "directory_url": f"{base}/csaf/",
                "rolie": {
                    "feeds": [
                        {
                            "summary": f"{settings.project.name} security advisories (TLP:CLEAR)",
                            "tlp_label": TLP_LABEL,
                            "url": f"{base}/{FEED}",
                        }
                    ]
                },
            }
        ],
        "last_updated": documents[0].current,
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "publisher": {
            "category": "vendor",
            "name": settings.project.vendor,
            "namespace": settings.project.site_url,
        },
        "role": "csaf_provider",
    }
    if signing is not None:
        key = signer(signing)
        rel = f"{KEYS_DIR}/{key.fingerprint}.asc"
        files[rel] = (public_key or key.export_public()).encode("ascii")
        metadata["public_openpgp_keys"] = [{"fingerprint": key.fingerprint, "url": f"{base}/{rel}"}]
    files[PROVIDER_METADATA] = records.dumps(metadata)
    paths = sorted(_in_dir(entry.path) for entry in documents)
    files[INDEX] = "".join(f"{path}\n" for path in paths).encode()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for entry in documents:
        writer.writerow((_in_dir(entry.path), entry.current))
    files[CHANGES] = out.getvalue().encode()
    files[FEED] = _feed(settings, base, documents, signing is not None)
    return files


def _in_dir(rel: str) -> str:
    """A document's path below ``csaf/`` (index.txt and changes.csv name them so)."""
    return rel.removeprefix("csaf/")


def _feed(settings: Settings, base: str, documents: list[Entry], signed: bool) -> bytes:
    """The ROLIE feed of the documents (RFC 8322, as CSAF 2.0 section 7.1.20 shapes it)."""
    entries = []
    for doc in documents:
        url = f"{base}/{doc.path}"
        links = [{"rel": "self", "href": url}, {"rel": "hash", "href": f"{url}.sha512"}]
        if signed:
            links.append({"rel": "signature", "href": f"{url}.asc"})
        entries.append(
            {
                "id": doc.id,
                "title": doc.title,
                "link": links,
                "published": doc.initial,
                "updated": doc.current,
                "content": {"type": "application/json", "src": url},
                "format": {"schema": CSAF_SCHEMA_URL, "version": "2.0"},
            }
        )
    feed = {
        "feed": {
            "id": f"{settings.project.advisory_prefix.lower()}-csaf-feed-tlp-white",
            "title": f"{settings.project.name} CSAF feed (TLP:CLEAR)",
            "link": [{"rel": "self", "href": f"{base}/{FEED}"}],
            "category": [
                {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}
            ],
            "updated": documents[0].current,
            "entry": entries,
        }
    }
    return orjson.dumps(feed, option=orjson.OPT_INDENT_2) + b"\n"
