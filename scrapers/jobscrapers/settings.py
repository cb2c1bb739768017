"""Scrapy settings of the job-board crawler: polite by default.

The spider adds what comes from the site registry (``sites.yaml``): the User-Agent with the operator's
contact, the robots.txt name, and the site's limits (``DEPTH_LIMIT``, ``CLOSESPIDER_ITEMCOUNT``,
``JOBSCRAPERS_MAX_PAGES``). ``-s NAME=VALUE`` on the command line overrides any of them.
"""

from isco_assets.resources.environment import layout_from_env

BOT_NAME = "jobscrapers"
SPIDER_MODULES = ["scrapers.jobscrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.jobscrapers.spiders"

# Politeness: robots.txt obeyed, few requests per site at a time, AutoThrottle adapting the delay to the
# site's response times, retries of failures with exponential backoff. No proxies, no rotating User-Agents.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubled for each further one
RETRY_BACKOFF_MAX = 60.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False  # unattended runs: no consoles listening
REMOTE_CONTROL_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}

# Development: -s HTTPCACHE_ENABLED=True replays pages from disk instead of asking the site again.
HTTPCACHE_ENABLED = False
HTTPCACHE_EXPIRATION_SECS = 0
HTTPCACHE_DIR = "httpcache"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.jobscrapers.middlewares.BackoffRetryMiddleware": 550,
    "scrapers.jobscrapers.middlewares.PageBudgetMiddleware": 110,  # after robots.txt (100)
}
ITEM_PIPELINES = {
    "scrapers.jobscrapers.pipelines.ValidationPipeline": 100,
    "scrapers.jobscrapers.pipelines.DeduplicationPipeline": 200,
    "scrapers.jobscrapers.pipelines.LandingWriterPipeline": 900,
}
EXTENSIONS = {
    "scrapers.jobscrapers.extensions.StatsFile": 500,
    "scrapers.jobscrapers.extensions.CrawlReport": 500,
}

# Where the writer puts <site>/<YYYY-MM-DD>.jsonl: the local landing zone unless told otherwise (the
# Dagster asset points it at a work folder and copies the files into the configured landing zone).
JOBSCRAPERS_OUTPUT = str(layout_from_env().landing)
JOBSCRAPERS_SITES = ""  # the site registry; empty: the file ISCO_SCRAPE_SITES names, else scrapers/sites.yaml
JOBSCRAPERS_STATS_FILE = ""  # when set, the crawl's stats are written there as JSON at the end
JOBSCRAPERS_MAX_PAGES = 0  # set from the site's limits; 0: no limit

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
