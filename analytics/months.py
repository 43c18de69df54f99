"""Calendar months of the business clock: kept in ``refundportal.months``,
which the refunds app's monthly statement reads too."""

from refundportal.months import MONTH_PATTERN, SCHEMA_MONTH_PATTERN, Month, business_tz

__all__ = ["MONTH_PATTERN", "SCHEMA_MONTH_PATTERN", "Month", "business_tz"]
