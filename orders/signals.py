"""What the orders app tells the apps above it, without importing them.

``order_failed`` is sent inside the transaction that moves a paid order to
``cancelled`` or ``delivery_failed``, with the order row locked, so that a
receiver's writes (the refund the platform owes) commit or roll back with
the event itself.
"""

from django.dispatch import Signal

# Keyword arguments: ``order`` (the locked Order, already in its new status)
# and ``at`` (when the event happened).
order_failed = Signal()
