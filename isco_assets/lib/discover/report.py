"""The HTML report for experts: a 2-D map of the clusters, trend lines of the top candidates, and their evidence.

The report is one self-contained file (the plots are PNGs embedded as base64), so it can be mailed or
opened from a blob store without its folder. The same PNGs go into Dagster metadata as Markdown images.
Plots are drawn on matplotlib ``Figure`` objects (no pyplot state), so this is safe in threads.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from isco_assets.lib.common.storage import atomic_write
from isco_assets.lib.discover.clustering import NOISE

REPORT_NAME = "novel_occupation_candidates.html"
MAP_POINTS = 20_000  # titles drawn on the map at most (a sample, largest first)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _label(row: pd.Series, width: int = 32) -> str:
    """A legend label; "$" escaped, so a name with two of them is not read as matplotlib mathtext."""
    name = str(row.get("name") or f"cluster {row['cluster_id']}")
    return f"#{row['rank']} {name[:width]}".replace("$", r"\$")


def cluster_map_png(assignments: pd.DataFrame, candidates: pd.DataFrame, top: int = 10) -> bytes:
    """Every title (a sample when there are many) at its map coordinates: noise grey, clusters in colour, sized
    by posts; the top candidates ringed and numbered by rank."""
    points = assignments.nlargest(MAP_POINTS, "n_posts") if len(assignments) > MAP_POINTS else assignments
    figure = Figure(figsize=(8, 6))
    ax = figure.subplots()
    size = 4 + 6 * np.sqrt(points["n_posts"].to_numpy(dtype=float))
    noise = points["cluster_id"].to_numpy() == NOISE
    ax.scatter(points["map_x"][noise], points["map_y"][noise], s=size[noise], c="#cccccc", alpha=0.5,
               linewidths=0, label="noise")
    ax.scatter(points["map_x"][~noise], points["map_y"][~noise], s=size[~noise],
               c=points["cluster_id"][~noise] % 20, cmap="tab20", alpha=0.6, linewidths=0)
    members = assignments[assignments["cluster_id"] != NOISE]
    centres = members.assign(wx=members["map_x"] * members["n_posts"], wy=members["map_y"] * members["n_posts"])
    centres = centres.groupby("cluster_id")[["wx", "wy", "n_posts"]].sum()
    for _, row in candidates.head(top).iterrows():
        if row["cluster_id"] not in centres.index:
            continue
        c = centres.loc[row["cluster_id"]]
        x, y = c["wx"] / c["n_posts"], c["wy"] / c["n_posts"]
        ax.scatter([x], [y], s=160, facecolors="none", edgecolors="#d62728", linewidths=1.5)
        ax.annotate(str(row["rank"]), (x, y), xytext=(6, 4), textcoords="offset points", fontsize=9,
                    color="#d62728", weight="bold")
    ax.set_title("Titles by cluster (grey: noise); red: the top candidates, numbered by rank")
    ax.set_xticks([])
    ax.set_yticks([])
    return _png(figure)


def trend_png(candidates: pd.DataFrame, top: int = 8) -> bytes:
    """Posts per period of the top candidates, one line each."""
    figure = Figure(figsize=(8, 4))
    ax = figure.subplots()
    drawn = 0
    for _, row in candidates.head(top).iterrows():
        trend = list(row["trend"])
        if not trend:
            continue
        ax.plot([t["period"] for t in trend], [t["n"] for t in trend], marker="o", label=_label(row))
        drawn += 1
    if drawn:
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, "no dated posts", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("posts")
    ax.set_title("Posts per month of the top candidates")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return _png(figure)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def markdown_image(png: bytes, alt: str) -> str:
    """A Markdown image with the PNG inline, for ``dg.MetadataValue.md``."""
    return f"![{alt}]({data_uri(png)})"


def _counts(items: Iterable[dict[str, object]], limit: int = 4) -> str:
    items = list(items)
    shown = ", ".join(f"{i['key']} {i['n']}" for i in items[:limit])
    return shown + (f", +{len(items) - limit} more" if len(items) > limit else "")


def _groups(groups: Iterable[dict[str, object]]) -> str:
    return ", ".join(f"{g['code']} ({g['share']:.0%}, score {g['score']:.2f})" for g in groups)


def _row(row: pd.Series) -> str:
    """One candidate as a table row; every cell is escaped here, whatever it holds."""
    cells = [
        str(row["rank"]), str(row["name"]), f"{row['novelty_score']:.3f}", f"{int(row['n_posts']):,}",
        str(int(row["n_titles"])), _number(row.get("employers_effective")), _number(row.get("growth"), signed=True),
        _number(row.get("persistence")), str(row.get("origin", "")),
        f"{row['suggested_parent'] or ''} {row['suggested_parent_title'] or ''}",
        _groups(row["nearest_groups"]), " | ".join(map(str, list(row["example_titles"])[:5])),
        " | ".join(map(str, list(row.get("tasks", []))[:5])), _counts(row["by_country"]), _counts(row["by_language"]),
        _counts(row["by_source"]),
    ]
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def _number(value: object, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{float(value):+.2f}" if signed else f"{float(value):.2f}"


_HEADER = ("rank", "name", "score", "posts", "titles", "employers (effective)", "growth (log2)", "persistence",
           "origin", "suggested parent", "nearest unit groups", "example titles", "tasks (from descriptions)",
           "countries", "languages", "sources")
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top}th{background:#f4f4f4;position:sticky;top:0}
img{max-width:100%;border:1px solid #eee;margin:0.5em 0}.note{color:#555;font-size:13px}"""


