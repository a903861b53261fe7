-- ETag / Last-Modified stored for the URLs of the next batch: their requests become conditional.
SELECT p.page_id, p.etag, p.last_modified
FROM pages AS p
WHERE p.page_id IN (SELECT page_id FROM batch_page_ids)
  AND (p.etag IS NOT NULL OR p.last_modified IS NOT NULL);
