// A log writer in its own process, for the in_tail tests. It reads one JSON command per stdin
// line and answers one JSON line on stdout when the command is done, so tests can script a
// rotation exactly and wait for it without sleeping.
//
//   {"op":"lines","file":F,"prefix":"a","from":0,"count":10}   appends "a0\n" … "a9\n"
//   {"op":"append","file":F,"text":"..."}                        appends raw text
//   {"op":"drip","file":F,"prefix":"a","from":0,"count":N,"per":P,"gapMs":G}
//       like "lines", P lines per write with G ms between writes (a steady logger)
//   {"op":"rename","from":A,"to":B}  {"op":"unlink","file":F}  {"op":"truncate","file":F}
//   {"op":"copytruncate","file":F,"to":C}                       copy F to C, then truncate F
//   {"op":"copyinto","from":F,"to":C}                           append F's bytes to C (a slow copy)
//   {"op":"symlink","target":T,"link":L}                         (re)point L at T atomically
//   {"op":"storm","file":F,"total":N,"every":K,"chunk":C,"late":L}
//       writes lines "<gen> <seq>\n" for seq 0..N-1, C lines per write; every K lines renames F
//       to F.<gen>, writes L more lines to the renamed file (a logger that has not reopened
//       yet), then opens a new F. Answers {"ok":true,"rotations":R}.
//   {"op":"many","dir":D,"files":N,"rounds":R,"intervalMs":I,"hotLines":H}
//       every I ms (R rounds) appends "s<i> <round> <Date.now()>\n" to each of D/s<i>.log, and
//       between rounds appends "hot <seq>\n" lines to D/hot.log in 500-line writes until H were
//       written. Answers when both are done.
//   {"op":"exit"}

import * as fs from 'node:fs';
import { createInterface } from 'node:readline';

type Cmd = Record<string, any>;

function storm(c: Cmd): number {
  const file: string = c.file;
  const total: number = c.total;
  const every: number = c.every;
  const chunk: number = c.chunk ?? 100;
  const late: number = c.late ?? 0;
  let gen = 0;
  let fd = fs.openSync(file, 'a');
  let inFile = 0;
  let rotations = 0;
  let seq = 0;
  while (seq < total) {
    const n = Math.min(chunk, total - seq, every - inFile);
    let text = '';
    for (let i = 0; i < n; i++) text += `${gen} ${seq + i}\n`;
    fs.writeSync(fd, text);
    seq += n;
    inFile += n;
    if (inFile >= every && seq < total) {
      fs.renameSync(file, `${file}.${gen}`);
      let lateText = '';
      for (let i = 0; i < late && seq < total; i++, seq++) lateText += `${gen} ${seq}\n`;
      if (lateText) fs.writeSync(fd, lateText);
      fs.closeSync(fd);
      gen++;
      rotations++;
      fd = fs.openSync(file, 'a');
      inFile = 0;
    }
  }
  fs.closeSync(fd);
  return rotations;
}

async function many(c: Cmd): Promise<Record<string, unknown>> {
  const hot = fs.openSync(`${c.dir}/hot.log`, 'a');
  const fds = Array.from({ length: c.files }, (_, i) => fs.openSync(`${c.dir}/s${i}.log`, 'a'));
  let seq = 0;
  for (let round = 0; round < c.rounds || seq < c.hotLines; round++) {
    if (round < c.rounds) {
      for (let i = 0; i < fds.length; i++) fs.writeSync(fds[i]!, `s${i} ${round} ${Date.now()}\n`);
    }
    const until = Date.now() + c.intervalMs;
    while (Date.now() < until && seq < c.hotLines) {
      let text = '';
      for (let k = 0; k < 500 && seq < c.hotLines; k++, seq++) text += `hot ${seq}\n`;
      fs.writeSync(hot, text);
      await new Promise((r) => setImmediate(r));
    }
    if (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
  }
  for (const fd of [hot, ...fds]) fs.closeSync(fd);
  return { hot: seq };
}

async function drip(c: Cmd): Promise<Record<string, unknown>> {
  const fd = fs.openSync(c.file, 'a');
  for (let i = 0; i < c.count; ) {
    let text = '';
    for (let k = 0; k < c.per && i < c.count; k++, i++) text += `${c.prefix}${c.from + i}\n`;
    fs.writeSync(fd, text);
    await new Promise((r) => setTimeout(r, c.gapMs));
  }
  fs.closeSync(fd);
  return {};
}

function run(c: Cmd): Record<string, unknown> | Promise<Record<string, unknown>> {
  switch (c.op) {
    case 'lines': {
      let text = '';
      for (let i = 0; i < c.count; i++) text += `${c.prefix}${c.from + i}\n`;
      fs.appendFileSync(c.file, text);
      return {};
    }
    case 'drip':
      return drip(c);
    case 'append':
      fs.appendFileSync(c.file, c.text);
      return {};
    case 'rename':
      fs.renameSync(c.from, c.to);
      return {};
    case 'unlink':
      fs.unlinkSync(c.file);
      return {};
    case 'truncate':
      fs.truncateSync(c.file, 0);
      return {};
    case 'copyinto':
      fs.appendFileSync(c.to, fs.readFileSync(c.from));
      return {};
    case 'copytruncate':
      fs.copyFileSync(c.file, c.to);
      fs.truncateSync(c.file, 0);
      return {};
    case 'symlink': {
      const tmp = `${c.link}.tmp-link`;
      fs.rmSync(tmp, { force: true });
      fs.symlinkSync(c.target, tmp);
      fs.renameSync(tmp, c.link);
      return {};
    }
    case 'storm':
      return { rotations: storm(c) };
    case 'many':
      return many(c);
    case 'exit':
      process.exit(0);
      break;
    default:
      throw new Error(`unknown op ${c.op}`);
  }
  return {};
}

let queue: Promise<void> = Promise.resolve();
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(async () => {
    let reply: Record<string, unknown>;
    try {
      reply = { ok: true, ...(await run(JSON.parse(line) as Cmd)) };
    } catch (e) {
      reply = { ok: false, error: (e as Error).message };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
});
rl.on('close', () => {
  void queue.then(() => process.exit(0));
});
