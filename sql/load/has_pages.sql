-- Whether any page is stored at all: a run into a database without one will need its workers.
SELECT EXISTS (SELECT 1 FROM pages);
