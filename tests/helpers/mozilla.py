"""A small Firefox-like repository, built with the git CLI: Mozilla's real branch names,
tag names and version files at a few releases of December 2024 (mozilla/gecko-dev and
mozilla-firefox/firefox):

- branches ``main`` (Nightly, 135.0a1), ``beta`` (134), ``release`` (133), ``esr128`` and
  ``esr115``; a new major every four weeks moves ``release`` on, so no branch is left of
  132 and older;
- release tags ``FIREFOX_133_0_RELEASE`` (a major has two numbers), ``FIREFOX_133_0_3_RELEASE``
  (a dot release), ``FIREFOX_128_5_0esr_RELEASE`` (ESR, the suffix after the numbers),
  beside build tags (``FIREFOX_133_0_3_BUILD1``), beta tags (``FIREFOX_134_0b9_RELEASE``)
  and merge-day markers (``FIREFOX_RELEASE_133_BASE``, ``FIREFOX_BETA_134_BASE``);
- ``browser/config/version.txt`` and ``config/milestone.txt`` hold the numbers
  (``133.0.3``, ``128.5.0``), ``browser/config/version_display.txt`` the version as shown
  (``134.0b9``, ``128.5.0esr``).
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.repos import Product, git

MILESTONE = "# Holds the current milestone.\n#" + "-" * 56 + "\n\n{}\n"


def versions(number: str, display: str | None = None) -> dict[str, str]:
    """Mozilla's three version files at ``number`` (shown as ``display``)."""
    return {
        "browser/config/version.txt": number + "\n",
        "browser/config/version_display.txt": (display or number) + "\n",
        "config/milestone.txt": MILESTONE.format(number),
    }


def _release(product: Product, branch: str, number: str, display: str, tag: str) -> None:
    product.commit(branch, versions(number, display), f"No bug - Tagging {tag} a=release")
    product.tag(tag.replace("_RELEASE", "_BUILD1"), branch)
    product.tag(tag, branch)


def firefox_like(root: Path, *, dot: bool = True) -> Product:
    """The repository above, published, its clone fetched (remote default branch main);
    without ``dot``, 133.0 is the newest release of 133 (no 133.0.3)."""
    product = Product.create(
        root, {**versions("115.0a1"), "dom/base/Document.cpp": "// Document\n" * 30}
    )
    # ESR 115 and 128, branched from a Nightly long ago, each released beside every major.
    product.commit("esr115", versions("115.0", "115.0esr"), "Branch esr115", create_from="main")
    product.commit("main", versions("128.0a1"), "Bump to 128")
    product.commit("esr128", versions("128.0", "128.0esr"), "Branch esr128", create_from="main")
    product.commit("main", versions("132.0a1"), "Bump to 132")
    product.tag("FIREFOX_RELEASE_132_BASE", "main")
    product.commit("release", {}, "Merge beta to release", create_from="main")
    trains = (("132.0", "128.4.0", "115.17.0"), ("132.0.1",), ("132.0.2",))
    trains += (("133.0", "128.5.0", "115.18.0"),) + ((("133.0.3",),) if dot else ())
    for train in trains:
        if train[0] == "133.0":
            product.commit("main", versions("133.0a1"), "Bump to 133")
            product.tag("FIREFOX_RELEASE_133_BASE", "main")
            git(product.dev, "checkout", "-q", "release")
            git(product.dev, "merge", "-q", "--no-edit", "-X", "theirs", "main")
        for v in train:
            tag = f"FIREFOX_{v.replace('.', '_')}"
            if v.count(".") == 2 and v.endswith(".0"):  # an ESR: 128.5.0esr
                _release(product, f"esr{v.split('.')[0]}", v, v + "esr", tag + "esr_RELEASE")
            else:
                _release(product, "release", v, v, tag + "_RELEASE")
    product.commit("main", versions("134.0a1"), "Bump to 134")
    product.tag("FIREFOX_BETA_134_BASE", "main")
    product.commit("beta", versions("134.0", "134.0b9"), "Merge to beta", create_from="main")
    product.tag("FIREFOX_134_0b9_RELEASE", "beta")
    product.commit("main", versions("135.0a1"), "Bump to 135")
    product.tag("FIREFOX_NIGHTLY_134_END", "main~1")
    product.publish("main", "beta", "release", "esr128", "esr115")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product
