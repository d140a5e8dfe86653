"""Find a stated due date in a sentence and resolve it against the call's date.

Deterministic rules for the phrases people use on calls. Resolution, relative
to the call's local date ``ref``:

- ``today``/``tonight``/``end of (the) day`` → ``ref``; ``tomorrow`` → ``ref + 1``;
  ``the day after tomorrow`` → ``ref + 2``.
- A bare weekday (``by Friday``, ``on Monday``) → its next occurrence strictly
  after ``ref``; ``this Friday`` → the Friday of the current Monday–Sunday week
  when it is still ahead (else the next one); ``next Friday`` → the Friday of
  the following calendar week.
- ``end of (the|this) week`` → the coming Friday (``ref`` itself on a Friday);
  ``end of next week`` → Friday of next week; ``next week`` → Monday of next week.
- ``end of (the|this) month`` → the month's last day; ``next month`` → the 1st of
  next month; ``end of next month`` → its last day.
- ``in three days`` / ``in 2 weeks`` / ``in a week`` → ``ref`` plus that.
- ``March 3rd``, ``3rd of March``, ``March third``, ``March 3, 2027``: that date;
  without a year, the next such date on or after ``ref``.
- ``the 15th`` → the next 15th on or after ``ref``; ISO ``2026-06-03`` as written.

The leftmost phrase in the sentence wins.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

import msgspec

__all__ = ["DueDate", "find_due_date"]


class DueDate(msgspec.Struct, frozen=True):
    date: dt.date
    phrase: str


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_ORD_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_ORD_TEENS = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]


def _number_words() -> dict[str, int]:
    """Cardinal and ordinal number words from one to thirty-one."""
    words: dict[str, int] = {}
    for i, w in enumerate(_UNITS):
        words[w] = i + 1
    for i, w in enumerate(_TEENS):
        words[w] = i + 10
    for i, w in enumerate(_ORD_UNITS):
        words[w] = i + 1
    for i, w in enumerate(_ORD_TEENS):
        words[w] = i + 10
    words["twenty"], words["twentieth"], words["thirty"], words["thirtieth"] = 20, 20, 30, 30
    for tens, base in (("twenty", 20), ("thirty", 30)):
        for i, (card, ordinal) in enumerate(zip(_UNITS, _ORD_UNITS, strict=True)):
            if base + i + 1 > 31:
                break
            for sep in ("-", " "):
                words[f"{tens}{sep}{card}"] = base + i + 1
                words[f"{tens}{sep}{ordinal}"] = base + i + 1
    return words


_NUMBERS = _number_words()
_COUNTS = _NUMBERS | {"a": 1, "an": 1, "a couple of": 2, "a few": 3}


def _alternation(words: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_NUM_ALT = _alternation(_NUMBERS)
_COUNT_ALT = _alternation(_COUNTS)
_DAY = rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<dayw>{_NUM_ALT})"
_MONTH_ALT = "|".join(_MONTHS + sorted(_MONTH_ABBR, key=len, reverse=True))
_WD_ALT = "|".join(_WEEKDAYS)

Resolver = Callable[[re.Match[str], dt.date], dt.date | None]


def _weekday_after(ref: dt.date, weekday: int, *, include_today: bool = False) -> dt.date:
    delta = (weekday - ref.weekday()) % 7
    if delta == 0 and not include_today:
        delta = 7
    return ref + dt.timedelta(days=delta)


def _monday(ref: dt.date) -> dt.date:
    return ref - dt.timedelta(days=ref.weekday())


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _next_month(ref: dt.date) -> tuple[int, int]:
    return (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)


def _day_value(m: re.Match[str]) -> int | None:
    if m.group("day"):
        return int(m.group("day"))
    word = m.group("dayw")
    return _NUMBERS.get(word) if word else None


def _month_value(name: str) -> int:
    name = name.rstrip(".")
    if name in _MONTHS:
        return _MONTHS.index(name) + 1
    return _MONTH_ABBR[name]


def _calendar_date(m: re.Match[str], ref: dt.date) -> dt.date | None:
    day, month = _day_value(m), _month_value(m.group("month"))
    if day is None:
        return None
    year_text = m.group("year")
    year = int(year_text) if year_text else ref.year
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    if not year_text and value < ref:
        try:
            value = dt.date(year + 1, month, day)
        except ValueError:
            return None
    return value


def _day_of_month(m: re.Match[str], ref: dt.date) -> dt.date | None:
    day = int(m.group("day"))
    if not 1 <= day <= 31:
        return None
    year, month = ref.year, ref.month
    for _ in range(3):  # a day that does not exist this month (the 31st) moves on
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if candidate >= ref:
                return candidate
        year, month = _next_month(dt.date(year, month, 1))
    return None


def _in_span(m: re.Match[str], ref: dt.date) -> dt.date | None:
    count_text = m.group("count")
    count = int(count_text) if count_text.isdigit() else _COUNTS.get(count_text)
    if count is None:
        return None
    days = count * (7 if m.group("unit").startswith("week") else 1)
    return ref + dt.timedelta(days=days)


def _weekday(m: re.Match[str], ref: dt.date) -> dt.date:
    weekday = _WEEKDAYS.index(m.group("wd"))
    which = (m.group("which") or "").strip()
    if which == "next":
        return _monday(ref) + dt.timedelta(days=7 + weekday)
    if which == "this":
        return _weekday_after(ref, weekday, include_today=True)
    return _weekday_after(ref, weekday)


def _iso(m: re.Match[str], _ref: dt.date) -> dt.date | None:
    try:
        return dt.date.fromisoformat(m.group(0))
    except ValueError:
        return None


def _fixed(days: int) -> Resolver:
    return lambda _m, ref: ref + dt.timedelta(days=days)


_RULES: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), _iso),
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b"), _fixed(2)),
    (re.compile(r"\btomorrow\b"), _fixed(1)),
    (
        re.compile(r"\b(?:today|tonight|this\s+(?:evening|afternoon)|end\s+of\s+(?:the\s+)?day|eod)\b"),
        _fixed(0),
    ),
    (
        re.compile(r"\bend\s+of\s+next\s+week\b"),
        lambda _m, ref: _monday(ref) + dt.timedelta(days=11),
    ),
    (
        re.compile(r"\b(?:(?:the\s+)?end\s+of\s+(?:the|this)\s+week|eow)\b"),
        lambda _m, ref: _weekday_after(ref, 4, include_today=True),
    ),
    (re.compile(r"\bnext\s+week\b"), lambda _m, ref: _monday(ref) + dt.timedelta(days=7)),
    (
        re.compile(r"\bend\s+of\s+next\s+month\b"),
        lambda _m, ref: _month_end(*_next_month(ref)),
    ),
    (
        re.compile(r"\b(?:(?:the\s+)?end\s+of\s+(?:the|this)\s+month|eom)\b"),
        lambda _m, ref: _month_end(ref.year, ref.month),
    ),
    (re.compile(r"\bnext\s+month\b"), lambda _m, ref: dt.date(*_next_month(ref), 1)),
    (
        re.compile(rf"\bin\s+(?P<count>\d+|{_COUNT_ALT})\s+(?P<unit>days?|weeks?)\b"),
        _in_span,
    ),
    (
        re.compile(rf"\b(?P<month>{_MONTH_ALT})\.?\s+(?:the\s+)?(?:{_DAY})\b(?:,?\s+(?P<year>\d{{4}}))?"),
        _calendar_date,
    ),
    (
        re.compile(rf"\b(?:the\s+)?(?:{_DAY})\s+of\s+(?P<month>{_MONTH_ALT})\b(?:,?\s+(?P<year>\d{{4}}))?"),
        _calendar_date,
    ),
    (re.compile(rf"\b(?P<which>next\s+|this\s+)?(?P<wd>{_WD_ALT})\b"), _weekday),
    (re.compile(r"\bthe\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b"), _day_of_month),
]


def find_due_date(sentence: str, ref: dt.date) -> DueDate | None:
    """Return the leftmost due-date phrase in ``sentence`` resolved against ``ref``, or ``None``."""
    text = sentence.lower()
    best: tuple[int, int, DueDate] | None = None
    for order, (pattern, resolve) in enumerate(_RULES):
        for m in pattern.finditer(text):
            if resolve is _calendar_date and _is_modal_may(text, m):
                continue
            value = resolve(m, ref)
            if value is None:
                continue
            phrase = sentence[m.start() : m.end()].strip()
            key = (m.start(), order)
            if best is None or key < best[:2]:
                best = (m.start(), order, DueDate(date=value, phrase=phrase))
            break
    return best[2] if best else None


def _is_modal_may(text: str, m: re.Match[str]) -> bool:
    """'may' is a month only when a day follows it and it does not read as the verb."""
    if m.group("month") != "may":
        return False
    before = text[: m.start()].rstrip().split(" ")[-1:] or [""]
    return before[0] in {"i", "you", "we", "they", "he", "she", "it", "that", "this", "which", "who"}
