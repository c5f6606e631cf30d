// A node:test reporter for `npm test`: one closing line (on stderr) that says
// what was skipped and why, aggregated by reason — e.g. which tests could not
// run because clang-19 or gdb is missing. The TAP stream on stdout stays as
// it was. (Tests skip with the reason from needs()/skipMissing() in
// helpers.ts; skips from --test-name-pattern are not counted.)

interface TestEvent {
  type: string;
  data: { name?: string; skip?: boolean | string; nesting?: number; details?: { type?: string } };
}

export default async function* skipSummary(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const reasons = new Map<string, number>();
  let total = 0;
  for await (const ev of source) {
    if ((ev.type !== 'test:pass' && ev.type !== 'test:fail') || ev.data.details?.type === 'suite') continue; // tests, as '# skipped' counts them
    const skip = ev.data.skip;
    if (skip === undefined || skip === false) continue;
    const reason = skip === true ? '(no reason given)' : skip;
    if (reason === 'test name does not match pattern') continue;
    total++;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const parts = [...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} × ${r}`);
  yield total ? `# skip summary: ${total} tests skipped — ${parts.join("; ")}\n` : "# skip summary: no test skipped\n";
}
