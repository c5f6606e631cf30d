-- Window functions.
.headers on
.mode column
CREATE TABLE sales(region TEXT, quarter INTEGER, rep TEXT, amount REAL);
INSERT INTO sales VALUES
  ('north', 1, 'ann', 100.0), ('north', 1, 'bob', 250.5), ('north', 2, 'ann', 300.25), ('north', 2, 'bob', 50.0),
  ('south', 1, 'cat', 400.0), ('south', 2, 'cat', 125.75), ('south', 2, 'dan', 125.75), ('south', 3, 'dan', 600.0),
  ('east', 1, 'eve', 10.0), ('east', 3, 'eve', 20.0), ('east', 4, 'fay', 30.0), ('east', 4, 'eve', 40.0);
SELECT region, quarter, rep, amount,
  row_number() OVER w AS rn, rank() OVER w AS rnk, dense_rank() OVER w AS drnk,
  round(percent_rank() OVER w, 4) AS prnk, round(cume_dist() OVER w, 4) AS cd
FROM sales WINDOW w AS (PARTITION BY region ORDER BY amount DESC)
ORDER BY region, rn;
SELECT region, quarter, amount,
  sum(amount) OVER (PARTITION BY region ORDER BY quarter, rep ROWS UNBOUNDED PRECEDING) AS running,
  avg(amount) OVER (PARTITION BY region ORDER BY quarter, rep ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS moving,
  lag(amount, 1, -1) OVER (PARTITION BY region ORDER BY quarter, rep) AS prev,
  lead(rep) OVER (PARTITION BY region ORDER BY quarter, rep) AS next_rep
FROM sales ORDER BY region, quarter, rep;
SELECT rep, amount, ntile(3) OVER (ORDER BY amount, rep) AS tile,
  first_value(rep) OVER (ORDER BY amount, rep) AS lowest,
  last_value(rep) OVER (ORDER BY amount, rep RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS highest,
  nth_value(rep, 2) OVER (ORDER BY amount, rep) AS second
FROM sales ORDER BY amount, rep;
SELECT quarter, sum(amount) AS q_total,
  sum(sum(amount)) OVER (ORDER BY quarter) AS cumulative,
  round(100.0 * sum(amount) / sum(sum(amount)) OVER (), 2) AS pct
FROM sales GROUP BY quarter ORDER BY quarter;
SELECT region, rep, amount,
  count(*) OVER (PARTITION BY region) AS n_region,
  max(amount) OVER (PARTITION BY region ORDER BY amount GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS prev_grp_max,
  group_concat(rep, '+') OVER (PARTITION BY region ORDER BY rep ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS later
FROM sales ORDER BY region, rep, amount;
SELECT rep, total, rank() OVER (ORDER BY total DESC) AS place
FROM (SELECT rep, sum(amount) AS total FROM sales GROUP BY rep) ORDER BY place, rep;
SELECT x, sum(x) FILTER (WHERE x % 2 = 0) OVER (ORDER BY x) AS even_running FROM
  (SELECT value AS x FROM generate_series(1, 10)) ORDER BY x;
