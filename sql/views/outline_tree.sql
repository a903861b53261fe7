-- Each document's heading outline as a tree: one row per heading with its depth, its path of enclosing
-- headings (outermost first) and `label`, the heading indented by depth with ideographic spaces, so that
--   SELECT label FROM outline_tree WHERE doc_id = ? ORDER BY heading_no
-- prints the table of contents.
CREATE OR REPLACE VIEW outline_tree AS
WITH RECURSIVE tree AS (
    SELECT doc_id, heading_no, 1 AS depth, [marker || text] AS path
    FROM outline
    WHERE parent_no IS NULL
    UNION ALL
    SELECT o.doc_id, o.heading_no, t.depth + 1, list_append(t.path, o.marker || o.text)
    FROM outline AS o
    JOIN tree AS t ON o.doc_id = t.doc_id AND o.parent_no = t.heading_no
)
SELECT o.doc_id,
       d.title AS doc_title,
       o.heading_no,
       o.parent_no,
       o.level,
       t.depth,
       o.style,
       o.marker,
       o.text,
       o.paragraph_no,
       array_to_string(t.path, ' / ') AS path,
       repeat('　', t.depth - 1) || o.marker || o.text AS label
FROM outline AS o
JOIN tree AS t USING (doc_id, heading_no)
JOIN documents AS d USING (doc_id)
ORDER BY o.doc_id, o.heading_no;
