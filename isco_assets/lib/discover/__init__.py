"""Novel-occupation candidates: clustering, tracking, coverage, vagueness, naming, the HTML report."""
