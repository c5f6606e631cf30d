-- printf()/format(), numeric formatting, math functions, casts, strings, dates with fixed inputs.
.mode list
.separator " | "
SELECT printf('%d %5d %-5d| %05d %+d %x %X %o %c', 42, 42, 42, 42, 42, 255, 255, 8, 'A');
SELECT printf('%.3f %10.4f %-10.2f| %e %.2E %g %g %g', pi(), -pi(), 1.005, 123456.789, 0.000123, 1e20, 1e-5, 100.0);
SELECT printf('%s|%10s|%-10s|%.3s|%q|%Q|%Q|%w', 'abc', 'abc', 'abc', 'abcdef', 'it''s', 'it''s', NULL, 'a"b');
SELECT printf('%,d %,d %!.20g %.20f', 1234567890, -9876543, 0.1, 0.1);
SELECT format('%lld %llu %5.1f%%', 9223372036854775807, -1, 99.44), printf('%z|%T', 'x', 'y');
SELECT printf('%.*f|%*d|%-*d|', 2, 3.14159, 6, 42, 6, 42), printf('%#x %#o', 255, 8), printf('%i', 7.9);
SELECT 7 / 2, 7.0 / 2, 7 % 3, -7 % 3, -7 / 2, 7 / 0, 7.5 % 2, 1e308 * 10, -1e308 * 10, 9223372036854775807 + 1;
SELECT round(2.5), round(-2.5), round(3.14159, 3), round(1234.5678, -2), abs(-9223372036854775807), abs(-3.5);
SELECT sqrt(2), power(2, 10), pow(2, 0.5), exp(1), ln(10), log(100), log2(8), log(2, 1024), log10(0.001);
SELECT sin(1), cos(1), tan(1), asin(0.5), acos(0.5), atan(1), atan2(1, 2), sinh(1), cosh(1), tanh(1);
SELECT pi(), degrees(pi()), radians(180), ceil(3.2), ceiling(-3.2), floor(-3.7), trunc(-3.7), sign(-2), mod(7.5, 2);
SELECT sqrt(-1), ln(0), ln(-1), 1 / 0.0, typeof(1 / 0.0), acos(2);
SELECT cast('12abc' AS INTEGER), cast('3.9' AS INTEGER), cast(3.9 AS INTEGER), cast('1e3' AS REAL), cast(12 AS TEXT) || 'x';
SELECT cast(x'414243' AS TEXT), hex('hi'), hex(12345), quote(x'00ff'), zeroblob(3) = x'000000';
SELECT typeof(1), typeof(1.0), typeof('1'), typeof(x'01'), typeof(NULL), 1 = 1.0, '1' = 1, 10 > '9';
SELECT 0.1 + 0.2, 0.1 + 0.2 = 0.3, 1e15 + 0.3, 123456789012345678, 1.0e-300 * 1e-300, -0.0, 2e308 IS NULL;
SELECT 100000000000000000000, 1e100, 4.0 / 3.0, 2.0 / 3, 1.0 * 9007199254740993, 0.5e-5, 1234567.0;
SELECT upper('straße'), lower('ÀÉÎ'), length('häll€'), unicode('€'), char(72, 228, 8364);
SELECT substr('hotlink', 2, 3), substr('hotlink', -4), instr('hotlink', 'link'), replace('a-b-c', '-', '+'),
  trim('  x  ') || '|', ltrim('xxabc', 'x'), rtrim('abc  ') || '|', 'abc' LIKE 'A%', 'abc' GLOB 'A*', soundex('Robert');
SELECT date('2024-02-29', '+1 year'), date('2024-01-31', '+1 month'), datetime('2000-01-01 12:34:56', '+90 minutes'),
  julianday('2000-01-01'), strftime('%Y-%j %H:%M:%f %w %W %s', '2024-03-10 08:09:10.123'), time('12:00', '-30 seconds'),
  date(0, 'unixepoch'), datetime(1700000000, 'unixepoch', 'start of month'), strftime('%J', '2000-01-01 06:00');
SELECT random() IS NOT NULL, typeof(randomblob(4)), length(randomblob(16)), sqlite_version() IS NOT NULL, iif(1 < 2, 'yes', 'no');
SELECT likelihood(1, 0.5), coalesce(max(1, 2.5, '3'), 0), min('b', 'a', 'c'), instr(x'0102', x'02');
SELECT printf('%-8s|%8.3f|%08.2f', name, val, val) FROM (SELECT 'alpha' AS name, 3.14159 AS val UNION ALL SELECT 'beta', -2.5 UNION ALL SELECT 'gamma', 1e6);
SELECT total(x), sum(x), avg(x), group_concat(x) FROM (SELECT 1.5 AS x UNION ALL SELECT 2 UNION ALL SELECT NULL UNION ALL SELECT 3);
SELECT sum(value) FROM generate_series(1, 100) WHERE value % 3 = 0;
SELECT value * value FROM generate_series(1, 5);
