"""Foundations every domain uses: paths, the on-disk cache, personal-data masking, the LLM client."""
