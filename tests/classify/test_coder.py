"""The retrieval coder over a tiny hand-made index, with bag-of-words vectors (deterministic)."""

from __future__ import annotations

import hashlib
import logging
import time

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.classify.coder import IscoCoder, MultilingualVote, ReadingVote, result_frame
from isco_assets.lib.classify.group_head import GroupHead, trained_head
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import CoderSettings

DIM = 64
INDEX = [
    ("2221", "registered nurse"),
    ("2221", "nursing professional"),
    ("8332", "truck driver"),
    ("8332", "lorry driver"),
    ("8332", "heavy goods vehicle driver"),
    ("2512", "software developer"),
    ("2512", "programmer"),
    ("2519", "software tester"),
]
RESULT_COLUMNS = ["title_norm", "isco_code", "isco_title", "isco_score", "confidence", "multilingual_vote",
                  "description_vote",
                  "needs_review", "nec_flag",
                  "top_codes", "top_scores", "top_votes", "minor_group", "minor_share", "sub_major_group",
                  "sub_major_share", "major_group", "major_share"]


def _word(word: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=DIM)


def embed(texts: list[str]) -> np.ndarray:
    """Sum of per-word random vectors, normalized: shared words mean similar vectors."""
    out = np.stack([sum((_word(w) for w in t.split()), np.zeros(DIM)) for t in texts])
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _labels(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "label_norm"]).assign(label=lambda f: f["label_norm"].str.title())


def _coder(rows: list[tuple[str, str]] = INDEX, **settings: float) -> IscoCoder:
    """The retrieval vote alone unless a test asks for the head (a head learns nothing from a dozen labels)."""
    labels = _labels(rows)
    return IscoCoder(labels, embed(labels["label_norm"].tolist()), load_taxonomy(),
                     CoderSettings(**{"head_weight": 0.0, **settings}))


def test_top_k_ordering_and_scores() -> None:
    coder = _coder(top_k=3)
    texts = ["registered nurse", "truck driver", "software developer"]
    result = coder.code(texts, embed(texts))
    assert result.codes.shape == (3, 3)
    assert result.codes[:, 0].tolist() == ["2221", "8332", "2512"]
    assert np.all(np.diff(result.scores, axis=1) <= 0)  # descending per row
    np.testing.assert_allclose(result.scores[:, 0], 1.0, atol=1e-5)  # exact label matches
    for row in result.codes:
        assert len(set(row)) == 3  # groups, not labels
    assert not result.needs_review.any()
    assert np.all(result.confidence > 0.9)
    assert result.codes.dtype == object


def test_close_variants_rank_the_right_group() -> None:
    coder = _coder(top_k=2)
    texts = ["nurse registered", "driver truck long haul", "senior programmer"]
    result = coder.code(texts, embed(texts))
    assert result.codes[:, 0].tolist() == ["2221", "8332", "2512"]


def test_best_label_speaks_for_the_group() -> None:
    coder = _coder(top_k=4)
    result = coder.code(["lorry driver"], embed(["lorry driver"]))
    assert coder.group_codes.tolist() == ["2221", "2512", "2519", "8332"]
    assert result.codes[0, 0] == "8332"
    assert result.scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert result.votes[0].sum() == pytest.approx(1.0, abs=1e-5)
    assert result.confidence[0] == pytest.approx(result.votes[0, 0])


def test_tiny_margin_needs_review() -> None:
    rows = [*INDEX, ("3221", "registered nurse")]  # the same label for two groups
    coder = _coder(rows, top_k=3)
    texts = ["registered nurse", "truck driver"]
    result = coder.code(texts, embed(texts))
    assert set(result.codes[0, :2]) == {"2221", "3221"}
    assert result.scores[0, 0] == pytest.approx(result.scores[0, 1], abs=1e-6)
    assert result.needs_review.tolist() == [True, False]
    assert result.confidence[0] == pytest.approx(0.5, abs=0.01)


def test_low_score_needs_review() -> None:
    coder = _coder(top_k=2, review_min_score=0.6)
    texts = ["astronaut", "truck driver"]
    result = coder.code(texts, embed(texts))
    assert result.scores[0, 0] < 0.6
    assert result.needs_review.tolist() == [True, False]


