"""Labels for the ISCO-08 index: the project's own unit-group titles plus configured sources.

Each label keeps its provenance (source, version, language, kind, concept), so a code can be traced
back to the file and release that taught it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, MutableMapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy, normalize_unit_code
from isco_assets.lib.common.storage import cached, digest, file_version, source_version
from isco_assets.lib.config import Crosswalk, IndexSource
from isco_assets.lib.embed.embedding import Embedder, EmbeddingCache, Progress
from isco_assets.lib.prepare import text as text_module
from isco_assets.lib.prepare.text import coding_text, label_text, normalize_title

LOG = logging.getLogger(__name__)
TITLE_KEY = "title:"  # an exclude entry "title:<text>" leaves out the coded posts whose title reads as <text>
LABEL_KEY = "label:"  # an exclude entry "label:<text>" leaves out every source's labels that normalize to <text>
LANGUAGE_SEPARATOR = "@"  # an exclude entry "<concept>@<language>" leaves out that concept's labels in one language
INDEX_COLUMNS = ("code", "label", "label_norm", "source", "language", "kind", "concept", "version", "weight")
# A label row before normalization: code, label, source, language, kind, concept (the occupation it
# names: an ESCO URI, an O*NET-SOC code, "<source>:<national code>", or the unit group when the source
# has no finer concept). The source's version is added per source.
Row = tuple[str, str, str, str, str, str]

_BULLET = re.compile(r"^\s*[-•*]\s*(.+?)\s*$")
_QUALIFIER = re.compile(r"\s*\([^)]*\)")


BUILTIN_VERSION = "ISCO-08"
BUILTIN_SOURCE = "isco08"


def builtin_labels(taxonomy: IscoTaxonomy) -> Iterator[Row]:
    for code in taxonomy.unit_codes:
        yield code, taxonomy.title(code), BUILTIN_SOURCE, "en", "unit_group_title", code


def _esco(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    kinds = [("preferred_label", "preferred"), ("alt_labels", "alternative")]
    if source.hidden_labels and "hidden_labels" in frame.columns:
        kinds.append(("hidden_labels", "hidden"))
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(getattr(row, "isco_code", "") or getattr(row, "iscoGroup", ""))
        if code is None:
            continue
        for column, kind in kinds:
            for label in _split_labels(getattr(row, column, "")):
                yield code, label, source.label, source.language, kind, getattr(row, "esco_uri", "") or code


def _split_labels(value: str) -> list[str]:
    """ESCO joins labels with '|' or newlines, and gendered pairs with '/'."""
    out = []
    for part in re.split(r"[|\n]", value or ""):
        out.extend(p.strip() for p in re.split(r"\s*/\s*(?=\w)", part) if p.strip())
    return out


def _ilo_index(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for title, raw_code in zip(frame["title"], frame["isco_code"], strict=True):
        code = normalize_unit_code(raw_code)
        if code is None or not title.strip():
            continue
        yield code, _uninvert(title), source.label, source.language, "index_title", code


def _uninvert(title: str) -> str:
    """The ILO index writes "Adjuster, claims", "Agent, insurance, life", "Cleaner, dry: carpet" and "Officer:
    customs"; people write "claims adjuster", "life insurance agent", "carpet dry cleaner" and "customs officer".
    Left as written, a title normalized for coding keeps its head alone: 2,225 of the index's titles have a colon,
    and "cleaner" had become a label of 9129, 9121 and 8157 alike, "officer" one of 3433."""
    named, _, field = title.partition(":")
    head, *qualifiers = [part.strip() for part in named.split(",")]
    return " ".join(part for part in (field.replace(",", " ").strip(), *reversed(qualifiers), head) if part)


def _isco_structure(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(row.code) if str(row.level) == "4" else None
        if code is None:
            continue
        yield code, row.title_en, source.label, source.language, "unit_group_title", code
        for line in str(getattr(row, "included_occupations", "")).splitlines():
            match = _BULLET.match(line)
            if match:
                label = _uninvert(_QUALIFIER.sub("", match.group(1)))  # "Chairperson, trade union"
                yield code, label, source.label, source.language, "included_occupation", code


def _feedback(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(row.isco_code)
        if code and row.title.strip():
            language = getattr(row, "language", "") or source.language
            yield code, row.title, source.label, language, "feedback", code


def _crosswalked(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    """Titles coded in a national classification or O*NET, under each ISCO-08 group their code reaches.

    A title that reaches more than ``max_targets`` groups, through a many-to-many crosswalk or because the index
    lists it under several codes, is left out: it would be an equal label of groups it only partly belongs to,
    and the coder weighs every label the same. An entry restricted by a qualifier or an industry ("in printing")
    keeps its title only when the title alone is unambiguous. Titles that name no work without their qualifier
    (grades and abbreviations: "A", "HEO") are left out. Each reason is counted in ``stats``.
    """
    code_column = source.code_column or ("onet_soc_code" if source.kind == "onet" else "code")
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    title_column = source.title_column or "title"
    _require(frame, source.path, [title_column, code_column, *source.qualifier_columns])
    if source.title_kinds:
        _require(frame, source.path, ["kind"])
        frame = frame[frame["kind"].isin(source.title_kinds)]
    stats["entries"] += len(frame)
    raw_codes = frame[code_column].str.strip()
    if source.crosswalk:
        targets = crosswalk_targets(raw_codes.unique(), source.crosswalk)
    else:
        targets = {c: tuple(filter(None, [normalize_unit_code(c)])) for c in raw_codes.unique()}
    titles = frame[title_column].str.strip()
    reach = pd.Series([targets[c] for c in raw_codes], index=frame.index)
    norm = titles.map(normalize_title)
    groups_of_title = {t: set().union(*g) for t, g in reach.groupby(norm)}
    qualified = np.zeros(len(frame), dtype=bool)
    for column in source.qualifier_columns:
        qualified |= frame[column].str.strip().ne("").to_numpy()
    kinds = frame["kind"] if "kind" in frame.columns else [f"{source.kind}_title"] * len(frame)
    for title, key, raw_code, codes, restricted, kind in zip(titles, norm, raw_codes, reach, qualified, kinds,
                                                             strict=True):
        if not title or not key:
            stats["empty"] += 1
        elif not codes:
            stats["unmapped"] += 1  # a national-only code, or one the crosswalk does not reach
        elif len(codes) > source.max_targets:
            stats["ambiguous_code"] += 1
        elif len(groups_of_title[key]) > source.max_targets:
            stats["qualified_ambiguous" if restricted else "ambiguous_title"] += 1
        elif _names_no_work(title):
            stats["no_work"] += 1
        else:
            concept = raw_code if source.kind == "onet" else f"{source.label}:{raw_code}"
            for code in codes:
                yield code, title, source.label, source.language, kind, concept


def _shared_weights(rows: Sequence[Row], source: IndexSource) -> list[float]:
    """The source's weight per row, shared among the groups a title reaches where ``max_targets`` lets it reach
    several ("garçom": 5131 and 5132 at half each), so that an ambiguous title weighs no more than a plain one."""
    if source.max_targets <= 1:
        return [source.weight] * len(rows)
    reach = Counter(r[1] for r in {(r[0], r[1]) for r in rows})
    return [source.weight / reach[r[1]] for r in rows]


_GRADE = re.compile(r"^[A-Z0-9]{1,5}$|^[A-Z]?\d+[A-Z]?$")


def _names_no_work(title: str) -> bool:
    """A grade or abbreviation ("A", "HEO", "AO2"): meaningful only with the qualifier the index gives it."""
    words = [w for w in re.split(r"[\s/,-]+", title) if w]
    return all(_GRADE.match(w) for w in words) or not any(len(w) >= 3 for w in words)


def _coded_posts(source: IndexSource, stats: Counter[str]) -> Iterator[Row]:
    """Posts people coded: the title is a label of its code, and so is the occupation name chosen for it
    (``name_column``, kind ``coded_name``). The concept of both is the ``concept_column`` value when configured,
    else the title as the coder reads it, so a leave-out run can drop a post's own title and its name with it."""
    code_column = source.code_column or "isco_code"
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    title_column = source.title_column or "job_title"
    _require(frame, source.path, [title_column, code_column,
                                  *filter(None, [source.concept_column, source.name_column])])
    languages = frame["language"] if "language" in frame.columns else [source.language] * len(frame)
    concepts = frame[source.concept_column] if source.concept_column else [""] * len(frame)
    names = frame[source.name_column] if source.name_column else [""] * len(frame)
    for title, raw_code, language, concept, name in zip(frame[title_column], frame[code_column], languages,
                                                        concepts, names, strict=True):
        code = normalize_unit_code(raw_code)
        if code and title.strip():
            concept = concept or coding_text(title)
            yield code, title, source.label, language or source.language, "coded_post", concept
            if name.strip():
                yield code, name, source.label, language or source.language, "coded_name", concept


