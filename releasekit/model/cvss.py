"""CVSS vectors, scored with the ``cvss`` library: 3.0, 3.1 and 4.0, each by its own rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from releasekit.model.severity import severity_for


@dataclass(frozen=True)
class Cvss:
    """A scored CVSS vector (3.0, 3.1 or 4.0)."""

    vector: str
    version: str  # "3.0", "3.1" or "4.0"
    score: float

    @property
    def severity(self) -> str:
        return severity_for(self.score)


# The cvss library's reasons that quote only its own names (metric abbreviations, "/"):
# every other reason quotes part of the vector, which is advisory text.
_OWN_WORDS = re.compile(
    r'(Missing mandatory metrics|Duplicate metric) "[A-Z]+(, [A-Z]+)*"'
    r'|Malformed CVSS[34] vector, (trailing "/"|vector is empty)'
)


def _reason(message: str) -> str:
    """The cvss library's reason without the part of the vector it quotes: an embargoed
    advisory's vector (or text typed into it) must not reach the log of the daily publish."""
    if _OWN_WORDS.fullmatch(message):
        return message
    words = message.split('"', 1)[0].strip()
    return f"{words or 'malformed'} (not quoted here: see the file)"


@lru_cache(maxsize=1024)
def score_vector(vector: str) -> Cvss:
    """Score a CVSS 3.0, 3.1 or 4.0 vector, each by its own version's rules; raises ValueError
    with the library's reason (never quoting the vector).

    Remembered: advisories share vectors, and a Cvss is immutable.
    """
    from cvss import CVSS3, CVSS4  # loaded once a vector is scored: not by every command
    from cvss.exceptions import CVSSError

    if vector.startswith(("CVSS:3.0/", "CVSS:3.1/")):
        try:  # (the library scores 3.0 by 3.0's rounding and scope rules)
            cvss3 = CVSS3(vector)
            return Cvss(cvss3.clean_vector(), vector[5:8], float(cvss3.scores()[0]))
        except CVSSError as exc:
            raise ValueError(_reason(str(exc))) from None
    if vector.startswith("CVSS:4.0/"):
        try:
            cvss4 = CVSS4(vector)
            return Cvss(cvss4.clean_vector(), "4.0", float(cvss4.base_score))
        except CVSSError as exc:
            raise ValueError(_reason(str(exc))) from None
    raise ValueError("must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")
