// C prototypes as `Jit.call` and `Jit.func` take them: `int (int, int)`,
// `int twice(int)`, `struct pt (int, int)`, `int (int (*)(int), int)`,
// `int (const char *, ...)`. The syntax is koffi's (koffi.dev/functions):
// C type names, `*` for pointers, `struct NAME`/`union NAME` for the
// image's own aggregates, `RET (*)(ARGS)` for a callback parameter. Parsing
// only splits the text; native.ts turns it into koffi types.

import { HotlinkError } from '../errors.js';

export interface CPrototype {
  /** As given. */
  text: string;
  /** The function's name when the text declares one (`int twice(int)`). */
  name?: string;
  ret: string;
  /** The fixed parameters, as written (names included). */
  params: string[];
  variadic: boolean;
}

/** Words that end a type rather than name a function (`unsigned int (int)` has no name). */
const TYPE_WORDS = new Set(['void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', 'const', 'volatile', '_Bool', 'bool']);

/** Splits `text` at commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/** The index of the `(` matching the `)` at `close`, or -1. */
function matchingOpen(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

export function parsePrototype(text: string): CPrototype {
  const t = text.trim().replace(/;$/, '').trim();
  const bad = (why: string): HotlinkError =>
    new HotlinkError('usage', `bad C prototype '${text}': ${why} (expected 'RET (ARGS)' or 'RET NAME(ARGS)', e.g. 'int (int, const char *)')`);
  if (!t.endsWith(')')) throw bad('no parameter list');
  const open = matchingOpen(t, t.length - 1);
  if (open <= 0) throw bad(open < 0 ? 'unbalanced parentheses' : 'no return type');
  let head = t.slice(0, open).trim();
  let name: string | undefined;
  const m = /^(.*?[\w*\s])\s*\b([A-Za-z_]\w*)$/.exec(head);
  if (m && m[1]!.trim() && !TYPE_WORDS.has(m[2]!) && !/\b(struct|union|enum)\s*$/.test(m[1]!)) {
    name = m[2]!;
    head = m[1]!.trim();
  }
  if (!head) throw bad('no return type');
  const inner = t.slice(open + 1, -1).trim();
  let params = inner === '' || inner === 'void' ? [] : splitTopLevel(inner);
  let variadic = false;
  if (params.at(-1) === '...') {
    variadic = true;
    params = params.slice(0, -1);
  }
  if (params.some((p) => p === '' || p === '...')) throw bad('empty parameter');
  return { text, name, ret: head, params, variadic };
}

/** A callback parameter `RET (*name)(ARGS)`: its return type and parameters, else undefined. */
export function callbackParam(param: string): { ret: string; args: string } | undefined {
  const m = /^(.*?)\(\s*\*\s*\w*\s*\)\s*\((.*)\)$/.exec(param.trim());
  return m ? { ret: m[1]!.trim(), args: m[2]!.trim() } : undefined;
}

/** The `struct NAME` / `union NAME` tags a type text names. */
export function aggregateTags(type: string): { tag: 'struct' | 'union'; name: string; text: string }[] {
  return [...type.matchAll(/\b(struct|union)\s+([A-Za-z_]\w*)/g)].map((m) => ({ tag: m[1] as 'struct' | 'union', name: m[2]!, text: m[0] }));
}

/** A parameter's type without its name: `const char *s` → `const char *`. */
export function paramType(param: string): string {
  const p = param.trim();
  if (callbackParam(p)) return p;
  const m = /^(.*[\s*])([A-Za-z_]\w*)$/.exec(p);
  if (m && m[1]!.trim() && !TYPE_WORDS.has(m[2]!) && !/\b(struct|union|enum)\s*$/.test(m[1]!)) return m[1]!.trim();
  return p;
}

/** Parameter types koffi converts from a JS number (or BigInt, boolean): integers, floats, enums' ints. */
export function isNumericType(type: string): boolean {
  return /^(const\s+)?((un)?signed\s+)?(char|short|int|long|long\s+long|long\s+int|short\s+int|float|double|bool|_Bool|u?int(8|16|32|64)_t|u?intptr_t|s?size_t|ssize_t|ptrdiff_t|u?int|unsigned|signed|u?char|u?short|u?long|u?int(8|16|32|64)|off_t)$/.test(type.trim());
}
