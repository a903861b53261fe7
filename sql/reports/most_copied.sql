-- The most-copied texts: near-duplicate groups with the most copies, the sites carrying them, and how far
-- the least similar copy is from the representative (the group's first document).
SELECT g.group_id,
       any_value(d.title) FILTER (WHERE g.is_representative) AS title,
       count(*) AS copies,
       count(DISTINCT site_of(d.url)) AS sites,
       round(min(g.similarity_to_representative), 3) AS min_similarity,
       strftime(min(d.published_at), '%Y-%m-%d') AS first_published,
       list(DISTINCT site_of(d.url) ORDER BY site_of(d.url))[1:5] AS some_sites
FROM duplicates AS g
JOIN documents AS d USING (doc_id)
GROUP BY g.group_id
ORDER BY copies DESC, sites DESC, title
LIMIT 20;
