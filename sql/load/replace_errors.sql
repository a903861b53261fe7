-- Inside the batch transaction: the batch's URLs get their errors anew. `batch_urls(url)` and
-- `batch_unchanged_urls(url)` are Arrow tables registered by the loader.
DELETE FROM errors     WHERE url IN (SELECT url FROM batch_urls);
-- Unchanged pages were fetched fine now, but their stored content was not reprocessed: errors of later
-- stages still describe it.
DELETE FROM errors     WHERE url IN (SELECT url FROM batch_unchanged_urls) AND stage IN ('fetch', 'decode');
