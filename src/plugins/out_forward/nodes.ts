// out_forward's servers: availability (phi accrual failure detector + hard_timeout +
// recover_wait) and the weighted round-robin with standby takeover (spec protocols §2.2, §2.3).
//
// - Each heartbeat success records an arrival; φ = (1/ln 10) · t / mean where
//   t = now − last − interval + 1 and mean = mean gap − interval + 1 (seconds).
//   φ > phi_threshold or no heartbeat for hard_timeout → the node is detached.
// - A detached node comes back after recover_wait / heartbeat_interval consecutive heartbeats.
// - Rotation: each regular node appears weight/gcd times, the list repeated to ≥ 6 × nodes and
//   shuffled once with a fixed seed; weight 0 nodes never appear. Standby nodes join only while
//   regular weight is lost, until the lost weight is covered; the list is rebuilt on every change.

export interface NodeConfig {
  host: string;
  port: number;
  name: string;
  weight: number;
  standby: boolean;
  sharedKey: string | undefined;
  username: string;
  password: string;
}

export interface DetectorConfig {
  heartbeatIntervalS: number;
  phiFailureDetector: boolean;
  phiThreshold: number;
  hardTimeoutS: number;
  recoverWaitS: number;
  /** heartbeat_type none: nothing could bring a node back, so none is ever detached
   *  (Fluentd's NoneHeartbeatNode is always available; a failed send is retried). */
  neverDetach?: boolean;
}

const LN10 = Math.log(10);
const WINDOW = 1000;

export class ForwardNode {
  available = true;
  private last = 0;
  private gaps: number[] = [];
  private recoverCount = 0;

  constructor(
    readonly conf: NodeConfig,
    private readonly det: DetectorConfig,
  ) {
    this.last = Date.now() / 1000;
  }

  get label(): string {
    return `${this.conf.name}(${this.conf.host}:${this.conf.port})`;
  }

  /** A heartbeat (or a successful send) arrived. Returns true when the node just recovered. */
  heartbeat(nowS = Date.now() / 1000, fromSend = false): boolean {
    const gap = nowS - this.last;
    this.last = nowS;
    if (gap > 0) {
      this.gaps.push(gap);
      if (this.gaps.length > WINDOW) this.gaps.shift();
    }
    if (this.available || fromSend) return false;
    this.recoverCount++;
    if (this.recoverCount >= Math.max(1, Math.round(this.det.recoverWaitS / this.det.heartbeatIntervalS))) {
      this.available = true;
      this.recoverCount = 0;
      this.gaps = [];
      return true;
    }
    return false;
  }

  phi(nowS = Date.now() / 1000): number {
    if (this.gaps.length === 0) return 0;
    const interval = this.det.heartbeatIntervalS;
    const mean = this.gaps.reduce((a, b) => a + b, 0) / this.gaps.length - interval + 1;
    const t = nowS - this.last - interval + 1;
    return mean <= 0 ? 0 : (1 / LN10) * (t / mean);
  }

  /** Called on every heartbeat tick. Returns true when the node was just detached. */
  check(nowS = Date.now() / 1000): boolean {
    if (!this.available) return false;
    const silent = nowS - this.last;
    if (
      silent > this.det.hardTimeoutS ||
      (this.det.phiFailureDetector && this.phi(nowS) > this.det.phiThreshold)
    ) {
      this.disable();
      return true;
    }
    return false;
  }

  disable(): void {
    if (this.det.neverDetach) return;
    this.available = false;
    this.recoverCount = 0;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Deterministic shuffle (fixed seed), so every process builds the same rotation. */
function shuffle<T>(list: T[], seed = 0x2545f491): T[] {
  let s = seed >>> 0;
  for (let i = list.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

export class LoadBalancer {
  private rotation: ForwardNode[] = [];
  private pointer = 0;

  constructor(readonly nodes: ForwardNode[]) {
    this.rebuild();
  }

  /** Recompute the rotation (after a node was detached or recovered). */
  rebuild(): void {
    const regular = this.nodes.filter((n) => !n.conf.standby && n.conf.weight > 0);
    const lost = regular.filter((n) => !n.available).reduce((a, n) => a + n.conf.weight, 0);
    const members = regular.filter((n) => n.available);
    let covered = 0;
    for (const n of this.nodes) {
      if (!n.conf.standby || !n.available || n.conf.weight <= 0 || covered >= lost) continue;
      members.push(n);
      covered += n.conf.weight;
    }
    if (members.length === 0) {
      this.rotation = [];
      return;
    }
    const g = members.map((n) => n.conf.weight).reduce(gcd);
    const base: ForwardNode[] = [];
    for (const n of members) for (let i = 0; i < n.conf.weight / g; i++) base.push(n);
    const list: ForwardNode[] = [];
    while (list.length < 6 * this.nodes.length) list.push(...base);
    this.rotation = shuffle(list);
    this.pointer = 0;
  }

  /** Nodes to try for the next chunk, in order (one pass over the rotation, no repeats). */
  candidates(): ForwardNode[] {
    const out: ForwardNode[] = [];
    const n = this.rotation.length;
    for (let i = 0; i < n; i++) {
      const node = this.rotation[(this.pointer + i) % n]!;
      if (node.available && !out.includes(node)) out.push(node);
    }
    if (n > 0) this.pointer = (this.pointer + 1) % n;
    return out;
  }
}
