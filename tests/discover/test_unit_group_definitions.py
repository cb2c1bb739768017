from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from isco_assets.lib.config import bundled_sources
from isco_assets.lib.discover.definitions import GroupDefinitions


@pytest.fixture(scope="module")
def bundled() -> GroupDefinitions:
    return GroupDefinitions.of(bundled_sources())


def test_every_unit_group_of_the_bundled_structure_has_its_definition(bundled) -> None:
    assert len(bundled.forms) == 436
    assert {"nurse", "patient", "care"} <= bundled.forms["2221"]


def test_tasks_the_parents_definition_does_not_describe_are_named(bundled) -> None:
    tasks = ["smart contracts", "analyse business requirements", "review annotation guidelines"]
    assert bundled.outside("2511", tasks) == ["smart contracts", "review annotation guidelines"]
    # other forms of a definition's words describe a task: "administering medications" holds "administer medication"
    assert bundled.outside("2221", ["patient care", "administer medication"]) == []
    assert bundled.outside("3153", ["fly drones", "flight plans"]) == ["fly drones"]


def test_a_group_the_structure_does_not_hold_has_no_tasks_outside(bundled) -> None:
    assert bundled.outside("9999", ["smart contracts"]) == [] and bundled.outside(None, ["x"]) == []
    assert GroupDefinitions.of([]).outside("2511", ["smart contracts"]) == []


def test_a_newer_structure_release_configured_in_place_of_the_bundled_one_is_read(tmp_path) -> None:
    path = tmp_path / "isco08_structure_2030.csv"
    pd.DataFrame({"code": ["2511"], "level": ["4"], "title_en": ["Systems analysts"],
                  "definition": ["Systems analysts audit smart contracts."]}).to_csv(path, index=False)
    sources = [dataclasses.replace(s, path=path) if s.kind == "isco_structure" else s for s in bundled_sources()]
    newer = GroupDefinitions.of(sources)
    assert list(newer.forms) == ["2511"] and newer.outside("2511", ["smart contracts"]) == []


def test_a_structure_file_without_definitions_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "groups.csv"
    pd.DataFrame({"code": ["2511"], "title": ["Systems analysts"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="needs the columns"):
        GroupDefinitions.read(path)
