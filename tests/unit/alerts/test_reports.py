"""Weekly reports: the PDF rendered to PNG shows the score-trend chart; HTML and Markdown
list the rules costing the most points; a scheduled report reaches the local SMTP server
with its PDF and CSV attached; ``vmsdq report`` writes one on demand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
from click.testing import CliRunner
from PIL import Image

from vmsdq.cli import main
from vmsdq.services.report_chart import LINE
from vmsdq.services.report_render import top_rules_csv
from vmsdq.services.report_send import render, send_report
from vmsdq.services.reports import build_report
from vmsdq.services.runs import import_run
from vmsdq.spec.alerts import ReportSpec, ReportsSpec

from .conftest import T0, Clock, MakeCtx, day_run, store
from .smtp import smtp_server

FAILING = [0, 5, 12, 20, 30, 25, 40, 45]  # email rule failures per day: the score falls


def _week(make_ctx: MakeCtx, clock: Clock, **alerts: object) -> object:
    ctx = make_ctx(dict(alerts))
    for day, failed in enumerate(FAILING):
        store(ctx, clock, day_run(day, email_failed=failed, critical_failed=day % 3))
    return ctx


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _line_pixels(image: Image.Image) -> list[tuple[int, int]]:
    """Pixels of the trend line's colour (within a small tolerance)."""
    target = _rgb(LINE)
    rgb = image.convert("RGB")
    width, height = rgb.size
    data = rgb.load()
    assert data is not None
    return [
        (x, y)
        for y in range(0, height, 2)
        for x in range(0, width, 2)
        if sum(abs(a - b) for a, b in zip(data[x, y], target, strict=True)) < 60
    ]


def test_the_weekly_pdf_rendered_to_png_shows_the_trend_chart(
    make_ctx: MakeCtx, clock: Clock, tmp_path: Path
) -> None:
    ctx = _week(make_ctx, clock)
    report = build_report(ctx, "weekly", end=T0 + timedelta(days=7))
    assert len(report.trend) == 8 and report.change is not None and report.change < -5
    data = render(report, "pdf")
    assert data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(data)
    page = pdf[0]
    image = page.render(scale=1.5).to_pil()
    image.save(tmp_path / "weekly.png")
    text = page.get_textpage().get_text_range()
    assert "Weekly quality report" in text and "Rules costing the most points" in text
    assert "volunteer.email.required" in text
    width, height = image.size
    background = image.convert("L").point(lambda v: 255 if v < 250 else 0)
    assert background.getbbox() is not None  # something is drawn
    line = _line_pixels(image)
    assert len(line) > 200, "the trend line is not on the page"
    xs = [x for x, _ in line]
    ys = [y for _, y in line]
    assert max(xs) - min(xs) > width * 0.5  # it spans the chart, left to right
    assert max(ys) < height * 0.6  # in the chart area, above the tables
    assert max(ys) - min(ys) > 20  # the score falls: the line slopes
    pdf.close()


def test_html_markdown_and_csv_list_the_rules_costing_the_most_points(
    make_ctx: MakeCtx, clock: Clock
) -> None:
    ctx = _week(make_ctx, clock)
    report = build_report(ctx, "weekly", end=T0 + timedelta(days=7), top=3)
    rows = list(csv.DictReader(io.StringIO(top_rules_csv(report))))
    assert rows[0]["rule"] == "volunteer.email.required" and float(rows[0]["points"]) > 0
    assert rows[0]["failed"] == "45" and rows[0]["evaluated"] == "100"
    md = render(report, "md").decode()
    assert "# Weekly quality report: vmsdq (default)" in md
    assert "| volunteer.email.required |" in md and "8 runs" in md
    html = render(report, "html").decode()
    assert "data:image/png;base64," in html
    assert "https://dq.example.org/rules/volunteer.email.required" in html


def test_an_empty_period_says_so(make_ctx: MakeCtx, clock: Clock) -> None:
    ctx = make_ctx({})
    report = build_report(ctx, "daily", end=T0)
    assert render(report, "md").decode().splitlines()[2].startswith("No completed run between")
    assert render(report, "pdf").startswith(b"%PDF")


