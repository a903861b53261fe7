-- Documents per category and document type (讲话, 通知, 总结 …).
SELECT category, coalesce(doc_type, '(unknown)') AS doc_type, count(*) AS documents
FROM doc_summary
GROUP BY ALL
ORDER BY category, documents DESC, doc_type;
