"""The actions the audit records, as stable ids. The sentence shown for each
is in ``audit.presenters``; callers pass the id and plain facts."""

REFUND_CLAIMED = "refund.claimed"
REFUND_TAKEN_OVER = "refund.taken_over"
PAYOUT_RETRIED = "payout.retried"
PAYOUT_REROUTED = "payout.rerouted"
PAYOUTS_EXPORTED = "payouts.exported"
LOGGED_IN = "auth.logged_in"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"

# Where a log-in came from (the ``channel`` fact of the three auth actions).
CHANNEL_PAGE = "page"
CHANNEL_ADMIN = "admin"
CHANNEL_API = "api"
