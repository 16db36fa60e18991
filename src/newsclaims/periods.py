"""The period a coarse date stands for: a date with precision ``week``, ``month`` or ``year``
is stored as the first day of its period; ``period`` gives that period's first and last day.

A week is the ISO week, Monday to Sunday. A date that is not the first day of its period
(a curator's slip) still gives its whole period: the period is that of the date, truncated
to the precision, as the date rules have always read it. A ``day`` date, or a date with no
precision (read as a day), is its own period; no date, no period.
"""

from __future__ import annotations

import datetime as dt

PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")


def period(day: dt.date | None, precision: str | None) -> tuple[dt.date | None, dt.date | None]:
    """``(first, last)`` day of the period ``day`` stands for at ``precision``."""
    if day is None:
        return None, None
    if precision == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    if precision == "month":
        first = day.replace(day=1)
        following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                     else first.replace(month=first.month + 1))
        return first, following - dt.timedelta(days=1)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    return day, day


# The coarse dates of the contract: table -> (date column, precision column); each gets the
# derived columns <date column>_from and <date column>_to.
COARSE_DATES: dict[str, tuple[tuple[str, str], ...]] = {
    "documents": (("published_on", "published_precision"),),
    "incidents": (("start_date", "date_precision"), ("end_date", "date_precision")),
    "claims": (("claim_date", "claim_date_precision"),),
}


def sql_period(date: str, precision: str) -> tuple[str, str]:
    """The same period as two SQL expressions over the columns ``date`` and ``precision``
    (for databases not made by the build: synthetic ones)."""
    p = f"CAST({precision} AS VARCHAR)"
    first = (f"CASE WHEN {p} IN ('week', 'month', 'year') "
             f"THEN date_trunc({p}, {date})::DATE ELSE {date} END")
    last = (f"CASE {p} WHEN 'week' THEN date_trunc('week', {date})::DATE + 6 "
            f"WHEN 'month' THEN last_day({date}) "
            f"WHEN 'year' THEN make_date(year({date}), 12, 31) ELSE {date} END")
    return first, last
