"""Translator resources: the offline pass-through default and Azure Translator, chosen by ISCO_TRANSLATOR."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from isco_assets.lib.prepare.translation import (
    DEFAULT_ENDPOINT,
    DEFAULT_ON_FAILURE,
    DEFAULT_PRICE_PER_MILLION,
    AzureTranslatorClient,
    PostTranslation,
    TranslationCache,
    TranslationStats,
    check_on_failure,
    translate_posts,
)

CACHE_FILE = "translations.sqlite"


class TranslatorResource(dg.ConfigurableResource, ABC):
    """Puts post titles and descriptions into the target language; implementations are chosen by configuration."""

    target_language: str = "en"

    @property
    @abstractmethod
    def translator_id(self) -> str: ...

    @abstractmethod
    def translate_posts(
        self, titles: Sequence[str], descriptions: Sequence[str], languages: Sequence[str | None]
    ) -> PostTranslation:
        """Texts in the target language, per text whether a translation happened, and the usage."""


class PassThroughTranslator(TranslatorResource):
    """The offline default: text is kept as it is and marked untranslated."""

    @property
    def translator_id(self) -> str:
        return "pass-through"

    def translate_posts(
        self, titles: Sequence[str], descriptions: Sequence[str], languages: Sequence[str | None]
    ) -> PostTranslation:
        n = len(titles)
        return PostTranslation(list(titles), list(descriptions), [False] * n, [False] * n,
                               TranslationStats(texts=2 * n, unchanged=2 * n))


class AzureTranslatorResource(TranslatorResource):
    """Azure Translator (Text Translation v3): the title always, the description up to ``description_chars``
    (0: not at all), masked before sending, cached in ``cache_dir`` so a text is paid for once.

    ``on_failure`` is what a request that still fails does: ``pass-through`` (default) keeps those texts
    untranslated and counts them in the metadata, so every post is still coded; ``fail`` stops the run (see
    ``isco_assets.lib.prepare.translation`` for why pass-through is the default)."""

    key: str
    endpoint: str = DEFAULT_ENDPOINT
    region: str = ""  # required by regional and multi-service resources; empty for a global one
    price_per_million_chars: float = DEFAULT_PRICE_PER_MILLION
    description_chars: int = 1000
    cache_dir: str
    max_retries: int = 5
    max_backoff_seconds: float = 60.0
    on_failure: str = DEFAULT_ON_FAILURE  # "pass-through" or "fail"

    @property
    def translator_id(self) -> str:
        return f"azure-translator:{self.target_language}"

    def client(self) -> AzureTranslatorClient:
        return AzureTranslatorClient(
            self.key, self.endpoint, self.region, self.target_language,
            cache=TranslationCache(Path(self.cache_dir) / CACHE_FILE),
            price_per_million_chars=self.price_per_million_chars, max_retries=self.max_retries,
            max_backoff=self.max_backoff_seconds, on_failure=self.on_failure,
        )

    def translate_posts(
        self, titles: Sequence[str], descriptions: Sequence[str], languages: Sequence[str | None]
    ) -> PostTranslation:
        return translate_posts(self.client(), titles, descriptions, languages, self.description_chars)


def translator_from_env(cache_dir: str) -> TranslatorResource:
    """``ISCO_TRANSLATOR=azure`` picks Azure Translator with its endpoint, key and region as ``dagster.EnvVar``s
    (AZURE_TRANSLATOR_ENDPOINT, AZURE_TRANSLATOR_KEY, AZURE_TRANSLATOR_REGION) and its failure policy from
    ISCO_TRANSLATOR_ON_FAILURE (checked even when unused, so a typo shows at load); anything else unset keeps
    the offline pass-through."""
    on_failure = check_on_failure(os.environ.get("ISCO_TRANSLATOR_ON_FAILURE", "").strip().lower()
                                  or DEFAULT_ON_FAILURE, "ISCO_TRANSLATOR_ON_FAILURE")
    choice = os.environ.get("ISCO_TRANSLATOR", "").strip().lower() or "pass-through"
    if choice == "pass-through":
        return PassThroughTranslator()
    if choice != "azure":
        raise ValueError(f"ISCO_TRANSLATOR={choice!r}: expected 'azure' or 'pass-through'")
    optional = {
        "endpoint": "AZURE_TRANSLATOR_ENDPOINT",
        "region": "AZURE_TRANSLATOR_REGION",
    }
    return AzureTranslatorResource(
        key=dg.EnvVar("AZURE_TRANSLATOR_KEY"),
        cache_dir=cache_dir,
        price_per_million_chars=float(os.environ.get("ISCO_TRANSLATOR_PRICE_PER_MILLION", DEFAULT_PRICE_PER_MILLION)),
        description_chars=int(os.environ.get("ISCO_TRANSLATOR_DESCRIPTION_CHARS", 1000)),
        on_failure=on_failure,
        **{field: dg.EnvVar(var) for field, var in optional.items() if os.environ.get(var)},
    )
