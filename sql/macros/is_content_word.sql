-- True for a token worth counting as a term. Left out:
--   punctuation and symbols: no letter or digit (jieba tags punctuation `x`, but also rare characters
--   such as 𠮷, so the tag alone is not the test; the regex only runs on `x` tokens);
--   stopwords: the `stopwords` table (tasks/data/stopwords.txt, the list the keyword step uses);
--   numerals: POS m/mq (一, 二, 2024, 三个) are counts and dates, not terms;
--   template placeholders (is_placeholder: X, XX, 20XX), which the placeholders table counts instead.
CREATE OR REPLACE MACRO is_content_word(tok, tag) AS
(tag <> 'x' OR regexp_matches(tok, '[\p{L}\p{N}]'))
AND tag NOT IN ('m', 'mq')
AND NOT is_placeholder(tok)
AND tok NOT IN (SELECT word FROM stopwords);
