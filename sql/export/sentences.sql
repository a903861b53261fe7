-- sentences with their document's `site`, the Parquet partition key.
SELECT s.*, site_of(d.url) AS site
FROM sentences AS s
JOIN documents AS d USING (doc_id);
