import type { Subscription } from 'rxjs';
import type { AuditTrailCore } from './create-audit-trail.ts';
import { toThreadError } from './thread-protocol.ts';
import type { FromAuditThread, ToAuditThread } from './thread-protocol.ts';
import type { AuditEntry } from './types.ts';

/** The half of a `MessagePort` the audit thread uses. */
export interface AuditThreadPort {
  postMessage(message: FromAuditThread): void;
  on(event: 'message', listener: (message: ToAuditThread) => void): void;
}

/**
 * The audit thread's side: feeds the entries the main thread sends into `trail` (which seals,
 * batches and writes them, retrying and failing closed as it does in-process), answers calls, and
 * sends durable entries' places and, while the main thread watches, written entries back. Answers
 * go out in the order the thread settles them; entries are taken in the order they arrive.
 * Resolves when a `close` call has been answered.
 */
export function serveAuditThread(port: AuditThreadPort, trail: AuditTrailCore): Promise<void> {
  let tail: Subscription | undefined;
  let written: AuditEntry[] = [];
  let sendQueued = false;
  const sendWritten = () => {
    sendQueued = false;
    if (written.length === 0) return;
    port.postMessage({ t: 'written', entries: written });
    written = [];
  };
  return new Promise<void>((closed) => {
    const answer = (id: number, work: Promise<unknown>, after?: () => void) =>
      work.then(
        (value) => port.postMessage({ t: 'reply', id, ...(value === undefined ? {} : { value }) }),
        (error: unknown) => port.postMessage({ t: 'reply', id, error: toThreadError(error) }),
      ).finally(after);
    port.on('message', (m) => {
      switch (m.t) {
        case 'entries':
          for (let i = 0; i < m.entries.length; i++) {
            const entry = m.entries[i]!;
            const id = m.durable[i]!;
            if (id === 0) trail.recordEntry(entry);
            else
              trail.recordEntryDurable(entry).then(
                (e) => port.postMessage({ t: 'durable', id, seq: e.seq, prevHash: e.prev_hash, hash: e.hash }),
                (error: unknown) => port.postMessage({ t: 'durable', id, error: toThreadError(error) }),
              );
          }
          return;
        case 'tail':
          if (m.on && !tail) {
            tail = trail.tail$().subscribe((e) => {
              written.push(e);
              // Entries of one write come together; one message carries them all. It goes out
              // before anything the thread answers later (a query that could already see them).
              if (!sendQueued) {
                sendQueued = true;
                queueMicrotask(sendWritten);
              }
            });
          } else if (!m.on && tail) {
            tail.unsubscribe();
            tail = undefined;
          }
          return;
        case 'call':
          switch (m.op) {
            case 'flush':
              return void answer(m.id, trail.flush());
            case 'assertWritable':
              return void answer(m.id, trail.assertWritable());
            case 'verify':
              return void answer(m.id, trail.verify());
            case 'query':
              return void answer(m.id, trail.query(m.filter));
            case 'purge':
              return void answer(m.id, trail.purge(m.now));
            case 'close':
              // Entries written while closing still reach the main thread, before the answer.
              return void answer(
                m.id,
                trail.close().then(() => {
                  tail?.unsubscribe();
                  sendWritten();
                }),
                closed,
              );
          }
      }
    });
  });
}
