"""Judging clusters against the index and ranking the uncovered ones as candidates, on hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest

from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import bundled_sources
from isco_assets.lib.discover.definitions import GroupDefinitions
from isco_assets.lib.discover.index_words import IndexWords
from isco_assets.lib.discover.novelty import (
    CANDIDATE_COLUMNS,
    EVIDENCE_COLUMNS,
    candidates_of,
    distinctiveness,
    judge_clusters,
)

WORDS = {-1: "assorted work", 0: "dronist", 1: "annotator", 2: "influencer"}  # each cluster's own title


def _posts(cluster_id: int, n: int, score: float, language: str = "en", companies: int = 4,
           code: str = "2512", nec: bool = False, title: str = "", review: bool = True) -> list[dict[str, object]]:
    """Posts of one cluster; by default coded with a review flag, as the coder flags work the index lacks."""
    return [
        {"cluster_id": cluster_id, "title_norm": title or WORDS[cluster_id], "isco_code": code, "isco_score": score,
         "needs_review": review, "nec_flag": nec, "company": f"company-{cluster_id}-{i % companies}",
         "language": language}
        for i in range(n)
    ]


def _background(n: int = 60, language: str = "en", centre: float = 0.70) -> list[dict[str, object]]:
    """Noise posts whose scores spread evenly around ``centre``."""
    rows = _posts(-1, n, centre, language, companies=10, code="2221")
    for i, row in enumerate(rows):
        row["isco_score"] = round(centre - 0.1 + 0.2 * i / (n - 1), 4)
    return rows


def _frames(posts: list[dict[str, object]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame(posts)
    members = frame[frame["cluster_id"] >= 0]
    ids = sorted(members["cluster_id"].unique())
    clusters = pd.DataFrame({
        "cluster_id": ids,
        "n_posts": [int((members["cluster_id"] == c).sum()) for c in ids],
        "n_titles": [3] * len(ids),
        "top_titles": [[f"title {c}a", f"title {c}b"] for c in ids],
        "keywords": [[f"kw{c}"] for c in ids],
    })
    names = pd.DataFrame({"cluster_id": ids, "name": [f"cluster {c}" for c in ids],
                          "summary": [f"about {c}" for c in ids]})
    return clusters, names, frame


def _judge(posts: list[dict[str, object]], words: IndexWords | None = None) -> pd.DataFrame:
    clusters, names, frame = _frames(posts)
    return judge_clusters(clusters, names, frame, load_taxonomy(), words=words)


def _rank(posts: list[dict[str, object]], top_n: int = 0) -> pd.DataFrame:
    return candidates_of(_judge(posts), top_n)


def test_low_scoring_cluster_ranks_above_a_median_one() -> None:
    ranked = _rank(_background() + _posts(0, 20, 0.70) + _posts(1, 20, 0.35))
    assert list(ranked.columns) == list(CANDIDATE_COLUMNS)
    assert ranked["cluster_id"].tolist() == [1, 0]
    assert ranked["rank"].tolist() == [1, 2]
    top, ordinary = ranked.iloc[0], ranked.iloc[1]
    # coverage gap: where the best-coded posts lie between the floor (0.55) and a named title (0.95)
    assert top["coverage_gap"] == 1.0  # below the floor
    assert ordinary["coverage_gap"] == pytest.approx(0.625)
    assert top["verdict"] == ordinary["verdict"] == "candidate"
    assert top["coverage_evidence"].startswith("not covered: median similarity to the nearest label 0.35")
    assert top["distinctiveness"] == ordinary["distinctiveness"] == 1.0
    assert top["novelty_score"] > ordinary["novelty_score"]
    assert top["name"] == "cluster 1"
    assert top["summary"] == "about 1"
    assert top["example_titles"] == ["title 1a", "title 1b"]
    assert top["keywords"] == ["kw1"]
    assert top["n_companies"] == 4


def test_single_company_cluster_is_penalised() -> None:
    posts = _background() + _posts(0, 20, 0.40, companies=1) + _posts(1, 20, 0.40, companies=5)
    ranked = _rank(posts).set_index("cluster_id")
    assert ranked.loc[1, "rank"] == 1
    assert ranked.loc[0, "n_companies"] == 1
    assert ranked.loc[1, "n_companies"] == 5
    assert ranked.loc[0, "coverage_gap"] == pytest.approx(ranked.loc[1, "coverage_gap"])
    assert ranked.loc[0, "novelty_score"] < ranked.loc[1, "novelty_score"]
    # spread 0.5 + 0.4 * employers / 3 for one employer, 0.9 for five (markets equal: one language, no sources)
    assert ranked.loc[0, "employers_effective"] == pytest.approx(1.0)
    assert ranked.loc[1, "employers_effective"] == pytest.approx(5.0)
    expected = ranked.loc[1, "novelty_score"] * (0.5 + 0.4 / 3) / 0.9
    assert ranked.loc[0, "novelty_score"] == pytest.approx(expected, abs=1e-3)


def test_coverage_is_absolute_so_a_board_with_nothing_new_has_no_candidates() -> None:
    # every cluster sits well below the board's other posts, but the index names or describes each of them
    named = _posts(0, 5, 0.97) + _posts(0, 15, 0.60)  # a fifth of the posts match a label almost word for word
    described = _posts(1, 20, 0.88)  # the median post lies close to a label
    judged = _judge(_background(60, centre=0.99) + named + described).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "covered", 1: "covered"}
    assert judged.loc[0, "coverage_evidence"].startswith("named by the index: 25% of posts")
    assert judged.loc[1, "coverage_evidence"].startswith("described by the index: median similarity")
    ranked = _rank(_background(60, centre=0.99) + named + described)
    assert ranked.empty and list(ranked.columns) == list(CANDIDATE_COLUMNS)


def test_vague_titles_are_judged_vague_not_ranked() -> None:
    index = pd.DataFrame({"code": [f"{1000 + i}" for i in range(50)] * 2,
                          "label_norm": [f"general clerk {i}" for i in range(50)] + [f"worker {i}" for i in range(50)]})
    words = IndexWords.of(index, groups=40)
    assert {"general", "worker", "clerk"} <= words.generic
    posts = (_background() + _posts(0, 20, 0.40, title="general worker") + _posts(1, 20, 0.40, title="protege")
             + _posts(2, 20, 0.40, title="drone worker"))
    judged = _judge(posts, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "vague", 1: "vague", 2: "candidate"}  # protege: a contract word
    assert judged.loc[0, "coverage_evidence"].startswith("100% of titles name no work")
    # without the index's words, contract words still make a title vague; generic ones need the index
    assert sorted(_rank(posts)["cluster_id"]) == [0, 2]


def test_an_english_title_that_names_a_department_and_no_worker_is_vague() -> None:
    heads = ["officer", "manager", "assistant", "clerk", "adviser", "planner"]
    index = pd.DataFrame({"code": ["2423"] * 6 + ["4323"] * 6 + ["6121"],
                          "label_norm": [f"human resources {h}" for h in heads] + [f"logistic {h}" for h in heads]
                          + ["farm hand"],
                          "language": ["en"] * 13})
    words = IndexWords.of(index, groups=40)
    assert {"officer", "planner"} <= words.heads
    posts = (_background() + _posts(0, 20, 0.50, title="human resources") + _posts(1, 20, 0.50, title="logistic")
             + _posts(2, 20, 0.50, title="logistic streamer") + _posts(3, 20, 0.50, title="mlops"))
    judged = _judge(posts, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "vague", 1: "vague", 2: "candidate", 3: "candidate"}, \
        "an agent noun names a worker; a field the index lacks may be new work"
    assert "a department or field and no worker" in judged.loc[0, "coverage_evidence"]
    assert _judge(_background() + _posts(0, 20, 0.50, title="farmhand"), words).loc[0, "verdict"] == "covered", \
        "a label spelled otherwise ('farm hand') names its worker"


def test_nec_coded_posts_count_as_uncertain_evidence_not_score() -> None:
    posts = (_background() + _posts(0, 20, 0.70, code="2519", nec=True, review=False)
             + _posts(1, 10, 0.70) + _posts(1, 10, 0.70, review=False))
    ranked = _rank(posts).set_index("cluster_id")
    assert ranked.loc[0, "uncertain_share"] == 1.0
    assert ranked.loc[1, "uncertain_share"] == 0.5
    assert ranked.loc[0, "novelty_score"] == ranked.loc[1, "novelty_score"]


def test_a_cluster_the_index_codes_confidently_is_covered_however_far_its_labels() -> None:
    posts = _background() + _posts(0, 20, 0.62, review=False) + _posts(1, 19, 0.62, review=False) + _posts(1, 1, 0.62)
    posts += _posts(2, 16, 0.62, review=False) + _posts(2, 4, 0.62)
    judged = _judge(posts).set_index("cluster_id")
    assert judged.loc[0, "verdict"] == judged.loc[1, "verdict"] == "covered"
    assert judged.loc[0, "coverage_evidence"].startswith("coded confidently: 100% of posts")
    assert judged.loc[2, "verdict"] == "candidate", "a fifth of its posts need review: the index is unsure"


def test_coverage_gap_follows_the_best_coded_posts_not_the_average() -> None:
    # an ordinary occupation: the index's own title scores well, its noisy variants badly
    ordinary = _posts(0, 4, 0.96) + _posts(0, 16, 0.30)
    new = _posts(1, 20, 0.55)  # every title far from the index, none as far as the noisy variants
    judged = _judge(_background() + ordinary + new).set_index("cluster_id")
    assert judged.loc[0, "verdict"] == "covered" and judged.loc[0, "coverage_gap"] == 0.0
    assert judged.loc[1, "verdict"] == "candidate" and judged.loc[1, "coverage_gap"] == 1.0


def test_a_vague_title_made_of_common_words_ranks_below_a_distinctive_one() -> None:
    board = [row for word in ("sales", "technical", "lead", "data")
             for row in _posts(-1, 10, 0.70, title=f"{word} officer")]
    vague = _posts(0, 20, 0.40, title="technical lead")
    distinctive = _posts(1, 10, 0.40, title="data annotator") + _posts(1, 10, 0.40, title="annotator")
    ranked = _rank(board + vague + distinctive).set_index("cluster_id")
    assert ranked.loc[0, "coverage_gap"] == ranked.loc[1, "coverage_gap"]
    assert ranked.loc[0, "distinctiveness"] == pytest.approx(20 / 30, abs=1e-3)  # 10 other posts use each word
    assert ranked.loc[1, "distinctiveness"] == 1.0  # "data" is common elsewhere, "annotator" is its own
    assert ranked.loc[1, "rank"] == 1


def test_distinctiveness_counts_each_post_by_its_own_best_word() -> None:
    posts = pd.DataFrame({
        "cluster_id": [0, 0, 0, 1, -1, -1],
        "title_norm": ["drone pilot", "piloto de drones", "123", "pilot", "pilot", "pilot"],
    })
    result = distinctiveness(posts)
    # "drone" and "drones" are cluster 0's own; a title without words owns nothing
    assert result[0] == pytest.approx(2 / 3)
    assert result[1] == pytest.approx(1 / 4)  # 1 of the 4 posts using "pilot"


def test_size_breaks_ties_but_does_not_make_novelty() -> None:
    posts = _background() + _posts(0, 10, 0.40) + _posts(1, 30, 0.40) + _posts(2, 200, 0.70)
    ranked = _rank(posts)
    assert ranked["cluster_id"].tolist() == [1, 0, 2]


def test_suggested_parent_and_nearest_groups() -> None:
    posts = _background() + _posts(0, 6, 0.40, code="2512") + _posts(0, 3, 0.50, code="2519") + _posts(
        0, 1, 0.30, code="3512")
    ranked = _rank(posts)
    row = ranked.iloc[0]
    assert row["suggested_parent"] == "2512"
    assert row["suggested_parent_title"] == "Software Developers"
    assert [g["code"] for g in row["nearest_groups"]] == ["2512", "2519", "3512"]
    assert row["nearest_groups"][0] == {"code": "2512", "share": 0.6, "score": 0.4}


def test_top_n_and_empty_input() -> None:
    posts = _background() + _posts(0, 20, 0.70) + _posts(1, 20, 0.35) + _posts(2, 20, 0.50)
    ranked = _rank(posts, top_n=2)
    assert ranked["cluster_id"].tolist() == [1, 2]
    clusters, names, frame = _frames(_background())
    empty = candidates_of(judge_clusters(clusters, names, frame, load_taxonomy()))
    assert empty.empty
    assert list(empty.columns) == list(CANDIDATE_COLUMNS)


def _dated(posts: list[dict[str, object]], months: list[str], country: str = "US", source: str = "board") -> list[
        dict[str, object]]:
    for i, row in enumerate(posts):
        row.update(period=months[i % len(months)], country=country, source=source)
    return posts


MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]


def test_growing_cluster_ranks_above_a_flat_one_with_the_same_gap() -> None:
    background = _dated(_background(120), MONTHS)
    flat = _dated(_posts(0, 24, 0.40), MONTHS)
    growing = _dated(_posts(1, 24, 0.40), MONTHS[-2:])  # appears in the last two months only
    ranked = _rank(background + flat + growing).set_index("cluster_id")
    assert ranked.loc[1, "growth"] == pytest.approx(3.0)  # capped: it did not exist before
    assert ranked.loc[0, "growth"] < 0  # flat in posts, a smaller share of the months the newcomer fills
    assert ranked.loc[1, "persistence"] == 1.0  # present in every period since it appeared
    assert ranked.loc[1, "first_period"] == "2026-05"
    assert ranked.loc[1, "rank"] == 1
    assert ranked.loc[1, "trend"] == [{"period": "2026-05", "n": 12}, {"period": "2026-06", "n": 12}]
    assert len(ranked.loc[0, "trend"]) == 6


def test_spread_over_countries_and_sources_breaks_ties() -> None:
    one_market = _dated(_posts(0, 20, 0.40), MONTHS)
    many = _dated(_posts(1, 10, 0.40), MONTHS, "US", "board") + _dated(_posts(1, 10, 0.40), MONTHS, "BR", "partner")
    ranked = _rank(_dated(_background(), MONTHS) + one_market + many).set_index("cluster_id")
    assert ranked.loc[1, "rank"] == 1
    assert ranked.loc[1, "by_country"] == [{"key": "BR", "n": 10}, {"key": "US", "n": 10}]
    assert ranked.loc[1, "by_source"] == [{"key": "board", "n": 10}, {"key": "partner", "n": 10}]
    assert ranked.loc[0, "by_country"] == [{"key": "US", "n": 20}]


def test_ordinary_cluster_is_covered_however_big_spread_and_growing() -> None:
    ordinary = _dated(_posts(0, 200, 0.90, companies=20), MONTHS[-1:])
    ranked = _rank(_dated(_background(), MONTHS) + ordinary + _dated(_posts(1, 10, 0.40), MONTHS))
    assert ranked["cluster_id"].tolist() == [1]


def test_every_candidate_carries_its_evidence_and_tracking() -> None:
    clusters, names, frame = _frames(_dated(_background(), MONTHS) + _dated(_posts(0, 12, 0.40), MONTHS))
    clusters = clusters.assign(origin=["noise"], first_seen=[pd.Timestamp("2026-03-01", tz="UTC")], runs_present=[2])
    row = candidates_of(judge_clusters(clusters, names, frame, load_taxonomy())).iloc[0]
    assert row["origin"] == "noise" and row["runs_present"] == 2
    for column in EVIDENCE_COLUMNS:
        assert len(row[column]) > 0, column
    assert row["by_language"] == [{"key": "en", "n": 12}]
    assert row["top_employer_share"] == pytest.approx(0.25)


def test_a_vague_title_spread_over_many_unit_groups_ranks_below_a_coherent_one() -> None:
    vague = [row for code in ("1120", "1211", "2421", "3322", "4110") for row in _posts(0, 4, 0.40, code=code)]
    coherent = _posts(1, 20, 0.40, code="2512")
    ranked = _rank(_background() + vague + coherent).set_index("cluster_id")
    assert ranked.loc[0, "parent_share"] == pytest.approx(0.2)
    assert ranked.loc[1, "parent_share"] == 1.0
    assert ranked.loc[0, "coverage_gap"] == pytest.approx(ranked.loc[1, "coverage_gap"])
    assert ranked.loc[0, "novelty_score"] == pytest.approx(ranked.loc[1, "novelty_score"] * 0.6, abs=1e-3)


def test_titles_the_main_model_reads_poorly_are_covered_when_a_label_holds_their_words() -> None:
    index = pd.DataFrame({"code": ["9112", "9112", "5223"],
                          "label_norm": ["personal de limpieza de oficinas", "office cleaner", "vendedor"]})
    words = IndexWords.of(index, groups=40)
    spanish = _posts(0, 20, 0.55, language="es", title="personal de limpieza")
    malay = _posts(1, 20, 0.50, language="ms", title="tukang cuci pejabat")  # glossed: "cleaner office"
    new = _posts(2, 20, 0.55, language="es", title="ingeniero de prompts")
    english = _posts(3, 20, 0.55, language="en", title="limpieza personal")  # English: the similarity judges
    judged = _judge(_background() + spanish + malay + new + english, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "covered", 1: "covered", 2: "candidate", 3: "candidate"}
    assert "'personal de limpieza' (every word in label 'personal de limpieza de oficinas')" in \
        judged.loc[0, "coverage_evidence"]
    assert "label 'office cleaner'" in judged.loc[1, "coverage_evidence"]


def test_a_foreign_title_is_covered_when_the_labels_of_its_group_hold_its_words_together() -> None:
    index = pd.DataFrame({"code": ["4312", "4312", "3435", "3435", "2149"],
                          "label_norm": ["impiegato back office", "revisore contabile", "prompt", "audio engineer",
                                         "ingegnere elettronico"],
                          "language": ["it", "it", "en", "en", "it"]})
    words = IndexWords.of(index, groups=40)
    clerk = _posts(0, 20, 0.55, language="it", title="impiegato contabile", code="4312")
    prompts = _posts(1, 20, 0.55, language="it", title="ingegnere dei prompt", code="2149")
    other_group = _posts(2, 20, 0.55, language="it", title="impiegato contabile", code="2411")
    glossed = _posts(3, 20, 0.55, language="ms", title="jurutera prompt", code="3435")  # "engineer prompt"
    judged = _judge(_background() + clerk + prompts + other_group + glossed, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "covered", 1: "candidate", 2: "candidate", 3: "candidate"}, \
        "the words of the group it was coded to, in a language the index holds labels in; not any group's"
    assert "'impiegato contabile' (every word in labels of 4312 ('revisore contabile', 'impiegato back office'))" \
        in judged.loc[0, "coverage_evidence"]


def test_a_foreign_title_of_words_the_index_uses_often_is_covered_and_one_with_a_rare_word_is_not() -> None:
    index = pd.DataFrame({
        "code": ["5131"] * 6 + ["9112"] * 6 + ["2149", "3435", "3435"],
        "label_norm": [f"cameriera {w}" for w in ("di sala", "di bar", "principale", "di bordo", "ai tavoli",
                                                   "di albergo")]
        + [f"addetta ai piani {w}" for w in ("di hotel", "di albergo", "di residence", "di nave", "di ostello",
                                             "di clinica")]
        + ["ingegnere elettronico", "prompter", "prompt"],
        "language": ["it"] * 12 + ["it", "en", "en"],
    })
    words = IndexWords.of(index, groups=40)
    assert words.other_languages == {"it"}
    maid = _posts(0, 20, 0.55, language="it", title="cameriera ai piani", code="5131")
    prompts = _posts(1, 20, 0.55, language="it", title="ingegnere dei prompt", code="2149")  # "prompt": English only
    english = _posts(2, 20, 0.55, language="en", title="cameriera piani")  # English: the similarity judges
    judged = _judge(_background() + maid + prompts + english, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "covered", 1: "candidate", 2: "candidate"}
    assert "'cameriera ai piani' (every word in 6 or more it labels ('cameriera', the rarest, in 6))" in \
        judged.loc[0, "coverage_evidence"]


def test_a_foreign_title_the_glossary_translates_word_for_word_is_covered() -> None:
    # the index's columns for the glossary: it learns from ESCO-like labels, and holds the written words
    index = pd.DataFrame({"code": ["5223", "2149"], "label_norm": ["vendedor", "ingeniero electrónico"],
                          "language": ["es", "es"], "kind": ["preferred"] * 2, "concept": ["c1", "c2"]})
    words = IndexWords.of(index, groups=40)
    assert words.glossary.words["es"]["preventista"] == "pre-sales representative"  # a written word
    presales = _posts(0, 20, 0.55, language="es", title="preventista", code="2433")
    prompts = _posts(1, 20, 0.55, language="es", title="ingeniero de prompts", code="2149")
    english = _posts(2, 20, 0.55, language="en", title="preventista")  # English: the similarity judges
    judged = _judge(_background() + presales + prompts + english, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "covered", 1: "candidate", 2: "candidate"}, \
        "every word translated is read as known work; a word the glossary lacks ('prompts') stays new"
    assert "in the glossary ('preventista' pre-sales representative)" in judged.loc[0, "coverage_evidence"]


def test_a_title_word_the_index_barely_holds_ranks_above_ordinary_words_paired_anew() -> None:
    index = pd.DataFrame({"code": ["9112", "9112", "2512", "2512", "3435"],
                          "label_norm": ["cameriera di albergo", "addetta ai piani", "data engineer",
                                         "software engineer", "stage engineer"]})
    words = IndexWords.of(index, groups=40)
    ordinary = _posts(0, 20, 0.55, title="cameriera piani")
    new = _posts(1, 20, 0.55, title="llmops engineer")
    abbreviation = _posts(2, 20, 0.55, title="cdl engineer")  # "cdl": a new string, not new work
    judged = _judge(_background() + ordinary + new + abbreviation, words).set_index("cluster_id")
    assert judged["word_newness"].to_dict() == {0: pytest.approx(2 / 3, abs=1e-4), 1: 1.0, 2: 0.4}
    assert judged.loc[1, "novelty_score"] == pytest.approx(judged.loc[0, "novelty_score"] * 1.0 / (5 / 6), abs=1e-3)
    assert judged.loc[1, "novelty_score"] > judged.loc[0, "novelty_score"] > judged.loc[2, "novelty_score"]


def test_titles_in_a_language_the_index_holds_no_labels_in_are_not_merged_by_their_words() -> None:
    index = pd.DataFrame({"code": ["5131", "2512"], "label_norm": ["waiter", "software developer"],
                          "language": ["en", "en"]})
    words = IndexWords.of(index, groups=40)
    posts = (_background() + _posts(0, 20, 0.40, language="pl", title="pracownik restauracji")
             + _posts(1, 8, 0.45, language="pl", title="pracownik magazynu")  # a restaurant and a warehouse worker
             + _posts(2, 20, 0.40, title="prompt engineer") + _posts(3, 8, 0.45, title="prompt designer"))
    judged = _judge(posts, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "candidate", 1: "candidate", 2: "candidate", 3: "merged"}


def test_new_work_named_by_one_word_family_is_one_candidate() -> None:
    index = pd.DataFrame({"code": ["2512", "4132", "2166", "2432"],
                          "label_norm": ["software developer", "data entry clerk", "image editor", "image consultant"]})
    words = IndexWords.of(index, groups=40)
    posts = (_background() + _posts(0, 20, 0.40, title="data annotation specialist")
             + _posts(1, 8, 0.45, title="image annotator")
             + _posts(2, 20, 0.40, title="image annealer"))  # "anneal...": another family
    judged = _judge(posts, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "candidate", 1: "merged", 2: "candidate"}
    assert judged.loc[1, "coverage_evidence"] == (
        "the same work as candidate 'cluster 0': both use words beginning 'annota' ('annotator'), words that 1 or "
        "fewer index labels use")


def test_candidates_carry_their_tasks_as_read_back_from_parquet(tmp_path) -> None:
    clusters, names, frame = _frames(_background() + _posts(0, 20, 0.40) + _posts(1, 20, 0.40))
    names["tasks"] = [["fly drones", "survey fields"], []]
    names.to_parquet(tmp_path / "names.parquet")  # lists come back as arrays, as the IO manager reads them
    judged = judge_clusters(clusters, pd.read_parquet(tmp_path / "names.parquet"), frame, load_taxonomy())
    tasks = judged.set_index("cluster_id")["tasks"]
    assert tasks[0] == ["fly drones", "survey fields"] and tasks[1] == []


def test_a_candidate_names_the_tasks_its_parents_definition_does_not_describe() -> None:
    posts = (_background() + _posts(0, 20, 0.40, code="2511", title="blockchain analyst")
             + _posts(1, 20, 0.40, code="2511", language="es", title="analista de cadena"))
    clusters, names, frame = _frames(posts)
    names["tasks"] = [["smart contracts", "analyse business requirements"], ["contratos inteligentes"]]
    judged = judge_clusters(clusters, names, frame, load_taxonomy(),
                            definitions=GroupDefinitions.of(bundled_sources())).set_index("cluster_id")
    assert judged.loc[0, "tasks_outside_parent"] == ["smart contracts"]
    assert judged.loc[0, "coverage_evidence"].endswith("; tasks its definition does not describe: smart contracts")
    assert judged.loc[1, "tasks_outside_parent"] == []  # Spanish tasks are not held against English definitions


def test_new_work_split_by_wording_or_language_is_one_candidate() -> None:
    index = pd.DataFrame({"code": ["2512", "3435", "2149"], "label_norm": ["software developer", "prompter",
                                                                          "engineer"]})
    words = IndexWords.of(index, groups=40)
    posts = (_background() + _posts(0, 20, 0.40, title="prompt engineer")
             + _posts(1, 5, 0.45, language="es", title="ingeniero de prompts")
             + _posts(1, 3, 0.45, language="es", title="analista web")  # a cluster may mix work
             + _posts(2, 20, 0.40, title="software tester"))  # "software": a word the index uses
    judged = _judge(posts, words).set_index("cluster_id")
    assert judged["verdict"].to_dict() == {0: "candidate", 1: "merged", 2: "candidate"}
    assert judged.loc[0, "same_work"] == ["Ingeniero De Prompts (8 posts)"], "named by its title with the word"
    assert judged.loc[1, "coverage_evidence"].startswith("the same work as candidate 'cluster 0': both use 'prompt")
    assert sorted(candidates_of(_judge(posts, words))["cluster_id"]) == [0, 2]


def test_the_suggested_parent_is_the_group_of_the_most_confidence_not_of_the_most_posts() -> None:
    unread = _posts(0, 6, 0.58, code="2131", title="preventista")  # five groups at 0.04: the coder cannot read it
    read = _posts(0, 3, 0.62, code="5223", title="vendedor preventista")
    for post, confidence in [(p, 0.04) for p in unread] + [(p, 0.51) for p in read]:
        post["confidence"] = confidence
    judged = _judge(_background() + unread + read).set_index("cluster_id")
    assert judged.loc[0, "suggested_parent"] == "5223"
    assert judged.loc[0, "parent_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert [g["code"] for g in judged.loc[0, "nearest_groups"]] == ["5223", "2131"]
