"""Human schedule specs ("daily 08:00", "weekdays 07:30", "weekly mon 09:00", cron) to cron expressions."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_DAYS = {"mon": "mon", "tue": "tue", "wed": "wed", "thu": "thu", "fri": "fri", "sat": "sat", "sun": "sun"}
_TIME = r"(\d{1,2})(?::(\d{2}))?"


class ScheduleSpecError(ValueError):
    """The schedule text cannot be understood: a short, user-facing reason."""


def _hm(h: str, m: str | None) -> tuple[int, int]:
    hour, minute = int(h), int(m or 0)
    if hour > 23 or minute > 59:
        raise ScheduleSpecError(f"{h}:{m or '00'} is not a time of day")
    return hour, minute


def parse_schedule(spec: str) -> str:
    """Return the 5-field cron expression for a schedule spec, or raise ScheduleSpecError."""
    s = " ".join(spec.lower().split())
    if not s:
        raise ScheduleSpecError("give a schedule like 'daily 08:00', 'weekdays 07:30' or 'weekly mon 09:00'")
    m = re.fullmatch(rf"(?:daily|every day)(?: at)? {_TIME}", s)
    if m:
        h, mi = _hm(m.group(1), m.group(2))
        return f"{mi} {h} * * *"
    m = re.fullmatch(rf"weekdays(?: at)? {_TIME}", s)
    if m:
        h, mi = _hm(m.group(1), m.group(2))
        return f"{mi} {h} * * mon-fri"
    m = re.fullmatch(rf"(?:weekly|every) ([a-z]{{3}})[a-z]*(?: at)? {_TIME}", s)
    if m and m.group(1) in _DAYS:
        h, mi = _hm(m.group(2), m.group(3))
        return f"{mi} {h} * * {_DAYS[m.group(1)]}"
    fields = s.split()
    if len(fields) == 5 and all(re.fullmatch(r"[\d*/,\-a-z]+", f) for f in fields):
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(s, timezone="UTC")
        except ValueError as exc:
            raise ScheduleSpecError(f"bad cron expression: {exc}") from None
        return s
    raise ScheduleSpecError(
        f"cannot read {spec!r}: use 'daily 08:00', 'weekdays 07:30', 'weekly mon 09:00' or a cron expression")


def check_timezone(name: str) -> str:
    """Return the IANA zone name if it exists, else raise ScheduleSpecError."""
    name = name.strip()
    try:
        if not name or "\x00" in name:
            raise ValueError
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleSpecError(f"unknown time zone {name[:60]!r}; use an IANA name like Europe/Berlin") from None
    return name


_ZONES: list[str] | None = None


def match_timezones(text: str, limit: int = 25) -> list[str]:
    """Return IANA zone names containing ``text`` (prefix matches first)."""
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(available_timezones())
    t = text.strip().lower().replace(" ", "_")
    pre = [z for z in _ZONES if z.lower().startswith(t) or z.lower().split("/")[-1].startswith(t)]
    rest = [z for z in _ZONES if t in z.lower() and z not in pre]
    return (pre + rest)[:limit]
