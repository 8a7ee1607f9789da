// Progress of `td import`: a live bar on stderr when stderr is a terminal
//   data.json [==========------------] 48% | 120,000 records | 11.2 MB | 85,000 records/s
// and otherwise one summary line at the end:
//   Imported 240,000 records (22.4 MB) from 2 files in 2.8 s: 85,000 records/s, 24 chunks.

import { Presets, SingleBar } from 'cli-progress';
import { formatWithDelimiter, humanizeBytesize } from './format.js';

export class ImportProgress {
  private bar: SingleBar | undefined;
  private readonly started = Date.now();
  records = 0;
  bytes = 0;
  chunks = 0;
  files = 0;
  private file = '';

  /** `out` writes result lines to stdout; the bar (when `tty`) and notices go to `stream`. */
  constructor(
    private readonly totalBytes: number,
    private readonly tty: boolean,
    private readonly out: (text: string) => void,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  private startBar(): void {
    this.bar = new SingleBar(
      {
        stream: this.stream,
        format: '{file} [{bar}] {percentage}% | {recs} records | {size} | {rate} records/s',
        fps: 5,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
      },
      Presets.legacy,
    );
    this.bar.start(Math.max(this.totalBytes, 1), this.bytes, this.payload());
  }

  private rate(): number {
    const secs = (Date.now() - this.started) / 1000;
    return secs > 0 ? Math.round(this.records / secs) : 0;
  }

  private payload(): Record<string, string> {
    return {
      file: this.file,
      recs: formatWithDelimiter(this.records),
      size: humanizeBytesize(this.bytes),
      rate: formatWithDelimiter(this.rate()),
    };
  }

  startFile(name: string): void {
    this.file = name;
    this.files++;
    if (this.tty && !this.bar) this.startBar();
    this.bar?.update(this.bytes, this.payload());
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.bar?.update(this.bytes, this.payload());
  }

  addRecords(n: number): void {
    this.records += n;
  }

  /** A notice line on stderr, written above the bar. */
  log(line: string): void {
    this.above(() => this.stream.write(`${line}\n`));
  }

  /** A result line on stdout, written above the bar (both usually share the terminal). */
  say(line: string): void {
    this.above(() => this.out(`${line}\n`));
  }

  private above(write: () => void): void {
    if (!this.bar) {
      write();
      return;
    }
    this.stream.write('\r\x1b[K');
    write();
    this.bar.render();
  }

  /** Stops the bar; without a terminal, writes the summary line. */
  finish(): void {
    if (this.bar) {
      this.bar.update(this.bytes, this.payload());
      this.stopBar();
      return;
    }
    const secs = (Date.now() - this.started) / 1000;
    this.stream.write(
      `Imported ${formatWithDelimiter(this.records)} ${this.records === 1 ? 'record' : 'records'} (${humanizeBytesize(this.bytes)}) from ` +
        `${this.files} ${this.files === 1 ? 'file' : 'files'} in ${secs.toFixed(1)} s: ` +
        `${formatWithDelimiter(this.rate())} records/s, ${this.chunks} ${this.chunks === 1 ? 'chunk' : 'chunks'}.\n`,
    );
  }

  /** Stops the bar without a summary (on failure). */
  abort(): void {
    this.stopBar();
  }

  /** cli-progress restores the cursor it saved at start(); lines written above the bar since
   *  then moved it, so save the bar's current line first. */
  private stopBar(): void {
    if (!this.bar) return;
    this.stream.write('\r\x1b7');
    this.bar.stop();
    this.bar = undefined;
  }
}
