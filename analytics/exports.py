"""The month's KPIs as CSV (UTF-8 with BOM, so that spreadsheet programs
read the Chinese) and as an XLSX workbook: the same figures as the API, in
the same units (ratios in 0..1, money to the cent)."""

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from refundportal.spreadsheets import row as text_row
from refunds.models import Liability, Reason

from .services import Kpis

# The month's figures in the API's order, with the label a reader sees.
FIGURES: list[tuple[str, Any]] = [
    ("orders", gettext_lazy("Orders")),
    ("refund_requests", gettext_lazy("Refund requests")),
    ("refunded_orders", gettext_lazy("Refunded orders")),
    ("refund_rate", gettext_lazy("Refund rate")),
    ("refund_amount", gettext_lazy("Refund amount (CNY)")),
    ("resolved_requests", gettext_lazy("Requests refunded")),
    ("avg_resolution_hours", gettext_lazy("Average resolution (hours)")),
    ("p90_resolution_hours", gettext_lazy("90th percentile resolution (hours)")),
    ("decided_requests", gettext_lazy("Decided requests")),
    ("auto_decided_share", gettext_lazy("Auto-decided share")),
    ("staff_decisions", gettext_lazy("Staff decisions")),
    ("review_sla_met_share", gettext_lazy("Review SLA met share")),
    ("avg_customer_wait_hours", gettext_lazy("Average wait for the customer (hours)")),
    ("satisfaction_avg", gettext_lazy("Satisfaction (average rating)")),
    ("satisfaction_count", gettext_lazy("Ratings")),
]
RATIO_FIGURES = {"refund_rate", "auto_decided_share", "review_sla_met_share"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def figure_rows(kpis: Kpis) -> list[tuple[str, str, Any]]:
    data = kpis.as_dict()
    return [(key, str(label), data[key]) for key, label in FIGURES]


def filename(kpis: Kpis, extension: str) -> str:
    return f"kpi-{kpis.month}.{extension}"


def to_csv(kpis: Kpis) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["month", _("Month"), kpis.month])
    writer.writerow(["figure", _("Figure"), _("Value")])
    for key, label, value in figure_rows(kpis):
        writer.writerow([key, label, _text(value)])
    writer.writerow([])
    writer.writerow(["reason", _("Reason"), _("Requests"), _("Approved amount (CNY)")])
    for row in kpis.by_reason:
        writer.writerow([row.reason, str(Reason(row.reason).label), row.count, f"{row.amount:.2f}"])
    writer.writerow([])
    writer.writerow(["liability", _("Who pays"), _("Requests"), _("Approved amount (CNY)")])
    for bearer in kpis.by_liability:
        writer.writerow(
            [
                bearer.liability,
                str(Liability(bearer.liability).label),
                bearer.count,
                f"{bearer.amount:.2f}",
            ]
        )
    writer.writerow([])
    writer.writerow(
        ["merchant", _("Merchant"), _("Orders"), _("Refunded orders"), _("Refund rate")]
    )
    for merchant in kpis.by_merchant:
        writer.writerow(
            text_row(
                [
                    merchant.merchant,
                    merchant.name,
                    merchant.orders,
                    merchant.refunded_orders,
                    merchant.refund_rate,
                ]
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(kpis: Kpis) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("KPIs")[:31]
    sheet.append([_("Month"), kpis.month, "month"])
    sheet.append([_("Figure"), _("Value"), "key"])
    for key, label, value in figure_rows(kpis):
        cell_value = Decimal(value) if key == "refund_amount" else value
        sheet.append([label, cell_value, key])
        cell = sheet.cell(row=sheet.max_row, column=2)
        if key in RATIO_FIGURES:
            cell.number_format = "0.00%"
        elif key == "refund_amount":
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 16

    reasons = workbook.create_sheet(_("Reasons")[:31])
    reasons.append([_("Reason"), _("Requests"), _("Approved amount (CNY)"), "reason"])
    for row in kpis.by_reason:
        reasons.append([str(Reason(row.reason).label), row.count, row.amount, row.reason])
        reasons.cell(row=reasons.max_row, column=3).number_format = "#,##0.00"
    reasons.column_dimensions["A"].width = 28

    merchants = workbook.create_sheet(_("Merchants")[:31])
    merchants.append(
        [_("Merchant"), _("Code"), _("Orders"), _("Refunded orders"), _("Refund rate")]
    )
    for merchant in kpis.by_merchant:
        merchants.append(
            text_row(
                [
                    merchant.name,
                    merchant.merchant,
                    merchant.orders,
                    merchant.refunded_orders,
                    merchant.refund_rate,
                ]
            )
        )
        merchants.cell(row=merchants.max_row, column=5).number_format = "0.00%"
    merchants.column_dimensions["A"].width = 28

    bearers = workbook.create_sheet(_("Who pays")[:31])
    bearers.append([_("Who pays"), _("Requests"), _("Approved amount (CNY)"), "liability"])
    for bearer in kpis.by_liability:
        bearers.append(
            [
                str(Liability(bearer.liability).label),
                bearer.count,
                bearer.amount,
                bearer.liability,
            ]
        )
        bearers.cell(row=bearers.max_row, column=3).number_format = "#,##0.00"
    bearers.column_dimensions["A"].width = 28

    for ws in (sheet, reasons, bearers, merchants):
        for cell in ws[1 if ws is not sheet else 2]:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
