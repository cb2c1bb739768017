"""Offline evidence of what a cluster's work is: the phrases its posts' descriptions share."""

from __future__ import annotations

import pandas as pd

from isco_assets.lib.discover.naming import KeywordClusterNamer, add_member_evidence, description_phrases
from isco_assets.lib.prepare.stopwords import ANY_LANGUAGE_STOP_WORDS

ANNOTATORS = ["We need you to annotate images and label training data for our models.",
              "Label training data, annotate images; review the labels of others.",
              "Annotate images for a self-driving startup. You will label training data daily."]
COOKS = ["Cook meals for 200 guests and keep the kitchen clean.",
         "You cook meals, order stock, keep the kitchen clean.",
         "Prepare and cook meals; keep the kitchen clean. We also annotate images? No."]


def _evidence() -> pd.DataFrame:
    titles = ["data annotator"] * 3 + ["cook"] * 3
    posts = pd.DataFrame({"title_norm": titles, "desc_en": ANNOTATORS + COOKS})
    assignments = pd.DataFrame({"title_norm": ["data annotator", "cook"], "cluster_id": [0, 1]})
    clusters = pd.DataFrame({"cluster_id": [0, 1], "n_posts": [3, 3], "n_titles": [1, 1],
                             "top_titles": [["data annotator"], ["cook"]], "exemplars": [["data annotator"], ["cook"]],
                             "keywords": [["annotator"], ["cook"]]})
    return add_member_evidence(clusters, assignments, posts)


def test_phrases_stay_within_clauses_and_do_not_end_on_function_words() -> None:
    phrases = description_phrases("Label training data, annotate images; for the team.")
    assert {"label training", "training data", "label training data", "annotate images"} <= phrases
    assert "data annotate" not in phrases, "the comma ends a clause"
    assert not any(p.split()[0] in ANY_LANGUAGE_STOP_WORDS or p.split()[-1] in ANY_LANGUAGE_STOP_WORDS for p in phrases)


def test_each_cluster_gets_the_phrases_its_posts_share_and_the_others_do_not() -> None:
    evidence = _evidence().set_index("cluster_id")["task_phrases"]
    annotators, cooks = evidence[0], evidence[1]
    assert any("training data" in p for p in annotators) and any("annotate images" in p for p in annotators)
    assert any("cook meals" in p for p in cooks) and any("kitchen clean" in p for p in cooks)
    assert not set(annotators) & set(cooks)
    assert not any("self-driving" in p or "startup" in p for p in annotators), "a phrase of one post is no evidence"
    assert not any(p in q for p in annotators for q in annotators if p != q), "no phrase inside another"


def test_the_offline_namer_lists_them_as_tasks() -> None:
    described = KeywordClusterNamer().describe(_evidence())
    assert any("training data" in t for t in described[0].tasks)
