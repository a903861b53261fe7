-- True for a template slot of 范文 pages (X, XX, 20XX, ××, ○○, 某某): a blank to fill in, not a word.
-- The same pattern as PLACEHOLDER_RE in tasks/enrich/keywords.py; a test checks that both agree.
CREATE OR REPLACE MACRO is_placeholder(tok) AS
regexp_full_match(tok, '[0-9０-９]*(?:[XxＸｘ×*＊○〇]+|某某)[0-9０-９]*');
