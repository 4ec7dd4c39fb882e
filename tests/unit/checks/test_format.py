import pyarrow as pa
import pytest
import sqlglot

from vmsdq.checks.rules.format import PATTERNS, salesforce_id_fails
from vmsdq.checks.sql import col
from vmsdq.core.words import Outcome, Severity
from vmsdq.engine.testing import TableCase
from vmsdq.spec.models import FormatName

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def expected_suffix(id15: str) -> str:
    """The case-safe suffix, written from docs/rules.md independently of the SQL."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << j for j, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if ch.isupper())
        suffix += ALPHABET[bits]
    return suffix


def run_format(tmp_path, fmt, values, **opts):
    spec = {"format": fmt, **opts} if opts else fmt
    rows = [{"id": str(i), "v": v} for i, v in enumerate(values)]
    return TableCase("t", {"id": {}, "v": {"format": spec}}).rows(*rows).run(tmp_path)


def bad(result, values):
    return [values[i] for i in sorted(int(k) for k in result.failing("t.v.format"))]


def test_published_salesforce_id_pairs():
    assert expected_suffix("a0D30000001n7Pi") == "EAI"  # published pair a0D30000001n7PiEAI
    assert expected_suffix("0013000000B4yMD") == "AAZ"
    assert expected_suffix("001000000000000") == "AAA"


def test_salesforce_ids_15_or_18_with_checksum(tmp_path):
    ids = ["a0D30000001n7Pi", "0013000000B4yMD", "003Dn00000ZzQ1b", "XyZ9aBcDeFgHiJk"]
    valid = ids + [i + expected_suffix(i) for i in ids]
    invalid = [
        "0013000000B4yMDAAA",  # wrong suffix
        "a0D30000001n7PiEAJ",
        "a0D30000001n7Pieai",  # suffix compared case-sensitively
        "0013000000B4yM",  # 14 characters
        "0013000000B4yMDAA",  # 17
        "0013000000B4yM-",  # not alphanumeric
        "0013000000B4yM-AAZ",
    ]
    values = valid + invalid + [None, "  "]
    result = run_format(tmp_path, "salesforce_id", values)
    assert bad(result, values) == invalid
    rule = result.rule("t.v.format")
    assert (rule.evaluated, rule.failed) == (len(valid) + len(invalid), len(invalid))
    assert rule.severity is Severity.warning and rule.outcome is Outcome.warn


def test_checksum_sql_matches_the_algorithm():
    import random

    import duckdb

    rng = random.Random(7)
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    ids = []
    for _ in range(1000):
        body = "".join(rng.choice(chars) for _ in range(15))
        right = expected_suffix(body)
        wrong = "".join(rng.choice(ALPHABET) for _ in range(3))
        ids += [(body + right, False), (body + wrong, wrong != right), (body, False)]
        ids += [(body[:7] + "-" + body[8:] + right, True), (body[:14], True), (body + "A", True)]
    assert PATTERNS[FormatName.salesforce_id] == r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
    sql = salesforce_id_fails(col("v", None)).sql(dialect="duckdb")
    con = duckdb.connect()
    ids_table = pa.table({"v": [v for v, _ in ids], "bad": [b for _, b in ids]})
    con.register("ids", ids_table)
    mismatches = con.execute(f"SELECT v, bad FROM ids WHERE ({sql}) <> bad").fetchall()
    assert mismatches == []
    assert sum(bad for _, bad in ids) > 3900


def test_email(tmp_path):
    good = ["a@b.co", "first.last+tag@sub.example.org", "o'neil@x-y.com"]
    wrong = ["plain", "a@", "@b.org", "a b@c.org", "a@-b.org", "a@b..org"]
    values = good + wrong
    assert bad(run_format(tmp_path, "email", values), values) == wrong


def test_phone_e164_or_nanp(tmp_path):
    good = ["+14155552671", "+442071838750", "(816) 555-0123", "816.555.0123", "1-816-555-0123"]
    wrong = ["555-0123", "+0123456789", "(116) 555-0123", "816-155-0123", "phone"]
    values = good + wrong
    assert bad(run_format(tmp_path, "phone", values), values) == wrong


def test_url_and_postal_code(tmp_path):
    urls_good = ["https://example.org", "http://a.b/c?d=1#e"]
    urls_bad = ["example.org", "ftp://x.org", "https://nodot", "https://a b.org"]
    values = urls_good + urls_bad
    assert bad(run_format(tmp_path, "url", values), values) == urls_bad
    zips = ["64111", "64111-1234", "6411", "64111-12", "ABCDE"]
    assert bad(run_format(tmp_path, "postal_code", zips), zips) == zips[2:]


def test_regex_is_a_full_match(tmp_path):
    values = ["V00000001", "V0000001", "xV00000001", "V00000001x"]
    result = run_format(tmp_path, "regex", values, pattern="V[0-9]{8}")
    assert bad(result, values) == values[1:]


def test_strict_email_uses_email_validator(tmp_path):
    # matches the WHATWG pattern but email-validator rejects it (special-use domain, dots)
    values = ["ok@example.org", "user@host.invalid", "a..b@x.org", "x@localhost.test", "fine@x.io"]
    result = run_format(tmp_path, "email", values, strict=True)
    assert bad(result, values) == ["user@host.invalid", "a..b@x.org", "x@localhost.test"]


def test_strict_phone_uses_phonenumbers(tmp_path):
    values = ["+14155552671", "(212) 555-0100", "+1 200 555 0100"]
    result = run_format(tmp_path, "phone", values, strict=True, region="US")
    assert bad(result, values) == ["+1 200 555 0100"]


def test_invalid_regex_is_a_config_error_before_anything_runs(tmp_path):
    from pydantic import ValidationError

    fields = {"id": {}, "v": {"format": {"format": "regex", "pattern": "("}, "required": True}}
    with pytest.raises(ValidationError, match="pattern '\\(' is not a valid regular expression"):
        TableCase("t", fields).rows({"id": "1", "v": "x"}).run(tmp_path)


@pytest.mark.parametrize("fmt", ["email", "phone", "url", "postal_code", "salesforce_id"])
def test_generated_sql_reads_back(fmt, tmp_path):
    from vmsdq.checks import compile_entity

    spec = TableCase("t", {"id": {}, "v": {"format": fmt}}).spec()
    check = compile_entity(spec, {"t": spec}).checks[0]
    sql = check.fails.sql(dialect="duckdb")
    assert sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb") == sql
