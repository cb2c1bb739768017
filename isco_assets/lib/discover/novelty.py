"""Judging each cluster against the index, and ranking the ones it does not cover as novel-occupation candidates.

Coverage is an absolute verdict per cluster, judged on its own posts, not on their standing among other posts: a
cluster whose posts the index names (a share of them match a label almost word for word or are a label spelled
otherwise, "farmhand" for "farm hand", or, for titles in a
language the main model reads poorly, have every word in one label, or, in a language the index holds labels in, in
the labels of the group they were coded to together, or only words its labels in such languages use often:
``index_words.py``, ``_known_words``) or describes (its median post lies close to
the labels of the group it was coded to) or codes confidently (nearly all its posts coded with no review flag and no
n.e.c. group among their top codes) is ``covered``, however the others rank, so a drop with nothing new yields no
candidates. A cluster whose titles name no work ("associate", "general worker", ``vagueness.py``) is ``vague``:
shown as such, never ranked. The rest are candidates, ranked by a coverage gap (how far even their best-coded posts
lie from any label, between ``floor_similarity`` and ``named_similarity``) times distinctiveness and modest
multipliers. Distinctiveness: how much of the use of the cluster's own words falls in the cluster; a new kind of
work brings words of its own ("drone", "annotator"). The multipliers, each between 0.5 and 1, reward coherence (the
share of posts coded to the suggested parent), word newness (a title word the index barely holds: "llmops", where
"cameriera ai piani" or "farmhand" are ordinary words the index just pairs differently), size, spread (one
employer's house title is not a new occupation; several sources, countries and languages add confidence),
persistence over the periods since the cluster appeared, and growth of its share of all posts. The share of posts
that need review or are coded n.e.c. (``uncertain_share``) is evidence, not scored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from isco_assets.lib.classify.taxonomy import IscoTaxonomy
from isco_assets.lib.config import NoveltySettings
from isco_assets.lib.discover.cluster_periods import activity_table, cluster_profiles
from isco_assets.lib.discover.clustering import TOKEN
from isco_assets.lib.discover.definitions import GroupDefinitions
from isco_assets.lib.discover.index_words import IndexWords, LabelWords, content_words, family_keys
from isco_assets.lib.discover.vagueness import names_a_worker, vague_titles
from isco_assets.lib.prepare.glossary import gloss
from isco_assets.lib.prepare.language import outside
from isco_assets.lib.prepare.text import without_accents

CANDIDATE = "candidate"
COVERED = "covered"
MERGED = "merged"
VAGUE = "vague"
VERDICTS = (CANDIDATE, MERGED, VAGUE, COVERED)
CANDIDATE_COLUMNS = (
    "rank", "cluster_id", "name", "novelty_score", "verdict", "coverage_evidence", "coverage_gap", "named_share",
    "median_similarity", "vague_share", "distinctiveness", "word_newness", "uncertain_share", "n_posts", "n_titles",
    "n_companies",
    "employers_effective", "top_employer_share", "growth", "persistence", "periods_present", "first_period",
    "last_period", "origin", "first_seen", "runs_present", "example_titles", "same_work", "keywords", "tasks",
    "tasks_outside_parent", "suggested_parent",
    "suggested_parent_title", "parent_share", "nearest_groups", "by_source", "by_country", "by_language", "trend",
    "summary",
)
EVIDENCE_COLUMNS = ("example_titles", "nearest_groups", "suggested_parent", "by_source", "by_country", "by_language",
                    "trend")
SPREAD_EMPLOYERS = 3.0  # effective employers for full credit
UNHELD_NEWNESS = 0.5  # the word newness of a title in a language the index holds no labels in: not known
BEST_CODED = 0.9  # the quantile of a cluster's posts whose similarity sets the coverage gap
_TRACKING_DEFAULTS = {"origin": "new", "first_seen": None, "runs_present": 1}


def judge_clusters(
    clusters: pd.DataFrame, names: pd.DataFrame, posts: pd.DataFrame, taxonomy: IscoTaxonomy,
    activity: pd.DataFrame | None = None, settings: NoveltySettings | None = None,
    words: IndexWords | None = None, main_languages: Sequence[str] = ("en",),
    definitions: GroupDefinitions | None = None,
) -> pd.DataFrame:
    """Every cluster with its verdict (candidate, covered, vague), the evidence for it and its score; candidates
    first, best first, then the vague and the covered ones.

    ``posts`` has one row per post (noise included) with ``cluster_id``, ``title_norm``, ``isco_code``,
    ``isco_score``, ``needs_review``, ``nec_flag``, ``company`` and ``language``. ``activity`` is the activity table
    of ``cluster_periods.activity_table`` (periods, sources, countries); without it, it is built from ``posts``.
    ``clusters`` may carry the tracking columns (origin, first_seen, runs_present). ``words``: the index's generic
    words and labels, for vagueness (without them only contract words make a title vague) and, for titles in a
    language outside ``main_languages`` (which the main model reads poorly), naming word for word.
    ``definitions``: the unit groups' definitions, for the tasks of a cluster whose posts are mostly in a main
    language that its suggested parent's definition does not describe (``tasks_outside_parent``).
    """
    if clusters.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    settings = settings or NoveltySettings()
    words = words or IndexWords()
    column = "title_language" if "title_language" in posts.columns else "language"
    in_main = ~outside(main_languages, posts[column].tolist())
    vague = np.asarray(vague_titles(posts["title_norm"], words.generic, words.named), dtype=bool)
    vague |= in_main & _no_worker(posts["title_norm"], words, settings.known_word_labels)
    foreign = ~in_main & ~vague
    naming = np.full(len(posts), "", dtype=object)
    # Malay and Indonesian have no labels: their titles are named through the glossary, as the coder reads them
    foreign_titles = posts.loc[foreign, ["title_norm", column]].itertuples(index=False)
    glossed = [gloss(t, str(lang or "")) for t, lang in foreign_titles]
    held = posts[column].isin(words.languages).to_numpy() if words.languages else np.ones(len(posts), dtype=bool)
    naming[foreign] = _foreign_namings(glossed, posts.loc[foreign, column].astype(str).tolist(),
                                       posts.loc[foreign, "isco_code"].astype(str).tolist(),
                                       held[foreign].tolist(), words, settings.known_word_labels)
    # any title that is a label spelled otherwise ("farmhand": "farm hand"), which the main model may read apart
    rest = (naming == "") & ~vague
    spelled = {t: words.labels.same(t) for t in pd.unique(posts.loc[rest, "title_norm"])}
    naming[rest] = [spelled[t] for t in posts.loc[rest, "title_norm"]]
    newness = word_newness(posts["title_norm"].tolist(), words.labels, settings.half_new_labels)
    posts = posts.assign(vague=vague, naming=naming, in_main=in_main,
                         word_newness=np.where(held, newness, UNHELD_NEWNESS))
    members = posts[posts["cluster_id"] >= 0]
    nearest = _nearest_groups(members)
    profiles = cluster_profiles(activity_table(posts) if activity is None else activity)
    frame = clusters.assign(**{k: v for k, v in _TRACKING_DEFAULTS.items() if k not in clusters})
    frame = frame.merge(names.reindex(columns=["cluster_id", "name", "summary", "tasks"]), on="cluster_id", how="left")
    frame["tasks"] = frame["tasks"].map(_as_list)
    frame = frame.merge(_stats(members, settings), left_on="cluster_id", right_index=True, how="left")
    frame["distinctiveness"] = frame["cluster_id"].map(distinctiveness(posts)).fillna(0.0).round(4)
    frame = frame.merge(profiles, on="cluster_id", how="left")
    frame["nearest_groups"] = [nearest.get(c, []) for c in frame["cluster_id"]]
    frame["parent_share"] = [groups[0]["share"] if groups else 0.0 for groups in frame["nearest_groups"]]
    frame["novelty_score"] = novelty_score(frame).round(4)
    frame["suggested_parent"] = [groups[0]["code"] if groups else None for groups in frame["nearest_groups"]]
    frame["suggested_parent_title"] = [taxonomy.title(c) if c else None for c in frame["suggested_parent"]]
    # tasks are read from descriptions in the posts' language; the definitions are in a main one
    readable = frame["cluster_id"].map(members.groupby("cluster_id")["in_main"].mean()).fillna(0.0) > 0.5
    definitions = definitions or GroupDefinitions()
    frame["tasks_outside_parent"] = [definitions.outside(code, tasks) if main else [] for code, tasks, main
                                     in zip(frame["suggested_parent"], frame["tasks"], readable, strict=True)]
    frame["verdict"] = _verdicts(frame, settings)
    frame["coverage_evidence"] = [_evidence(row, settings) for row in frame.itertuples(index=False)]
    # a word of a language the index holds no labels in is new to it whatever it means ("kelner", "pracownik")
    frame = _merge_split_candidates(frame, members[members[column].isin(words.languages)] if words.languages
                                    else members, words.labels, settings.new_word_labels)
    frame["example_titles"] = frame["top_titles"]
    frame["first_seen"] = pd.to_datetime(frame["first_seen"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC").fillna("")
    for column in ("trend", "by_source", "by_country", "by_language"):
        frame[column] = frame[column].map(_as_list)
    order = frame["verdict"].map({v: i for i, v in enumerate(VERDICTS)})
    frame = frame.assign(_order=order).sort_values(["_order", "novelty_score", "n_posts", "cluster_id"],
                                                   ascending=[True, False, False, True])
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame[list(CANDIDATE_COLUMNS)].reset_index(drop=True)


def _no_worker(titles: pd.Series, words: IndexWords, known_word_labels: int) -> np.ndarray:
    """Per title (read as English), whether it names a department, field or place of work and no worker ("human
    resources", "logistic", "kitchen", "it"): no word heads an index label or reads as an agent noun
    (``vagueness.names_a_worker``), each word of 4 letters or more is in ``known_word_labels`` labels or more (a field
    the index lacks, "mlops", may be new work), and the title is no label, however spelled. False for all without
    index labels."""
    if not words.heads:
        return np.zeros(len(titles), dtype=bool)
    found = {}
    for title in pd.unique(titles):  # the cheap tests first: most titles name a worker
        if names_a_worker(title, words.heads) or title in words.named:
            found[title] = False
            continue
        rarest = words.labels.rarest(title)
        found[title] = (rarest is None or rarest[0] >= known_word_labels) and not words.labels.same(title)
    return titles.map(found).to_numpy(dtype=bool)


def _foreign_namings(titles: list[str], languages: list[str], codes: list[str], held: list[bool],
                     words: IndexWords, known_word_labels: int) -> list[str]:
    """Per foreign title, the label that holds every word of it; else, where ``held`` (in a language the index holds
    labels in, not glossed), the labels of the group it was coded to that do together (``LabelWords.group_naming``);
    else, in such a language or one the coder reads through written words alone (Polish), ``_known_words``; else "".
    Each title looked up once. The code given, not the top codes, and not for glossed
    titles: the labels of a group name too much together once the coder picked it for one English word ("jurutera
    prompt", glossed "engineer prompt", coded 3435 for a theatre prompter's "prompt", beside a sound engineer)."""
    found: dict[tuple[str, str, str, bool], str] = {}
    for key in zip(titles, languages, codes, held, strict=True):
        if key not in found:
            title, language, code, own = key
            found[key] = words.labels.naming(title) or (words.labels.group_naming(title, code) if own else "") or (
                _known_words(title, language, words, known_word_labels)
                if own or language in words.glossary.written_only else "")
    return [found[key] for key in zip(titles, languages, codes, held, strict=True)]


def _known_words(title: str, language: str, words: IndexWords, known_word_labels: int) -> str:
    """Where each word of a title outside the main languages is one the index's labels in those languages use
    often, at least ``known_word_labels`` of them ("cameriera ai piani", "operaio agricolo", "impiegato
    contabile"), or one the coder's glossary translates ("preventista", pre-sales representative; "cadete",
    messenger): the title pairs words the index knows, as its labels name the same work in other words, and the
    main model's distance, which reads that language poorly, is no evidence of new work. The glossary is learned
    from the index's own labels and written for occupations' words, so it holds none of new work's ("prompts",
    "esports", "gemelos", "anotador"), nor English words ("machine learning"). "" otherwise."""
    table = words.glossary.words.get(language, {})
    counted = [(len(words.other.holding(w)), w) for w in content_words(title) if len(w.replace("-", "")) >= 4]
    unknown = [(n, w) for n, w in counted if n < known_word_labels and without_accents(w) not in table]
    if not counted or unknown:
        return ""
    languages = "/".join(sorted(words.other_languages))
    rarest = min(counted)
    glossed = [w for n, w in counted if n < known_word_labels]
    if not glossed:
        return f"{known_word_labels} or more {languages} labels ('{rarest[1]}', the rarest, in {rarest[0]})"
    translated = ", ".join(f"'{w}' {table[without_accents(w)]}" for w in glossed)
    return f"{known_word_labels} or more {languages} labels, or in the glossary ({translated})"


def word_newness(titles: Sequence[str], labels: LabelWords, half_new_labels: int) -> list[float]:
    """Per title, 0..1: how new its rarest word is to the index, ``half_new_labels / (half_new_labels + n)`` for
    the n labels that hold it: 1 for a word no label holds ("llmops", "esports", "footprint"), 0.5 for one
    ``half_new_labels`` labels hold, near 0 for words every index uses ("cameriera", "agricolo", "assistant").
    Words of 4 letters or more: abbreviations ("cdl", "bi", "dba") are new strings, not new work. 1 without
    labels, and 0 for a title with no such word."""
    if not labels.labels:
        return [1.0] * len(titles)
    found: dict[str, float] = {}
    for title in pd.unique(pd.Series(list(titles), dtype=object)):
        rarest = labels.rarest(title)
        found[title] = half_new_labels / (half_new_labels + rarest[0]) if rarest else 0.0
    return [found[t] for t in titles]


def _as_list(value: object) -> list:
    """A list cell as read back from Parquet (an array) or missing (NaN), as a list."""
    return list(value) if isinstance(value, list | tuple | np.ndarray) else []


def candidates_of(judged: pd.DataFrame, top_n: int = 0) -> pd.DataFrame:
    """The clusters judged candidates, ranked 1..n; an empty frame when the index covers everything."""
    frame = judged[judged["verdict"] == CANDIDATE].reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.head(top_n) if top_n else frame


def verdict_counts(judged: pd.DataFrame) -> dict[str, int]:
    """Clusters per verdict, every verdict named (0 when none)."""
    counts = judged["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def novelty_score(frame: pd.DataFrame) -> pd.Series:
    """Coverage gap and distinctiveness (0..1) times coherence, size, spread and time multipliers (each 0.5..1);
    see the module docstring."""
    largest = max(1, int(frame["n_posts"].max()))
    size = 0.75 + 0.25 * frame["n_posts"].map(lambda n: math.log1p(n) / math.log1p(largest))
    # unknown employers (CVs, boards without company) are not held against a cluster
    employers = (frame["employers_effective"] / SPREAD_EMPLOYERS).clip(upper=1.0).fillna(1.0)
    markets = sum((frame[f"{d}_effective"] - 1.0).clip(0.0, 1.0).fillna(0.0)
                  for d in ("sources", "countries", "languages")) / 3
    spread = 0.5 + 0.4 * employers + 0.1 * markets
    time = 0.8 + 0.1 * frame["persistence"].fillna(1.0) + 0.1 * frame["growth"].fillna(0.0).clip(0.0, 2.0) / 2
    coherence = 0.5 + 0.5 * frame["parent_share"]
    newness = 0.5 + 0.5 * frame["word_newness"].fillna(1.0)
    gap = frame["coverage_gap"].fillna(0.0) * frame["distinctiveness"].fillna(0.0)
    return gap * coherence * newness * size * spread * time


def distinctiveness(posts: pd.DataFrame) -> pd.Series:
    """Per cluster, 0..1: the mean over its posts of how much the cluster owns the post's most owned title word,
    that is the share of all the posts using the word (noise included) that fall in the cluster. Each post counts
    its own best word, so a cluster of "drone pilot" and "piloto de drones" owns both "drone" and "drones"."""
    titles = posts.groupby(["title_norm", "cluster_id"]).size().rename("n").reset_index()
    words = titles.assign(word=titles["title_norm"].str.lower().str.findall(TOKEN).map(set)).explode("word")
    words = words.dropna(subset=["word"])
    in_cluster = words.groupby(["cluster_id", "word"])["n"].transform("sum")
    words["owned"] = in_cluster / words.groupby("word")["n"].transform("sum")
    words = words[words["cluster_id"] >= 0]
    best = words.groupby(["title_norm", "cluster_id"]).agg(owned=("owned", "max"), n=("n", "first"))
    owned = (best["owned"] * best["n"]).groupby(level="cluster_id").sum()
    totals = titles[titles["cluster_id"] >= 0].groupby("cluster_id")["n"].sum()
    return owned.reindex(totals.index, fill_value=0.0) / totals


def _stats(members: pd.DataFrame, settings: NoveltySettings) -> pd.DataFrame:
    """Per cluster: how its posts stand against the index (named share, median similarity, coverage gap), the
    share of vague titles and of uncertain codes, and its employers."""
    scores = members["isco_score"].astype(float)
    grouped = members.assign(named=(scores >= settings.named_similarity) | (members["naming"] != ""),
                             uncertain=members["needs_review"].astype(bool) | members["nec_flag"].astype(bool),
                             score=scores).groupby("cluster_id")
    best = grouped["score"].quantile(BEST_CODED)
    span = max(1e-6, settings.named_similarity - settings.floor_similarity)
    return pd.DataFrame({
        "coverage_gap": ((settings.named_similarity - best) / span).clip(0.0, 1.0).round(4),
        "named_share": grouped["named"].mean().round(4),
        "median_similarity": grouped["score"].median().round(4),
        "vague_share": grouped["vague"].mean().round(4),
        "word_newness": grouped["word_newness"].mean().round(4),
        "uncertain_share": grouped["uncertain"].mean().round(4),
        "n_companies": grouped["company"].agg(lambda s: s[s.astype(str) != ""].nunique()),
        "naming_example": grouped.apply(_naming_example, include_groups=False),
    })


def _naming_example(posts: pd.DataFrame) -> str:
    """The most posted title the index names word for word, and where: "'title' (every word in label 'x')"."""
    named = posts[posts["naming"] != ""]
    if named.empty:
        return ""
    title = named["title_norm"].value_counts().index[0]
    return f"'{title}' (every word in {named.loc[named['title_norm'] == title, 'naming'].iloc[0]})"


def _verdicts(frame: pd.DataFrame, settings: NoveltySettings) -> list[str]:
    covered = ((frame["named_share"] >= settings.named_share)
               | (frame["median_similarity"] >= settings.close_similarity)
               | (1.0 - frame["uncertain_share"] >= settings.confident_share))
    vague = frame["vague_share"] >= settings.vague_share
    return [COVERED if c else VAGUE if v else CANDIDATE for c, v in zip(covered, vague, strict=True)]


def _evidence(row: object, settings: NoveltySettings) -> str:
    """Why the verdict, in words an expert can check."""
    parent = f"{row.suggested_parent} {row.suggested_parent_title}" if row.suggested_parent else "no group"
    similarity = f"median similarity to the nearest label {row.median_similarity:.2f}"
    if row.verdict == COVERED:
        if row.named_share >= settings.named_share:
            example = f", e.g. {row.naming_example}" if row.naming_example else ""
            return f"named by the index: {row.named_share:.0%} of posts match a label almost word for word " \
                   f"(similarity >= {settings.named_similarity:.2f}) or have every word in one label, in the " \
                   f"labels of their group or, in another language, in many labels or the glossary{example}; " \
                   f"coded {parent}"
        if row.median_similarity >= settings.close_similarity:
            return f"described by the index: {similarity} (>= {settings.close_similarity:.2f}); coded {parent}"
        return f"coded confidently: {1.0 - row.uncertain_share:.0%} of posts coded with no review flag and no n.e.c. " \
               f"group among their top codes (>= {settings.confident_share:.0%}); coded {parent}; {similarity}"
    if row.verdict == VAGUE:
        return f"{row.vague_share:.0%} of titles name no work (only generic or contract words, or a department or " \
               f"field and no worker); {similarity}"
    example = f" (e.g. {row.naming_example})" if row.naming_example else ""
    tasks = f"; tasks its definition does not describe: {', '.join(row.tasks_outside_parent)}" \
        if row.tasks_outside_parent else ""
    return f"not covered: {similarity}, {row.named_share:.0%} of posts named by a label{example}; nearest " \
           f"{parent}{tasks}"


def _merge_split_candidates(frame: pd.DataFrame, members: pd.DataFrame, labels: LabelWords,
                            new_word_labels: int) -> pd.DataFrame:
    """New work split over clusters by wording or language ("prompt engineer", "ingeniero de prompts") is one
    candidate: candidates that share a new word, one that at most ``new_word_labels`` index labels use ("prompt",
    "esports", "annotator") and that at least half the posts of each carry in their title, are one group, listed
    once, under its best scored cluster, whose ``same_work`` names the others; they keep their clusters, with
    verdict ``merged`` and the shared word as evidence. Words of 4 letters or more, so that abbreviations do not
    join unrelated work; the half, so that a city or an employer in some titles does not. Without index labels
    every word would be new: nothing is merged."""
    frame = frame.assign(same_work=[[] for _ in range(len(frame))])
    if not labels.labels:
        return frame
    candidates = frame[frame["verdict"] == CANDIDATE].sort_values(["novelty_score", "n_posts", "cluster_id"],
                                                                 ascending=[False, False, True])
    new_words = _new_words(members[members["cluster_id"].isin(candidates["cluster_id"])], labels, new_word_labels)
    leader_of: dict[str, int] = {}  # word form -> the row of the best candidate using it
    for row, cluster_id in zip(candidates.index, candidates["cluster_id"], strict=True):
        keys = new_words.get(int(cluster_id), {})
        leader = next((leader_of[k] for k in sorted(keys) if k in leader_of), None)
        if leader is None:
            leader_of.update(dict.fromkeys(keys, row))
            continue
        key = next(k for k in sorted(keys) if leader_of.get(k) == leader)
        word, title = keys[key]
        shared = (f"'{word}', a word" if not key.endswith("~") else
                  f"words beginning '{key[:-1]}' ('{word}'), words")
        # named by its title that carries the shared word: a cluster may mix work ("ingegnere dei prompt" among
        # "engenheiro mlops" posts), and the word is what makes it the same work
        frame.at[leader, "same_work"] = [*frame.at[leader, "same_work"],
                                         f"{title.title()} ({int(frame.at[row, 'n_posts'])} posts)"]
        frame.at[row, "verdict"] = MERGED
        frame.at[row, "coverage_evidence"] = (f"the same work as candidate '{frame.at[leader, 'name']}': both "
                                              f"use {shared} that {new_word_labels} or fewer index labels use")
    return frame


def _new_words(members: pd.DataFrame, labels: LabelWords,
               new_word_labels: int) -> dict[int, dict[str, tuple[str, str]]]:
    """Per cluster, the forms of the new words at least half its posts carry in their title, with the word and the
    most posted title that carries it (form -> (word, title))."""
    titles = (members.groupby(["cluster_id", "title_norm"]).size().rename("n").reset_index()
              .sort_values(["cluster_id", "n", "title_norm"], ascending=[True, False, True]))
    out: dict[int, dict[str, tuple[str, str]]] = {}
    for cluster_id, part in titles.groupby("cluster_id"):
        carried: dict[str, float] = {}
        words: dict[str, tuple[str, str]] = {}
        for title, n in zip(part["title_norm"], part["n"], strict=True):
            for word in {w for w in content_words(title) if len(w.replace("-", "")) >= 4
                         and len(labels.holding(w)) <= new_word_labels}:
                for key in family_keys(word):
                    carried[key] = carried.get(key, 0.0) + n
                    words.setdefault(key, (word, title))
        total = part["n"].sum()
        out[int(cluster_id)] = {k: words[k] for k, n in carried.items() if n >= total / 2}
    return out


def _nearest_groups(members: pd.DataFrame, k: int = 3) -> dict[int, list[dict[str, object]]]:
    """The unit groups the cluster's posts were coded to, with their share of the posts and mean score; first the
    group of the most confidence (each post weighted by its code's confidence, where known): a post the coder
    cannot read ("preventista", five groups at 0.04 each) does not outvote one it reads ("vendedor preventista",
    5223 at 0.51)."""
    out: dict[int, list[dict[str, object]]] = {}
    weight = members["confidence"].astype(float).fillna(0.0) if "confidence" in members else 1.0
    grouped = (members.assign(weight=weight).groupby(["cluster_id", "isco_code"])
               .agg(n=("isco_score", "size"), weight=("weight", "sum"), score=("isco_score", "mean")))
    totals = members.groupby("cluster_id").size()
    for cluster_id, part in grouped.groupby(level=0):
        part = part.droplevel(0).sort_values(["weight", "n", "score"], ascending=False).head(k)
        total = int(totals[cluster_id])
        out[int(cluster_id)] = [
            {"code": code, "share": round(int(r.n) / total, 3), "score": round(float(r.score), 3)}
            for code, r in part.iterrows()
        ]
    return out
