-- Word frequencies per month of publication (documents.published_at; documents without a date are left
-- out). `share` = occurrences per 1,000 content tokens published that month: the trend measure, since
-- months differ in how much was published.
CREATE OR REPLACE VIEW term_by_month AS
WITH counted AS (
    SELECT CAST(date_trunc('month', d.published_at) AS DATE) AS month,
           t.word, t.pos, CAST(sum(t.count) AS BIGINT) AS count, count(*) AS documents
    FROM doc_term_counts AS t
    JOIN documents AS d USING (doc_id)
    WHERE d.published_at IS NOT NULL
    GROUP BY ALL
)
SELECT month, word, pos, count, documents,
       round(1000.0 * count / sum(count) OVER (PARTITION BY month), 3) AS share
FROM counted
ORDER BY month, count DESC, word, pos;
