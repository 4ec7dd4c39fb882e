"""`vmsdq check` refuses Salesforce mappings that a real org would refuse, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.spec.init import init_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    init_project(tmp_path, pack="vms")
    config = tmp_path / "vmsdq.yaml"
    text = config.read_text().replace(
        "salesforce: {type: files, path: salesforce}",
        "salesforce: {type: salesforce, domain: acme.my.salesforce.com}",
    )
    config.write_text(text)
    return tmp_path


def check(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    return result.exit_code, result.output


def test_the_pack_passes_against_a_salesforce_source(project: Path) -> None:
    code, output = check(project)
    assert code == 0, output
    assert output.startswith("OK: ")


def test_a_compound_address_mapping_is_refused_with_its_components(project: Path) -> None:
    volunteer = project / "entities" / "volunteer.yaml"
    volunteer.write_text(
        volunteer.read_text().replace("field: MailingCity", "field: MailingAddress")
    )
    code, output = check(project)
    assert code != 0
    line = next(
        n
        for n, text in enumerate(volunteer.read_text().splitlines(), 1)
        if "MailingAddress" in text
    )
    assert f"volunteer.yaml:{line}:" in output
    assert (
        "entity 'volunteer': Contact.MailingAddress is an address compound field; Bulk API "
        "queries cannot select compound fields, so map its components instead: MailingStreet, "
        "MailingCity, MailingState, MailingPostalCode, MailingCountry, MailingLatitude, "
        "MailingLongitude"
    ) in output.replace("\n", " ")


def test_a_quoted_date_in_the_filter_is_refused(project: Path) -> None:
    student = project / "entities" / "student.yaml"
    student.write_text(
        student.read_text().replace(
            "where: \"Contact_Type__c = 'Student'\"",
            "where: \"Contact_Type__c = 'Student' AND Birthdate > '2000-01-01'\"",
        )
    )
    code, output = check(project)
    assert code != 0
    assert "SOQL writes date values without quotes, e.g. Birthdate > 2000-01-31" in output


def test_a_salesforce_default_source_is_refused_with_the_reason(project: Path) -> None:
    """A Salesforce source only serves reconciliation: its reads hold the mirror's key and
    mapped fields under Salesforce's names, so an entity read from it would miss its own
    fields (field types therefore never come from describe(): see docs/rules.md)."""
    config = project / "vmsdq.yaml"
    text = config.read_text()
    assert "default_source: vms" in text
    config.write_text(text.replace("default_source: vms", "default_source: salesforce"))
    code, output = check(project)
    assert code == 2
    said = "default_source 'salesforce' is a Salesforce source, which only serves reconciliation"
    assert "vmsdq.yaml:" in output and said in output, output
