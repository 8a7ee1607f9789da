// One coarse shared timer for flush, retry and idle deadlines (DESIGN.md §7.6): a single
// unref'd interval calls every subscriber; nothing keeps the process alive because of it.

const TICK_MS = 100;
const subscribers = new Set<() => void>();
let timer: NodeJS.Timeout | undefined;

function run(): void {
  for (const fn of [...subscribers]) {
    try {
      fn();
    } catch {
      // a subscriber's failure must not stop the others; subscribers log their own errors
    }
  }
}

/** Call fn about every 100 ms until the returned function is called. */
export function subscribeTick(fn: () => void): () => void {
  subscribers.add(fn);
  if (!timer) {
    timer = setInterval(run, TICK_MS);
    timer.unref();
  }
  return () => {
    subscribers.delete(fn);
    if (subscribers.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
