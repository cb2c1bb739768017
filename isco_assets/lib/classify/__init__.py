"""Coding posts to ISCO-08: the taxonomy, the index and its sources, the coder, re-ranking, evaluation."""
