"""The guide sheet of the review workbook: what every exported column holds and what each decision does.

One table, column -> explanation, for both sheets: a new column of the candidates (or of the posts to review)
needs one line here; until it has one it is listed with ``UNDESCRIBED``, and a test names it.
"""

from __future__ import annotations

from isco_assets.lib.feedback.feedback import DECISIONS, SHEETS

GUIDE_SHEET = "guide"
UNDESCRIBED = "Computed by the pipeline; no description yet."
COLUMN_GUIDE: dict[str, str] = {
    # the candidates
    "rank": "Position in the list, 1 = most worth reviewing.",
    "cluster_id": "The cluster's id, stable across runs. Keep it: the feedback import matches decisions by it.",
    "name": "A readable name of the cluster (its most common title, or the LLM's name when one is configured).",
    "novelty_score": "The ranking score, 0 to 1: coverage gap times distinctiveness, times coherence, word "
                     "newness, size, spread, persistence and growth.",
    "verdict": "candidate: the index neither names nor describes this work (only candidates are listed; the "
               "covered and vague clusters are in the pipeline's metadata).",
    "coverage_evidence": "Why the verdict, in words: how close the posts lie to the index's labels, and the "
                         "nearest unit group.",
    "coverage_gap": "0 to 1: how far even the cluster's best-coded posts lie from any index label (0 = a label "
                    "names them, 1 = as far as posts get). High = the index describes this work poorly.",
    "named_share": "Share of posts whose title matches an index label almost word for word (or, in a language "
                   "other than the main model's, has every word in one label or in the labels of its unit group).",
    "median_similarity": "Similarity of the cluster's median post to its nearest index label, 0 to 1.",
    "vague_share": "Share of titles that name no work (only generic or contract words, such as 'general worker').",
    "distinctiveness": "0 to 1: how much the cluster owns its own title words (a new kind of work brings words of "
                       "its own; a vague title does not).",
    "word_newness": "0 to 1: how new the rarest word of its titles is to the index (1 = no index label holds it, "
                    "such as 'llmops'; near 0 = words the index uses often, paired differently).",
    "uncertain_share": "Share of posts that need review or are coded n.e.c. (evidence only, not scored).",
    "n_posts": "Posts in the cluster. Keep it: a rejected candidate comes back when its posts grow.",
    "n_titles": "Distinct normalized titles in the cluster.",
    "n_companies": "Distinct employers posting it.",
    "employers_effective": "Effective number of employers (1 = one employer posts it all).",
    "top_employer_share": "Share of the posts from the largest employer.",
    "growth": "log2 of the cluster's share of all posts recently over before (above 0 = growing).",
    "persistence": "Share of the months since it first appeared in which it was posted (1 = every month).",
    "periods_present": "Months with posts.",
    "first_period": "First month with posts.",
    "last_period": "Last month with posts.",
    "origin": "new: a new cluster; noise: grown out of titles that fit no cluster before.",
    "first_seen": "When the cluster was first found (UTC).",
    "runs_present": "Runs of the pipeline in which the cluster was found.",
    "example_titles": "The cluster's most common titles, separated by |.",
    "same_work": "Other clusters of the same new work, split by wording or language, listed once here: their "
                 "titles share a word the index's labels (almost) never use.",
    "keywords": "Words distinctive of the cluster (c-TF-IDF).",
    "tasks": "What the work is, from its posts' descriptions: the phrases they share and other clusters' do not "
             "(offline), or the tasks the LLM read in them when one is configured.",
    "tasks_outside_parent": "The tasks above that the suggested parent's ISCO-08 definition (its definition, tasks "
                            "and included occupations) does not describe: fewer than half of their words are "
                            "words of it: what this work does that the parent's does not. Empty for clusters whose "
                            "posts are mostly in a language other than the definitions' (English).",
    "suggested_parent": "The unit group its posts were coded to most: a starting point for isco_code.",
    "suggested_parent_title": "Title of the suggested parent.",
    "parent_share": "Share of the cluster's posts coded to the suggested parent.",
    "nearest_groups": "Unit groups its posts were coded to most: code, title (share of posts, mean score).",
    "by_source": "Posts per source (partner or crawled site).",
    "by_country": "Posts per country.",
    "by_language": "Posts per language.",
    "trend": "Posts per month since it appeared.",
    "summary": "A short description (keywords offline; the LLM's summary when one is configured).",
    "previous_decision": "An earlier rejection of this candidate, shown again because its posts grew since.",
    # the posts to review
    "post_id": "The partner's id of the post. Keep it: the feedback import applies a recode by it.",
    "post_key": "The platform's key of the post, unique across drops and partners.",
    "job_title": "The post's title as delivered (personal data masked).",
    "language": "Detected language of the post.",
    "company": "Employer as delivered (personal data masked).",
    "coded_as": "The unit group the coder chose.",
    "coded_title": "Title of that unit group.",
    "isco_score": "Similarity of the post to the chosen group's labels, 0 to 1.",
    "confidence": "The coder's confidence in its choice, 0 to 1; the least confident posts come first.",
    "top_codes": "The coder's five best unit groups with their scores, separated by |.",
    # what the expert fills
    "decision": "Yours to fill: pick one from the dropdown (see the decisions below). Leave empty when undecided.",
    "isco_code": "Yours to fill: the 4-digit ISCO-08 unit group the decision points at (accept, merge, recode).",
    "title": "Yours to fill (optional, accept): the title to add to the index; the name when empty.",
    "reviewer": "Yours to fill: who decided (required with a decision).",
    "decided_at": "Yours to fill (optional): when you decided; the time the file arrives when empty.",
    "note": "Yours to fill (optional): why.",
}
DECISION_GUIDE: dict[str, str] = {
    "accept": "A new occupation: its title (or name) becomes a label of unit group isco_code.",
    "merge": "An occupation ISCO-08 already describes: its name and example titles become labels of isco_code.",
    "reject": "Not an occupation to add: it leaves the list until its posts grow.",
    "recode": "The post's code becomes isco_code, and its title a label of that group.",
}


def explain(column: str) -> str:
    return COLUMN_GUIDE.get(column, UNDESCRIBED)


def guide_rows(sheets: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """(sheet, column or decision, explanation): every column of every sheet in order, then the decisions."""
    rows = [(sheet, column, explain(column)) for sheet, columns in sheets.items() for column in columns]
    return rows + [(sheet, f"decision = {d}", DECISION_GUIDE[d]) for sheet in sheets for d in DECISIONS[SHEETS[sheet]]]
