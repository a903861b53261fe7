-- The site of a URL: its host, lower-cased, without port or credentials; '(local)' for URLs without a host
-- (file: URLs of saved pages).  SELECT site_of('http://www.Example.cn:8080/a/b.html');  → www.example.cn
CREATE OR REPLACE MACRO site_of(url) AS
coalesce(nullif(lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)', 1)), ''), '(local)');
