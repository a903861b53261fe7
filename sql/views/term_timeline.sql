-- 提法 over time: each quoted phrase, numeric slogan and series of `terms` per month of publication, with
-- the documents and sites using it that month, how many documents and sites had used it by then
-- (documents_so_far, sites_so_far: how it spreads), and where it was first seen (first_seen, first_url:
-- the earliest dated document using it). Undated documents are left out.
CREATE OR REPLACE VIEW term_timeline AS
WITH uses AS (
    SELECT t.term, t.kind, t.doc_id, d.url, site_of(d.url) AS site, d.published_at,
           CAST(date_trunc('month', d.published_at) AS DATE) AS month
    FROM terms AS t
    JOIN documents AS d USING (doc_id)
    WHERE d.published_at IS NOT NULL
), per_month AS (
    SELECT term, kind, month, count(DISTINCT doc_id) AS documents, count(DISTINCT site) AS sites
    FROM uses
    GROUP BY ALL
), new_sites AS (   -- sites using the term for the first time that month
    SELECT term, kind, month, count(*) AS n
    FROM (SELECT term, kind, site, min(month) AS month FROM uses GROUP BY ALL)
    GROUP BY ALL
), firsts AS (
    SELECT term, kind, min(published_at) AS first_seen, arg_min(url, (published_at, url)) AS first_url
    FROM uses
    GROUP BY ALL
)
SELECT m.term, m.kind, m.month, m.documents, m.sites,
       CAST(sum(m.documents) OVER w AS BIGINT) AS documents_so_far,
       CAST(sum(coalesce(s.n, 0)) OVER w AS BIGINT) AS sites_so_far,
       f.first_seen, f.first_url
FROM per_month AS m
JOIN firsts AS f USING (term, kind)
LEFT JOIN new_sites AS s USING (term, kind, month)
WINDOW w AS (PARTITION BY m.term, m.kind ORDER BY m.month)
ORDER BY m.term, m.kind, m.month;
