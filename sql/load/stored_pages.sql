-- The next batch of stored pages for `wenji reprocess`, in page_id order: the caller passes the last
-- page_id it saw, so batches neither overlap nor skip pages while earlier batches are being replaced.
-- Parameters: after_page_id, since (NULL = all pages), since again, batch size.
SELECT url, final_url, status, content_type, raw_zlib, content_hash, fetched_at, etag, last_modified
FROM pages
WHERE page_id > ?
  AND (CAST(? AS TIMESTAMPTZ) IS NULL OR fetched_at >= ?)
ORDER BY page_id
LIMIT ?;
