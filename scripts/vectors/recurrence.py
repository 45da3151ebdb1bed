#!/usr/bin/env python3
"""Expected recurrence occurrences, offsets, transitions and isDST, computed independently of our
TypeScript (luxon, cron-parser) code: Python's zoneinfo and brute force straight from the rules in
DESIGN.md "Time". P1: the first instant whose wall clock reads L or later, scanning minute by
minute. P3: each matching wall time on its date, by P1, equal instants once. P4: every UTC minute
whose wall clock matches. P6: calendar arithmetic from the start. P8: offset above the smaller of
the Jan 1 / Jul 1 offsets.
Run: python3 scripts/vectors/recurrence.py > test/vectors/recurrence.json
Cases stay where this machine's tzdata (2025b) and the runtime's ICU (2026c) agree.
"""
import calendar
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def wall(t, zone):
    return t.astimezone(zone).replace(tzinfo=None)


def p1(zone, local):
    """First instant whose wall clock reads `local` or later."""
    t = local.replace(tzinfo=UTC) - timedelta(hours=30)
    while wall(t, zone) < local:
        t += timedelta(minutes=1)
    return t


# ---- a small cron matcher (numbers, *, ranges, lists, steps; Sunday 0 or 7) ---------------------
def field_values(text, lo, hi):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step = part.split("/")
            step = int(step)
        if part == "*":
            a, b = lo, hi
        elif "-" in part:
            a, b = map(int, part.split("-"))
        else:
            a = b = int(part)
            if step != 1:
                b = hi
        values.update(range(a, b + 1, step))
    return values


class Cron:
    def __init__(self, expr):
        f = expr.split()
        if len(f) == 5:
            f = ["0"] + f
        self.sec, self.min, self.hour = (field_values(f[0], 0, 59), field_values(f[1], 0, 59), field_values(f[2], 0, 23))
        self.dom, self.mon = field_values(f[3], 1, 31), field_values(f[4], 1, 12)
        self.dow = {d % 7 for d in field_values(f[5], 0, 7)}
        self.dom_star, self.dow_star = f[3].startswith("*"), f[5].startswith("*")
        self.interval_like = any(x.startswith("*") for x in f[:3])

    def day(self, d):
        if d.month not in self.mon:
            return False
        dom = d.day in self.dom
        dow = (d.isoweekday() % 7) in self.dow
        if not self.dom_star and not self.dow_star:
            return dom or dow
        return (self.dom_star or dom) and (self.dow_star or dow)

    def time(self, w):
        return w.hour in self.hour and w.minute in self.min and w.second in self.sec


def cron_occurrences(expr, zone_name, start_local, count):
    zone = ZoneInfo(zone_name)
    cron = Cron(expr)
    start = p1(zone, datetime.fromisoformat(start_local))
    out = []
    if cron.interval_like:  # P4: every real minute (second) whose wall clock matches
        t = start
        step = timedelta(minutes=1) if cron.sec == {0} else timedelta(seconds=1)
        while len(out) < count:
            w = wall(t, zone)
            if cron.day(w) and cron.time(w):
                out.append(t)
            t += step
    else:  # P3: each matching wall time on its date, resolved by P1; equal instants once
        d = datetime.fromisoformat(start_local).replace(hour=0, minute=0, second=0) - timedelta(days=1)
        while len(out) < count:
            if cron.day(d):
                for h in sorted(cron.hour):
                    for m in sorted(cron.min):
                        for s in sorted(cron.sec):
                            t = p1(zone, d.replace(hour=h, minute=m, second=s))
                            if t >= start and (not out or t != out[-1]) and len(out) < count:
                                out.append(t)
            d += timedelta(days=1)
    return [iso(t) for t in out]


def interval_occurrences(unit, every, zone_name, start_local, count):
    zone = ZoneInfo(zone_name)
    w = datetime.fromisoformat(start_local)
    start = p1(zone, w)
    out = []
    for k in range(count):
        if unit in ("minutes", "hours"):
            t = start + timedelta(**{unit: k * every})
        elif unit in ("days", "weeks"):
            t = p1(zone, w + timedelta(days=k * every * (7 if unit == "weeks" else 1))) if k else start
        else:
            months = w.month - 1 + k * every * (12 if unit == "years" else 1)
            y, m = w.year + months // 12, months % 12 + 1
            t = p1(zone, w.replace(year=y, month=m, day=min(w.day, calendar.monthrange(y, m)[1]))) if k else start
        out.append(iso(t))
    return out


