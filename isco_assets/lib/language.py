"""Language detection restricted to the configured languages (lingua keeps Malay and Indonesian apart)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "it", "ms", "id")


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    method: str  # "detected", "hint" or "default"


class LanguageDetector:
    """Detects the language of each text among a fixed set; a partner hint wins when unsure."""

    def __init__(
        self, languages: Sequence[str] = DEFAULT_LANGUAGES, min_confidence: float = 0.5, cache_root: Path | None = None,
    ):
        if len(languages) < 1:
            raise ValueError("at least one language is required")
        self.codes = [c.lower() for c in languages]
        self._languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in self.codes]
        self.min_confidence = min_confidence
        # detections depend on the set of languages: one cache folder per set
        self.cache_dir = Path(cache_root) / "-".join(sorted(self.codes)) if cache_root is not None else None
        self._detector = (
            LanguageDetectorBuilder.from_languages(*self._languages).build() if len(self._languages) > 1 else None
        )

    def detect(self, texts: Sequence[str], hints: Sequence[str | None] | None = None) -> list[Detection]:
        hints = hints if hints is not None else [None] * len(texts)
        if self._detector is None:
            return [Detection(self.codes[0], 1.0, "default") for _ in texts]
        best = self._best(list(dict.fromkeys(texts)))  # re-posts and templates repeat texts: detect each once
        out = []
        for text, hint in zip(texts, hints, strict=True):
            language, value = best[text] if text.strip() else ("", 0.0)
            hint = (hint or "").strip().lower() or None
            if language and value >= self.min_confidence:
                out.append(Detection(language, value, "detected"))
            elif hint in self.codes:
                out.append(Detection(hint, value, "hint"))
            elif language:
                out.append(Detection(language, value, "detected"))
            else:
                out.append(Detection(self.codes[0], 0.0, "default"))
        return out

    def _best(self, texts: list[str]) -> dict[str, tuple[str, float]]:
        """The most likely language and its confidence per text; from the cache folder when one is set, so a
        new drop on top of a million posts detects only its own texts."""
        assert self._detector is not None
        known = self._cached()
        todo = [t for t in texts if _hash(t) not in known]
        fresh: dict[str, tuple[str, float]] = {}
        for text, values in zip(todo, self._detector.compute_language_confidence_values_in_parallel(todo),
                                strict=True):
            fresh[_hash(text)] = (values[0].language.iso_code_639_1.name.lower(), round(values[0].value, 4)) \
                if values else ("", 0.0)
        if fresh and self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"hash": list(fresh), "language": [v[0] for v in fresh.values()],
                          "confidence": [v[1] for v in fresh.values()]}).to_parquet(
                self.cache_dir / f"{uuid.uuid4().hex}.parquet", index=False)
        known.update(fresh)
        return {t: known[_hash(t)] for t in texts}

    def _cached(self) -> dict[str, tuple[str, float]]:
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return {}
        shards = [pd.read_parquet(f) for f in sorted(self.cache_dir.glob("*.parquet"))]
        if not shards:
            return {}
        frame = pd.concat(shards, ignore_index=True)
        return dict(zip(frame["hash"], zip(frame["language"], frame["confidence"].astype(float), strict=True),
                        strict=True))


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
