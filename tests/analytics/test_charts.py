"""The dashboard's money axis: every label distinct and exact, however small
the figures (never ¥0 ¥0 ¥1)."""

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from analytics.charts import refund_amount_chart
from analytics.months import Month
from analytics.services import empty_kpis

pytestmark = pytest.mark.django_db


def axis_labels(svg: str) -> list[str]:
    axis = svg[svg.index('class="axis y') :]
    axis = axis[: axis.index('class="axis x') if 'class="axis x' in axis else len(axis)]
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis)


def months_of(count: int) -> list[Month]:
    return [Month(2025, 1).plus(i) for i in range(count)]


def test_small_amounts_give_distinct_yuan_labels():
    months = months_of(4)
    trend = [
        replace(empty_kpis(str(m)), refund_amount=Decimal(a))
        for m, a in zip(months, ["0.30", "1.20", "0.50", "1.50"], strict=True)
    ]

    labels = axis_labels(str(refund_amount_chart(months, trend)))

    assert labels, "the y axis has labels"
    assert len(labels) == len(set(labels)), labels
    assert all(label.startswith("¥") for label in labels)
