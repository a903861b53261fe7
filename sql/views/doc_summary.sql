-- One row per document: where it comes from, what it is, how big, its top TF-IDF keywords, and the
-- near-duplicate group it belongs to (NULL when no other document is a near copy of it).
CREATE OR REPLACE VIEW doc_summary AS
WITH top_keywords AS (
    SELECT doc_id, list(word ORDER BY rank) AS keywords
    FROM keywords
    WHERE method = 'tfidf' AND rank <= 5
    GROUP BY doc_id
), groups AS (
    SELECT doc_id, group_id, count(*) OVER (PARTITION BY group_id) AS copies
    FROM duplicates
)
SELECT d.doc_id,
       d.title,
       site_of(d.url) AS site,
       d.site_name,
       d.url,
       array_to_string(d.category_path, ' > ') AS category_path,
       coalesce(d.category_path[-1], '(none)') AS category,
       d.published_at,
       d.doc_type,
       d.n_chars AS chars,
       d.n_sentences AS sentences,
       d.n_tokens AS tokens,
       d.n_placeholders AS placeholders,
       d.is_template,
       coalesce(k.keywords, []) AS keywords,
       g.group_id AS duplicate_group,
       coalesce(g.copies, 1) AS copies
FROM documents AS d
LEFT JOIN top_keywords AS k USING (doc_id)
LEFT JOIN groups AS g USING (doc_id)
ORDER BY d.published_at DESC NULLS LAST, d.title;
