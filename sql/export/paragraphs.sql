-- paragraphs with their document's `site`, the Parquet partition key.
SELECT p.*, site_of(d.url) AS site
FROM paragraphs AS p
JOIN documents AS d USING (doc_id);
