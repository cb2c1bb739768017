"""The LLM as a resource (OpenAI or Azure OpenAI, one client) and the LLM cluster namer.

Switched on by configuration, never by code: with ``llm.provider`` set (``openai`` or ``azure_openai``; the
variable ``ISCO_LLM_PROVIDER``), ``definitions.py`` uses ``LLMNamerResource``; otherwise the offline keyword namer.
Re-ranking the titles the coder is unsure of costs a request per title, so it also needs ``llm.rerank``
(``ISCO_LLM_RERANK=true``). The other keys of the ``llm`` section are ``LLMSettings``' (``lib/common/llm.py``; their
variables in ``lib/config.py`` ENVIRONMENT); the API key is a secret, only ever the ``dagster.EnvVar``
``ISCO_LLM_API_KEY``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg

from isco_assets.lib.classify.rerank import LLMReranker
from isco_assets.lib.common.llm import ChatClient, LLMSettings, open_client
from isco_assets.lib.config import PlatformConfig
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
        return LLMSettings(**{name: getattr(self, name) for name in RESOURCE_FIELDS})

    def get_client(self) -> ChatClient:
        """A client for one run: its limiter, usage and budget start afresh; the cache is shared."""
        return open_client(self.settings(), Path(self.cache_dir))


class LLMNamerResource(NamerResource):
    """Cluster names, skills, tasks, education and a suggested unit group from the LLM."""

    llm: LLMResource

    def get_namer(self) -> ClusterNamer:
        return LLMClusterNamer(self.llm.get_client())


# the settings a resource carries (the rest keep LLMSettings' defaults)
RESOURCE_FIELDS = ("provider", "model", "api_key", "endpoint", "api_version", "response_format", "tokens_per_minute",
                   "requests_per_minute", "budget_tokens", "budget_cost", "price_input_per_million",
                   "price_output_per_million", "max_retries", "breaker_failures")


def llm_resource(settings: LLMSettings | None, cache_dir: str) -> LLMResource | None:
    """The configured LLM, its key the ``dagster.EnvVar`` ISCO_LLM_API_KEY; None when none is configured."""
    if settings is None:
        return None
    values = {name: getattr(settings, name) for name in RESOURCE_FIELDS if name != "api_key"}
    return LLMResource(cache_dir=cache_dir, api_key=dg.EnvVar("ISCO_LLM_API_KEY"), **values)


def namer_resource(config: PlatformConfig, cache_dir: str) -> NamerResource:
    """The LLM namer when an LLM is configured, else the offline keyword namer."""
    llm = llm_resource(config.llm, cache_dir)
    return LLMNamerResource(llm=llm) if llm is not None else KeywordNamerResource()


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


def reranker_resource(config: PlatformConfig, cache_dir: str) -> RerankerResource:
    """The LLM re-ranker when ``llm.rerank`` is true (the settings refuse it without an LLM), else none."""
    llm = llm_resource(config.llm, cache_dir) if config.rerank else None
    return LLMRerankerResource(llm=llm) if llm is not None else NoReranker()
