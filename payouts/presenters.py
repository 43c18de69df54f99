"""How a payout's errors are shown to finance: the portal records its own
errors as codes and renders them in the reader's language; a real gateway's
own words are shown as it sent them."""

from django.utils.translation import gettext as _

GATEWAY_TIMEOUT = "gateway_timeout"
DECLINED = "declined"
GATEWAY_ERROR = "gateway_error"
SWEPT = "no_answer_swept"
NO_ANSWER = "no_answer_final"


def error_text(stored: str) -> str:
    """A stored error in the active language."""
    texts = {
        GATEWAY_TIMEOUT: lambda: _("The gateway did not answer in time; the payout is retried."),
        DECLINED: lambda: _("Declined by the gateway (the account refuses refunds)."),
        GATEWAY_ERROR: lambda: _("The gateway answered with an error; the payout is retried."),
        SWEPT: lambda: _("No answer from the gateway; taken back by the sweep and retried."),
        NO_ANSWER: lambda: _("No answer from the gateway after the last attempt."),
    }
    render = texts.get(stored)
    return render() if render else stored
