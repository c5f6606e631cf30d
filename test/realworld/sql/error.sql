-- expect-exit: 1
-- Errors in a script read from stdin: the shell reports each error on stderr, keeps going,
-- and exits with status 1 at the end.
.mode list
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c INTEGER CHECK (c >= 0));
INSERT INTO t VALUES (1, 'one', 1);
SELECT * FROM no_such_table;
INSERT INTO t VALUES (1, 'dup', 2);
INSERT INTO t VALUES (2, NULL, 2);
INSERT INTO t VALUES (3, 'neg', -1);
SELEC 1;
SELECT 'still running after errors', count(*) FROM t;
SELECT abs(-9223372036854775807 - 1);
SELECT json_extract('{bad', '$');
.nosuchcommand
SELECT 'last statement';
