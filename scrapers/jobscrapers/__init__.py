"""The Scrapy project: spiders for schema.org JobPosting and selector boards, politeness, pipelines."""
