"""Spiders: ``jobposting`` (schema.org JSON-LD and microdata) and ``selectors`` (boards without markup)."""
