// Runs oracle.mjs on JSON-lines files (default: samples.jsonl and probes.jsonl) and compares each
// answer with the line's "expect" field ("allowed", "explicitDeny", "implicitDeny" or "error").
// samples.jsonl holds AWS-correct answers; probes.jsonl holds iam-simulate 0.1.173's own answers
// for the behaviours described in NOTES.md (some differ from AWS on purpose), so a version
// upgrade that changes them shows up here. Exits 1 on any mismatch. -q prints failures only.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const args = process.argv.slice(2);
const quiet = args.includes('-q');
const files = args.filter((a) => a !== '-q');
if (files.length === 0) files.push('samples.jsonl', 'probes.jsonl');

function run(file) {
  const lines = readFileSync(new URL(file, here), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const expect = lines.map((l) => { try { return JSON.parse(l).expect; } catch { return 'error'; } });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL('oracle.mjs', here).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stdin.end(lines.join('\n') + '\n');
    child.on('close', (code) => {
      const got = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
      let bad = code === 0 && got.length === lines.length ? 0 : 1;
      if (got.length !== lines.length) console.log(`${file}: want ${lines.length} answers, got ${got.length}`);
      got.forEach((g, i) => {
        const answer = g.error !== undefined ? 'error' : g.decision;
        const ok = answer === expect[i];
        if (!ok) bad++;
        if (!ok || !quiet) console.log(`${ok ? 'ok  ' : 'FAIL'} ${String(g.id).padEnd(40)} ${answer.padEnd(12)} ${g.error ?? g.detail}`);
      });
      console.log(`${file}: ${got.length - bad < 0 ? 0 : got.length - bad}/${lines.length} as expected`);
      resolve(bad);
    });
  });
}

let failures = 0;
for (const f of files) failures += await run(f);
process.exit(failures ? 1 : 0);
