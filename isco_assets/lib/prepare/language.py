"""Language detection restricted to the configured languages (lingua keeps Malay and Indonesian apart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.config import DEFAULT_LANGUAGES
from isco_assets.lib.prepare.text_cache import TextCache

DETECT_CHARS = 400  # of a description, read with its title


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    method: str  # "detected", "hint" or "default"


class LanguageDetector:
    """Detects the language of each text among a fixed set; a partner hint wins when unsure, and always when it
    names a language outside the set (Polish ads said to be Polish): a detector that cannot tell that language
    would pick one of its own for it, and the Malay glossary would read Polish titles."""

    def __init__(
        self, languages: Sequence[str] = DEFAULT_LANGUAGES, min_confidence: float = 0.5, cache_root: Path | None = None,
    ):
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # its models load on first use only

        if len(languages) < 1:
            raise ValueError("at least one language is required")
        self.codes = [c.lower() for c in languages]
        # any language a hint may name
        self._known = frozenset(language.iso_code_639_1.name.lower() for language in Language.all())
        self._languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in self.codes]
        self.min_confidence = min_confidence
        # detections depend on the set of languages: one cache folder per set
        self._cache = TextCache(Path(cache_root) / "-".join(sorted(self.codes)) if cache_root is not None else None)
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
            if hint in self._known and hint not in self.codes:
                out.append(Detection(hint, value, "hint"))
            elif language and value >= self.min_confidence:
                out.append(Detection(language, value, "detected"))
            elif hint in self.codes:
                out.append(Detection(hint, value, "hint"))
            elif language:
                out.append(Detection(language, value, "detected"))
            else:
                out.append(Detection(self.codes[0], 0.0, "default"))
        return out

    def detect_posts(
        self, titles: Sequence[str], descriptions: Sequence[str] | None = None,
        hints: Sequence[str | None] | None = None,
    ) -> list[Detection]:
        """Each post's language, read from its title and the start of its description (``DETECT_CHARS``), the
        partner's or the file's language a hint: how the pipeline reads posts, and so how ``isco-eval`` and the
        benchmarks read labelled files whose language column says English for every title, Malay ones too."""
        descriptions = descriptions if descriptions is not None else [""] * len(titles)
        samples = [f"{t}. {str(d or '')[:DETECT_CHARS]}" for t, d in zip(titles, descriptions, strict=True)]
        return self.detect(samples, hints)

    def _best(self, texts: list[str]) -> dict[str, tuple[str, float]]:
        """The most likely language and its confidence per text; from the cache folder when one is set, so a
        new drop on top of a million posts detects only its own texts."""
        found, _ = self._cache.get(texts, self._compute)
        return dict(zip(texts, zip(found["language"], found["confidence"].astype(float), strict=True), strict=True))

    def _compute(self, texts: list[str]) -> pd.DataFrame:
        assert self._detector is not None
        best = [(values[0].language.iso_code_639_1.name.lower(), round(values[0].value, 4)) if values else ("", 0.0)
                for values in self._detector.compute_language_confidence_values_in_parallel(texts)]
        return pd.DataFrame(best, columns=["language", "confidence"])


def outside(main_languages: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
    """(n,) bool: the texts in a known language that is not one of ``main_languages`` ("" is unknown)."""
    main = {lang.lower() for lang in main_languages}
    return np.array([bool(lang) and lang not in main for lang in (str(v or "").strip().lower() for v in languages)],
                    dtype=bool)
