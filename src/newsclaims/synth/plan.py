"""How big each table of a synthetic database is, derived from the number of claims.

The ratios follow the scale issue: at 1M claims, 100k documents, 50k incidents and about
600k figures. Small reference tables (actors, places) grow slowly and are capped so that
names stay unique by construction (see ``vocabulary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from newsclaims.errors import InputError

CLAIMS_PER_DOCUMENT = 10
CLAIMS_PER_INCIDENT = 20
MAX_CLAIMS = 100_000_000
# Strides that map claim indexes onto incidents: the first one coprime to the number of
# incidents is used, so the first block of claims covers every incident exactly once.
_STRIDES = (7919, 104_729, 1_299_709, 15_485_863)


@dataclass(frozen=True)
class Plan:
    claims: int
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.claims <= MAX_CLAIMS:
            raise InputError(f"--claims must be between 1 and {MAX_CLAIMS:,}, not {self.claims}")
        if not 0 <= self.seed < 2**31:
            raise InputError(f"--seed must be between 0 and {2**31 - 1}, not {self.seed}")

    @property
    def documents(self) -> int:
        return math.ceil(self.claims / CLAIMS_PER_DOCUMENT)

    @property
    def incidents(self) -> int:
        return max(1, self.claims // CLAIMS_PER_INCIDENT)

    @property
    def actors(self) -> int:
        """A multiple of 10 (one block of kinds per 10 actors), 200 to 5,000."""
        return 10 * min(500, max(20, self.claims // 2000))

    @property
    def places(self) -> int:
        """Places below country level, 160 to 9,000."""
        return min(9000, max(160, self.claims // 500))

    @property
    def merged_incidents(self) -> int:
        """Extra incidents merged into an earlier one (no claims point to them)."""
        return max(2, self.incidents // 100)

    @property
    def reserve_blocks(self) -> int:
        """Trailing actor blocks that nothing refers to (no claims, aliases, relays)."""
        return (self.actors // 10) * 3 // 10

    @property
    def incident_stride(self) -> int:
        for stride in _STRIDES:
            if math.gcd(stride, self.incidents) == 1:
                return stride
        return 1  # unreachable in practice: the strides are distinct primes

    def width(self, count: int) -> int:
        """Digits of a zero-padded numeric id for ``count`` records (at least 4)."""
        return max(4, len(str(count)))
