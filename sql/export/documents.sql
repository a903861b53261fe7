-- documents with the `site` (host of its URL) that partitions the Parquet export.
SELECT *, site_of(url) AS site FROM documents;
