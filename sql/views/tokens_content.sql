-- The tokens worth counting (see the is_content_word macro): `tokens` without punctuation, stopwords,
-- numerals and placeholders, with their positions. The term_* views count the same tokens, from the
-- per-document counts stored at load time (doc_terms, term_stats) instead of unnesting every sentence.
CREATE OR REPLACE VIEW tokens_content AS
SELECT doc_id, sentence_no, position, word, pos
FROM tokens
WHERE is_content_word(word, pos);
