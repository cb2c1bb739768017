"""Cleaning titles and descriptions, detecting language, translating, deduplicating posts."""
