"""The days a find is limited to and the orders it answers in, as the command line and the API take them.

Days are whole days of the wall clock a photo's time was read on (`store.library.Taken`): since 2024-06-01 until
2024-06-30 is every photo whose clock read a time in June 2024, the 30th included. Nothing heavy is imported here:
the command line checks its options with it before it loads anything.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from facesearch.errors import BadRequest

MATCH, NEWEST, OLDEST = "match", "newest", "oldest"
SORTS = (MATCH, NEWEST, OLDEST)
"""Best match first (the default); newest or oldest photo first, photos without a date last."""

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, name: str) -> date:
    """A day written YYYY-MM-DD; BadRequest naming the option or parameter `name` otherwise."""
    try:
        if _DAY.fullmatch(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise BadRequest(f"{name} must be a day written YYYY-MM-DD, such as 2024-06-30; '{text}' is not one.")


def check_days(since: date | None, until: date | None) -> None:
    """BadRequest when no photo can be in the range: `since` after `until`."""
    if since is not None and until is not None and since > until:
        raise BadRequest(f"since ({since}) is after until ({until}): no photo can be taken in that range.")


def check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}; '{sort}' is not one.")


def day_start(day: date | None) -> datetime | None:
    """The first moment of a day (wall clock), for `since`."""
    return None if day is None else datetime.combine(day, time())


def day_after(day: date | None) -> datetime | None:
    """The first moment after a day (wall clock), for `until`: the whole day is in the range."""
    return None if day is None or day == date.max else datetime.combine(day + timedelta(days=1), time())
