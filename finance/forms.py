"""Finance's page forms: they check what the browser sent and hand plain
values to the services, which make every decision."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RerouteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (why the payout goes to the platform balance)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("A reroute needs a note.")},
    )
    note_for_customer = forms.BooleanField(
        label=_("Show the note to the customer too"), required=False
    )
