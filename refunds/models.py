import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models import Order, OrderItem, equal_to_the_cent, money_field

from .states import OPEN, RefundStatus

logger = logging.getLogger(__name__)

# How long a worker may go on with a cached policy row at the most, should
# the drop after an edit be lost (the cache unreachable at that moment).
POLICY_CACHE_KEY = "refunds:policy:v1"
POLICY_CACHE_SECONDS = 300


class Reason(models.TextChoices):
    NOT_DELIVERED = "not_delivered", _("Order not delivered")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    FOOD_QUALITY = "food_quality", _("Food quality problem")
    MISSING_ITEMS = "missing_items", _("Missing items")
    WRONG_ITEMS = "wrong_items", _("Wrong items")
    DAMAGED = "damaged", _("Spilled or damaged packaging")
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    OTHER = "other", _("Other")


# Reasons about the food itself: they need a photo.
EVIDENCE_REASONS = frozenset(
    {Reason.FOOD_QUALITY, Reason.MISSING_ITEMS, Reason.WRONG_ITEMS, Reason.DAMAGED}
)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DecisionSource(models.TextChoices):
    AUTO = "auto", _("Automatic")
    AGENT = "agent", _("Agent")
    MERCHANT = "merchant", _("Merchant")


class Liability(models.TextChoices):
    """Who bears an approved amount (SPEC 12)."""

    MERCHANT = "merchant", _("Merchant")
    COURIER = "courier", _("Courier")
    PLATFORM = "platform", _("Platform")


def _percent(**kwargs: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)], **kwargs
    )


