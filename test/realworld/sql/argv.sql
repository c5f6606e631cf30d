-- args: ["-header", "-csv", ":memory:", "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x,y'), (2, 'z');", "SELECT a, b, a * 1.5 AS c FROM t ORDER BY a;", ".mode json", "SELECT count(*) AS n, group_concat(b, ';') AS bs FROM t;"]
-- SQL passed on the command line (stdin is not read): options, database name, then SQL/dot-command arguments.
SELECT 'this file is not fed to stdin';
