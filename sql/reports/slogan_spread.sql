-- How the 5 most widespread formulations (提法, by documents) spread month by month: documents and sites
-- using them that month and so far (view term_timeline).
WITH top AS (
    SELECT term, kind
    FROM term_index
    WHERE first_published IS NOT NULL
    ORDER BY documents DESC, sites DESC, term
    LIMIT 5
)
SELECT tl.term, tl.kind, tl.month, tl.documents, tl.sites, tl.documents_so_far, tl.sites_so_far
FROM term_timeline AS tl
JOIN top USING (term, kind)
ORDER BY tl.term, tl.month;
