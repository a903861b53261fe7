-- What is stored about the URLs of the next batch: ETag / Last-Modified make their requests conditional,
-- and fetched_at lets a page whose sitemap <lastmod> is older than our copy skip the request altogether.
SELECT p.page_id, p.etag, p.last_modified, p.fetched_at
FROM pages AS p
WHERE p.page_id IN (SELECT page_id FROM batch_page_ids);
