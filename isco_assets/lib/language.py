"""Language detection restricted to the configured languages (lingua keeps Malay and Indonesian apart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "it", "ms", "id")


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    method: str  # "detected", "hint" or "default"


class LanguageDetector:
    """Detects the language of each text among a fixed set; a partner hint wins when unsure."""

    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES, min_confidence: float = 0.5):
        if len(languages) < 1:
            raise ValueError("at least one language is required")
        self.codes = [c.lower() for c in languages]
        self._languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in self.codes]
        self.min_confidence = min_confidence
        self._detector = (
            LanguageDetectorBuilder.from_languages(*self._languages).build() if len(self._languages) > 1 else None
        )

    def detect(self, texts: Sequence[str], hints: Sequence[str | None] | None = None) -> list[Detection]:
        hints = hints if hints is not None else [None] * len(texts)
        if self._detector is None:
            return [Detection(self.codes[0], 1.0, "default") for _ in texts]
        unique = list(dict.fromkeys(texts))  # re-posts and partner templates repeat texts: detect each once
        found = dict(zip(unique, self._detector.compute_language_confidence_values_in_parallel(unique), strict=True))
        out = []
        for text, hint in zip(texts, hints, strict=True):
            conf = found[text]
            hint = (hint or "").strip().lower() or None
            best = conf[0] if conf and text.strip() else None
            if best is not None and best.value >= self.min_confidence:
                out.append(Detection(best.language.iso_code_639_1.name.lower(), round(best.value, 4), "detected"))
            elif hint in self.codes:
                out.append(Detection(hint, round(best.value, 4) if best else 0.0, "hint"))
            elif best is not None:
                out.append(Detection(best.language.iso_code_639_1.name.lower(), round(best.value, 4), "detected"))
            else:
                out.append(Detection(self.codes[0], 0.0, "default"))
        return out
