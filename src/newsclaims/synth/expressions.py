"""SQL expression builders for seeded, hash-based pseudo-randomness.

Every random choice of the generator is ``hash(seed, tag, key...)``: the same seed gives
the same database, whatever the number of threads or the order rows are produced in.
"""

from __future__ import annotations

from collections.abc import Sequence


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def str_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


class Random:
    """Builds SQL expressions drawing from a seeded hash of a tag and key columns."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def hash(self, tag: str, *keys: str) -> str:
        return f"hash({self.seed}, {quote(tag)}, {', '.join(keys)})"

    def below(self, n: int | str, tag: str, *keys: str) -> str:
        """A BIGINT in [0, n)."""
        return f"({self.hash(tag, *keys)} % ({n})::UBIGINT)::BIGINT"

    def percent(self, tag: str, *keys: str) -> str:
        return self.below(100, tag, *keys)

    def unit(self, tag: str, *keys: str) -> str:
        """A DOUBLE in [0, 1)."""
        return f"({self.below(1_000_000, tag, *keys)} / 1000000.0)"

    def pick(self, values: Sequence[str], tag: str, *keys: str) -> str:
        return f"{str_list(values)}[{self.below(len(values), tag, *keys)} + 1]"

    def weighted(self, choices: Sequence[tuple[str, int]], tag: str, *keys: str) -> str:
        """One of ``choices`` (value, weight in percent; weights sum to 100)."""
        total = sum(w for _, w in choices)
        if total != 100:
            raise ValueError(f"weights sum to {total}, not 100")
        draw = self.percent(tag, *keys)
        arms, bound = [], 0
        for value, weight in choices[:-1]:
            bound += weight
            arms.append(f"WHEN {draw} < {bound} THEN {quote(value)}")
        return f"(CASE {' '.join(arms)} ELSE {quote(choices[-1][0])} END)"


def padded_id(prefix: str, index_expr: str, width: int) -> str:
    """``prefix-000123`` from a 0-based index (ids are 1-based)."""
    return f"('{prefix}-' || lpad(({index_expr} + 1)::VARCHAR, {width}, '0'))"
