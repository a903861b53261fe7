-- Inside the batch transaction: drop everything derived from the pages being (re)loaded, so the inserts
-- that follow replace rows instead of duplicating them. `batch_page_ids(page_id)` is an Arrow table
-- registered by the loader, which skips this file when none of the batch's pages is stored yet (each DELETE
-- scans its whole table: at 100,000 pages, seconds per batch spent finding nothing).
DELETE FROM keywords   WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM sentences  WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM paragraphs WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM entities     WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM terms        WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM outline      WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM placeholders WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM fingerprints WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM doc_terms    WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
-- A replaced document leaves its duplicate group until the corpus step after the batches regroups everything.
DELETE FROM duplicates   WHERE doc_id IN (SELECT doc_id FROM documents WHERE page_id IN (SELECT page_id FROM batch_page_ids));
DELETE FROM documents  WHERE page_id IN (SELECT page_id FROM batch_page_ids);
DELETE FROM pages      WHERE page_id IN (SELECT page_id FROM batch_page_ids);