def report_figures(candidates: pd.DataFrame, assignments: pd.DataFrame, top: int = 10) -> dict[str, bytes]:
    """The report's plots as PNGs: ``cluster_map`` and ``trends`` (drawn once, for the report and metadata)."""
    return {"cluster_map": cluster_map_png(assignments, candidates, top), "trends": trend_png(candidates, top)}


def render_report(candidates: pd.DataFrame, assignments: pd.DataFrame, figures: dict[str, bytes], top: int = 30,
                  title: str = "Novel-occupation candidates") -> str:
    """The whole report as one HTML document, with the ``report_figures`` inline."""
    shown = candidates.head(top)
    from_noise = candidates[candidates["origin"] == "noise"] if "origin" in candidates else candidates.iloc[0:0]
    noise = assignments["cluster_id"] == NOISE
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p class='note'>{len(candidates):,} clusters ranked; {int(assignments['n_posts'].sum()):,} posts under "
        f"{len(assignments):,} normalized titles, of which {int(assignments.loc[noise, 'n_posts'].sum()):,} posts "
        "fit no cluster yet (noise, kept and tracked). Score: coverage gap times size, spread, persistence and "
        "growth multipliers.</p>",
        f"<h2>Map of the clusters</h2><img alt='cluster map' src='{data_uri(figures['cluster_map'])}'>",
        f"<h2>Trends of the top candidates</h2><img alt='trends' src='{data_uri(figures['trends'])}'>",
        f"<h2>Top {len(shown)} candidates</h2><table><tr>",
        "".join(f"<th>{h}</th>" for h in _HEADER), "</tr>", "".join(_row(r) for _, r in shown.iterrows()),
        "</table>",
    ]
    if len(from_noise):
        parts += ["<h2>Grown out of the noise</h2><p class='note'>Clusters whose titles were mostly noise in the "
                  "previous run.</p><table><tr>", "".join(f"<th>{h}</th>" for h in _HEADER), "</tr>",
                  "".join(_row(r) for _, r in from_noise.iterrows()), "</table>"]
    parts.append("</body></html>")
    return "".join(parts)


def write_report(document: str, folder: Path) -> Path:
    return atomic_write(folder / REPORT_NAME, lambda path: path.write_text(document, encoding="utf-8"))
