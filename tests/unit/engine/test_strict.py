import re

import email_validator
from hypothesis import given, settings
from hypothesis import strategies as st

from vmsdq.checks.rules.format import EMAIL
from vmsdq.engine.strict import EMAIL_FAST, EMAIL_NOT_DOT_ATOM, SPECIAL_USE, validator


@settings(max_examples=300, deadline=None)
@given(st.from_regex(re.compile(EMAIL_FAST), fullmatch=True))
def test_fast_path_only_admits_addresses_email_validator_accepts(address):
    if len(address) > 254 or address.index("@") > 64 or re.search(SPECIAL_USE, address):
        return  # the SQL fast path also requires these
    email_validator.validate_email(address, check_deliverability=False)


_LOCAL = st.from_regex(re.compile(r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{0,12}"), fullmatch=True)
_DOMAIN = st.from_regex(
    re.compile(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,6}"), fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(_LOCAL, _LOCAL, _DOMAIN, st.sampled_from(["{a}..{b}", ".{a}{b}", "{a}{b}."]))
def test_not_dot_atom_addresses_are_ones_email_validator_rejects(a, b, domain, shape):
    address = shape.format(a=a, b=b) + "@" + domain
    if not re.fullmatch(EMAIL, address):
        return  # the strict check only asks about values of the format's pattern
    assert re.match(EMAIL_NOT_DOT_ATOM, address)
    assert not validator("email")(address)


def test_dot_atom_addresses_are_not_taken_for_rejected():
    for address in ("a.b@c.org", "a@b..org", "a.b.c@d.e", "x@y.z."):
        assert not re.match(EMAIL_NOT_DOT_ATOM, address)


def test_validators():
    assert validator("email")("a@b.org") and not validator("email")("a@b")
    assert validator("phone:US")("(212) 555-0100")
    assert not validator("phone:US")("+1 200 555 0100")
    assert validator("phone:GB")("020 7183 8750")
