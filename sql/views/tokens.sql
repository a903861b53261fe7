-- One row per token: (doc_id, sentence_no, position, word, pos), position 0-based within the sentence.
-- Two unnests in one SELECT walk the word and tag lists in step.
CREATE OR REPLACE VIEW tokens AS
SELECT doc_id,
       sentence_no,
       generate_subscripts(words, 1) - 1 AS position,
       unnest(words) AS word,
       unnest(pos) AS pos
FROM sentences;
