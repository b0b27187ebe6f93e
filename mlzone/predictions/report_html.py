"""The HTML form of a predictions report: tables and embedded plots (people look at distributions)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

from mlzone.predictions.report import Report  # noqa: E402

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("mlzone.predictions", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _outputs(report: Report) -> str:
    versions = [v for v in report.versions.values() if v.scores]
    if not versions:
        return ""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for v in versions:
        ax.hist(v.scores, bins=20, alpha=0.55, label=f"version {v.version} ({len(v.scores)})")
    ax.set_xlabel("predicted score")
    ax.set_ylabel("predictions")
    ax.legend()
    return _png(fig)


def _drift(values: dict[str, float]) -> str:
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(values) + 1))
    names = list(values)
    ax.barh(
        names,
        [values[n] for n in names],
        color=["#b00" if values[n] > 0.25 else "#d80" if values[n] > 0.1 else "#4a4" for n in names],
    )
    for limit in (0.1, 0.25):
        ax.axvline(limit, color="#888", linestyle="--", linewidth=1)
    ax.set_xlabel("population stability index")
    return _png(fig)


def write(report: Report, path: Path) -> Path:
    """Render `report` to `path` (one self-contained HTML file)."""
    html = TEMPLATES.get_template("report.html.j2").render(
        r=report,
        counts=sorted(report.by_source.items()),
        outputs_png=_outputs(report),
        drift_png={v.version: _drift(v.drift) for v in report.versions.values() if v.drift},
    )
    path.write_text(html)
    return path
