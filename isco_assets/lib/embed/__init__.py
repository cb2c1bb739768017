"""Sentence embeddings of titles and index labels, and fine-tuning the model."""
