"""The ISCO-08 classification shipped with the package."""

from __future__ import annotations

import pytest

from isco_assets.lib.classify.taxonomy import load_taxonomy, normalize_unit_code


def test_group_counts() -> None:
    tax = load_taxonomy()
    assert len(tax.groups) == 619
    assert len(tax.unit_codes) == 436
    levels = [g.level for g in tax.groups.values()]
    assert {lvl: levels.count(lvl) for lvl in (1, 2, 3, 4)} == {1: 10, 2: 43, 3: 130, 4: 436}
    assert tax.unit_codes == sorted(tax.unit_codes)
    assert all(len(c) == 4 and c.isdigit() for c in tax.unit_codes)


def test_parents_are_consistent() -> None:
    tax = load_taxonomy()
    for code, group in tax.groups.items():
        if group.level == 1:
            assert group.parent is None
        else:
            assert group.parent == code[:-1]
            assert group.parent in tax
            assert tax.groups[group.parent].level == group.level - 1


def test_lookups() -> None:
    tax = load_taxonomy()
    assert tax.title("2512") == "Software Developers"
    assert "0110" in tax
    assert tax.is_unit_group("0110")
    assert tax.is_unit_group("2221")
    assert not tax.is_unit_group("251")
    assert not tax.is_unit_group("9999")
    assert "9999" not in tax
    assert tax.ancestors("2512") == ["2", "25", "251", "2512"]
    with pytest.raises(KeyError):
        tax.title("9999")


def test_is_nec() -> None:
    tax = load_taxonomy()
    assert tax.is_nec("2519")
    assert not tax.is_nec("2512")
    assert not tax.is_nec("9999")
    nec = [c for c in tax.unit_codes if tax.is_nec(c)]
    assert len(nec) > 20
    assert all("not elsewhere classified" in tax.title(c).lower() for c in nec)


def test_load_taxonomy_is_cached() -> None:
    assert load_taxonomy() is load_taxonomy()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2512", "2512"),
        (" 2512 ", "2512"),
        (2512, "2512"),
        ("2512.0", "2512"),
        (2512.0, "2512"),
        ("110", "0110"),
        (110, "0110"),
        ("0110", "0110"),
        ("110.0", "0110"),
        ("25", None),
        ("25123", None),
        ("25a2", None),
        ("2512.5", None),
        ("", None),
        ("n/a", None),
        (None, None),
        ("-251", None),
    ],
)
def test_normalize_unit_code(value: object, expected: str | None) -> None:
    assert normalize_unit_code(value) == expected
