"""The score-trend chart of a report as a PNG (matplotlib, drawn offline without a browser)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmsdq.services.reports import Report

LINE = "#1f5fa8"  # the score line; tests look for it in the rendered PDF
TARGET = "#2b8a3e"


def trend_png(report: Report, *, width: float = 7.0, height: float = 2.8, dpi: int = 150) -> bytes:
    """The overall score of each run of the period, with the target as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    points = [p for p in report.trend if p.score is not None]
    fig, ax = plt.subplots(figsize=(width, height), dpi=dpi)
    try:
        if points:
            xs: list[Any] = [p.at for p in points]
            ys = [float(p.score or 0.0) for p in points]
            ax.plot(xs, ys, color=LINE, linewidth=2.5, marker="o", markersize=4, label="overall")
            ax.axhline(
                report.target,
                color=TARGET,
                linestyle="--",
                linewidth=1,
                label=f"target {report.target:g}",
            )
            low = min(*ys, report.target)
            ax.set_ylim(max(0.0, low - 5), 100.5)
            locator = AutoDateLocator()  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
            ax.legend(loc="lower left", fontsize=8, frameon=False)
        else:
            ax.text(0.5, 0.5, "no completed run in this period", ha="center", va="center")
        ax.set_ylabel("score")
        ax.set_title("Overall score per run", fontsize=10)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)
