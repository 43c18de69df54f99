"""Every write on refund requests, by sub-domain. The refund is the
aggregate root: these are the only transactions that change a request, and
each takes the locks in one order (order, request, payout).

- ``filing``: filing with auto-review, and its preview
- ``customer``: cancelling, appealing, rating
- ``review``: an agent's claim and decision
- ``merchant``: the merchant's answer and its silence
- ``disputes``: a merchant's dispute of a charge, a senior agent's answer
- ``conversation``: messages with the customer, waiting for the customer's
  answer (and its timeout), the customer's nudge
- ``paying``: payouts for an approval, their attempts and answers, finance's
  retry and reroute, the payout sweep
- ``escalation``: the review and payout timers
- ``notes``: timeline notes that change no status
- ``photos``: keeping an uploaded photo, discarding a refused filing's,
  and the retention job

The names below are the services' public face; callers import them from
here.
"""

from .conversation import (
    MESSAGE_MAX_LENGTH,
    NUDGEABLE,
    next_nudge_at,
    refund_customer_timeouts,
    refund_message_post,
    refund_nudge,
)
from .customer import refund_appeal, refund_cancel, refund_feedback
from .disputes import dispute_resolve, refund_dispute
from .escalation import sla_sweep
from .filing import MAX_PHOTOS, Filed, refund_file, refund_file_for_failed_order, refund_preview
from .merchant import refund_merchant_respond, refund_merchant_timeouts
from .notes import NOTE_MAX_LENGTH, refund_note, refund_note_add
from .paying import (
    AttemptReport,
    payout_attempt,
    payout_reroute,
    payout_retry,
    payout_sweep,
    refund_payouts_create,
    refund_sync_payouts,
)
from .photos import evidence_discard, evidence_purge, evidence_store
from .review import refund_check_reviewer, refund_claim, refund_decide

__all__ = [
    "MAX_PHOTOS",
    "MESSAGE_MAX_LENGTH",
    "NOTE_MAX_LENGTH",
    "NUDGEABLE",
    "AttemptReport",
    "Filed",
    "dispute_resolve",
    "evidence_discard",
    "evidence_purge",
    "evidence_store",
    "next_nudge_at",
    "payout_attempt",
    "payout_reroute",
    "payout_retry",
    "payout_sweep",
    "refund_appeal",
    "refund_cancel",
    "refund_check_reviewer",
    "refund_claim",
    "refund_customer_timeouts",
    "refund_decide",
    "refund_dispute",
    "refund_feedback",
    "refund_file",
    "refund_file_for_failed_order",
    "refund_merchant_respond",
    "refund_merchant_timeouts",
    "refund_message_post",
    "refund_note",
    "refund_note_add",
    "refund_nudge",
    "refund_payouts_create",
    "refund_preview",
    "refund_sync_payouts",
    "sla_sweep",
]
