-- Documents whose tokens include `w`: SELECT * FROM docs_with('文明城市');
CREATE OR REPLACE MACRO docs_with(w) AS TABLE
SELECT d.doc_id, d.title, d.url, count(*) AS sentences
FROM sentences AS s
JOIN documents AS d USING (doc_id)
WHERE list_contains(s.words, w)
GROUP BY ALL
ORDER BY sentences DESC, d.title;
