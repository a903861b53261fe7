-- Bag of words: how often each content word (tokens_content) occurs in each document. The term_* views
-- aggregate over it: counting per document first and then summing is about twice as fast as
-- count(DISTINCT doc_id) over the tokens, and the document count is then just count(*).
CREATE OR REPLACE VIEW doc_term_counts AS
SELECT doc_id, word, pos, count(*) AS count
FROM tokens_content
GROUP BY ALL;
