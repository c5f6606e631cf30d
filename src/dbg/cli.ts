// Driving the REPL from the outside world: command files (-x), -ex
// commands, stdin that is not a terminal (read as commands, one per line),
// and the interactive prompt — readline with line editing, persistent
// history (~/.hotlink_history) and tab completion of commands, symbols and
// file names. Ctrl-C — and SIGINT in scripted mode — interrupts a running
// program instead of quitting.

import { createInterface, Interface } from 'node:readline';
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { onlySystemError } from '../errors.js';
import { Debugger } from './debugger.js';
import { Repl, HELP } from './repl.js';

export interface ReplRunOptions {
  scripts: string[];
  commands: string[];
  batch: boolean;
  programArgs: string[];
  argv0: string;
}

const HISTORY = join(homedir() || '.', '.hotlink_history');

/** Runs the debugger session to the end; resolves with the exit status. */
export async function runRepl(dbg: Debugger, opts: ReplRunOptions): Promise<number> {
  const out = { write: (t: string) => void process.stdout.write(t) };
  dbg.diagnostics = (t) => out.write(t);
  const repl = new Repl(dbg, out, { programArgs: opts.programArgs, argv0: opts.argv0 });
  // SIGINT sent to hotlink (`kill -INT`, Ctrl-C of a script's terminal) stops the running program, as
  // GDB's Ctrl-C does; hotlink goes on with the next command. Installed before the program starts.
  process.on('SIGINT', () => {
    if (repl.running) dbg.session.interrupt();
  });
  const echo = !process.stdin.isTTY;
  for (const file of opts.scripts) {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop(); // the file's final newline ends the last command
    for (const line of lines) {
      if (echo) out.write(`${repl.prompt}${line}\n`);
      if (await repl.line(line)) return 0;
    }
  }
  for (const c of opts.commands) if (await repl.line(c)) return 0;
  if (opts.batch) {
    if (dbg.session.state === 'running' || dbg.session.state === 'stopped') await dbg.session.kill();
    return 0;
  }
  return process.stdin.isTTY ? interactive(repl, dbg) : piped(repl);
}

/** Commands from a pipe or file on stdin, each echoed after the prompt like a transcript. */
async function piped(repl: Repl): Promise<number> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    process.stdout.write(`${repl.prompt}${line}\n`);
    if (await repl.line(line)) return 0;
  }
  await repl.line('quit');
  return 0;
}

function interactive(repl: Repl, dbg: Debugger): Promise<number> {
  return new Promise((resolve) => {
    let history: string[] = [];
    try {
      history = existsSync(HISTORY) ? readFileSync(HISTORY, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000) : [];
    } catch (e) {
      onlySystemError(e); // an unreadable history file: start empty
      history = [];
    }
    const rl: Interface = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history,
      historySize: 1000,
      completer: (line: string) => complete(line, dbg),
    });
    let busy = false;
    const queue: string[] = [];
    rl.on('SIGINT', () => {
      if (dbg.session.state === 'running') dbg.session.interrupt();
      else {
        process.stdout.write('\nQuit\n');
        rl.setPrompt(repl.prompt);
        rl.prompt();
      }
    });
    rl.setPrompt(repl.prompt);
    rl.prompt();
    rl.on('line', async (first) => {
      // Type-ahead: lines that arrive while a command runs wait their turn.
      queue.push(first);
      if (busy) return;
      busy = true;
      while (queue.length) {
        const line = queue.shift()!;
        if (line.trim()) {
          try {
            appendFileSync(HISTORY, line + '\n');
          } catch (e) {
            onlySystemError(e); // no writable home: history stays in memory
          }
        }
        if (await repl.line(line)) {
          rl.close();
          return;
        }
      }
      busy = false;
      rl.setPrompt(repl.prompt);
      rl.prompt();
    });
    rl.on('close', async () => {
      if (dbg.session.state === 'running' || dbg.session.state === 'stopped') await dbg.session.kill();
      resolve(0);
    });
  });
}

const COMMAND_WORDS = HELP.split('\n').flatMap((l) => /^([a-z]+)/.exec(l)?.[1] ?? []).concat(['info', 'bt', 'tbreak', 'delete', 'disable', 'enable', 'until', 'advance', 'condition', 'rollback', 'reload', 'jit', 'interrupt', 'restart', 'set', 'show']);

/** Completion: command words first, then symbols, source files and files on disk. */
export function complete(line: string, dbg: Debugger): [string[], string] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    const hits = [...new Set(COMMAND_WORDS)].filter((c) => c.startsWith(last)).sort();
    return [hits, last];
  }
  if (words[0] === 'info' && words.length === 2) {
    const subs = ['breakpoints', 'functions', 'variables', 'locals', 'args', 'frame', 'registers', 'line', 'source'];
    return [subs.filter((s) => s.startsWith(last)), last];
  }
  const names = new Set<string>();
  for (const s of dbg.jit.symbols()) if (!s.name.startsWith('__hotlink') && !s.name.startsWith('.')) names.add(s.name);
  for (const f of dbg.view.sourceFiles()) names.add(basename(f));
  if (last.includes('/') || /\.[ch]?$/.test(last)) {
    try {
      const dir = last.includes('/') ? dirname(last) : '.';
      for (const e of readdirSync(dir)) names.add(dir === '.' ? e : join(dir, e));
    } catch (e) {
      onlySystemError(e); // not a directory
    }
  }
  const hits = [...names].filter((n) => n.startsWith(last)).sort();
  return [hits, last];
}
