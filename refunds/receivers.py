"""Refunds' answers to what the orders app announces (``orders.signals``):
the orders app never imports refunds, so it signals and refunds listens."""

from typing import Any

from orders.models import Order

from .services import refund_file_for_failed_order


def refund_failed_order(sender: Any, *, order: Order, **kwargs: Any) -> None:
    refund_file_for_failed_order(order=order)
