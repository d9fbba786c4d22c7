"""Reading text fields (from a web form or a CSV row) into typed values, collecting one error per field.

Every management use case parses text the same way, so the form, the CSV import and the API
agree on formats and messages.  A ``Fields`` reader never raises on bad text: it records a
``FieldError`` and returns None, so that one pass reports every problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from rota.domain import SKILLS, WEEKDAYS_EN, WEEKDAYS_ZH
from rota.errors import FieldError, InvalidInput

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass
class Fields:
    """Text fields by name, and the errors found while reading them."""

    values: Mapping[str, str]
    errors: list[FieldError] = field(default_factory=list)

    def text(self, name: str) -> str:
        """The field's text, stripped ("" when absent)."""
        return (self.values.get(name) or "").strip()

    def error(self, name: str, message: str) -> None:
        """Record a problem with a field."""
        self.errors.append(FieldError(name, message))

    def required(self, name: str, max_length: int) -> str:
        """Non-empty text of at most ``max_length`` characters."""
        value = self.text(name)
        if not value:
            self.error(name, "required")
        elif len(value) > max_length:
            self.error(name, f"at most {max_length} characters")
        return value

    def optional(self, name: str, max_length: int) -> str | None:
        """Text of at most ``max_length`` characters, None when empty."""
        value = self.text(name)
        if len(value) > max_length:
            self.error(name, f"at most {max_length} characters")
        return value or None

    def integer(self, name: str, low: int, high: int, default: int | None = None) -> int | None:
        """A whole number in [low, high]; ``default`` when empty."""
        value = self.text(name)
        if not value:
            return default
        if not re.fullmatch(r"-?\d+", value):
            self.error(name, f"{value!r} is not a whole number")
            return default
        number = int(value)
        if not low <= number <= high:
            self.error(name, f"{number} is not between {low} and {high}")
            return default
        return number

    def scaled(self, name: str, low: Decimal, high: Decimal, scale: int, default: int) -> int:
        """A decimal in [low, high] times ``scale``, rounded (a fraction 0.6 -> 600 permille)."""
        value = self.text(name)
        if not value:
            return default
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(name, f"{value!r} is not a number")
            return default
        if not number.is_finite() or not low <= number <= high:
            self.error(name, f"{value} is not between {low} and {high}")
            return default
        return int((number * scale).to_integral_value())

    def day(self, name: str, required: bool = True) -> date | None:
        """A date written YYYY-MM-DD."""
        value = self.text(name)
        if not value:
            if required:
                self.error(name, "required")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(name, f"{value!r} is not a date like 2027-03-31")
        return parsed

    def clock(self, name: str) -> time | None:
        """A time of day written HH:MM."""
        value = self.text(name)
        parsed = parse_time(value)
        if parsed is None:
            self.error(name, f"{value!r} is not a time like 08:30" if value else "required")
        return parsed

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        """One of the allowed values."""
        value = self.text(name)
        if value not in allowed:
            self.error(name, f"{value!r} is not one of {', '.join(allowed)}" if value else "required")
            return None
        return value

    def words(self, name: str, allowed: tuple[str, ...]) -> list[str]:
        """A comma-separated list of allowed values, without repeats, in the order given."""
        found: list[str] = []
        for word in split_list(self.text(name)):
            if word not in allowed:
                self.error(name, f"{word!r} is not one of {', '.join(allowed)}")
            elif word not in found:
                found.append(word)
        return found

    def weekdays(self, name: str) -> list[int]:
        """Weekdays as numbers (Monday = 0) from "0,1,2", "Mon,Tue" or "周一,周二"."""
        days: set[int] = set()
        for word in split_list(self.text(name)):
            day = parse_weekday(word)
            if day is None:
                self.error(name, f"{word!r} is not a weekday (0-6, Mon-Sun)")
            else:
                days.add(day)
        return sorted(days)

    def check(self, message: str) -> None:
        """Raise InvalidInput with every recorded problem, if any."""
        if self.errors:
            raise InvalidInput(message, self.errors)


def split_list(text: str) -> list[str]:
    """Items of a list separated by commas, semicolons, 、 or spaces."""
    return [item for item in re.split(r"[,;、，\s]+", text.strip()) if item]


def parse_date(text: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """An HH:MM time of day, or None."""
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_weekday(text: str) -> int | None:
    """Monday = 0 from a digit, an English abbreviation or a Chinese name."""
    if text.isdigit() and int(text) < 7:
        return int(text)
    for names in (WEEKDAYS_EN, WEEKDAYS_ZH):
        if text.capitalize() in names:
            return names.index(text.capitalize())
    return None


def skill_list(fields: Fields, name: str) -> list[str]:
    """Known skills from a comma-separated list."""
    return fields.words(name, SKILLS)
