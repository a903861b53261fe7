-- Whether any page of the batch (`batch_page_ids`, registered by the loader) is already stored.
SELECT EXISTS (SELECT 1 FROM pages WHERE page_id IN (SELECT page_id FROM batch_page_ids));
