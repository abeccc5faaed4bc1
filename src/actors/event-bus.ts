import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Clock, Logger } from '../core/index.ts';
import { guarded } from '../streams/guarded-observable.ts';
import type { RuntimeEvent, UnstampedEvent } from './events.ts';

/** A subscriber inside the runtime (record writer, run log, terminal, queue release). */
export type BackboneSubscriber = (event: RuntimeEvent) => void;

/** Where the bus takes sequence numbers from (a durable lease, see `seq-lease.ts`). */
export interface SeqSource {
  next(): number;
  last(): number;
}

/**
 * The runtime's one event stream. Producers (run-actor observers, commands, recovery) call
 * `publish`; it stamps the event (seq, time, correlation id) and queues it. Queued events are
 * delivered on a microtask, in order, outside whatever actor produced them, so no side effect
 * ever runs inside an xstate inspector callback or an action. Internal subscribers run first,
 * in registration order, each in isolation (a throw is logged and the next one still runs);
 * then `events$` delivers to outside subscribers, each guarded the same way.
 */
export class EventBus {
  private readonly queue: RuntimeEvent[] = [];
  private readonly subscribers: Array<{ name: string; fn: BackboneSubscriber }> = [];
  private readonly subject = new Subject<RuntimeEvent>();
  private scheduled = false;
  private draining = false;
  readonly events$: Observable<RuntimeEvent>;

  constructor(
    private readonly clock: Clock,
    private readonly seq: SeqSource,
    private readonly logger: Logger,
  ) {
    this.events$ = guarded(this.subject.asObservable(), (error) => logger.error('an events$ subscriber threw', { error }));
  }

  /** Registers an internal subscriber; `name` identifies it in logs. */
  subscribe(name: string, fn: BackboneSubscriber): void {
    this.subscribers.push({ name, fn });
  }

  /** Stamps and queues an event; it is delivered on the next microtask (or by `drain`). */
  publish(event: UnstampedEvent, correlationId: string): RuntimeEvent {
    const stamped = { ...event, seq: this.seq.next(), at: event.at ?? this.clock.now(), correlationId } as RuntimeEvent;
    this.queue.push(stamped);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
    return stamped;
  }

  /** Delivers everything queued now (commands call it before waiting for durability). */
  drain(): void {
    this.scheduled = false;
    if (this.draining) return; // a subscriber published: the running loop delivers it
    this.draining = true;
    try {
      for (let i = 0; i < this.queue.length; i++) this.deliver(this.queue[i]!);
    } finally {
      this.queue.length = 0;
      this.draining = false;
    }
  }

  private deliver(event: RuntimeEvent): void {
    for (const s of this.subscribers) {
      try {
        s.fn(event);
      } catch (error) {
        this.logger.error('a backbone subscriber failed', { subscriber: s.name, event: event.type, seq: event.seq, error });
      }
    }
    this.subject.next(event);
  }

  lastSeq(): number {
    return this.seq.last();
  }

  complete(): void {
    this.drain();
    this.subject.complete();
  }
}
