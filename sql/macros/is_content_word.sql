-- True for a token worth counting as a term. Left out:
--   punctuation and symbols: no letter or digit (jieba tags punctuation `x`, but also rare characters
--   such as 𠮷, so the tag alone is not the test; the regex only runs on `x` tokens);
--   stopwords: the `stopwords` table (tasks/data/stopwords.txt, the list the keyword step uses);
--   numerals: POS m/mq (一, 二, 2024, 三个) are counts and dates, not terms;
--   template placeholders (is_placeholder: X, XX, 20XX), which the placeholders table counts instead;
--   single Chinese characters (新, 好, 要, 党): in official prose they are mostly function words, verbs and
--   adjectives of every sentence (好 and 新 ranked 8th and 12th of the demo corpus's term_freq); as parts
--   of terms they are counted in the words that hold them (新时代, 党建). Knowingly drops the few
--   one-character nouns that are terms (党, 国); single Latin letters and digits are left to the rules above.
CREATE OR REPLACE MACRO is_content_word(tok, tag) AS
(tag <> 'x' OR regexp_matches(tok, '[\p{L}\p{N}]'))
AND tag NOT IN ('m', 'mq')
AND NOT (length(tok) = 1 AND regexp_matches(tok, '\p{Han}'))
AND NOT is_placeholder(tok)
AND tok NOT IN (SELECT word FROM stopwords);