def test_nec_flag_when_an_nec_group_is_in_top_k() -> None:
    tax = load_taxonomy()
    assert tax.is_nec("2519") and not tax.is_nec("2512")
    texts = ["software tester", "truck driver"]
    wide = _coder(top_k=4).code(texts, embed(texts))
    assert wide.nec_flag.tolist() == [True, True]  # all four groups are in the top 4
    narrow = _coder(top_k=1).code(texts, embed(texts))
    assert narrow.codes[:, 0].tolist() == ["2519", "8332"]
    assert narrow.nec_flag.tolist() == [True, False]


def test_votes_roll_up_the_hierarchy() -> None:
    """Unsure between two software groups is sure of the minor group 251 they share."""
    texts = ["software", "truck driver"]
    result = _coder(top_k=4).code(texts, embed(texts))
    assert sorted(result.codes[0, :2]) == ["2512", "2519"] and result.confidence[0] < 0.75
    assert result.level_codes.tolist() == [["251", "25", "2"], ["833", "83", "8"]]
    software = dict(zip(result.codes[0], result.votes[0], strict=True))
    assert result.level_shares[0, 0] == pytest.approx(software["2512"] + software["2519"], abs=1e-5)
    assert np.all(np.diff(result.level_shares, axis=1) >= -1e-6), "a wider group holds at least the votes of its part"
    assert result.level_shares[1, 2] > 0.9


def test_top_k_is_capped_by_the_number_of_groups() -> None:
    result = _coder(top_k=10).code(["programmer"], embed(["programmer"]))
    assert result.codes.shape == (1, 4)
    assert sorted(result.codes[0]) == ["2221", "2512", "2519", "8332"]
    assert result.codes[0, 0] == "2512"


def test_label_order_does_not_matter() -> None:
    texts = ["registered nurse", "programmer", "lorry driver", "software tester"]
    base = _coder(top_k=3).code(texts, embed(texts))
    shuffled = _coder(INDEX[::-1], top_k=3).code(texts, embed(texts))
    np.testing.assert_array_equal(base.codes, shuffled.codes)
    np.testing.assert_allclose(base.scores, shuffled.scores, atol=1e-6)


def test_batches_give_the_same_result() -> None:
    coder = _coder(top_k=2)
    texts = ["registered nurse", "truck driver", "programmer", "software tester"] * 150  # crosses BATCH=512
    result = coder.code(texts, embed(texts))
    assert result.codes.shape == (600, 2)
    assert result.codes[:, 0].tolist() == ["2221", "8332", "2512", "2519"] * 150


def test_result_frame() -> None:
    tax = load_taxonomy()
    coder = _coder(top_k=3)
    texts = ["registered nurse", "truck driver"]
    result = coder.code(texts, embed(texts))
    frame = result_frame(texts, result, tax)
    assert list(frame.columns) == RESULT_COLUMNS
    assert frame["title_norm"].tolist() == texts
    assert frame["isco_code"].tolist() == ["2221", "8332"]
    assert frame["isco_title"].tolist() == [tax.title("2221"), tax.title("8332")]
    assert frame["top_codes"].tolist() == [list(r) for r in result.codes]
    assert all(len(s) == 3 for s in frame["top_scores"])
    assert frame["top_scores"][0][0] == pytest.approx(float(frame["isco_score"][0]), abs=1e-4)
    assert frame["needs_review"].dtype == bool


def test_empty_batch() -> None:
    coder = _coder(top_k=3)
    result = coder.code([], np.zeros((0, DIM), np.float32))
    assert result.codes.shape == (0, 3)
    frame = result_frame([], result, load_taxonomy())
    assert list(frame.columns) == RESULT_COLUMNS
    assert frame.empty


def test_labels_and_vectors_must_align() -> None:
    labels = _labels(INDEX)
    with pytest.raises(ValueError, match="labels but"):
        IscoCoder(labels, embed(labels["label_norm"].tolist())[:-1], load_taxonomy())