def test_a_scheduled_report_is_emailed_with_its_pdf_and_csv(
    make_ctx: MakeCtx, clock: Clock, tmp_path: Path
) -> None:
    with smtp_server(tmp_path) as box:
        channel = {
            "type": "email",
            "to": ["lead@example.org"],
            "smtp": {"host": "127.0.0.1", "port": box.port, "ca_file": box.ca_file},
        }
        ctx = make_ctx({"channels": {"mail": channel}})
        for day, failed in enumerate(FAILING):
            store(ctx, clock, day_run(day, email_failed=failed))
        spec = ctx.project.spec.model_copy(
            update={"reports": ReportsSpec(schedules={"weekly": ReportSpec(channels=["mail"])})}
        )
        ctx.project = ctx.project.model_copy(update={"spec": spec})
        [sent] = send_report(ctx, "weekly", end=T0 + timedelta(days=7))
        [mail] = box.messages
    assert ctx.repos.webhooks.delivery(sent.id).status == "delivered"  # type: ignore[union-attr]
    assert mail["Subject"].startswith("Weekly quality report: vmsdq (default), 2026-11-02")
    names = {a.get_filename(): a.get_content_type() for a in mail.iter_attachments()}
    assert names == {
        "vmsdq-weekly-2026-11-09.pdf": "application/pdf",
        "vmsdq-weekly-2026-11-09-top-rules.csv": "text/csv",
    }
    assert "Rules costing the most points" in mail.get_body(("html",)).get_content()


def test_vmsdq_report_writes_a_report_on_demand(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "entities").mkdir(parents=True)
    (root / "entities" / "volunteer.yaml").write_text(
        "entity: volunteer\nkey: id\nfields:\n  id: {}\n"
    )
    (root / "vmsdq.yaml").write_text("sources: {data: {type: files}}\ndefault_source: data\n")
    from vmsdq.services.context import open_context

    ctx = open_context(root)
    for day, failed in enumerate(FAILING):
        import_run(ctx, day_run(day, email_failed=failed))
    end = (T0 + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    runner = CliRunner()
    md = runner.invoke(main, ["report", "--project", str(root), "--end", end])
    assert md.exit_code == 0, md.output
    assert "# Weekly quality report" in md.output and "volunteer.email.required" in md.output
    out = tmp_path / "r.pdf"
    made = runner.invoke(
        main, ["report", "--project", str(root), "--format", "pdf", "--out", str(out), "--end", end]
    )
    assert made.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    refused = runner.invoke(main, ["report", "--project", str(root), "--format", "pdf"])
    assert refused.exit_code == 2 and "--format pdf needs --out FILE" in refused.output


def test_report_schedules_and_the_alert_sweep_are_beat_entries(tmp_path: Path) -> None:
    from vmsdq.jobs.deliveries import beat_entries
    from vmsdq.services.context import load
    from vmsdq.services.jobconfig import job_settings

    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "v.yaml").write_text("entity: v\nkey: id\nfields:\n  id: {}\n")
    (tmp_path / "vmsdq.yaml").write_text(
        "sources: {data: {type: files}}\ndefault_source: data\n"
        "alerts: {channels: {mail: {type: email, to: [a@example.org]}}}\n"
        "reports: {schedules: {weekly: {channels: [mail]}, "
        "monthly: {period: monthly, cron: '0 6 2 * *', channels: [mail]}}}\n"
    )
    entries = beat_entries(job_settings(load(tmp_path)))
    assert entries["vmsdq alerts sweep"]["task"] == "vmsdq.alerts_sweep"
    weekly = entries["vmsdq report weekly"]
    assert weekly["task"] == "vmsdq.report" and weekly["args"][1] == "weekly"
    assert weekly["schedule"].day_of_week == {1} and weekly["schedule"].hour == {7}
    assert entries["vmsdq report monthly"]["schedule"].day_of_month == {2}
