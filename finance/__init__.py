"""Finance's HTTP layer, pages and API: payouts listed and exported, one
payout with its attempts, and finance's retry and reroute. It sits above
``refunds`` (a retry or reroute is a refund transaction) and ``payouts``
(whose models, selectors and serializers it shows)."""
