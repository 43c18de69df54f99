"""The schema's request constraints say what the serializers accept, so
that a client (or a fuzzer) building requests from it is not refused for a
reason the schema keeps quiet about."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(api):
    return api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]


def matches(pattern, value):
    return re.search(pattern, value) is not None


def test_an_order_needs_at_least_one_item_and_one_tender(components):
    order = components["OrderCreateRequest"]["properties"]
    assert order["items"]["minItems"] == 1
    assert order["tenders"]["minItems"] == 1
    assert order["items"]["maxItems"] == 200


def test_a_refund_names_its_order_by_the_order_number_rule(components):
    number = components["OrderCreateRequest"]["properties"]["number"]["pattern"]
    assert components["RefundCreateRequest"]["properties"]["order"]["pattern"] == number


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("0", True), ("12.5", True), ("999999.99", True), ("-1", False), ("", False)],
)
def test_a_fee_is_a_non_negative_amount(components, value, accepted):
    pattern = components["OrderCreateRequest"]["properties"]["delivery_fee"]["pattern"]
    assert matches(pattern, value) is accepted


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("0.01", True), (".5", True), ("30", True), ("0", False), ("0.00", False), ("-5", False)],
)
def test_a_tender_amount_is_positive(components, value, accepted):
    pattern = components["TenderInRequest"]["properties"]["amount"]["pattern"]
    assert matches(pattern, value) is accepted


@pytest.mark.parametrize(
    ("value", "accepted"), [("wallet", True), (" x ", True), ("   ", False), ("a\x00b", False)]
)
def test_a_required_text_field_is_not_blank_once_stripped(components, value, accepted):
    pattern = components["RerouteRequest"]["properties"]["note"]["pattern"]
    assert matches(pattern, value) is accepted


def test_ids_in_a_request_stay_within_the_bigint_range(components):
    item = components["RequestedItemRequest"]["properties"]["item"]
    assert item["maximum"] == 2**63 - 1


def test_pages_count_from_one(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/orders/"]["get"]["parameters"]
    pages = {p["name"]: p["schema"].get("minimum") for p in parameters if "page" in p["name"]}
    assert pages == {"page": 1, "page_size": 1}


def test_the_advertised_months_are_ones_the_portal_answers(api, as_role):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    (month,) = schema["paths"]["/api/v1/analytics/monthly/"]["get"]["parameters"]
    pattern = month["schema"]["pattern"]
    manager = as_role("manager")
    for text in ("1000-01", "2999-12"):
        assert matches(pattern, text)
        assert manager.get("/api/v1/analytics/monthly/", {"month": text}).status_code == 200
    assert not matches(pattern, "0000-01")
    assert not matches(pattern, "9999-12")


def test_bodies_that_refuse_unknown_fields_say_so(components, as_role):
    assert components["OrderCreateRequest"]["additionalProperties"] is False
    assert components["RerouteRequest"]["additionalProperties"] is False
    response = as_role("customer").post(
        "/api/v1/refunds/preview/", {"order": "X-1", "reason": "other", "extra": 1}, format="json"
    )
    assert response.status_code == 400
    assert "extra" in response.json()["fields"]
