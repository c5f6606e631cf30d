-- Assorted shell dot-commands and a transaction with a savepoint / rollback.
.echo on
.headers on
.mode column
.width 6 -10 12
CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
BEGIN;
INSERT INTO kv VALUES ('a', 1), ('b', 2);
SAVEPOINT sp;
INSERT INTO kv VALUES ('c', 3);
ROLLBACK TO sp;
INSERT INTO kv VALUES ('d', 4);
COMMIT;
SELECT k, v, v * 1.5 AS scaled FROM kv ORDER BY k;
.echo off
.width
.mode quote
SELECT k, v, 'it''s', NULL, x'cafe', 2.5 FROM kv ORDER BY k;
.mode ascii
SELECT 1, 2;
.mode html
SELECT k, v FROM kv ORDER BY k;
.mode tcl
SELECT 'a b', 'c"d';
.mode list
.separator ,
.print "printed by .print" 'and more'
CREATE VIEW v AS SELECT k, v * 10 AS vv FROM kv;
CREATE TRIGGER kv_ins AFTER INSERT ON kv BEGIN INSERT INTO log VALUES (new.k); END;
CREATE TABLE log(k);
INSERT INTO kv VALUES ('e', 5), ('f', 6);
SELECT * FROM log ORDER BY k;
SELECT * FROM v ORDER BY k;
.schema
.show
.stats off
PRAGMA integrity_check;
PRAGMA table_info(kv);
EXPLAIN QUERY PLAN SELECT * FROM kv WHERE k = 'a';
.dump
