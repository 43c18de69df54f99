"""GET /api/schema/ from several threads at once: drf-spectacular writes to
objects the requests share, so concurrent generation answered 500 or a
schema with another operation's response in it (found by the API fuzz run,
whose roles load the schema at the same moment)."""

import json
from concurrent.futures import ThreadPoolExecutor

from django.test import Client


def fetch(_: int) -> tuple[int, str]:
    response = Client().get("/api/schema/", {"format": "json"})
    return response.status_code, response.content.decode()


def test_concurrent_requests_get_the_same_whole_schema():
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(24)))
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    schema = json.loads(answers[0][1])
    ok = schema["paths"]["/api/v1/refunds/"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/PaginatedRefundList")
