// Auto-display (GDB's `display`, `undisplay`, `info display`): expressions
// printed after every stop, numbered `1: x = 5`, `2: /x counter = 0x2d`.
// An expression that names a local or parameter of the frame it was made
// in is shown only while the program is stopped in that function (GDB ties
// it to the block); the others are shown at every stop, and once when made.

import { HotlinkError } from '../errors.js';
import type { Debugger } from './debugger.js';

export interface AutoDisplay {
  num: number;
  expr: string;
  /** The /FMT letters as given (`x`), or undefined. */
  format?: string;
  /** The function whose locals the expression names. */
  function?: string;
  enabled: boolean;
}

/** Prints one display's value (`print`'s formatting, no history), or throws. */
export type DisplayPrinter = (expr: string, format: string | undefined) => Promise<string>;

export class Displays {
  private readonly list: AutoDisplay[] = [];
  private next = 1;

  constructor(private readonly dbg: Debugger) {}

  /** `display[/FMT] EXPR`; the line to print now (when it can be evaluated). */
  async add(expr: string, format: string | undefined, print: DisplayPrinter): Promise<string | undefined> {
    if (format !== undefined && /[is]/.test(format)) throw new HotlinkError('usage', `display/${format} (examining memory at each stop) is not supported yet`);
    const d: AutoDisplay = { num: this.next++, expr, format, enabled: true, function: this.localFunction(expr) };
    this.list.push(d);
    return this.dbg.session.state === 'stopped' || !d.function ? this.one(d, print) : undefined;
  }

  /** The function of the selected frame when `expr` names one of its locals or parameters. */
  private localFunction(expr: string): string | undefined {
    if (this.dbg.session.state !== 'stopped') return undefined;
    const level = this.dbg.selectedFrame;
    const names = new Set([...this.dbg.variablesOf(level, 'args'), ...this.dbg.variablesOf(level, 'locals')].map((v) => v.name));
    const used = expr.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '').match(/(?<![.\w$]|->)[A-Za-z_]\w*/g) ?? [];
    if (!used.some((n) => names.has(n))) return undefined;
    const f = this.dbg.frames()[level];
    return f ? this.dbg.describe(f).function : undefined;
  }

  private async one(d: AutoDisplay, print: DisplayPrinter): Promise<string | undefined> {
    try {
      const value = await print(d.expr, d.format);
      return `${d.num}: ${d.format ? `/${d.format} ` : ''}${d.expr} = ${value}`;
    } catch {
      return undefined;
    }
  }

  /** The lines after a stop (or for a bare `display`): every enabled display in scope. */
  async show(print: DisplayPrinter): Promise<string[]> {
    if (this.dbg.session.state !== 'stopped') return [];
    const f = this.dbg.frames()[0];
    const here = f ? this.dbg.describe(f).function : undefined;
    const out: string[] = [];
    for (const d of this.list) {
      if (!d.enabled || (d.function && d.function !== here)) continue;
      const line = await this.one(d, print);
      if (line !== undefined) out.push(line);
    }
    return out;
  }

  /** `undisplay [N...]` / `delete display [N...]` (no numbers: all). */
  remove(arg: string): void {
    if (!arg.trim()) {
      this.list.length = 0;
      return;
    }
    for (const t of arg.trim().split(/\s+/)) {
      const i = this.list.findIndex((d) => d.num === Number(t));
      if (i < 0) throw new HotlinkError('usage', `No display number ${t}.`);
      this.list.splice(i, 1);
    }
  }

  /** `info display`. */
  info(): string[] {
    if (!this.list.length) return ['There are no auto-display expressions now.'];
    return ['Auto-display expressions now in effect:', 'Num Enb Expression', ...this.list.map((d) => `${d.num}:   ${d.enabled ? 'y' : 'n'}  ${d.format ? `/${d.format} ` : ''}${d.expr}`)];
  }
}
