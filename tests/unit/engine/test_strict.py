import re

import email_validator
from hypothesis import given, settings
from hypothesis import strategies as st

from vmsdq.engine.strict import EMAIL_FAST, SPECIAL_USE, validator


@settings(max_examples=300, deadline=None)
@given(st.from_regex(re.compile(EMAIL_FAST), fullmatch=True))
def test_fast_path_only_admits_addresses_email_validator_accepts(address):
    if len(address) > 254 or address.index("@") > 64 or re.search(SPECIAL_USE, address):
        return  # the SQL fast path also requires these
    email_validator.validate_email(address, check_deliverability=False)


def test_validators():
    assert validator("email")("a@b.org") and not validator("email")("a@b")
    assert validator("phone:US")("(212) 555-0100")
    assert not validator("phone:US")("+1 200 555 0100")
    assert validator("phone:GB")("020 7183 8750")
