-- Documents with the word `w` among their tokens (as segmented; kwic matches substrings instead), with the
-- number of sentences and of occurrences, most occurrences first.
--   SELECT * FROM docs_with('文明城市');
CREATE OR REPLACE MACRO docs_with(w) AS TABLE
SELECT d.doc_id, d.title, d.url, d.published_at,
       count(*) AS sentences,
       CAST(sum(len(list_filter(s.words, lambda x: x = w))) AS BIGINT) AS occurrences
FROM sentences AS s
JOIN documents AS d USING (doc_id)
WHERE list_contains(s.words, w)
GROUP BY ALL
ORDER BY occurrences DESC, sentences DESC, d.title;
