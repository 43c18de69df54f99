"""The pages' forms, the customer's and the reviewers': they check what the
browser sent and hand plain values to the services, which make every
decision."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from orders.selectors import RefundableLine

from .models import Liability, Reason
from .services import MAX_PHOTOS, MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from .services.disputes import CONFIRM as DISPUTE_CONFIRM
from .services.disputes import MOVE as DISPUTE_MOVE
from .services.disputes import NOTE_MAX_LENGTH as DISPUTE_NOTE_MAX_LENGTH

DESCRIPTION_MAX = 2000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Photos from a plain ``<input type=file multiple>``: the no-JavaScript
    path. The files are decoded and checked by the evidence module."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


class EvidenceIdsField(forms.Field):
    """Ids of photos already uploaded (``POST /api/v1/evidence/``), one
    hidden input each."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[int]:
        ids: list[int] = []
        for raw in value or []:
            try:
                number = int(raw)
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    _("A photo could not be found; add it again.")
                ) from None
            if number < 1:
                raise forms.ValidationError(_("A photo could not be found; add it again."))
            if number not in ids:
                ids.append(number)
        if len(ids) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos per request.") % {"n": MAX_PHOTOS})
        return ids


class PhotoFormMixin(forms.Form):
    evidence = EvidenceIdsField()
    photos = PhotosField(label=_("Photos"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        count = len(cleaned.get("evidence") or []) + len(cleaned.get("photos") or [])
        if count > MAX_PHOTOS:
            self.add_error("photos", _("At most %(n)s photos per request.") % {"n": MAX_PHOTOS})
        return cleaned


class RefundForm(PhotoFormMixin):
    """A request on one order: the reason, optionally some of its items
    (none means the whole order), a description and photos."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=Reason.choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=DESCRIPTION_MAX, required=False
    )

    def __init__(self, *args: Any, lines: list[RefundableLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.item is not None]
        for line in self.lines:
            self.fields[f"quantity_{line.key}"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=max(line.remaining_quantity, 1),
                error_messages={
                    "max_value": _("At most %(limit_value)s can still be refunded."),
                    "min_value": _("Choose at least 1."),
                    "invalid": _("Enter a whole number."),
                },
            )

    def selected_keys(self) -> list[str]:
        raw = self.data.getlist("item") if hasattr(self.data, "getlist") else []
        return [str(key) for key in raw]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        known = {line.key: line for line in self.lines}
        items: list[dict[str, Any]] = []
        for key in dict.fromkeys(self.selected_keys()):
            line = known.get(key)
            if line is None or line.remaining_quantity < 1:
                self.add_error(None, _("One of the chosen items cannot be refunded any more."))
                continue
            quantity = cleaned.get(f"quantity_{key}") or line.remaining_quantity
            items.append({"item": int(key), "quantity": quantity})
        cleaned["items"] = items
        return cleaned


class AppealForm(PhotoFormMixin):
    reason = forms.CharField(
        label=_("Why should we look again?"),
        max_length=DESCRIPTION_MAX,
        error_messages={"required": _("Tell us why you disagree with the decision.")},
    )


class MessageForm(PhotoFormMixin):
    """The customer's message on the request's conversation, with photos."""

    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={
            "required": _("Write a message."),
            "max_length": _("A message has at most %(limit_value)s characters."),
        },
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        error_messages={
            "required": _("Choose from 1 to 5 stars."),
            "invalid_choice": _("Choose from 1 to 5 stars."),
        },
    )
    comment = forms.CharField(label=_("Comment"), max_length=DESCRIPTION_MAX, required=False)


# --- The reviewers' forms ---------------------------------------------------------

NOTE_TEMPLATES = [
    ("photos_checked", _("Photos checked: the refund is approved.")),
    ("partial_items", _("Only some dishes had a problem: refunded in proportion.")),
    ("window_closed", _("Outside the refund time limit.")),
    ("rider_delivered", _("The rider confirmed the delivery: no refund.")),
    ("merchant_cancelled", _("The merchant agreed to cancel the order.")),
    ("photos_unclear", _("The photos do not show the problem described.")),
]
NOTE_TEXTS = dict(NOTE_TEMPLATES)

# What an agent most often asks the customer before deciding.
ASK_TEMPLATES = [
    ("clearer_photo", _("Please send a clearer photo of the dish.")),
    ("missing_item", _("Which item was missing? A photo of the receipt helps.")),
    ("packaging_photo", _("Please send a photo of the packaging.")),
    ("spill_photo", _("Please send a photo showing where the food spilled.")),
    ("what_wrong", _("Please tell us more about what was wrong with the dish.")),
]
ASK_TEXTS = dict(ASK_TEMPLATES)

APPROVE_FULL = "approve_full"
APPROVE_PARTIAL = "approve_partial"
REJECT = "reject"
CLAIM = "claim"
NOTE = "note"
ASK = "ask"
MESSAGE = "message"
# Who bears an approval: by its cause unless the agent picks someone else.
LIABILITY_BY_CAUSE = ""


class DecideForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (APPROVE_FULL, _("Approve in full")),
            (APPROVE_PARTIAL, _("Approve part")),
            (REJECT, _("Reject")),
        ]
    )
    amount = forms.DecimalField(
        label=_("Amount to approve (partial approval)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
    )
    note_template = forms.ChoiceField(
        label=_("Common notes"),
        required=False,
        choices=[("", _("Choose a common note…")), *NOTE_TEMPLATES],
    )
    note = forms.CharField(
        label=_("Note for the customer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    liability = forms.ChoiceField(
        label=_("Who bears the refund"),
        required=False,
        choices=[(LIABILITY_BY_CAUSE, _("By cause (default)")), *Liability.choices],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") != APPROVE_PARTIAL:
            # The amount box only counts for a partial approval.
            self.errors.pop("amount", None)
            data["amount"] = None
        elif data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount to approve."))
        return data

    def note_text(self) -> str:
        """The note as typed; without one, the chosen common note (so the
        list works without JavaScript too)."""
        typed = (self.cleaned_data.get("note") or "").strip()
        chosen = self.cleaned_data.get("note_template") or ""
        return typed or (str(NOTE_TEXTS[chosen]) if chosen in NOTE_TEXTS else "")


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note.")},
    )
    internal = forms.BooleanField(
        label=_("Internal note (staff only)"), required=False, initial=True
    )


class StaffMessageForm(forms.Form):
    """Staff's message to the customer that does not make the request wait."""

    body = forms.CharField(
        label=_("Message to the customer"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a message.")},
    )


class AskForm(forms.Form):
    """A question to the customer: the request waits for the answer."""

    template = forms.ChoiceField(
        label=_("Common questions"),
        required=False,
        choices=[("", _("Choose a common question…")), *ASK_TEMPLATES],
    )
    body = forms.CharField(
        label=_("What do you need from the customer?"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "body" not in self.errors and not self.body_text_of(data):
            self.add_error("body", _("Write what you need, or choose a common question."))
        return data

    @staticmethod
    def body_text_of(data: dict[str, Any]) -> str:
        typed = (data.get("body") or "").strip()
        chosen = data.get("template") or ""
        return typed or (str(ASK_TEXTS[chosen]) if chosen in ASK_TEXTS else "")

    def body_text(self) -> str:
        """The question as typed; without one, the chosen common question
        (so the list works without JavaScript too)."""
        return self.body_text_of(self.cleaned_data)


class DisputeForm(forms.Form):
    """A merchant's dispute of a charge on its statement."""

    note = forms.CharField(
        label=_("Why should your restaurant not bear this refund?"),
        max_length=DISPUTE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you dispute this charge.")},
    )


class DisputeResolveForm(forms.Form):
    """A senior agent's answer to a dispute: confirm, or move to someone."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DISPUTE_CONFIRM, _("Confirm: the merchant bears it")),
            (DISPUTE_MOVE, _("Move it to someone else")),
        ],
        widget=forms.RadioSelect,
    )
    liability = forms.ChoiceField(
        label=_("Who bears it instead"),
        choices=[
            ("", "—"),
            (Liability.COURIER, Liability.COURIER.label),
            (Liability.PLATFORM, Liability.PLATFORM.label),
        ],
        required=False,
    )
    note = forms.CharField(
        label=_("Note for the merchant"),
        max_length=DISPUTE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note for the merchant.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("decision") == DISPUTE_MOVE and not cleaned.get("liability"):
            self.add_error("liability", _("Choose who bears it instead."))
        return cleaned


# --- The merchant's answer ----------------------------------------------------------

# What a restaurant most often answers; picking one fills the note.
MERCHANT_NOTE_TEMPLATES = [
    ("already_cooked", _("The dishes were already cooked and cannot be cancelled.")),
    ("agreed_with_customer", _("We spoke with the customer and agree to the refund.")),
    ("resent_missing", _("The missing item was sent again.")),
    ("packed_well", _("The food left our kitchen well packed and complete.")),
    ("partial_problem", _("Only part of the order had a problem: we refund that part.")),
]
MERCHANT_NOTE_TEXTS = dict(MERCHANT_NOTE_TEMPLATES)

MERCHANT_APPROVE_FULL = "approve_full"
MERCHANT_APPROVE_PARTIAL = "approve_partial"
MERCHANT_REFUSE = "refuse"


class MerchantAnswerForm(forms.Form):
    """The merchant's answer to a request waiting for it: approve in full,
    approve a part (an amount and a note), or refuse (a note for customer
    service). The service checks the amount and the notes."""

    action = forms.ChoiceField(
        choices=[
            (MERCHANT_APPROVE_FULL, _("Approve in full")),
            (MERCHANT_APPROVE_PARTIAL, _("Approve part")),
            (MERCHANT_REFUSE, _("Refuse")),
        ],
        error_messages={
            "required": _("Choose an answer."),
            "invalid_choice": _("Choose an answer."),
        },
    )
    amount = forms.DecimalField(
        label=_("Amount to refund (part)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
    )
    note_template = forms.ChoiceField(
        label=_("Common answers"),
        required=False,
        choices=[("", _("Choose a common answer…")), *MERCHANT_NOTE_TEMPLATES],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") != MERCHANT_APPROVE_PARTIAL:
            # The amount box only counts for a partial approval.
            self.errors.pop("amount", None)
            data["amount"] = None
        elif data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount to refund."))
        return data

    def decision(self) -> str:
        return "refuse" if self.cleaned_data["action"] == MERCHANT_REFUSE else "approve"

    def note_text(self) -> str:
        """The note as typed; without one, the chosen common answer (so the
        list works without JavaScript too)."""
        typed = (self.cleaned_data.get("note") or "").strip()
        chosen = self.cleaned_data.get("note_template") or ""
        return typed or (str(MERCHANT_NOTE_TEXTS[chosen]) if chosen in MERCHANT_NOTE_TEXTS else "")


class MerchantMessageForm(forms.Form):
    """The merchant's message on a request's conversation."""

    body = forms.CharField(
        label=_("Message to the customer and customer service"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Write a message."),
            "max_length": _("A message has at most %(limit_value)s characters."),
        },
    )
