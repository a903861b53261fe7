-- Template slots (X, XX, 20XX, X同志, 某某) per site: how much of what a site publishes is unfilled 范文.
SELECT site_of(d.url) AS site,
       count(*) AS documents,
       count(*) FILTER (WHERE d.is_template) AS templates,
       round(100.0 * count(*) FILTER (WHERE d.is_template) / count(*), 1) AS template_pct,
       coalesce(sum(d.n_placeholders), 0) AS placeholders,
       round(avg(d.n_placeholders), 2) AS per_document
FROM documents AS d
GROUP BY site
ORDER BY placeholders DESC, site;
