// The IPC protocol between the harness and its helper processes (load generators and
// baselines), one JSON message each way:
//
//   child  → harness  {type:"ready", ...}        set up (connected, batches encoded)
//   harness → child   {type:"go"}                start the timed work now
//   child  → harness  {type:"count", n}          progress (sinks/readers; at least every 50 ms,
//                                                and at once when the expected total is reached)
//   child  → harness  {type:"done", cpuSeconds, wallSeconds, ...}
//   harness → child   {type:"close"}             release sockets and exit
//   child  → harness  {type:"error", message}
//
// The child's own options arrive as one JSON argument (argv[2]).

export function options<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function send(msg: Record<string, unknown>): void {
  process.send?.(msg);
}

export function fail(e: unknown): void {
  send({ type: 'error', message: (e as Error)?.stack ?? String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}

/** Resolves on the harness's message of `type`. */
export function waitMessage(type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (m?.type === type) {
        process.off('message', on);
        resolve(m);
      }
    };
    process.on('message', on);
  });
}

/** Exit when the harness says close or goes away. */
export function exitOnClose(cleanup: () => void = () => {}): void {
  const bye = () => {
    cleanup();
    process.exit(0);
  };
  waitMessage('close').then(bye);
  process.on('disconnect', bye);
}

/** CPU seconds (user+sys) of this process since `from`. */
export function cpuSince(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
}
