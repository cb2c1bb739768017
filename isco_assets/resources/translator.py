"""Translator resources: the offline pass-through default and Azure Translator, chosen by the settings' ``translator``
section (``translator.provider``, ``ISCO_TRANSLATOR``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from isco_assets.lib.config import TranslatorSettings
from isco_assets.lib.prepare.translation import (
    AzureTranslatorClient,
    PostTranslation,
    TranslationCache,
    TranslationStats,
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
    endpoint: str = TranslatorSettings.endpoint
    region: str = ""  # required by regional and multi-service resources; empty for a global one
    price_per_million_chars: float = TranslatorSettings.price_per_million_chars
    description_chars: int = TranslatorSettings.description_chars
    cache_dir: str
    max_retries: int = 5
    max_backoff_seconds: float = 60.0
    on_failure: str = TranslatorSettings.on_failure  # "pass-through" or "fail"

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


def translator_resource(settings: TranslatorSettings, cache_dir: str) -> TranslatorResource:
    """Azure Translator when ``settings.provider`` is ``azure``, its key the ``dagster.EnvVar``
    AZURE_TRANSLATOR_KEY; else the offline pass-through."""
    if settings.provider == "pass-through":
        return PassThroughTranslator()
    return AzureTranslatorResource(
        key=dg.EnvVar("AZURE_TRANSLATOR_KEY"), cache_dir=cache_dir, endpoint=settings.endpoint, region=settings.region,
        price_per_million_chars=settings.price_per_million_chars, description_chars=settings.description_chars,
        on_failure=settings.on_failure,
    )
