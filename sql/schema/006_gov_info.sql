-- wenji schema, version 6: the 政府信息公开 metadata table of government notices (issue 16), parsed by
-- extraction (tasks/gov_info.py) into page-level fields and stored on each document of the page, so that
-- researchers filter official documents by issuer and document number in plain SQL:
--     SELECT title, gov_doc_no FROM documents WHERE gov_issuer = '国务院办公厅' ORDER BY gov_written_at;
-- NULL on pages without such a table (and on documents loaded before this version). New columns at the end.
ALTER TABLE documents ADD COLUMN gov_index_no VARCHAR;      -- 索引号
ALTER TABLE documents ADD COLUMN gov_issuer VARCHAR;        -- 发布机构 / 发文机关
ALTER TABLE documents ADD COLUMN gov_doc_no VARCHAR;        -- 文号 / 发文字号
ALTER TABLE documents ADD COLUMN gov_written_at DATE;       -- 成文日期 (生成日期)
ALTER TABLE documents ADD COLUMN gov_published_at DATE;     -- 发布日期 / 公开日期
ALTER TABLE documents ADD COLUMN gov_topic VARCHAR;         -- 主题分类 (信息分类)
ALTER TABLE documents ADD COLUMN gov_validity VARCHAR;      -- 有效性
