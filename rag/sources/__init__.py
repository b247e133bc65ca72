"""Where articles come from beyond local text files.

pages      a web page's article text and metadata (trafilatura)
documents  PDF and Word files, page numbers kept
fetch      polite, bounded, SSRF-guarded HTTP (httpx)
web        a URL as articles: a page, an RSS/Atom feed, a sitemap (index), or a file of URLs
registry   the URL sources remembered in the data directory, for `rag sync`
"""
