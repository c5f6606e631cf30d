-- expect-exit: 1
-- With .bail on, the first error stops the shell immediately.
.bail on
SELECT 'before the error';
CREATE TABLE t(x UNIQUE);
INSERT INTO t VALUES (1), (2);
INSERT INTO t VALUES (2);
SELECT 'never printed';