def transitions(zone_name, year):
    zone = ZoneInfo(zone_name)
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found = []
    prev = t.astimezone(zone).utcoffset()
    while t < end:
        nxt = t + timedelta(hours=1)
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            u = t
            while u.astimezone(zone).utcoffset() == prev:
                u += timedelta(minutes=1)
            found.append({"at": iso(u), "offsetBeforeMinutes": int(prev.total_seconds() // 60),
                          "offsetAfterMinutes": int(off.total_seconds() // 60)})
            prev = off
        t = nxt
    return found


def is_dst(zone_name, instant):
    zone = ZoneInfo(zone_name)
    t = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    jan = datetime(t.year, 1, 1, tzinfo=UTC).astimezone(zone).utcoffset()
    jul = datetime(t.year, 7, 1, tzinfo=UTC).astimezone(zone).utcoffset()
    off = t.astimezone(zone).utcoffset()
    return {"zone": zone_name, "at": instant, "offsetMinutes": int(off.total_seconds() // 60), "isDST": off > min(jan, jul)}


CRON_CASES = [
    # (why, expression, zone, start (local, inclusive), count)
    ("fixed-time across the spring gap: 02:30 fires at 03:00", "30 2 * * *", "America/New_York", "2027-03-13T00:00:00", 3),
    ("fixed-time across the fall overlap: once, the earlier 01:30", "30 1 * * *", "America/New_York", "2027-11-06T00:00:00", 3),
    ("interval-like in the overlap: twice", "*/30 * * * *", "America/New_York", "2027-11-07T00:30:00", 8),
    ("interval-like in the gap: never", "*/30 * * * *", "America/New_York", "2027-03-14T01:00:00", 4),
    ("hour list is fixed-time", "0 0-23 * * *", "Europe/London", "2027-03-28T00:00:00", 4),
    ("two times in the gap collapse to one instant", "0,30 1 * * *", "Europe/London", "2027-03-27T00:00:00", 5),
    ("hourly is interval-like", "0 * * * *", "Europe/London", "2027-10-31T00:00:00", 4),
    ("Sydney spring gap", "30 2 * * *", "Australia/Sydney", "2027-10-02T00:00:00", 3),
    ("Lord Howe 30-minute gap", "15 2 * * *", "Australia/Lord_Howe", "2027-10-02T00:00:00", 3),
    ("Lord Howe 30-minute overlap, interval-like", "*/15 * * * *", "Australia/Lord_Howe", "2027-04-04T01:15:00", 8),
    ("Kathmandu +05:45 weekdays", "0 9 * * 1-5", "Asia/Kathmandu", "2027-01-01T00:00:00", 5),
    ("Chatham gap at 02:45", "0 3 * * *", "Pacific/Chatham", "2027-09-25T00:00:00", 3),
    ("Santiago midnight gap", "0 0 * * *", "America/Santiago", "2027-09-04T00:00:00", 3),
    ("Santiago midnight overlap, interval-like", "0 * * * *", "America/Santiago", "2027-04-03T22:00:00", 4),
    ("Casablanca negative DST (2026)", "30 2 * * *", "Africa/Casablanca", "2026-02-14T00:00:00", 3),
    ("Apia skipped 2011-12-30", "0 12 * * *", "Pacific/Apia", "2011-12-29T00:00:00", 3),
    ("day-of-month OR day-of-week", "0 9 13 * 5", "Europe/Berlin", "2027-01-01T00:00:00", 6),
    ("every 15 minutes with seconds", "30 */15 * * * *", "UTC", "2027-01-01T00:00:00", 4),
]

INTERVAL_CASES = [
    ("hours are elapsed time across the gap", "hours", 24, "America/New_York", "2027-03-13T09:00:00", 3),
    ("days keep the wall clock across the gap", "days", 1, "America/New_York", "2027-03-13T09:00:00", 3),
    ("days from a start inside a gap keep the asked time later", "days", 1, "America/New_York", "2027-03-14T02:30:00", 3),
    ("weeks keep the wall clock across the overlap", "weeks", 1, "Europe/Berlin", "2027-10-24T01:30:00", 3),
    ("monthly from Jan 31 clamps, never drifts", "months", 1, "Europe/Berlin", "2027-01-31T10:00:00", 5),
    ("monthly from Jan 31 in a leap year", "months", 1, "UTC", "2028-01-31T10:00:00", 3),
    ("yearly from Feb 29", "years", 1, "Australia/Sydney", "2028-02-29T08:00:00", 5),
    ("every 2 months from Dec 31", "months", 2, "Asia/Kathmandu", "2027-12-31T23:00:00", 4),
]

TRANSITION_CASES = [
    ("America/New_York", 2027), ("Europe/London", 2027), ("Australia/Lord_Howe", 2027),
    ("Pacific/Chatham", 2027), ("America/Santiago", 2027), ("Asia/Kathmandu", 2027),
    ("Africa/Casablanca", 2025), ("Pacific/Apia", 2011),  # Casablanca: 2026 differs (tzdata 2026c)
]

DST_CASES = [
    ("America/New_York", "2027-07-01T12:00:00Z"), ("America/New_York", "2027-01-15T12:00:00Z"),
    ("Europe/Dublin", "2027-07-01T12:00:00Z"), ("Europe/Dublin", "2027-01-15T12:00:00Z"),
    ("Africa/Casablanca", "2026-02-20T12:00:00Z"), ("Africa/Casablanca", "2026-06-01T12:00:00Z"),
    ("Australia/Lord_Howe", "2027-01-15T12:00:00Z"), ("Australia/Lord_Howe", "2027-07-01T12:00:00Z"),
    ("Asia/Kathmandu", "2027-07-01T12:00:00Z"),
]

print(json.dumps({
    "cron": [{"why": w, "expression": e, "zone": z, "start": s, "expected": cron_occurrences(e, z, s, n)}
             for w, e, z, s, n in CRON_CASES],
    "interval": [{"why": w, "unit": u, "every": k, "zone": z, "start": s, "expected": interval_occurrences(u, k, z, s, n)}
                 for w, u, k, z, s, n in INTERVAL_CASES],
    "transitions": [{"zone": z, "year": y, "expected": transitions(z, y)} for z, y in TRANSITION_CASES],
    "dst": [is_dst(z, t) for z, t in DST_CASES],
}, indent=1))
