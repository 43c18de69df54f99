"""refunds.evidence.near_duplicate_filter / near_duplicates: the four
indexed 16-bit bands of a perceptual hash find every stored hash within
the Hamming distance asked (0 to 7), and nothing farther."""

import random
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from refunds.evidence import (
    bands,
    hamming,
    near_duplicate_filter,
    near_duplicates,
    to_signed,
    to_unsigned,
)
from refunds.models import Evidence
from tests.factories import EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

hashes = st.integers(min_value=0, max_value=(1 << 64) - 1)
distances = st.integers(min_value=0, max_value=7)
# Bits to flip: up to 10, so that some neighbours lie just beyond the distance.
flips = st.lists(st.integers(min_value=0, max_value=63), unique=True, max_size=10)


def store(owner: Any, values: list[int]) -> list[Evidence]:
    return Evidence.objects.bulk_create(
        EvidenceFactory.build(owner=owner, hash_value=value) for value in values
    )


def spread_flips(distance: int, offset: int) -> list[int]:
    """``distance`` bits spread as evenly as possible over the four bands:
    the hardest case for a band index."""
    return [(i % 4) * 16 + (i // 4 + offset) % 16 for i in range(distance)]


@settings(max_examples=150)
@given(query=hashes, distance=distances, neighbours=st.lists(flips, max_size=12), data=st.data())
def test_every_hash_within_the_distance_is_found_and_nothing_farther(
    query, distance, neighbours, data
):
    owner = UserFactory(role="customer")
    spread = [spread_flips(d, data.draw(st.integers(0, 15))) for d in (distance, distance + 1)]
    others = [random.Random(query).getrandbits(64) for _ in range(3)]
    values = [query ^ sum(1 << bit for bit in bits) for bits in [*neighbours, *spread]] + others
    rows = store(owner, values)

    found = near_duplicates(Evidence.objects.filter(owner=owner), to_signed(query), distance)

    expected = {row.pk for row, value in zip(rows, values) if hamming(query, value) <= distance}
    assert set(found) == expected
    assert len(found) == len(set(found))
    # The hash spread d bits over the bands is found; d + 1 bits is not.
    assert rows[len(neighbours)].pk in found
    assert rows[len(neighbours) + 1].pk not in found


@given(query=hashes, distance=distances)
def test_the_filter_takes_signed_or_unsigned_hashes_alike(query, distance):
    signed = str(Evidence.objects.filter(near_duplicate_filter(to_signed(query), distance)).query)
    unsigned = str(Evidence.objects.filter(near_duplicate_filter(query, distance)).query)
    assert signed == unsigned


@given(query=hashes, distance=distances)
def test_the_lookup_goes_through_the_band_columns(query, distance):
    sql, params = Evidence.objects.filter(
        near_duplicate_filter(query, distance)
    ).query.sql_with_params()
    where = sql.split(" WHERE ", 1)[1]

    for index, band in enumerate(bands(query)):
        assert f'"phash_band{index}" IN' in where
        assert band in params
    assert '"phash"' not in where  # never a scan over the whole hash column


def test_up_to_3_bits_a_band_must_match_exactly_and_up_to_7_within_one_bit():
    def values_looked_up(distance: int) -> int:
        queryset = Evidence.objects.filter(near_duplicate_filter(0xFFFF_0000_1234_8000, distance))
        return len(queryset.query.sql_with_params()[1])

    assert [values_looked_up(d) for d in range(8)] == [4, 4, 4, 4, 68, 68, 68, 68]


@pytest.mark.parametrize("distance", [-1, 8, 64])
def test_distances_the_bands_cannot_answer_are_refused(distance):
    with pytest.raises(ValueError):
        near_duplicate_filter(0, distance)


def test_bands_split_the_hash_high_band_first():
    value = 0x0123_4567_89AB_CDEF

    assert bands(value) == [0x0123, 0x4567, 0x89AB, 0xCDEF]
    assert to_unsigned(to_signed(value | 1 << 63)) == value | 1 << 63
    assert to_signed(1 << 63) < 0


@pytest.mark.postgres
def test_postgresql_answers_the_lookup_from_the_band_indexes():
    owner = UserFactory(role="customer")
    rng = random.Random(42)
    store(owner, [rng.getrandbits(64) for _ in range(20_000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE refunds_evidence")
    query = Evidence.objects.filter(near_duplicate_filter(rng.getrandbits(64), 6)).values_list(
        "id", "phash"
    )

    plan = query.explain()

    assert "Seq Scan" not in plan, plan
    assert "Bitmap Index Scan" in plan or "Index Scan" in plan
    assert "phash_band" in plan
