"""Generated advisories for the publish benchmark: N disclosed advisories of 300-600 words of
Markdown each (headings, lists, code and links), seeded, so every run builds the same files."""

from __future__ import annotations

import random
import shutil
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    "server",
    "channel",
    "permission",
    "export",
    "request",
    "token",
    "session",
    "cache",
    "user",
    "team",
    "message",
    "handler",
    "upload",
    "plugin",
    "webhook",
    "endpoint",
    "header",
    "cookie",
    "redirect",
    "address",
    "network",
    "proxy",
    "parser",
    "value",
    "field",
    "record",
    "query",
    "filter",
    "limit",
    "check",
    "access",
    "policy",
    "role",
    "admin",
    "config",
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "for",
    "on",
    "with",
    "by",
    "from",
    "when",
    "if",
    "then",
    "that",
    "this",
    "which",
    "every",
    "each",
    "any",
    "could",
    "would",
    "should",
    "was",
    "were",
    "is",
    "are",
    "be",
    "been",
    "not",
    "only",
    "also",
    "but",
    "and",
    "or",
    "because",
    "while",
]

CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
time_zone = "America/Los_Angeles"

[releases]
upcoming = "10.4"
esr = ["9.11"]

[cve]
org_id = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
short_name = "acme"
"""

VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N",
)


def sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    parts = []
    for _ in range(sentences):
        text = sentence(rng)
        if rng.random() < 0.2:
            page = rng.randint(1, 999)
            text += f" See [the {rng.choice(WORDS)} guide](https://acme.example/docs/{page})."
        if rng.random() < 0.2:
            text += f" The `{rng.choice(WORDS)}_{rng.choice(WORDS)}` setting is **not** checked."
        parts.append(text)
    return " ".join(parts)


def body(rng: random.Random) -> str:
    target = rng.randint(300, 600)
    blocks = [
        "## Impact",
        paragraph(rng, 4),
        "## Details",
        paragraph(rng, 5),
        "\n".join(f"- {sentence(rng, 5, 12)}" for _ in range(rng.randint(3, 5))),
        "```go\nif !a.HasPermission(ctx, userID, model.PermissionReadChannel) {\n"
        '    return model.NewAppError("Export", "api.permissions", nil, "", 403)\n}\n```',
        "### Workarounds",
        "\n".join(f"{i}. {sentence(rng, 6, 14)}" for i in range(1, rng.randint(3, 5))),
    ]
    text = "\n\n".join(blocks)
    while len(text.split()) < target:
        text += "\n\n" + paragraph(rng, 3)
    return text + "\n"


def advisory_text(rng: random.Random, number: int, released: datetime) -> str:
    lines = ["10.3", "10.2", "10.1", "9.11"]
    fixed = ", ".join(f'"{line}" = "{line}.{rng.randint(1, 9)}"' for line in lines)
    stamp = released.strftime("%Y-%m-%dT%H:%M:%SZ")
    title = sentence(rng, 4, 8).rstrip(".")
    summary = sentence(rng, 10, 18)
    return textwrap.dedent(
        f"""\
        +++
        id = "ACSA-2025-{number:05d}"
        title = "{title}"
        component = "server"
        cvss = "{rng.choice(VECTORS)}"
        cve = "CVE-2025-{100000 + number}"
        cwe = "CWE-{rng.choice((79, 89, 284, 862, 918))}"
        introduced = "9.8"
        reporter = "Reporter {number}"
        embargo = {stamp}
        released = {stamp}
        summary = "{summary}"
        fixed = {{ "10.4" = "10.4.0", {fixed} }}
        +++

        """
    ) + body(rng)


def generate(root: Path, count: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(CONFIG)
    rng = random.Random(20261201)
    start = datetime(2020, 1, 6, 14, 0, tzinfo=UTC)
    for number in range(1, count + 1):
        released = start + timedelta(hours=4 * number)
        text = advisory_text(rng, number, released)
        (root / "advisories" / f"ACSA-2025-{number:05d}.md").write_text(text)
