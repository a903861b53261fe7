-- The corpus at a glance: one row of counts.
SELECT (SELECT count(*) FROM documents) AS documents,
       (SELECT count(DISTINCT site_of(url)) FROM documents) AS sites,
       (SELECT count(*) FROM sentences) AS sentences,
       (SELECT coalesce(sum(n_tokens), 0) FROM documents) AS tokens,
       (SELECT strftime(min(published_at), '%Y-%m-%d') FROM documents) AS first_published,
       (SELECT strftime(max(published_at), '%Y-%m-%d') FROM documents) AS last_published,
       (SELECT count(*) FROM runs) AS runs,
       (SELECT count(*) FROM errors) AS open_errors;
