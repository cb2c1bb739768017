"""The partner registry: who delivers what, where, and how to read it.

The registry is a YAML mapping of partner name to settings, either inline under ``partners:`` in the
settings file or in a file of its own that the settings file names (``partners: partners.yaml``,
relative to the settings file). A registry file holds the mapping at its top level or under
``partners:``. The ``generic`` partner (canonical columns, folder ``generic/``) is always present.

.. code-block:: yaml

    jobportal_cvs:
      kind: cvs                      # posts (default) | cvs: personal data, only the needed columns are read
      prefix: jobportal/cvs          # folder or blob prefix; default: the partner's name
      format: jsonl                  # csv | tsv | jsonl (JSON arrays too) | parquet; default: from the file name
                                     # (.csv, .tsv, .jsonl, .ndjson, .json, .parquet; .gz is read too)
      encoding: utf-8
      delimiter: ";"
      columns: {job_title: current_title, job_desc: experience, country: market}
      language: en                   # hint used when detection is unsure
      country_languages: {MY: ms, ES: es, BR: pt, IT: it}
      max_bytes: 500000000           # larger files are rejected without being downloaded
      changed_files: replace         # replace (default): a changed file supersedes its earlier version; add
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from isco_assets.lib.ingest.drops import CANONICAL_COLUMNS, CHANGED_FILES, FORMATS, KINDS, PartnerSpec

GENERIC = "generic"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*(?:_[A-Za-z0-9.-]+)*$")  # no "__": it separates drop-id parts
_KNOWN = {
    "columns", "format", "encoding", "delimiter", "language", "max_bytes", "prefix", "kind", "country_languages",
    "changed_files",
}


class PartnerRegistryError(ValueError):
    """The partner registry is malformed; the message names the partner and the key."""


def load_partners(value: Any, base: Path) -> dict[str, PartnerSpec]:
    """Partners from an inline mapping or from the YAML file ``value`` names (relative to ``base``)."""
    source = "the partners config"
    if isinstance(value, str):
        file = Path(value).expanduser()
        file = file if file.is_absolute() else (base / file).resolve()
        if not file.is_file():
            raise PartnerRegistryError(f"partner registry not found: {file}")
        source = str(file)
        value = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if isinstance(value, dict) and set(value) == {"partners"}:
            value = value["partners"] or {}
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise PartnerRegistryError(f"{source}: expected a mapping of partner name to settings, got {value!r}")
    partners = {GENERIC: PartnerSpec(GENERIC)}
    for name, spec in value.items():
        partners[str(name)] = partner_spec(str(name), spec or {})
    _check_folders(partners)
    return partners


def partner_spec(name: str, spec: Any) -> PartnerSpec:
    if not _NAME.match(name):
        raise PartnerRegistryError(f"partner {name!r}: use letters, digits, '.', '-' and single '_' in names")
    if not isinstance(spec, dict):
        raise PartnerRegistryError(f"partner {name!r}: expected a mapping, got {spec!r}")
    unknown = set(spec) - _KNOWN
    if unknown:
        raise PartnerRegistryError(f"partner {name!r}: unknown keys {sorted(unknown)}; known: {sorted(_KNOWN)}")
    _one_of(name, "kind", spec.get("kind", "posts"), KINDS)
    _one_of(name, "changed_files", spec.get("changed_files", "replace"), CHANGED_FILES)
    if spec.get("format") is not None:
        _one_of(name, "format", spec["format"], sorted(set(FORMATS.values())))
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict) or set(columns) - set(CANONICAL_COLUMNS):
        raise PartnerRegistryError(
            f"partner {name!r}: 'columns' maps canonical names {list(CANONICAL_COLUMNS)} to the partner's "
            f"column names; got {columns!r}"
        )
    countries = {str(k).upper(): str(v).lower() for k, v in (spec.get("country_languages") or {}).items()}
    return PartnerSpec(name=name, **{**spec, "columns": columns, "country_languages": countries})


def _one_of(name: str, key: str, value: Any, allowed: tuple[str, ...] | list[str]) -> None:
    if value not in allowed:
        raise PartnerRegistryError(f"partner {name!r}: {key} {value!r} is not one of {list(allowed)}")


def _check_folders(partners: Mapping[str, PartnerSpec]) -> None:
    """Each partner has a folder of its own (only the files directly in it are drops, so folders may nest)."""
    seen: dict[str, str] = {}
    for spec in partners.values():
        if spec.folder in seen:
            raise PartnerRegistryError(f"partners {seen[spec.folder]!r} and {spec.name!r} share folder {spec.folder!r}")
        seen[spec.folder] = spec.name
