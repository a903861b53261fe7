-- The tokens worth counting (see the is_content_word macro): `tokens` without punctuation and stopwords.
-- The term_* views aggregate over it, so they all filter the same way.
CREATE OR REPLACE VIEW tokens_content AS
SELECT doc_id, sentence_no, position, word, pos
FROM tokens
WHERE is_content_word(word, pos);