class RefundPolicy(models.Model):
    """The numbers of the auto-review policy and the risk signals: one row,
    read by auto-review and published at /policy/, edited by managers."""

    grace_minutes = models.PositiveIntegerField(
        _("grace after the promised time (min)"),
        default=30,
        help_text=_("A 'not delivered' request is approved this long after the promised time."),
    )
    filing_window_hours = models.PositiveIntegerField(
        _("filing window after delivery (h)"), default=24
    )
    late_tolerance_minutes = models.PositiveIntegerField(
        _("late delivery tolerance (min)"), default=15
    )
    late_tier1_minutes = models.PositiveIntegerField(_("late tier 1 from (min)"), default=15)
    late_tier1_percent = _percent(verbose_name=_("late tier 1 refund (%)"), default=20)
    late_tier2_minutes = models.PositiveIntegerField(_("late tier 2 from (min)"), default=30)
    late_tier2_percent = _percent(verbose_name=_("late tier 2 refund (%)"), default=50)
    late_tier3_minutes = models.PositiveIntegerField(_("late tier 3 from (min)"), default=60)
    late_tier3_percent = _percent(verbose_name=_("late tier 3 refund (%)"), default=100)
    auto_approve_limit = money_field(
        verbose_name=_("auto-approve limit (CNY)"),
        default=Decimal("30.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    frequent_refunder_count = models.PositiveIntegerField(
        _("frequent refunder: requests"), default=3
    )
    frequent_refunder_days = models.PositiveIntegerField(_("frequent refunder: days"), default=30)
    new_account_days = models.PositiveIntegerField(_("new account: days"), default=7)
    duplicate_photo_distance = models.PositiveSmallIntegerField(
        _("duplicate photo: Hamming distance"),
        default=6,
        validators=[MaxValueValidator(7)],
        help_text=_("Photos whose perceptual hashes differ in at most this many bits (0-7)."),
    )
    high_amount = money_field(
        verbose_name=_("high amount (CNY)"),
        default=Decimal("200.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    appeal_days = models.PositiveIntegerField(_("appeal window (days)"), default=7)
    review_sla_hours = models.PositiveIntegerField(_("review SLA (h)"), default=24)
    customer_reply_hours = models.PositiveIntegerField(
        _("customer reply window (h)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A request waiting for the customer's answer is rejected when none comes this long."
        ),
    )
    nudge_interval_minutes = models.PositiveIntegerField(
        _("time between nudges (min)"), default=120, validators=[MinValueValidator(1)]
    )
    merchant_response_minutes = models.PositiveIntegerField(
        _("merchant's time to answer (min)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("A request the merchant has not answered by then is approved in full."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # Every saved version, with who saved it: the admin's history page shows
    # what changed from what to what.
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        verbose_name=_("refund policy version"),
        verbose_name_plural=_("refund policy versions"),
    )

    class Meta:
        verbose_name = _("refund policy")
        verbose_name_plural = _("refund policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(late_tier1_minutes__lt=F("late_tier2_minutes"))
                & Q(late_tier2_minutes__lt=F("late_tier3_minutes")),
                name="policy_late_tiers_ascend",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Refund policy"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every path refuses a policy that makes no sense (an auto-approve
        # limit of -5), not only the admin's form. The fields' validators
        # only: the one row's uniqueness stays with the database, where two
        # first requests creating it at once meet get_or_create's retry
        # (a unique check here answered one of them 400).
        self.full_clean(validate_unique=False, validate_constraints=False)
        super().save(*args, **kwargs)
        self.forget()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        deleted = super().delete(*args, **kwargs)
        self.forget()
        return deleted

    @classmethod
    def current(cls) -> "RefundPolicy":
        """The policy row, kept in the shared cache (every filing reads it)
        and dropped from there whenever the row is saved, so an edit counts
        from its commit on. Without a cache, read from the database."""
        try:
            policy = cache.get(POLICY_CACHE_KEY)
        except Exception:  # the cache being down must not stop a filing
            logger.warning("refund policy: cache unreachable, reading the database")
            policy = None
        if isinstance(policy, cls):
            return policy
        policy, _created = cls.objects.get_or_create(pk=1)
        try:
            cache.set(POLICY_CACHE_KEY, policy, POLICY_CACHE_SECONDS)
        except Exception:
            logger.warning("refund policy: cache unreachable, not kept")
        return policy

    @staticmethod
    def forget() -> None:
        """Drop the cached row, now and once the transaction commits (a
        reader between the two could have cached the old row)."""
        cache.delete(POLICY_CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(POLICY_CACHE_KEY))


class Evidence(models.Model):
    """A photo, re-encoded without metadata and stored under a random name
    outside any public URL. ``phash_band*`` split the 64-bit perceptual hash
    into four indexed 16-bit bands, so near-duplicates are found through
    exact lookups instead of a scan."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("uploaded by"),
    )
    request = models.ForeignKey(
        "RefundRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("refund request"),
    )
    file = models.FileField(upload_to="evidence/%Y/%m/", verbose_name=_("file"))
    content_type = models.CharField(max_length=20, verbose_name=_("content type"))
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    width = models.PositiveIntegerField(verbose_name=_("width (px)"))
    height = models.PositiveIntegerField(verbose_name=_("height (px)"))
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("SHA-256 of the file"))
    phash = models.BigIntegerField(
        help_text=_("64-bit perceptual hash, stored signed"), verbose_name=_("perceptual hash")
    )
    phash_band0 = models.IntegerField(db_index=True, verbose_name=_("perceptual hash, band 1"))
    phash_band1 = models.IntegerField(db_index=True, verbose_name=_("perceptual hash, band 2"))
    phash_band2 = models.IntegerField(db_index=True, verbose_name=_("perceptual hash, band 3"))
    phash_band3 = models.IntegerField(db_index=True, verbose_name=_("perceptual hash, band 4"))
    for_appeal = models.BooleanField(default=False, verbose_name=_("for the appeal"))
    # A photo sent in the conversation: it counts in its request's photos.
    message = models.ForeignKey(
        "Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("message"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")

    def __str__(self) -> str:
        return f"evidence {self.pk} ({self.width}x{self.height})"


class RefundRequest(models.Model):
    # Both keys lead a composite index below, which serves their lookups:
    # an index of their own would only cost every filing another write.
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        db_index=False,
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        db_index=False,
        verbose_name=_("customer"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices)
    whole_order = models.BooleanField(default=False, verbose_name=_("whole order"))
    requested_amount = money_field(verbose_name=_("requested amount"))
    approved_amount = money_field(verbose_name=_("approved amount"), null=True, blank=True)

    decision_source = models.CharField(
        max_length=10,
        choices=DecisionSource.choices,
        blank=True,
        default="",
        verbose_name=_("decided by (source)"),
    )
    decision_rule = models.CharField(
        max_length=8, blank=True, default="", verbose_name=_("decision rule")
    )
    decision_note = models.TextField(blank=True, default="", verbose_name=_("decision note"))
    decision_facts = models.JSONField(default=dict, blank=True, verbose_name=_("decision facts"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    risk_score = models.PositiveSmallIntegerField(default=0, verbose_name=_("risk score"))
    risk_level = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        default=RiskLevel.LOW,
        verbose_name=_("risk level"),
    )
    risk_flags = models.JSONField(default=list, blank=True, verbose_name=_("risk flags"))
    risk_reasons = models.JSONField(default=dict, blank=True, verbose_name=_("risk reasons"))

    review_due_at = models.DateTimeField(_("review due at"))
    escalated = models.BooleanField(default=False, verbose_name=_("escalated"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    breached = models.BooleanField(default=False, verbose_name=_("SLA breached"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_refunds",
        verbose_name=_("assignee"),
    )
    claim_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("claim expires at")
    )
    payout_delay_alerted = models.BooleanField(
        default=False, verbose_name=_("payout delay alerted")
    )

    # Waiting for the customer's answer (``awaiting_customer``): since when
    # and until when; ``customer_wait`` sums every finished wait (the review
    # clock stood still meanwhile).
    awaiting_since = models.DateTimeField(
        null=True, blank=True, verbose_name=_("waiting for the customer since")
    )
    customer_reply_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("customer's answer due at")
    )
    customer_wait = models.DurationField(
        default=timedelta(0), verbose_name=_("time waited for the customer")
    )
    nudge_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("nudges"))
    nudged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last nudged at"))

    # The merchant's stage (``awaiting_merchant``): when the answer is due,
    # and what the merchant answered (``approve`` or ``refuse``), with
    # their note.
    merchant_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("merchant's answer due at")
    )
    merchant_decision = models.CharField(
        max_length=10, blank=True, default="", verbose_name=_("merchant's decision")
    )
    merchant_note = models.TextField(blank=True, default="", verbose_name=_("merchant's note"))
    merchant_answered_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("merchant answered at")
    )
    merchant_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merchant answered by"),
    )
    # Who bears the approved amount; set with every approval.
    liability = models.CharField(
        _("liability"), max_length=10, choices=Liability.choices, blank=True, default=""
    )

    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["status", "escalated", "review_due_at"]),
            models.Index(fields=["order", "status"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="refund_requested_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("requested_amount"))),
                name="refund_approved_within_requested",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=sorted(OPEN)),
                name="refund_one_open_request_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.order.number} {self.reason}"


class RefundItem(models.Model):
    """One line a request refunds: an item (some of its units) or a fee."""

    request = models.ForeignKey(
        RefundRequest,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("refund request"),
    )
    line = models.CharField(
        max_length=32, help_text=_("item id, delivery_fee or packaging_fee"), verbose_name=_("line")
    )
    item = models.ForeignKey(
        OrderItem, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("order item")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    gross = money_field(verbose_name=_("gross amount"))
    discount_share = money_field(verbose_name=_("discount share"))
    amount = money_field(verbose_name=_("amount"))
    approved_amount = money_field(null=True, blank=True, verbose_name=_("approved amount"))

    class Meta:
        ordering = ["request", "id"]
        verbose_name = _("refunded line")
        verbose_name_plural = _("refunded lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(gross__gte=0)
                & Q(equal_to_the_cent(F("gross") - F("discount_share"), F("amount"))),
                name="refund_item_amount_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("amount"))),
                name="refund_item_approved_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} x{self.quantity}"


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of a record kept for good (the timeline, the conversation)."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(f"{self.model._meta.verbose_name_plural} are append-only")

    def delete(self) -> Any:
        raise PermissionError(f"{self.model._meta.verbose_name_plural} are append-only")


class TimelineEvent(models.Model):
    """One step in a request's life. Append-only: never edited or deleted."""

    request = models.ForeignKey(
        RefundRequest,
        on_delete=models.PROTECT,
        related_name="timeline",
        verbose_name=_("refund request"),
    )
    at = models.DateTimeField(verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(max_length=20, verbose_name=_("actor's role"))
    from_status = models.CharField(
        max_length=20, blank=True, default="", verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=20, verbose_name=_("to status"))
    note = models.TextField(blank=True, default="", verbose_name=_("note"))
    rule = models.CharField(max_length=8, blank=True, default="", verbose_name=_("rule"))
    # A system sentence's id (``refunds.presenters``), rendered from ``facts``
    # in the reader's language; ``note`` holds only what a person typed.
    message = models.CharField(max_length=40, blank=True, default="", verbose_name=_("sentence id"))
    facts = models.JSONField(default=dict, blank=True, verbose_name=_("facts"))
    internal = models.BooleanField(
        _("internal"),
        default=False,
        help_text=_("A staff note the customer never sees."),
    )

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the timeline is append-only")


class Message(models.Model):
    """One message of a request's conversation between the customer and
    the platform's people. Append-only, like the timeline. An agent's
    message that ``asks_customer`` moved the request to wait for the answer."""

    request = models.ForeignKey(
        RefundRequest,
        on_delete=models.PROTECT,
        related_name="messages",
        verbose_name=_("refund request"),
    )
    at = models.DateTimeField(verbose_name=_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    author_role = models.CharField(max_length=20, verbose_name=_("author's role"))
    body = models.TextField(_("message"))
    asks_customer = models.BooleanField(default=False, verbose_name=_("asks the customer"))

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"message {self.pk} on #{self.request_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the conversation is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the conversation is append-only")


class Appeal(models.Model):
    request = models.OneToOneField(
        RefundRequest,
        on_delete=models.PROTECT,
        related_name="appeal",
        verbose_name=_("refund request"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"appeal of #{self.request_id}"


class Feedback(models.Model):
    request = models.OneToOneField(
        RefundRequest,
        on_delete=models.PROTECT,
        related_name="feedback",
        verbose_name=_("refund request"),
    )
    rating = models.PositiveSmallIntegerField(verbose_name=_("rating"))
    comment = models.TextField(blank=True, default="", verbose_name=_("comment"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.rating}/5 on #{self.request_id}"


class DisputeResolution(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: the merchant bears it")
    MOVED = "moved", _("Moved to another party")


class Dispute(models.Model):
    """A merchant's objection to a charge on its statement (SPEC 12): once
    per request, within days of the decision. A senior agent confirms the
    merchant's liability or moves it, with a note the merchant reads; the
    customer's refund and its payouts stay as they are."""

    request = models.OneToOneField(
        RefundRequest,
        on_delete=models.PROTECT,
        related_name="dispute",
        verbose_name=_("refund request"),
    )
    merchant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merchant user"),
    )
    note = models.TextField(_("why the merchant disputes it"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(
        max_length=10,
        choices=DisputeResolution.choices,
        blank=True,
        default="",
        verbose_name=_("resolution"),
    )
    new_liability = models.CharField(
        max_length=10,
        choices=Liability.choices,
        blank=True,
        default="",
        verbose_name=_("new liability"),
    )
    resolution_note = models.TextField(blank=True, default="", verbose_name=_("resolution note"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["resolved_at", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resolved_at__isnull=True) & Q(resolution=""))
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="dispute_resolved_with_a_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute of #{self.request_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