def crosswalk_targets(codes: Iterable[str], steps: Sequence[Crosswalk]) -> dict[str, tuple[str, ...]]:
    """Each code's ISCO-08 codes after the crosswalk steps (many-to-many at every step), sorted.

    A 3-digit minor group in the last file stays a target (it makes the mapping wider) but is no unit
    group, so it never becomes a label.
    """
    mappings = [_read_crosswalk(step) for step in steps]
    out: dict[str, tuple[str, ...]] = {}
    for code in codes:
        current = {code}
        for step, mapping in zip(steps, mappings, strict=True):
            current = {t for c in current for t in mapping.get(c[: step.key_length] if step.key_length else c, ())}
        out[code] = tuple(sorted({_isco_target(c) for c in current}))
    return out


def _isco_target(value: str) -> str:
    """A unit group (with a leading zero a spreadsheet dropped put back), or a coarser group as written."""
    code = normalize_unit_code(value)
    return code if code and load_taxonomy().is_unit_group(code) else value.removesuffix(".0")


def _read_crosswalk(step: Crosswalk) -> dict[str, set[str]]:
    if not step.path.is_file():
        raise FileNotFoundError(f"crosswalk file not found: {step.path}")
    frame = pd.read_csv(step.path, dtype=str, keep_default_na=False)
    _require(frame, step.path, [step.source_column, step.target_column])
    mapping: dict[str, set[str]] = {}
    for source, target in zip(frame[step.source_column], frame[step.target_column], strict=True):
        if source.strip() and target.strip():
            mapping.setdefault(source.strip(), set()).add(target.strip())
    return mapping


