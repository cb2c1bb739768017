"""The item every spider yields: one normalized schema.org JobPosting (a dataclass, see the lib module)."""

from scrapers.jobscrapers.jobposting import JobPosting

__all__ = ["JobPosting"]
