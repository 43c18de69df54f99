"""Calendar months of the business clock (Asia/Shanghai): parsing ``YYYY-MM``
and the UTC instants a month starts and ends at."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from refundportal.api import ApplicationError

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
# What the schema advertises: years 1000-2999. The parser takes any YYYY-MM
# and answers 400 only where a month's bounds do not exist in UTC (year 0,
# 0001-01, 9999-12); a client generated from the schema never sends those.
SCHEMA_MONTH_PATTERN = r"^[12][0-9]{3}-(0[1-9]|1[0-2])$"
_MONTH_RE = re.compile(MONTH_PATTERN)


def business_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> "Month":
        """A ``YYYY-MM`` string, or 400 ``validation_error``."""
        if not isinstance(text, str) or not _MONTH_RE.fullmatch(text):
            raise _invalid(_("Give the month as YYYY-MM, e.g. 2026-03."))
        month = cls(int(text[:4]), int(text[5:]))
        try:
            # The database compares in UTC: the month's bounds must exist there.
            month.start.astimezone(UTC)
            month.end.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise _invalid(_("This month is outside the supported range.")) from exc
        return month

    @classmethod
    def of(cls, moment: datetime) -> "Month":
        """The business month an instant falls in."""
        local = moment.astimezone(business_tz())
        return cls(local.year, local.month)

    @property
    def start(self) -> datetime:
        """The first instant of the month, 00:00 Asia/Shanghai."""
        return datetime(self.year, self.month, 1, tzinfo=business_tz())

    @property
    def end(self) -> datetime:
        """The first instant after the month."""
        return self.next().start

    def next(self) -> "Month":
        return self.plus(1)

    def previous(self) -> "Month":
        return self.plus(-1)

    def plus(self, months: int) -> "Month":
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def until(self, other: "Month") -> list["Month"]:
        """This month and every month after it, up to ``other`` excluded."""
        span = (other.year * 12 + other.month) - (self.year * 12 + self.month)
        return [self.plus(i) for i in range(max(span, 0))]


def _invalid(detail: str) -> ApplicationError:
    return ApplicationError("validation_error", detail, 400, fields={"month": [detail]})
