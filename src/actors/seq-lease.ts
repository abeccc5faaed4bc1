import type { SeqSource } from './event-bus.ts';
import type { RecordWriter } from './record-writer.ts';

/** How many sequence numbers one lease covers. */
const LEASE = 100_000;

/**
 * Event sequence numbers for one data directory: strictly increasing across restarts without
 * a durable write per event. At boot the runtime leases a block above the highest number any
 * earlier process could have used, and durably raises the lease (with the record writer's
 * next batch) when half of it is used. A crash skips the rest of a block; a number is never
 * handed out twice.
 */
export async function openSeqLease(stored: number, writer: RecordWriter): Promise<SeqSource> {
  let last = stored;
  let ceiling = stored + LEASE;
  await writer.leaseNow(ceiling);
  return {
    next() {
      last++;
      if (ceiling - last === LEASE / 2) {
        ceiling += LEASE;
        writer.extendLease(ceiling);
      }
      return last;
    },
    last: () => last,
  };
}
