-- The index of formulations (提法): each quoted phrase, numeric slogan or parallel series of the `terms`
-- table with its occurrences, documents and sites, and `texts`: documents counted once per near-duplicate
-- group, since portals copy the same 范文 many times. Most widespread first.
CREATE OR REPLACE VIEW term_index AS
SELECT t.term,
       t.kind,
       CAST(sum(t.count) AS BIGINT) AS count,
       count(DISTINCT t.doc_id) AS documents,
       count(DISTINCT coalesce(g.group_id, t.doc_id)) AS texts,
       count(DISTINCT site_of(d.url)) AS sites,
       min(d.published_at) AS first_published,
       max(d.published_at) AS last_published,
       arg_min(d.title, coalesce(d.published_at, TIMESTAMP '9999-12-31')) AS first_title
FROM terms AS t
JOIN documents AS d USING (doc_id)
LEFT JOIN duplicates AS g USING (doc_id)
GROUP BY t.term, t.kind
ORDER BY texts DESC, count DESC, t.term;
