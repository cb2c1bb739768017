"""The HTML report renders self-contained, with the map and trend images and the candidates' evidence."""

from __future__ import annotations

import base64
import re

import pandas as pd

from isco_assets.lib.discover.report import (
    REPORT_NAME,
    cluster_map_png,
    markdown_image,
    render_report,
    report_figures,
    write_report,
)

PNG = b"\x89PNG\r\n\x1a\n"


def _candidates() -> pd.DataFrame:
    rows = []
    for rank, (cid, name, origin) in enumerate([(4, "Prompt <Engineer>", "noise"), (2, "Drone Pilot", "new")], 1):
        rows.append({
            "rank": rank, "cluster_id": cid, "name": name, "novelty_score": 0.8 / rank, "n_posts": 40, "n_titles": 6,
            "employers_effective": 3.2, "growth": 1.5, "persistence": 1.0, "origin": origin,
            "suggested_parent": "2512", "suggested_parent_title": "Software Developers",
            "nearest_groups": [{"code": "2512", "share": 0.6, "score": 0.41}],
            "example_titles": ["prompt engineer", "ai prompt engineer"],
            "by_country": [{"key": "US", "n": 30}, {"key": "GB", "n": 10}], "by_language": [{"key": "en", "n": 40}],
            "by_source": [{"key": "generic", "n": 40}],
            "trend": [{"period": "2026-01", "n": 5}, {"period": "2026-02", "n": 35}],
        })
    return pd.DataFrame(rows)


def _assignments() -> pd.DataFrame:
    return pd.DataFrame({
        "title_norm": [f"t{i}" for i in range(9)], "cluster_id": [4, 4, 4, 2, 2, 2, -1, -1, 7],
        "n_posts": [10, 20, 10, 20, 10, 10, 3, 1, 5],
        "map_x": [0.1, 0.2, 0.15, -1.0, -1.1, -0.9, 2.0, -2.0, 0.5],
        "map_y": [0.3, 0.2, 0.25, 1.0, 1.1, 0.9, 0.0, 2.0, -0.5],
    })


def test_report_renders_with_images_and_evidence(tmp_path) -> None:
    document = render_report(_candidates(), _assignments(), report_figures(_candidates(), _assignments()))
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", document)
    assert len(images) == 2
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "Prompt &lt;Engineer&gt;" in document  # escaped
    assert "2512 Software Developers" in document
    assert "US 30, GB 10" in document
    assert "Grown out of the noise" in document
    assert "http" not in document.replace("http-equiv", "")  # nothing fetched from elsewhere
    path = write_report(document, tmp_path / "exports")
    assert path.name == REPORT_NAME
    assert path.read_text(encoding="utf-8") == document


def test_map_and_markdown_image() -> None:
    png = cluster_map_png(_assignments(), _candidates())
    assert png.startswith(PNG) and len(png) > 1000
    md = markdown_image(png, "map")
    assert md.startswith("![map](data:image/png;base64,")
