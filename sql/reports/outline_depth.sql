-- Documents by the depth of their heading outline (0 = no headings found).
SELECT coalesce(o.depth, 0) AS depth, count(*) AS documents
FROM documents AS d
LEFT JOIN (SELECT doc_id, max(depth) AS depth FROM outline_tree GROUP BY doc_id) AS o USING (doc_id)
GROUP BY ALL
ORDER BY depth;
