// Child process of buffer-disk-full.test.ts (runs only with TRIB_DISK_FULL_CHILD=1, so the
// test runner loading this file does nothing). Started under `ulimit -f`: it runs the
// disk-full scenario in <dir> and prints `ok <acked> <failures>`, or the assertion and exits 1.

import { captureLogger } from '../unit/buffer/helpers.js';
import { diskFullScenario } from './disk-full-scenario.js';

if (process.env.TRIB_DISK_FULL_CHILD === '1') {
  // RLIMIT_FSIZE also sends SIGXFSZ, which would kill the process: handle it, so the write
  // just fails with EFBIG
  process.on('SIGXFSZ', () => {});
  const { log, lines } = captureLogger();
  diskFullScenario(process.argv[2]!, log, lines, '64k').then(
    (r) => process.stdout.write(`ok ${r.acked} ${r.failures}\n`),
    (e: Error) => {
      process.stdout.write(`${e.stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
