-- Words that occur within `span` tokens of the word `w` in the same sentence, strongest first.
-- `count` = (occurrence of w, neighbour) pairs, `documents` = documents with such a pair. Only content
-- words are counted as neighbours (is_content_word: no punctuation, stopwords, numerals, placeholders).
--   SELECT * FROM cooccur('巡察', 5) LIMIT 20;
CREATE OR REPLACE MACRO cooccur(w, span := 5) AS TABLE
WITH hit_sentences AS (
    SELECT doc_id, sentence_no, words, pos
    FROM sentences
    WHERE list_contains(words, w)
), anchors AS (
    SELECT doc_id, sentence_no, unnest(list_filter(range(1, len(words) + 1), lambda i: words[i] = w)) AS i
    FROM hit_sentences
), neighbours AS (
    SELECT doc_id, sentence_no, generate_subscripts(words, 1) AS j, unnest(words) AS word, unnest(pos) AS pos
    FROM hit_sentences
)
SELECT n.word, n.pos, count(*) AS count, count(DISTINCT n.doc_id) AS documents
FROM anchors AS a
JOIN neighbours AS n USING (doc_id, sentence_no)
WHERE n.j <> a.i AND abs(n.j - a.i) <= span AND n.word <> w AND is_content_word(n.word, n.pos)
GROUP BY ALL
ORDER BY count DESC, documents DESC, n.word, n.pos;
