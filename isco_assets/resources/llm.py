"""The LLM as a resource (OpenAI or Azure OpenAI, one client) and the LLM cluster namer.

Switched on by the environment, never by code: with ``ISCO_LLM_PROVIDER`` set (``openai`` or ``azure_openai``),
``definitions.py`` uses ``LLMNamerResource``; otherwise the offline keyword namer. Re-ranking the titles the coder
is unsure of costs a request per title, so it also needs ``ISCO_LLM_RERANK=true``. Variables (see
``lib/common/llm.py`` ENV_VARS): ``ISCO_LLM_MODEL`` (model, or the Azure deployment), ``ISCO_LLM_API_KEY``,
``ISCO_LLM_ENDPOINT`` (OpenAI-compatible base URL, or https://<resource>.openai.azure.com), ``ISCO_LLM_API_VERSION``
(Azure), ``ISCO_LLM_RESPONSE_FORMAT``, ``ISCO_LLM_TPM``, ``ISCO_LLM_RPM``, ``ISCO_LLM_BUDGET_TOKENS``,
``ISCO_LLM_BUDGET_COST``, ``ISCO_LLM_PRICE_INPUT`` and ``ISCO_LLM_PRICE_OUTPUT`` (per million tokens).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg

from isco_assets.lib.classify.rerank import LLMReranker
from isco_assets.lib.common.llm import ENV_VARS, ChatClient, LLMSettings, open_client
from isco_assets.lib.discover.llm_naming import LLMClusterNamer
from isco_assets.lib.discover.naming import ClusterNamer
from isco_assets.resources.services import KeywordNamerResource, NamerResource


class LLMResource(dg.ConfigurableResource):
    """Chat completions from OpenAI or Azure OpenAI with client-side limits, a per-run budget and a cache."""

    provider: str = "openai"  # openai | azure_openai
    model: str  # the model, or the Azure deployment name
    api_key: str = ""
    endpoint: str = ""  # OpenAI-compatible base URL; for Azure: https://<resource>.openai.azure.com
    api_version: str = LLMSettings.api_version
    response_format: str = LLMSettings.response_format  # json_object | json_schema | none
    tokens_per_minute: int = LLMSettings.tokens_per_minute
    requests_per_minute: int = LLMSettings.requests_per_minute
    budget_tokens: int = LLMSettings.budget_tokens  # per run; 0 = no limit
    budget_cost: float = LLMSettings.budget_cost  # per run, at the prices below; 0 = no limit
    price_input_per_million: float = LLMSettings.price_input_per_million
    price_output_per_million: float = LLMSettings.price_output_per_million
    max_retries: int = LLMSettings.max_retries  # per request
    breaker_failures: int = LLMSettings.breaker_failures  # requests in a row that cannot connect; 0 = never stop
    cache_dir: str  # answers are cached in <cache_dir>/llm/answers.sqlite

    def settings(self) -> LLMSettings:
        return LLMSettings(**{name: getattr(self, name) for name in ENV_VARS})

    def get_client(self) -> ChatClient:
        """A client for one run: its limiter, usage and budget start afresh; the cache is shared."""
        return open_client(self.settings(), Path(self.cache_dir))


class LLMNamerResource(NamerResource):
    """Cluster names, skills, tasks, education and a suggested unit group from the LLM."""

    llm: LLMResource

    def get_namer(self) -> ClusterNamer:
        return LLMClusterNamer(self.llm.get_client())


def llm_resource_from_env(cache_dir: str) -> LLMResource | None:
    """The LLM the environment asks for, every value an EnvVar (shown as such in the UI); None when
    ``ISCO_LLM_PROVIDER`` is not set. Dagster has no float EnvVar, so budget_cost and prices are read here."""
    if not os.environ.get("ISCO_LLM_PROVIDER"):
        return None
    values: dict[str, object] = {}
    for name, (var, kind) in ENV_VARS.items():
        if os.environ.get(var):
            values[name] = dg.EnvVar(var) if kind is str else dg.EnvVar.int(var) if kind is int \
                else kind(os.environ[var])
    return LLMResource(cache_dir=cache_dir, **values)


def namer_from_env(cache_dir: str) -> NamerResource:
    """The LLM namer when ``ISCO_LLM_PROVIDER`` is set, else the offline keyword namer."""
    llm = llm_resource_from_env(cache_dir)
    return LLMNamerResource(llm=llm) if llm is not None else KeywordNamerResource()


RERANK_FLAGS = {"": False, "0": False, "false": False, "no": False, "1": True, "true": True, "yes": True}


class RerankerResource(dg.ConfigurableResource, ABC):
    """What re-ranks the codes of titles that need review, if anything."""

    @abstractmethod
    def get_reranker(self) -> LLMReranker | None: ...


class NoReranker(RerankerResource):
    """Retrieval order as it is (the embedded default)."""

    def get_reranker(self) -> LLMReranker | None:
        return None


class LLMRerankerResource(RerankerResource):
    """The LLM picks among a title's top codes when the coder is unsure (``lib/classify/rerank.py``)."""

    llm: LLMResource

    def get_reranker(self) -> LLMReranker | None:
        return LLMReranker(self.llm.get_client())


def reranker_from_env(cache_dir: str) -> RerankerResource:
    """The LLM re-ranker when ``ISCO_LLM_RERANK`` is true (it needs ``ISCO_LLM_PROVIDER``), else none. A value that is
    not true or false, or re-ranking asked for without a provider, is an error, not a silent default."""
    flag = os.environ.get("ISCO_LLM_RERANK", "").strip().lower()
    if flag not in RERANK_FLAGS:
        raise ValueError(f"ISCO_LLM_RERANK must be one of {sorted(f for f in RERANK_FLAGS if f)}, not {flag!r}")
    if not RERANK_FLAGS[flag]:
        return NoReranker()
    llm = llm_resource_from_env(cache_dir)
    if llm is None:
        raise ValueError("ISCO_LLM_RERANK is true but no LLM is configured: set ISCO_LLM_PROVIDER (and ISCO_LLM_MODEL, "
                         "ISCO_LLM_API_KEY)")
    return LLMRerankerResource(llm=llm)
