"""A day of the portal driven only through a client generated from
/api/schema/ (``openapi-python-client``): nothing here knows a URL, a
status code or a JSON key that the schema does not declare.

``run(package, base_url, now, users)``: ``package`` is the generated
client's module, ``users`` maps a role to its (user name, password).
"""

import importlib
import io
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

MONEY = "28.00"


def run(
    package: ModuleType,
    base_url: str,
    now: datetime,
    users: dict[str, tuple[str, str]],
    photo: bytes,
) -> dict[str, Any]:
    api = _Api(package, base_url)
    try:
        return _day(api, now, users, photo)
    finally:
        # Keep-alive connections hold a server thread, and its database
        # connection, open past the test.
        api.close()


def _day(
    api: "_Api", now: datetime, users: dict[str, tuple[str, str]], photo: bytes
) -> dict[str, Any]:
    integration = api.signed_in(*users["integration"])
    customer = api.signed_in(*users["customer"])
    agent = api.signed_in(*users["agent"])
    finance = api.signed_in(*users["finance"])
    manager = api.signed_in(*users["manager"])
    m = api.models

    # The ordering system sends an order, then its delivery.
    number = "CLIENT-0001"
    order = api.call(
        "orders.orders_create",
        integration,
        body=m.OrderCreateRequest(
            number=number,
            customer=users["customer"][0],
            merchant=m.MerchantInRequest(code="M-CLIENT", name="客户端小馆"),
            placed_at=now - timedelta(minutes=70),
            promised_at=now - timedelta(minutes=30),
            items=[m.ItemInRequest(sku="NOODLE", name="牛肉面", unit_price="25.00", quantity=1)],
            delivery_fee="3.00",
            tenders=[m.TenderInRequest(method=m.TenderMethod.ALIPAY, amount=MONEY, account="a:ok")],
        ),
    )
    assert order.status == m.OrderStatus.PLACED
    for status, minutes in (("ACCEPTED", 60), ("PICKED_UP", 45), ("DELIVERED", 20)):
        order = api.call(
            "orders.orders_events_create",
            integration,
            number,
            body=m.OrderEventRequest(
                status=getattr(m.OrderStatus, status), at=now - timedelta(minutes=minutes)
            ),
        )
    assert order.status == m.OrderStatus.DELIVERED
    mine = api.call("orders.orders_list", customer, status=m.OrderStatus.DELIVERED)
    assert [o.number for o in mine.results] == [number]

    # The customer uploads a photo, previews, files and reads the decision.
    evidence = api.call(
        "refunds.evidence_create",
        customer,
        body=m.EvidenceUploadRequest(
            file=api.types.File(
                payload=io.BytesIO(photo), file_name="noodles.jpg", mime_type="image/jpeg"
            )
        ),
    )
    downloaded = api.call("refunds.evidence_file_retrieve", customer, evidence.id)
    assert len(downloaded.payload.read()) == evidence.size
    request = m.RefundCreateRequest(
        order=number, reason=m.Reason.OTHER, description="面是冷的", evidence=[evidence.id]
    )
    preview = api.call("refunds.refunds_preview_create", customer, body=request)
    filed = api.call("refunds.refunds_create", customer, body=request)
    assert filed.status.value == preview.outcome.value == "pending_review"
    assert filed.requested_amount == preview.amount
    listed = api.call("refunds.refunds_list", customer, status=m.RefundStatus.PENDING_REVIEW)
    assert [r.id for r in listed.results] == [filed.id]

    # An agent finds it in the queue, claims and approves it.
    queue = api.call("review.review_queue_list", agent, reason=m.Reason.OTHER)
    assert filed.id in [r.id for r in queue.results]
    api.call("refunds.refunds_claim_create", agent, filed.id)
    decided = api.call(
        "refunds.refunds_decide_create",
        agent,
        filed.id,
        body=m.DecideRequest(decision=m.AgentDecision.APPROVE, note="确认"),
    )
    assert decided.decision.source == m.DecisionSource.AGENT
    assert decided.decision.rule is None
    read = api.call("refunds.refunds_retrieve", customer, filed.id)
    assert read.status in (m.RefundStatus.APPROVED, m.RefundStatus.REFUNDED)
    assert read.approved_amount == filed.requested_amount

    # Finance lists the payout and the sandbox ledger.
    payouts = api.call("payouts.payouts_list", finance, refund=filed.id)
    assert [p.amount for p in payouts.results] == [read.approved_amount]
    payout = payouts.results[0]
    ledger = api.call(
        "payouts.gateways_sandbox_ledger_list", finance, idempotency_key=payout.idempotency_key
    )
    assert ledger.count >= 1

    # The manager reads the month.
    month = now.strftime("%Y-%m")
    kpis = api.call("analytics.analytics_monthly_retrieve", manager, month=month)
    assert kpis.month == month
    assert kpis.refund_requests >= 1
    return {"refund": read, "payout": payout, "kpis": kpis}


class _Api:
    """The generated package's clients, models and operations by name."""

    def __init__(self, package: ModuleType, base_url: str) -> None:
        self.package = package
        self.base_url = base_url
        self.models = importlib.import_module(f"{package.__name__}.models")
        self.types = importlib.import_module(f"{package.__name__}.types")
        self.clients: list[Any] = []

    def close(self) -> None:
        for client in self.clients:
            client.get_httpx_client().close()

    def signed_in(self, username: str, password: str) -> Any:
        anonymous = self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)
        self.clients.append(anonymous)
        body = self.models.TokenRequest(username=username, password=password)
        answer = self.call("auth.auth_token_create", anonymous, body=body)
        client = self.package.AuthenticatedClient(
            base_url=self.base_url,
            token=answer.token,
            prefix="Token",
            raise_on_unexpected_status=True,
        )
        self.clients.append(client)
        return client

    def call(self, operation: str, client: Any, *args: Any, **kwargs: Any) -> Any:
        module = importlib.import_module(f"{self.package.__name__}.api.{operation}")
        response = module.sync_detailed(*args, client=client, **kwargs)
        parsed = response.parsed
        assert 200 <= int(response.status_code) < 300, (operation, response.content[:500])
        assert parsed is not None and not isinstance(parsed, self.models.Error), operation
        return parsed
