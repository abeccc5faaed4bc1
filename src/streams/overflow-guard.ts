/** What {@link overflowGuard} watches: a buffer's size now, and what to do when it is over. */
export interface OverflowGuardOptions {
  maxBytes: number;
  maxMessages: number;
  bytes(): number;
  messages(): number;
  /** Hands what it can to the socket before the buffer is judged. */
  pump?(): void;
  /** A counter that grows whenever the socket takes something (bytes or frames handed over). */
  progress(): number;
  /** The buffer stays over its bounds: the subscriber is too slow. */
  overflow(): void;
}

/**
 * Judges a subscriber's buffer against its bounds without punishing bursts. Producers hand
 * over whole batches synchronously (one audit write is up to 2000 entries), so a buffer can
 * be over its bounds for a moment even for a peer that reads at full speed. The guard looks
 * again after the socket had an I/O turn to drain: still over and nothing taken by the socket
 * since the last look, or over twice the bounds, and the subscriber overflows.
 */
export function overflowGuard(options: OverflowGuardOptions): { touch(): void; cancel(): void } {
  let scheduled: NodeJS.Immediate | undefined;
  let lastProgress = -1;
  const over = () => options.messages() > options.maxMessages || options.bytes() > options.maxBytes;
  const wayOver = () => options.messages() > 2 * options.maxMessages || options.bytes() > 2 * options.maxBytes;
  const check = () => {
    scheduled = undefined;
    options.pump?.();
    if (!over()) return;
    const progress = options.progress();
    if (wayOver() || progress === lastProgress) {
      options.overflow();
      return;
    }
    lastProgress = progress;
    scheduled = setImmediate(check);
  };
  return {
    touch() {
      if (scheduled === undefined && over()) {
        lastProgress = options.progress();
        scheduled = setImmediate(check);
      }
    },
    cancel() {
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
    },
  };
}
