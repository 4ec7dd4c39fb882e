"""The Id helpers agree with the definition of the case-safe suffix (one bit per upper-case
letter of each 5-character chunk), written out plainly here as the reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmsdq.reconcile.salesforce_ids import SUFFIX, canonical_id, checksum, is_salesforce_id

ID_CHARS = st.text(alphabet="ABCZabcz0159Xx", min_size=15, max_size=15)


def reference_checksum(body: str) -> str:
    out = ""
    for chunk in range(3):
        part = body[chunk * 5 : chunk * 5 + 5]
        out += SUFFIX[sum(1 << j for j, c in enumerate(part) if "A" <= c <= "Z")]
    return out


def reference_canonical(value: str) -> str:
    if len(value) == 15 and value.isalnum() and value.isascii():
        return value + reference_checksum(value)
    suffix = value[15:].upper()
    body = ""
    for pos, char in enumerate(value[:15]):
        upper = (SUFFIX.index(suffix[pos // 5]) >> (pos % 5)) & 1
        body += char.upper() if upper else char.lower()
    return body + suffix


@settings(max_examples=300)
@given(ID_CHARS)
def test_checksum_and_15_character_ids(body: str) -> None:
    assert checksum(body) == reference_checksum(body)
    assert canonical_id(body) == reference_canonical(body)
    assert is_salesforce_id(canonical_id(body))


@settings(max_examples=300)
@given(ID_CHARS, st.text(alphabet=SUFFIX + SUFFIX.lower(), min_size=3, max_size=3))
def test_18_character_ids_of_any_case_get_their_case_back(body: str, suffix: str) -> None:
    value = body + suffix
    assert canonical_id(value) == reference_canonical(value)
    assert canonical_id(value.upper()) == canonical_id(value.lower()) == canonical_id(value)


def test_text_that_is_no_id_is_unchanged_and_odd_bodies_count_only_letters() -> None:
    assert canonical_id("not an id") == "not an id"
    assert canonical_id(None) is None
    assert checksum("AB-CD") == reference_checksum("AB-CD")
    assert checksum("") == "AAA"
