"""Resources for the swappable pipeline steps: embedder, translator and cluster namer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import dagster as dg
from pydantic import PrivateAttr

from isco_assets.lib.embedding import SentenceTransformerEmbedder
from isco_assets.lib.naming import ClusterNamer, KeywordClusterNamer


class EmbedderResource(dg.ConfigurableResource):
    """sentence-transformers model from a local folder; empty path = the packaged all-MiniLM-L6-v2."""

    model_path: str = ""
    device: str = ""  # empty: CUDA when present, else CPU
    batch_size: int = 256
    _embedder: SentenceTransformerEmbedder | None = PrivateAttr(default=None)

    def get_embedder(self) -> SentenceTransformerEmbedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(
                self.model_path or None, device=self.device or None, batch_size=self.batch_size
            )
        return self._embedder


class TranslatorResource(dg.ConfigurableResource, ABC):
    """Puts post text into the target language; implementations are chosen by configuration."""

    target_language: str = "en"

    @property
    @abstractmethod
    def translator_id(self) -> str: ...

    @abstractmethod
    def translate(self, texts: Sequence[str], languages: Sequence[str]) -> tuple[list[str], list[bool]]:
        """Texts in the target language and, per text, whether a translation happened."""


class PassThroughTranslator(TranslatorResource):
    """The offline default: text is kept as it is and marked untranslated."""

    @property
    def translator_id(self) -> str:
        return "pass-through"

    def translate(self, texts: Sequence[str], languages: Sequence[str]) -> tuple[list[str], list[bool]]:
        return list(texts), [False] * len(texts)


class NamerResource(dg.ConfigurableResource, ABC):
    """Hands out the ClusterNamer the configuration chose."""

    @abstractmethod
    def get_namer(self) -> ClusterNamer: ...


class KeywordNamerResource(NamerResource):
    """Offline, deterministic cluster names from exemplar titles and c-TF-IDF keywords."""

    def get_namer(self) -> ClusterNamer:
        return KeywordClusterNamer()
