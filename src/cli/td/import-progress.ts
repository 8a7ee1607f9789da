// Progress of `td import`: a live bar on stderr when stderr is a terminal
//   data.json [==========------------] 48% | 120,000 records | 11.2 MB | 85,000 records/s
// and otherwise one summary line at the end:
//   Imported 240,000 records (22.4 MB) from 2 files in 2.8 s: 85,000 records/s, 24 chunks.

import { Presets, SingleBar } from 'cli-progress';
import { formatWithDelimiter, humanizeBytesize } from './format.js';

export class ImportProgress {
  private readonly bar: SingleBar | undefined;
  private readonly started = Date.now();
  records = 0;
  bytes = 0;
  chunks = 0;
  files = 0;
  private file = '';

  constructor(
    totalBytes: number,
    tty: boolean,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {
    if (tty) {
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
      this.bar.start(Math.max(totalBytes, 1), 0, this.payload());
    }
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
    this.bar?.update(this.bytes, this.payload());
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.bar?.update(this.bytes, this.payload());
  }

  addRecords(n: number): void {
    this.records += n;
  }

  /** Writes a line above the bar (or plainly, without one). */
  log(line: string): void {
    if (this.bar) {
      this.stream.write('\r\x1b[K');
      this.stream.write(`${line}\n`);
      this.bar.render();
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Stops the bar; without a terminal, writes the summary line. */
  finish(): void {
    if (this.bar) {
      this.bar.update(this.bytes, this.payload());
      this.bar.stop();
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
    this.bar?.stop();
  }
}
