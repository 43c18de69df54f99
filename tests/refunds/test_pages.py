"""The customer's pages: my orders, the request form, the request page and
notifications, through Django's test client with a session login. They
speak Chinese by default; ``english()`` asks for English."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from notifications.models import Notification
from notifications.services import notify
from payouts.models import Payout
from refunds import presenters as refund_presenters
from refunds import services
from refunds.evidence import process_photo
from refunds.models import Evidence, RefundRequest, TimelineEvent
from refunds.services import payout_attempt
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order_at, photo_upload

from .support import delivered_order, old_customer, underway_order

pytestmark = pytest.mark.django_db

ORDERS = "/orders/"
REASON_LABELS_ZH = [
    "订单未送达",
    "配送超时",
    "食品质量问题",
    "漏送/少送",
    "送错餐品",
    "餐品洒漏/包装破损",
    "个人原因",
    "其他",
]


def form_url(order: Any) -> str:
    return f"/orders/{order.number}/refund/"


def page_url(refund: Any, action: str = "") -> str:
    return f"/refunds/{refund.pk}/{action + '/' if action else ''}"


def browser_as(user: Any, language: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's visible text, tags stripped and blanks squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def stored_photo(customer: Any, seed: int = 1) -> Evidence:
    upload = photo_upload(seed)
    return services.evidence_store(owner=customer, photo=process_photo(upload, upload.size))


def file_request(customer: Any, order: Any, reason: str = "other", **kwargs: Any) -> Any:
    return services.refund_file(
        customer=customer, order_number=order.number, reason=reason, **kwargs
    ).request


def first_item(order: Any) -> Any:
    return order.items.order_by("position").first()


@pytest.fixture
def client(veteran: Any) -> Client:
    return browser_as(veteran)


# --- Who may open the pages --------------------------------------------------------


def test_the_pages_ask_an_anonymous_visitor_to_log_in(now, veteran):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order)
    for url in (ORDERS, form_url(order), page_url(refund), "/notifications/"):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.parametrize("role", sorted(roles.STAFF_ROLES | {roles.INTEGRATION}))
def test_staff_cannot_use_the_customer_pages(now, veteran, role):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order)
    staff = browser_as(UserFactory(role=role))
    for url in (ORDERS, form_url(order), page_url(refund)):
        assert staff.get(url).status_code == 403, url
    response = staff.post(form_url(order), {"reason": "other"})
    assert response.status_code == 403
    assert RefundRequest.objects.count() == 1


def test_the_forbidden_page_is_a_translated_page(now):
    response = browser_as(UserFactory(role=roles.AGENT)).get(ORDERS)
    assert response.status_code == 403
    assert "没有权限" in text(response) or "不能打开" in text(response)


def test_home_sends_a_customer_to_their_orders_and_keeps_the_integration_account_home(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == ORDERS
    integration_home = browser_as(UserFactory(role=roles.INTEGRATION)).get("/")
    assert integration_home.status_code == 200


def test_another_customers_order_and_request_answer_404(now, veteran, client):
    other = old_customer()
    order = delivered_order(other, now)
    refund = file_request(other, order)
    assert client.get(form_url(order)).status_code == 404
    assert client.post(form_url(order), {"reason": "other"}).status_code == 404
    assert client.get(page_url(refund)).status_code == 404
    assert client.post(page_url(refund, "cancel")).status_code == 404
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundStatus.PENDING_REVIEW


# --- My orders ----------------------------------------------------------------------------


def test_my_orders_is_empty_at_first(client):
    response = client.get(ORDERS)
    assert response.status_code == 200
    assert "我的订单" in text(response)
    assert "还没有订单" in text(response)


def test_my_orders_lists_the_customers_orders_newest_first(now, veteran, client):
    older = delivered_order(
        veteran, now, ago=timedelta(hours=3), merchant={"code": "M1", "name": "老王川菜馆"}
    )
    newer = delivered_order(
        veteran, now, ago=timedelta(hours=1), merchant={"code": "M2", "name": "沙县小吃"}
    )
    delivered_order(old_customer(), now, merchant={"code": "M3", "name": "别人的店"})

    page = text(client.get(ORDERS))

    assert page.index(newer.number) < page.index(older.number)
    assert "沙县小吃" in page and "老王川菜馆" in page
    assert "别人的店" not in page
    assert first_item(newer).name in page
    assert "¥24.00" in page
    assert "已送达" in page
    assert page.count("申请退款") == 2


def test_an_order_with_an_open_request_links_it_instead_of_offering_a_new_one(now, veteran, client):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order, reason="other")

    response = client.get(ORDERS)

    html = response.content.decode()
    assert f'href="{page_url(refund)}"' in html
    assert f'href="{form_url(order)}"' not in html
    assert "待审核" in text(response)
    assert "该订单有一个退款申请正在审核" in text(response)


def test_no_refund_button_once_the_window_has_closed(now, veteran, client):
    order = delivered_order(veteran, now, ago=timedelta(hours=25))
    response = client.get(ORDERS)
    assert f'href="{form_url(order)}"' not in response.content.decode()
    assert "申请期限已过" in text(response)


def test_no_refund_button_when_everything_was_refunded(now, veteran, client):
    order = underway_order(veteran, now, status="cancelled")
    file_request(veteran, order, reason="not_delivered")  # R5: approved in full
    response = client.get(ORDERS)
    assert f'href="{form_url(order)}"' not in response.content.decode()
    assert "已无可退金额" in text(response)


def test_my_orders_is_paginated_by_twenty(now, veteran, client):
    for minutes in range(23):
        delivered_order(veteran, now, ago=timedelta(minutes=10 + minutes))
    first = client.get(ORDERS)
    second = client.get(ORDERS + "?page=2")
    assert len(first.context["rows"]) == 20
    assert len(second.context["rows"]) == 3
    assert "第 1 / 2 页" in text(first)


def _orders_with_requests(customer: Any, now: datetime, count: int) -> None:
    for index in range(count):
        order = delivered_order(customer, now, ago=timedelta(minutes=20 + index))
        if index % 2:
            file_request(customer, order, reason="other")


def test_my_orders_runs_a_fixed_number_of_queries(
    now, veteran, client, django_assert_max_num_queries
):
    _orders_with_requests(veteran, now, 2)
    # Session, user, roles, policy, count, orders, items, requests, claims, badge.
    with django_assert_max_num_queries(10):
        small = client.get(ORDERS)
    _orders_with_requests(veteran, now, 18)
    with django_assert_max_num_queries(10):
        large = client.get(ORDERS)
    assert len(small.context["rows"]) == 2
    assert len(large.context["rows"]) == 20


# --- The request form ---------------------------------------------------------------------


def test_the_form_offers_the_eight_reasons_and_the_refundable_amounts(now, veteran, client):
    order = delivered_order(veteran, now)
    item = first_item(order)

    response = client.get(form_url(order))

    assert response.status_code == 200
    page = text(response)
    for label in REASON_LABELS_ZH:
        assert label in page
    html = response.content.decode()
    assert html.count('name="reason"') == 8
    # SPEC 3's example: 3 x 10.00 with a share of a 10.00 coupon: 21.18 for the line.
    assert f'name="item" value="{item.pk}"' in html
    assert "最多可退 ¥21.18" in page
    assert "¥24.00" in page  # the whole order, fees included
    assert 'href="/policy/"' in html
    assert 'type="file"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    assert "<script>" not in html and " onclick=" not in html and ' style="' not in html


def test_a_valid_form_files_the_request_and_opens_its_page(now, veteran, client):
    order = delivered_order(veteran, now, late=timedelta(minutes=40))

    response = client.post(form_url(order), {"reason": "late_delivery", "description": "等了很久"})

    refund = RefundRequest.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == page_url(refund)
    assert refund.status == RefundStatus.APPROVED
    assert refund.approved_amount == Decimal("12.00")  # 50 % of 24.00
    assert refund.description == "等了很久"
    assert "申请已提交" in text(client.get(page_url(refund)))


def test_the_form_files_only_the_chosen_items_and_quantities(now, veteran, client):
    order = delivered_order(veteran, now)
    item = first_item(order)
    photo = stored_photo(veteran)

    response = client.post(
        form_url(order),
        {
            "reason": "food_quality",
            "item": [str(item.pk)],
            f"quantity_{item.pk}": "1",
            "evidence": [str(photo.pk)],
        },
    )

    refund = RefundRequest.objects.get(order=order)
    assert response.status_code == 302
    assert [(row.item_id, row.quantity) for row in refund.items.all()] == [(item.pk, 1)]
    assert refund.requested_amount == Decimal("7.06")
    assert refund.status == RefundStatus.APPROVED  # R11: photo, low risk, <= 30.00
    assert list(refund.evidence.values_list("pk", flat=True)) == [photo.pk]


def test_without_javascript_photos_come_with_the_form(now, veteran, client):
    order = delivered_order(veteran, now)

    response = client.post(
        form_url(order),
        {"reason": "damaged", "photos": [photo_upload(3), photo_upload(4)]},
    )

    assert response.status_code == 302
    refund = RefundRequest.objects.get(order=order)
    assert refund.evidence.count() == 2
    assert set(refund.evidence.values_list("owner", flat=True)) == {veteran.pk}


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(now, veteran, client):
    order = delivered_order(veteran, now)
    response = client.post(
        form_url(order),
        {"reason": "damaged", "photos": [photo_upload(1, name="x.jpg", data=b"not an image")]},
    )
    assert response.status_code == 400
    assert "不是可读取的图片" in text(response)
    assert not RefundRequest.objects.exists()


def _refused(response: Any, code: str) -> str:
    assert response.status_code in (400, 409), response.status_code
    assert f'data-error-code="{code}"' in response.content.decode()
    assert "Traceback" not in response.content.decode()
    return text(response)


def test_evidence_required_keeps_what_the_customer_entered(now, veteran, client):
    order = delivered_order(veteran, now)
    item = first_item(order)

    response = client.post(
        form_url(order),
        {
            "reason": "food_quality",
            "description": "汤是凉的",
            "item": [str(item.pk)],
            f"quantity_{item.pk}": "2",
        },
    )

    page = _refused(response, "evidence_required")
    assert "请添加能说明问题的照片" in page
    html = response.content.decode()
    assert re.search(r'value="food_quality"\s+checked', html)
    assert "汤是凉的" in html
    assert re.search(rf'name="item" value="{item.pk}"[^>]*\n?\s*checked', html)
    assert re.search(rf'name="quantity_{item.pk}"[^>]*value="2"', html, flags=re.S)
    assert not RefundRequest.objects.exists()


def test_too_early_says_from_when_it_may_be_filed(now, veteran, client):
    order = underway_order(veteran, now, promised_ago=timedelta(minutes=10))
    response = client.post(form_url(order), {"reason": "not_delivered"})
    page = _refused(response, "too_early")
    available = timezone.localtime(order.promised_at + timedelta(minutes=30))
    assert available.strftime("%Y-%m-%d %H:%M") in page
    assert not RefundRequest.objects.exists()


def test_request_open_is_told_on_the_form(now, veteran, client):
    order = delivered_order(veteran, now)
    file_request(
        veteran, order, reason="other", items=[{"item": first_item(order).pk, "quantity": 1}]
    )
    response = client.post(form_url(order), {"reason": "other"})
    assert response.status_code == 409
    assert "已有一个正在审核的申请" in _refused(response, "request_open")


def test_the_form_links_an_open_request_that_holds_everything_left(now, veteran, client):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order, reason="other")  # the whole order, under review

    response = client.get(form_url(order))

    assert f'href="{page_url(refund)}"' in response.content.decode()
    assert "已有申请正在审核" in text(response)
    assert "已无可退金额" not in text(response)


def test_not_refundable_is_told_on_the_form(now, veteran, client):
    order = underway_order(veteran, now, status="cancelled")
    file_request(veteran, order, reason="not_delivered")
    response = client.post(form_url(order), {"reason": "other"})
    assert "没有可退的金额" in _refused(response, "not_refundable")


def test_window_closed_is_told_on_the_form(now, veteran, client):
    order = delivered_order(veteran, now, ago=timedelta(hours=25))
    response = client.post(form_url(order), {"reason": "other"})
    page = _refused(response, "window_closed")
    assert "24 小时" in page


def test_a_photo_that_is_not_the_customers_is_a_validation_error(now, veteran, client):
    order = delivered_order(veteran, now)
    someone_elses = stored_photo(old_customer())
    response = client.post(
        form_url(order), {"reason": "damaged", "evidence": [str(someone_elses.pk)]}
    )
    assert "不属于您" in _refused(response, "validation_error")


def test_a_missing_reason_is_a_field_error(now, veteran, client):
    order = delivered_order(veteran, now)
    response = client.post(form_url(order), {"reason": ""})
    assert response.status_code == 400
    assert "请选择退款原因" in text(response)


def test_the_form_explains_instead_when_the_window_has_closed(now, veteran, client):
    order = delivered_order(veteran, now, ago=timedelta(hours=30))
    response = client.get(form_url(order))
    assert "申请期限已过" in text(response)
    assert 'name="reason"' not in response.content.decode()


# --- The request page ------------------------------------------------------------------------


def test_the_request_page_shows_amounts_breakdown_decision_and_timeline(now, veteran, client):
    order = delivered_order(veteran, now)
    item = first_item(order)
    photo = stored_photo(veteran)
    refund = file_request(
        veteran,
        order,
        reason="food_quality",
        items=[{"item": item.pk, "quantity": 1}],
        evidence_ids=[photo.pk],
    )

    response = client.get(page_url(refund))

    assert response.status_code == 200
    page = text(response)
    assert "已批准" in page
    assert "¥7.06" in page
    assert item.name in page
    assert "¥10.00" in page and "-¥2.94" in page  # gross and discount share
    assert "已收到照片" in page  # the R11 sentence, in Chinese
    assert "自动审核" in page  # the timeline step's actor
    assert "支付宝" in page  # the payout's method
    html = response.content.decode()
    assert f'href="/api/v1/evidence/{photo.pk}/file/"' in html
    assert 'alt="' in html
    assert "取消申请" not in page


def test_the_request_page_speaks_english_when_asked(now, veteran):
    order = delivered_order(veteran, now, late=timedelta(minutes=40))
    refund = file_request(veteran, order, reason="late_delivery")
    page = text(browser_as(veteran, "en").get(page_url(refund)))
    assert "Delivered 40 min late: 50 % refunded under the platform rule." in page
    assert "Approved" in page
    assert "¥12.00" in page


def test_a_pending_request_says_when_a_decision_is_due_and_can_be_cancelled(now, veteran, client):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order, reason="other")

    page = text(client.get(page_url(refund)))

    due = timezone.localtime(refund.review_due_at).strftime("%Y-%m-%d %H:%M")
    assert f"{due} 前" in page
    assert "取消申请" in page

    response = client.post(page_url(refund, "cancel"))

    assert response.status_code == 302
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundStatus.CANCELLED
    page = text(client.get(page_url(refund)))
    assert "已取消" in page
    assert "取消申请" not in page
    assert f"{due} 前" not in page


def test_cancelling_a_decided_request_is_told_not_crashed(now, veteran, client):
    order = delivered_order(veteran, now, late=timedelta(minutes=40))
    refund = file_request(veteran, order, reason="late_delivery")
    response = client.post(page_url(refund, "cancel"), follow=True)
    assert "只有正在审核的申请才能取消" in text(response)
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundStatus.APPROVED


def test_cancel_appeal_and_feedback_only_take_posts(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")
    for action in ("cancel", "appeal", "feedback"):
        assert client.get(page_url(refund, action)).status_code == 405


def test_a_rejected_request_can_be_appealed_once(now, veteran, client):
    order = delivered_order(veteran, now)
    refund = file_request(veteran, order, reason="changed_mind")  # R14: rejected
    assert refund.status == RefundStatus.REJECTED

    page = client.get(page_url(refund)).content.decode()
    assert f'action="{page_url(refund, "appeal")}"' in page

    response = client.post(
        page_url(refund, "appeal"), {"reason": "骑手送错地址了", "photos": [photo_upload(5)]}
    )

    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_REVIEW
    assert refund.escalated
    assert refund.evidence.filter(for_appeal=True).count() == 1
    page = client.get(page_url(refund)).content.decode()
    assert f'action="{page_url(refund, "appeal")}"' not in page
    assert "骑手送错地址了" in page


def test_an_appeal_needs_a_reason(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")
    response = client.post(page_url(refund, "appeal"), {"reason": ""})
    assert response.status_code == 400
    assert "请告诉我们您不同意的理由" in text(response)
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundStatus.REJECTED


def test_no_appeal_form_on_an_approved_or_pending_request(now, veteran, client):
    approved = file_request(
        veteran, delivered_order(veteran, now, late=timedelta(minutes=40)), reason="late_delivery"
    )
    pending = file_request(veteran, delivered_order(veteran, now), reason="other")
    for refund in (approved, pending):
        page = client.get(page_url(refund)).content.decode()
        assert 'name="rating"' not in page
        assert "/appeal/" not in page
    response = client.post(page_url(approved, "appeal"), {"reason": "再看看"})
    assert response.status_code == 409
    assert "只有被拒绝的申请，或已到账的部分退款，才能申诉" in text(response)


def test_a_rejected_request_can_be_rated_once(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")
    html = client.get(page_url(refund)).content.decode()
    assert html.count('name="rating"') == 5

    response = client.post(page_url(refund, "feedback"), {"rating": "4", "comment": "规则说清楚了"})

    assert response.status_code == 302
    assert refund.feedback.rating == 4
    page = client.get(page_url(refund))
    assert 'name="rating"' not in page.content.decode()
    assert "规则说清楚了" in text(page)
    again = client.post(page_url(refund, "feedback"), {"rating": "1"})
    assert again.status_code == 409


def test_a_rating_must_be_one_to_five(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")
    response = client.post(page_url(refund, "feedback"), {"rating": "9"})
    assert response.status_code == 400
    assert "请选择 1 到 5 颗星" in text(response)


def test_the_request_page_runs_a_fixed_number_of_queries(
    now, veteran, client, django_assert_max_num_queries
):
    order = delivered_order(
        veteran,
        now,
        tenders=[
            {"method": "alipay", "amount": "14.00", "account": "alipay:1"},
            {"method": "wallet", "amount": "10.00", "account": "wallet:1"},
        ],
    )
    photos = [stored_photo(veteran, seed).pk for seed in (1, 2, 3)]
    refund = file_request(
        veteran,
        order,
        reason="food_quality",
        items=[{"item": first_item(order).pk, "quantity": 2}],
        evidence_ids=photos,
    )
    assert refund.payouts.count() == 2
    # Session, user, roles, the request and its six prefetches, policy, badge.
    with django_assert_max_num_queries(12):
        client.get(page_url(refund))
    for minutes in range(10):
        TimelineEvent.objects.create(
            request=refund,
            at=now + timedelta(minutes=minutes),
            actor_role="system",
            from_status=RefundStatus.APPROVED,
            to_status=RefundStatus.APPROVED,
            note=f"note {minutes}",
        )
    with django_assert_max_num_queries(12):
        response = client.get(page_url(refund))
    assert "note 9" in text(response)


# --- Notifications -------------------------------------------------------------------------------


def test_the_header_counts_unread_notifications_and_the_list_marks_them_read(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")
    notify(
        user=veteran,
        event="refund_cancelled",
        facts={"request": refund_presenters.request_facts(refund)},
    )
    unread = Notification.objects.filter(user=veteran, read_at__isnull=True).count()
    assert unread == 2

    orders_page = client.get(ORDERS).content.decode()
    assert re.search(r'data-testid="unread-badge"><span aria-hidden="true">2</span>', orders_page)

    response = client.get("/notifications/")
    page = text(response)
    assert f"订单 {refund.order.number} 的退款申请正在审核" in page
    assert response.content.decode().count("is-unread") == 2
    assert not Notification.objects.filter(user=veteran, read_at__isnull=True).exists()
    assert 'data-testid="unread-badge"' not in response.content.decode()

    again = client.get("/notifications/")
    assert "is-unread" not in again.content.decode()


def test_notifications_read_in_english_when_asked(now, veteran):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")
    page = text(browser_as(veteran, "en").get("/notifications/"))
    assert f"Refund request for order {refund.order.number} is under review" in page


def test_mark_all_read(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")
    Notification.objects.all().delete()
    cancelled_facts = {"request": refund_presenters.request_facts(refund)}
    for _ in range(25):
        Notification.objects.create(
            user=veteran, event="refund_cancelled", facts=cancelled_facts, created_at=now
        )
    page = client.get("/notifications/").content.decode()
    assert "全部标为已读" in page
    assert Notification.objects.filter(user=veteran, read_at__isnull=True).count() == 5
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=veteran, read_at__isnull=True).exists()


def test_the_notification_list_is_empty_at_first_and_only_the_users_own(now, veteran, client):
    other = old_customer()
    refund = file_request(other, delivered_order(other, now), reason="other")
    page = text(client.get("/notifications/"))
    assert "暂无通知" in page
    assert refund.order.number not in page


def test_the_badge_costs_one_query(now, veteran, client, django_assert_max_num_queries):
    create_order_at(customer=veteran, promised_at=now)
    with django_assert_max_num_queries(50) as captured:
        client.get(ORDERS)
    counts = [
        q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1
    assert "COUNT" in counts[0].upper()


def _cells(html: str, attribute: str) -> list[str]:
    return re.findall(rf"<td class=\"num\" {attribute}>([^<]*)</td>", html)


def test_a_late_refund_shows_what_was_asked_and_what_is_refunded(now, veteran, client):
    order = delivered_order(veteran, now, late=timedelta(minutes=45))
    refund = file_request(veteran, order, reason="late_delivery")  # 50 % of 24.00

    html = client.get(page_url(refund)).content.decode()

    assert "申请金额" in html and "退款金额" in html
    assert _cells(html, "data-total") == ["¥24.00"]
    assert _cells(html, "data-approved-total") == ["¥12.00"]
    assert _cells(html, "data-approved") == ["¥10.59", "¥1.06", "¥0.35"]


def test_money_left_after_a_partial_refund_is_shown_as_it_is(now, veteran, client):
    order = delivered_order(veteran, now)
    item = first_item(order)
    first = file_request(veteran, order, items=[{"item": item.pk, "quantity": 3}])
    agent = UserFactory(role=roles.AGENT)
    services.refund_decide(
        refund=first, agent=agent, decision="approve", amount=Decimal("10.00"), note="部分"
    )

    form = client.get(form_url(order)).content.decode()
    picker = form[
        form.index('class="line-picker"') : form.index("</ul>", form.index('class="line-picker"'))
    ]
    rest = file_request(veteran, order)  # the whole order: what is left
    html = client.get(page_url(rest)).content.decode()

    # The dish's units are taken, but 11.18 of it is left: not "refunded".
    assert "已退款" not in picker
    assert "¥11.18" in picker
    row = html[
        html.index(f'data-line="{item.pk}"') : html.index(
            "</tr>", html.index(f'data-line="{item.pk}"')
        )
    ]
    assert ">0<" not in row
    assert "¥11.18" in row
    assert row.count("—") >= 3


def test_the_headline_follows_a_cancel(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="other")

    page = text(client.post(page_url(refund, "cancel"), follow=True))

    assert "您已取消此申请" in page
    assert "客服将审核" not in page  # the sentence of the decision before the cancel


def test_the_headline_follows_an_appeal(now, veteran, client):
    refund = file_request(veteran, delivered_order(veteran, now), reason="changed_mind")  # R14

    page = text(client.post(page_url(refund, "appeal"), {"reason": "骑手送错了"}, follow=True))

    assert "您的申诉已交给" in page
    assert "个人原因" in page  # the reason stays, the old rejection sentence goes
    decision = client.get(page_url(refund)).content.decode()
    headline = decision[decision.index("data-decision") :][:300]
    assert "不予退款" not in headline


def test_a_failed_payout_tells_the_customer_what_happens_next(now, veteran, client):
    order = underway_order(
        veteran,
        now,
        status="placed",
        tenders=[{"method": "card", "amount": "24.00", "account": "card-decline-1"}],
    )
    refund = file_request(veteran, order, reason="other")

    payout_attempt(payout_id=Payout.objects.get(refund=refund).pk)

    page = text(client.get(page_url(refund)))
    assert "打款失败" in page or "退款失败" in page
    assert "您无需任何操作" in page
