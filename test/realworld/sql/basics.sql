-- Tables, inserts, joins, group by/having, ordering, NULL handling, shell output modes.
.headers on
.mode column
CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, budget REAL);
CREATE TABLE emp(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, dept_id INTEGER REFERENCES dept(id),
  salary INTEGER CHECK (salary > 0), hired TEXT, manager_id INTEGER REFERENCES emp(id)
);
INSERT INTO dept(name, budget) VALUES ('Engineering', 1.5e6), ('Sales', 750000.5), ('Research', NULL), ('Empty', 0);
INSERT INTO emp(name, dept_id, salary, hired, manager_id) VALUES
  ('Ada', 1, 185000, '2015-03-01', NULL),
  ('Linus', 1, 160000, '2018-07-15', 1),
  ('Grace', 3, 170000, '2012-01-09', NULL),
  ('Alan', 3, 150000, '2019-11-30', 3),
  ('Barbara', 2, 95000, '2020-02-29', NULL),
  ('Ken', 2, 99000, '2021-06-01', 5),
  ('Dennis', 1, 158000, '2016-09-09', 1),
  ('Margaret', NULL, 120000, '2022-12-31', NULL);
SELECT * FROM dept ORDER BY id;
SELECT e.name, d.name AS dept, e.salary FROM emp e JOIN dept d ON d.id = e.dept_id ORDER BY e.salary DESC;
SELECT e.name, coalesce(d.name, '(none)') AS dept FROM emp e LEFT JOIN dept d ON d.id = e.dept_id ORDER BY e.name;
SELECT d.name, count(e.id) AS n, sum(e.salary) AS total, avg(e.salary) AS avg, min(e.hired) AS first_hire
  FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.id HAVING n >= 0 ORDER BY total DESC NULLS LAST;
SELECT m.name AS manager, group_concat(e.name, ', ') AS reports
  FROM emp e JOIN emp m ON e.manager_id = m.id GROUP BY m.id ORDER BY m.name;
.mode list
.separator |
SELECT name, salary FROM emp WHERE salary BETWEEN 100000 AND 165000 ORDER BY name;
SELECT count(*), count(dept_id), count(DISTINCT dept_id), total(salary), sum(salary) / count(*) FROM emp;
.mode csv
SELECT * FROM emp WHERE name LIKE '%a%' ORDER BY id;
.mode line
SELECT name, budget, typeof(budget) FROM dept WHERE id = 2;
.mode box
SELECT id, name, budget FROM dept ORDER BY budget;
.mode markdown
SELECT name, upper(name) AS up, length(name) AS len FROM emp ORDER BY len, name LIMIT 4;
.mode json
SELECT id, name, budget FROM dept ORDER BY id;
.mode insert newtable
SELECT id, name, salary FROM emp ORDER BY id LIMIT 3;
.mode tabs
.headers off
UPDATE emp SET salary = salary * 1.1 WHERE dept_id = 2;
DELETE FROM emp WHERE name = 'Margaret';
SELECT name, salary, typeof(salary) FROM emp WHERE dept_id = 2;
SELECT changes(), total_changes(), last_insert_rowid();
.nullvalue <NULL>
SELECT NULL, 1 IS NULL, NULL = NULL, NULL IS NULL, coalesce(NULL, NULL, 'x'), nullif(3, 3), ifnull(NULL, 'y');
.print "-- schema --"
.schema dept
.tables
.indexes
.dump dept
