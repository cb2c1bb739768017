"""Scrapers for public job boards: the Scrapy project ``jobscrapers`` and its site registry ``sites.yaml``."""
