-- Full-text search (FTS5 and FTS4) and R*Tree virtual tables.
.mode list
.headers off
CREATE VIRTUAL TABLE notes USING fts5(title, body, tokenize = 'porter');
INSERT INTO notes VALUES
  ('Linking', 'A linker combines relocatable object files into an executable image'),
  ('JIT', 'Just in time compilation generates machine code while the program is running'),
  ('Relocations', 'Each relocation patches a field of the image with the address of a symbol'),
  ('Symbols', 'Symbols are resolved against libraries such as libc and libm'),
  ('Objects', 'ELF relocatable objects contain sections, symbols and relocations');
SELECT title FROM notes WHERE notes MATCH 'relocation' ORDER BY rank, title;
SELECT title, snippet(notes, 1, '[', ']', '...', 5) FROM notes WHERE notes MATCH 'symbol*' ORDER BY title;
SELECT title, highlight(notes, 1, '<', '>') FROM notes WHERE notes MATCH 'machine NEAR code' ORDER BY title;
SELECT count(*) FROM notes WHERE notes MATCH 'link OR linking OR linker';
SELECT title FROM notes WHERE notes MATCH 'title:j*';
SELECT title, round(bm25(notes), 3) < 0 FROM notes WHERE notes MATCH 'image' ORDER BY bm25(notes), title;
CREATE VIRTUAL TABLE docs4 USING fts4(content);
INSERT INTO docs4(content) VALUES ('the quick brown fox'), ('jumps over the lazy dog'), ('quick quick slow');
SELECT docid, content FROM docs4 WHERE docs4 MATCH 'quick' ORDER BY docid;
SELECT docid, length(offsets(docs4)) > 0, matchinfo(docs4) IS NOT NULL FROM docs4 WHERE docs4 MATCH '"lazy dog"';
CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy);
WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 399)
INSERT INTO boxes SELECT i, (i % 20) * 10.0, (i % 20) * 10.0 + 5, (i / 20) * 10.0, (i / 20) * 10.0 + 5 FROM g;
SELECT count(*) FROM boxes WHERE minx >= 50 AND maxx <= 105 AND miny >= 20 AND maxy <= 55;
SELECT id FROM boxes WHERE minx <= 31 AND maxx >= 31 AND miny <= 72 AND maxy >= 72 ORDER BY id;