def _require(frame: pd.DataFrame, path: Path, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: no column {missing}; columns are {list(frame.columns)}")


_READERS = {"esco": _esco, "ilo_index": _ilo_index, "isco_structure": _isco_structure, "feedback": _feedback,
            "national": _crosswalked, "onet": _crosswalked, "coded_posts": _coded_posts}


@lru_cache(maxsize=32)
def _read_source(source: IndexSource, versions: tuple[str, ...]) -> tuple[list[Row], Counter[str]]:
    """A source's rows and what its reader left out, read once per process and version of its files (``_versions``:
    the title file and its crosswalks; leave-out runs and the commands build the index many times)."""
    counts: Counter[str] = Counter()
    return list(_READERS[source.kind](source, counts)), counts


_CODE = source_version(__file__, text_module.__file__)  # the readers and the normalization the labels come from


def _versions(source: IndexSource) -> list[str]:
    return [repr(source), file_version(source.path), *(file_version(step.path) for step in source.crosswalk
                                                        if step.path.is_file())]


def build_index_labels(
    taxonomy: IscoTaxonomy, sources: Iterable[IndexSource] = (), exclude: Collection[str] = (),
    stats: MutableMapping[str, Counter[str]] | None = None, cache: Path | None = None,
) -> pd.DataFrame:
    """All labels, normalized like job titles, deduplicated per (code, normalized label).

    ``exclude`` leaves out occupations (labels whose concept is one of the URIs), an occupation's labels in
    one language (``language_key``), ISCO groups (labels whose code starts with one of the codes) and labels of
    any source that name a left-out occupation (``label_key``), as leave-out evaluations need; a coded post also
    leaves when ``title_key`` of its title is in ``exclude``.
    Coded posts are normalized like the texts the coder reads (every segment of the title), so a title coded
    before finds its own label. ``stats`` receives, per source, what its reader left out and why. ``cache``: a
    folder where the normalized labels of these sources are kept (normalizing 100k labels takes seconds).
    """
    found = []
    for source in sources:
        if source.path.is_file():
            found.append(source)
        elif not source.optional:
            raise FileNotFoundError(f"index source {source.label}: file not found: {source.path}")
        else:
            LOG.warning("index source %s: file not found, skipped (optional): %s", source.label, source.path)
    key = digest([_CODE, *(v for s in found for v in _versions(s))])
    frame, counts = cached(cache, key, lambda: _normalized_rows(taxonomy, found), keep=8)
    if stats is not None:
        stats.update(counts)
    coded = (frame["kind"] == "coded_post").to_numpy()
    if exclude:
        left_out, codes = set(exclude), tuple(e for e in exclude if e.isdigit())
        in_language = frame["concept"] + LANGUAGE_SEPARATOR + frame["language"]
        frame = frame[~frame["concept"].isin(left_out) & ~in_language.isin(left_out)
                      & ~frame["code"].str.startswith(codes or ("\0",))
                      & ~(coded & (TITLE_KEY + frame["label_norm"]).isin(left_out))
                      & ~((frame["kind"] == "coded_name") & (TITLE_KEY + frame["concept"]).isin(left_out))
                      & ~(LABEL_KEY + frame["label_norm"]).isin(left_out)]
        if any(e.startswith(LABEL_KEY) for e in left_out):
            # a name left out reads as titles do ("Stage manager" as "manager"), a label as a label
            as_title = pd.Series([label_key(t) for t in frame["label"]], index=frame.index)
            frame = frame[coded[frame.index] | ~as_title.isin(left_out)]
    frame = frame[frame["label_norm"] != ""]
    frame = frame.drop_duplicates(subset=["code", "label_norm"]).reset_index(drop=True)
    return frame[list(INDEX_COLUMNS)]


def _normalized_rows(taxonomy: IscoTaxonomy, sources: Sequence[IndexSource]) -> tuple[pd.DataFrame, dict]:
    """Every source's rows with the normalized label, before exclusions and deduplication, and the readers'
    counts per source."""
    LOG.info("reading and normalizing the index's labels (%s sources; kept for the next run)", len(sources))
    rows: list[Row] = list(builtin_labels(taxonomy))
    versions = [BUILTIN_VERSION] * len(rows)
    weights = [1.0] * len(rows)
    stats: dict[str, Counter[str]] = {}
    for source in sources:
        read, counts = _read_source(source, tuple(_versions(source)))
        added = [r for r in read if taxonomy.is_unit_group(r[0])]
        stats[source.label] = counts + Counter(not_a_unit_group=len(read) - len(added), labels_read=len(added))
        rows.extend(added)
        versions.extend([source.version] * len(added))
        weights.extend(_shared_weights(added, source))
    frame = pd.DataFrame(rows, columns=["code", "label", "source", "language", "kind", "concept"])
    frame["version"] = versions
    frame["weight"] = np.asarray(weights, dtype=np.float32)
    coded = (frame["kind"] == "coded_post").to_numpy()
    frame["label_norm"] = [coding_text(label) if is_coded else label_text(label)
                           for label, is_coded in zip(frame["label"], coded, strict=True)]
    bare = _bare_generic(frame) & ~coded
    for source, n in frame.loc[bare, "source"].value_counts().items():
        stats.setdefault(source, Counter())["bare_generic_word"] += int(n)
    return frame[~bare].reset_index(drop=True), stats


GENERIC_GROUPS = 40  # a word in the labels of this many unit groups (of 436) names no group on its own


def word_spread(labels: pd.DataFrame, words: Callable[[str], list[str]] = str.split) -> pd.Series:
    """Per word of the index's normalized labels (``label_norm``, split into ``words``), the number of unit groups
    (``code``) whose labels use it."""
    exploded = labels[["code", "label_norm"]].assign(word=labels["label_norm"].map(words)).explode("word")
    return exploded.dropna(subset=["word"]).groupby("word")["code"].nunique()


def _bare_generic(frame: pd.DataFrame) -> np.ndarray:
    """The labels that are one word the labels of ``GENERIC_GROUPS`` unit groups or more use: ESCO lists
    "technician" under 8183, 7312 and 7421 and "director" under 2654 and 1431, among other names of the same
    occupations, and as exact labels they drew every bare title to one of them."""
    spread = word_spread(frame)
    return frame["label_norm"].isin(set(spread[spread >= GENERIC_GROUPS].index)).to_numpy()


def language_key(concept: str, language: str) -> str:
    """The exclude entry that leaves out one occupation's labels in one language, keeping its other languages:
    a cross-lingual leave-out asks whether a title finds its occupation through another language's labels."""
    return f"{concept}{LANGUAGE_SEPARATOR}{language}"


def label_key(title: str) -> str:
    """The exclude entry that leaves out every label, of any source, that reads as ``title`` once normalized:
    an occupation is gone from the index only when no source names it any more."""
    return LABEL_KEY + normalize_title(title)


def title_key(title: str) -> str:
    """The exclude entry that leaves out the coded posts with this title (as the coder reads it); namespaced, so
    a title such as "10" is never taken for an ISCO code prefix."""
    return TITLE_KEY + coding_text(title)


def embed_index(
    labels: pd.DataFrame, embedder: Embedder, cache: EmbeddingCache, progress: Progress | None = None
) -> tuple[np.ndarray, int]:
    """Vectors for the normalized labels (cached), and how many had to be encoded now."""
    return cache.embed(labels["label_norm"].tolist(), embedder, progress)
