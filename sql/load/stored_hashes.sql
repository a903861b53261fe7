-- Content hashes already stored for the URLs of the next batch: unchanged pages skip the pipeline.
SELECT p.page_id, p.content_hash
FROM pages AS p
WHERE p.page_id IN (SELECT page_id FROM batch_page_ids);