def test_coded_titles_code_only_what_is_new_and_start_over_when_the_index_changes(tmp_path) -> None:
    from isco_assets.lib.classify.coding import CodedTitles

    asked: list[list[str]] = []

    def counting_embed(texts: list[str]) -> np.ndarray:
        asked.append(list(texts))
        return embed(texts)

    def run(rows: list[tuple[str, str]], titles: list[str]) -> pd.DataFrame:
        coder = _coder(rows)
        frame, _ = CodedTitles(tmp_path, coder.labels, "model", coder.settings).code(
            titles, lambda new: coder.code(new, counting_embed(new)), load_taxonomy())
        return frame

    first = run(INDEX, ["truck driver", "registered nurse"])
    second = run(INDEX, ["registered nurse", "java programmer", "truck driver"])
    assert asked == [["truck driver", "registered nurse"], ["java programmer"]]
    assert list(first.columns) == RESULT_COLUMNS
    assert set(second["title_norm"]) == {"registered nurse", "java programmer", "truck driver"}
    assert second.set_index("title_norm").loc["truck driver", "isco_code"] == "8332"
    run([*INDEX, ("8331", "bus driver")], ["truck driver"])
    assert asked[-1] == ["truck driver"]  # another index: earlier results no longer count
    assert len(list(tmp_path.glob("*.parquet"))) == 1


def test_coded_titles_start_over_when_the_glossaries_or_the_coding_code_change() -> None:
    from isco_assets.lib.classify import coder
    from isco_assets.lib.classify.coding import CODER_FILES
    from isco_assets.lib.prepare.glossary import GLOSSARY_FILE, WRITTEN_FILES

    # an updated package reads titles otherwise: results kept under the old glossary would be stale
    assert {GLOSSARY_FILE, *WRITTEN_FILES, coder.__file__} <= set(CODER_FILES)


SPANISH = {"conductor": "driver", "camion": "truck", "enfermera": "nurse", "titulada": "registered"}


def _multilingual(texts: list[str]) -> np.ndarray:
    """Another model over the same words: it also knows a few Spanish ones."""
    return embed([" ".join(SPANISH.get(word, word) for word in text.split()) for text in texts])


def test_a_second_opinion_joins_the_vote_of_the_rows_it_covers() -> None:
    labels = _labels(INDEX)
    main = IscoCoder(labels, embed(labels["label_norm"].tolist()), load_taxonomy())
    second = IscoCoder(labels, _multilingual(labels["label_norm"].tolist()), load_taxonomy())
    texts = ["conductor camion", "conductor camion", "enfermera titulada"]
    opinion = MultilingualVote(second, _multilingual(texts), np.array([True, False, True]), 0.5)
    result = main.code(texts, embed(texts), second=opinion)
    plain = main.code(texts, embed(texts))
    assert result.codes[:, 0].tolist()[::2] == ["8332", "2221"]  # the multilingual vote found them
    for row, code in ((0, "8332"), (2, "2221")):
        before = dict(zip(plain.codes[row], plain.votes[row], strict=True)).get(code, 0.0)
        assert result.votes[row, 0] > before + 0.2  # and is sure of them, where the main model was not
        # the group the other model found closest scores as the main model's best label did: a row's best score,
        # which the review threshold reads, stays on the main model's scale
        assert result.scores[row, 0] == pytest.approx(plain.scores[row].max())
        assert result.scores[row].max() == pytest.approx(plain.scores[row].max())
    assert result.blended.tolist() == [True, False, True] and not plain.blended.any()  # calibrated by their kind
    np.testing.assert_allclose(result.votes[1], plain.votes[1])  # a row it does not cover is left alone
    np.testing.assert_allclose(result.scores[1], plain.scores[1])


def test_a_gloss_joins_the_main_vote_of_the_rows_it_reads() -> None:
    """The main model's vote for a title's English gloss is blended into its vote for the title (coder.gloss_weight),
    before a second opinion; the row's best score stays the title's own."""
    coder = _coder()
    texts = ["conductor camion", "enfermera titulada", "programador"]
    gloss = ReadingVote(["driver truck", "nurse registered", "programador"], embed(["driver truck",
                        "nurse registered", "programador"]), np.array([True, True, False]), 0.5)
    plain = coder.code(texts, embed(texts))
    read = coder.code(texts, embed(texts), gloss=gloss)
    assert read.codes[:2, 0].tolist() == ["8332", "2221"]
    for row, code in ((0, "8332"), (1, "2221")):
        before = dict(zip(plain.codes[row], plain.votes[row], strict=True)).get(code, 0.0)
        assert read.votes[row, 0] > before + 0.1  # surer of the group its gloss names
        assert read.scores[row].max() == pytest.approx(plain.scores[row].max())
    np.testing.assert_allclose(read.votes[2], plain.votes[2])  # a row it does not read is left alone
    assert not read.described.any() and not read.blended.any()
    again = coder.code(texts[1:], embed(texts)[1:], gloss=gloss.subset(np.array([1, 2])))
    np.testing.assert_allclose(again.votes, read.votes[1:], atol=1e-6)


