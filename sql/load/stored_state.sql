-- What is stored about the next chunk of URLs, for the incremental decisions (tasks/incremental.py):
-- ETag / Last-Modified make their requests conditional, fetched_at lets a page whose sitemap <lastmod> is
-- older than our copy skip the request altogether, and the content hash tells an unchanged body.
SELECT p.page_id, p.etag, p.last_modified, p.fetched_at, p.content_hash
FROM pages AS p
WHERE p.page_id IN (SELECT page_id FROM batch_page_ids);
