"""EventBridge Scheduler expressions: `cron(...)` (six fields, values in range) or `rate(N unit)`."""

from __future__ import annotations

import re

from modules.text import excerpt

RATE_RE = re.compile(r"rate\(([1-9][0-9]{0,5}) (minute|minutes|hour|hours|day|days)\)")
CRON_RE = re.compile(r"cron\(([0-9A-Za-z*?,/#-]+( [0-9A-Za-z*?,/#-]+){5})\)")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (field, lowest, highest, names for 1.., extra forms) of the six EventBridge Scheduler cron fields.
CRON_FIELDS = (
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), "?LW"),
    ("month", 1, 12, MONTHS, ""),
    ("day-of-week", 1, 7, DAYS, "?L#"),
    ("year", 1970, 2199, (), ""),
)
SCHEDULE_FIX = "fix: cron(0 2 * * ? *) (6 fields: minutes hours day-of-month month day-of-week year) or rate(1 day)"


def _cron_value(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text.upper() in names:
        return True
    return text.isascii() and text.isdigit() and low <= int(text) <= high


def _cron_item(item: str, low: int, high: int, names: tuple[str, ...], extra: str) -> bool:
    """One comma-separated item of a cron field: *, v, v-v, */n, v/n, v-v/n, or L/W/# forms."""
    if item == "?" and "?" in extra:
        return True
    if "L" in extra and (item == "L" or (extra == "?LW" and item == "LW")):
        return True
    if "W" in extra and item.endswith("W") and _cron_value(item[:-1], low, high, ()):
        return True
    if "#" in extra and "#" in item:
        day, _, nth = item.partition("#")
        return _cron_value(day, low, high, names) and nth in ("1", "2", "3", "4", "5")
    if extra == "?L#" and item.endswith("L") and _cron_value(item[:-1], low, high, names):
        return True
    base, _, step = item.partition("/")
    if step and not (step.isascii() and step.isdigit() and 1 <= int(step) <= high):
        return False
    if base == "*":
        return True
    start, _, end = base.partition("-")
    return _cron_value(start, low, high, names) and (not end or _cron_value(end, low, high, names))


def check_schedule(value: str) -> str:
    """Validate an EventBridge Scheduler cron() or rate() expression (full grammar, values in range)."""
    rate = RATE_RE.fullmatch(value)
    if rate:
        if (rate.group(1) == "1") != (not rate.group(2).endswith("s")):
            raise ValueError(
                f"{excerpt(value)}: use the singular unit for 1, the plural otherwise; fix: rate(1 day), rate(2 days)"
            )
        return value
    cron = CRON_RE.fullmatch(value)
    if not cron:
        raise ValueError(f"{excerpt(value)} is not a schedule; {SCHEDULE_FIX}")
    fields = cron.group(1).split(" ")
    for text, (field, low, high, names, extra) in zip(fields, CRON_FIELDS, strict=True):
        if not all(_cron_item(item, low, high, names, extra) for item in text.split(",")):
            allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
            raise ValueError(
                f"{excerpt(value)}: the {field} field {excerpt(text, 20)} is not valid; "
                f"fix: use {allowed}, *, ranges a-b, lists a,b and steps */n"
            )
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError(
            f"{excerpt(value)}: exactly one of day-of-month and day-of-week must be '?'; fix: e.g. cron(0 2 * * ? *)"
        )
    return value