def test_a_second_opinion_may_know_fewer_groups_never_more() -> None:
    """The multilingual model reads a subset of the labels (coder.multilingual_kinds): its vote joins the main one's
    at the groups it knows; a group the main coder lacks is an error."""
    other = _labels([*INDEX, ("5120", "cook")])
    second = IscoCoder(other, embed(other["label_norm"].tolist()), load_taxonomy())
    opinion = MultilingualVote(second, embed(["cook"]), np.array([True]), 0.5)
    with pytest.raises(ValueError, match="subset of this coder's groups"):
        _coder().code(["cook"], embed(["cook"]), second=opinion)
    fewer = _labels([label for label in INDEX if label[0] != "2512"])
    subset = IscoCoder(fewer, embed(fewer["label_norm"].tolist()), load_taxonomy())
    texts = ["registered nurse", "software developer"]
    both = _coder().code(texts, embed(texts), second=MultilingualVote(subset, embed(texts), np.ones(2, bool), 0.5))
    assert both.codes[:, 0].tolist() == ["2221", "2512"] and both.blended.all()
    np.testing.assert_allclose(both.votes.sum(axis=1), 1.0, atol=1e-5)


def test_group_head_blends_into_the_vote_and_is_kept_by_its_labels(tmp_path) -> None:
    """A head trained on the labels joins the vote; a second coder on the same labels loads it, not retrains."""
    labels = _labels(INDEX)
    vectors = embed(labels["label_norm"].tolist())
    settings = CoderSettings(top_k=4, head_weight=0.4, head_hidden=32, head_epochs=60)
    texts = ["nurse registered", "driver truck long haul", "senior programmer"]
    result = IscoCoder(labels, vectors, load_taxonomy(), settings, tmp_path).code(texts, embed(texts))
    assert result.codes[:, 0].tolist() == ["2221", "8332", "2512"]
    np.testing.assert_allclose(result.votes.sum(axis=1), 1.0, atol=1e-5)  # every group, blended, still sums to 1
    plain = _coder(top_k=4).code(texts, embed(texts))
    assert not np.allclose(result.votes, plain.votes)  # the head moved the shares
    (kept,) = (tmp_path / "heads").glob("*.pt")
    again = IscoCoder(labels, vectors, load_taxonomy(), settings, tmp_path).code(texts, embed(texts))
    np.testing.assert_allclose(again.votes, result.votes, atol=1e-6)
    assert list((tmp_path / "heads").glob("*.pt")) == [kept]
    other = _labels([*INDEX, ("2519", "qa engineer")])
    IscoCoder(other, embed(other["label_norm"].tolist()), load_taxonomy(), settings, tmp_path)
    assert len(list((tmp_path / "heads").glob("*.pt"))) == 2  # other labels, another head


def test_only_the_most_recently_used_heads_are_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("isco_assets.lib.classify.group_head.KEEP", 2)
    labels = _labels(INDEX)
    vectors = embed(labels["label_norm"].tolist())
    groups = np.unique(labels["code"], return_inverse=True)[1]
    for key in ["a", "b", "c"]:
        trained_head(vectors, groups, 4, hidden=8, epochs=1, cache=tmp_path, key=key)
        time.sleep(0.01)
    assert sorted(f.stem for f in tmp_path.glob("*.pt")) == ["b", "c"]


def test_group_head_learns_its_groups_and_says_how_far_it_is(caplog) -> None:
    caplog.set_level(logging.INFO, logger="isco_assets.lib.classify.group_head")
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    groups = np.repeat(np.arange(3), 40)
    vectors = (centres[groups] + 0.3 * rng.normal(size=(120, 16))).astype(np.float32)
    head = GroupHead.train(vectors, groups, 3, hidden=16, epochs=30)
    probabilities = head.probabilities(centres.astype(np.float32))
    assert probabilities.argmax(axis=1).tolist() == [0, 1, 2]
    assert [r.getMessage() for r in caplog.records] == [f"group head: {e} of 30 epochs" for e in (5, 10, 15, 20, 25)]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
