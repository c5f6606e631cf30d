-- JSON functions (json1 is built in since 3.38) and the -> / ->> operators.
.mode list
.headers off
SELECT json('{"a" : 1, "b":[1,2 , 3]}');
SELECT json_object('name', 'hotlink', 'version', 0.1, 'tags', json_array('jit', 'linker', 'c'), 'ok', json('true'));
SELECT json_array(1, 2.5, 'three', NULL, json('{"x":1}'));
SELECT json_extract('{"a":{"b":[10,20,30]}}', '$.a.b[1]'), json_extract('{"a":1}', '$.missing');
SELECT '{"a":{"b":[10,20,30]}}' -> '$.a.b', '{"a":{"b":[10,20,30]}}' ->> '$.a.b[#-1]', '[1,2,3]' -> 0;
SELECT json_type('{"a":[1,2.5,"s",null,true,{}]}', '$.a[' || value || ']') FROM generate_series(0, 5);
SELECT json_valid('{"a":1}'), json_valid('{a:1}'), json_valid(''), json_quote('he said "hi"'), json_quote(3.5);
SELECT json_insert('{"a":1}', '$.b', 2), json_replace('{"a":1}', '$.a', 'x'), json_set('{"a":1}', '$.c[0]', 9);
SELECT json_remove('[0,1,2,3]', '$[1]', '$[1]'), json_patch('{"a":1,"b":{"c":2}}', '{"b":{"c":null,"d":4},"e":5}');
SELECT json_array_length('[1,[2,3],4]'), json_array_length('[1,[2,3],4]', '$[1]');
CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO docs(body) VALUES
  ('{"user":"ann","score":91.5,"items":["pen","ink"],"meta":{"vip":true}}'),
  ('{"user":"bob","score":78,"items":[],"meta":{"vip":false}}'),
  ('{"user":"cat","score":88.25,"items":["pad","pen","cap"],"meta":{}}');
.headers on
.mode column
SELECT id, body ->> '$.user' AS user, body ->> '$.score' AS score, json_array_length(body, '$.items') AS n_items,
  coalesce(body ->> '$.meta.vip', 'n/a') AS vip FROM docs ORDER BY score DESC;
SELECT d.id, j.key, j.value, j.type FROM docs d, json_each(d.body, '$.items') j ORDER BY d.id, j.key;
SELECT j.fullkey, j.type, j.atom FROM json_tree('{"a":[1,{"b":2}],"c":"x"}') j ORDER BY j.id;
.mode list
SELECT json_group_array(body ->> '$.user') FROM (SELECT body FROM docs ORDER BY id);
SELECT json_group_object(body ->> '$.user', body -> '$.score') FROM (SELECT body FROM docs ORDER BY id);
SELECT json_object('n', count(*), 'avg', avg(body ->> '$.score')) FROM docs;
SELECT json('[1e3, -0.5, 1E-2, 12345678901234567890]');
SELECT json_extract('{"a":"\u00e9\n"}', '$.a') = char(233, 10);
