/** A run waiting in or running from a queue. */
export interface QueueMember {
  key: string;
  seq: number;
}

interface Queue {
  max: number;
  running: Set<string>;
  waiting: QueueMember[];
}

/**
 * FIFO queues with a concurrency limit each. A DAG's own queue (named after it) runs one at a
 * time; configured global queues have their `max_concurrency`. Runs started directly (not
 * enqueued) count against their queue's concurrency but never wait.
 */
export class QueueManager {
  private readonly queues = new Map<string, Queue>();
  private readonly limits: Map<string, number>;
  private waitingTotal = 0;

  /**
   * @param hold When true, queued runs wait and are never dispatched (a CLI process that opens
   *   the data directory while no server runs: the server dispatches them when it starts).
   */
  constructor(
    configured: Array<{ name: string; maxConcurrency: number }>,
    private readonly onDispatch: (key: string) => void,
    private readonly hold = false,
  ) {
    this.limits = new Map(configured.map((q) => [q.name, q.maxConcurrency]));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = { max: this.limits.get(name) ?? 1, running: new Set(), waiting: [] };
      this.queues.set(name, q);
    }
    return q;
  }

  /** Total runs waiting in all queues. */
  get waiting(): number {
    return this.waitingTotal;
  }

  /** Adds a run to the end of its queue (or in `seq` order when restoring) and dispatches. */
  enqueue(queueName: string, member: QueueMember): void {
    const q = this.queue(queueName);
    const at = q.waiting.findIndex((m) => m.seq > member.seq);
    if (at === -1) q.waiting.push(member);
    else q.waiting.splice(at, 0, member);
    this.waitingTotal++;
  }

  /** Records a run that started without waiting (a direct start or a retry). */
  markRunning(queueName: string, key: string): void {
    this.queue(queueName).running.add(key);
  }

  /** Removes a waiting run; false when it was not waiting. */
  remove(queueName: string, key: string): boolean {
    const q = this.queues.get(queueName);
    const at = q?.waiting.findIndex((m) => m.key === key) ?? -1;
    if (!q || at === -1) return false;
    q.waiting.splice(at, 1);
    this.waitingTotal--;
    return true;
  }

  /** A run of this queue ended: free its slot and dispatch the next. */
  finished(queueName: string, key: string): void {
    const q = this.queues.get(queueName);
    if (!q) return;
    q.running.delete(key);
    this.dispatch(queueName);
  }

  /** Starts waiting runs while the queue has free slots, oldest first. */
  dispatch(queueName: string): void {
    const q = this.queues.get(queueName);
    if (!q || this.hold) return;
    while (q.running.size < q.max && q.waiting.length > 0) {
      const next = q.waiting.shift()!;
      this.waitingTotal--;
      q.running.add(next.key);
      this.onDispatch(next.key);
    }
  }

  dispatchAll(): void {
    for (const name of this.queues.keys()) this.dispatch(name);
  }

  /** True when the run waits in its queue. */
  isWaiting(queueName: string, key: string): boolean {
    return this.queues.get(queueName)?.waiting.some((m) => m.key === key) ?? false;
  }
}
