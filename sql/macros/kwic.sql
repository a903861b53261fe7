-- Keyword in context: every occurrence of the string `w` in a sentence, one row each, with `width`
-- characters of context either side, padded with ideographic spaces (U+3000) so that in a fixed-width
-- listing every `word` starts in the same column. Matching is on the sentence text, not on tokens, so
-- kwic('文明') also finds 文明 inside 全国文明城市; `doc_char` is the occurrence's offset in documents.text.
--   SELECT * FROM kwic('文明', 15);
CREATE OR REPLACE MACRO kwic(w, width := 20) AS TABLE
WITH hits AS (
    SELECT doc_id, sentence_no, start_char, string_split(text, w) AS parts
    FROM sentences
    WHERE contains(text, w)
), occurrences AS (
    SELECT doc_id, sentence_no, start_char, parts, unnest(range(1, len(parts))) AS k
    FROM hits
), contexts AS (
    SELECT doc_id, sentence_no, k AS occurrence,
           array_to_string(parts[1:k], w) AS before,
           array_to_string(parts[k + 1:], w) AS after,
           start_char
    FROM occurrences
)
SELECT lpad(right(before, width), width, '　') AS left_context,
       w AS word,
       rpad(left(after, width), width, '　') AS right_context,
       doc_id,
       sentence_no,
       occurrence,
       start_char + length(before) AS doc_char
FROM contexts
ORDER BY doc_id, sentence_no, occurrence;
