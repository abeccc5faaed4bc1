import { assign, setup } from 'xstate';

/** Why a session ended. */
export type SessionCloseReason = 'client_delete' | 'idle_timeout' | 'server_shutdown' | 'transport_closed';

/** Input of the MCP session machine. */
export interface SessionInput {
  sessionId: string;
  subjectId: string;
  clientName?: string;
  clientVersion?: string;
  maxSubscriptions: number;
}

/** Context of an MCP session: who it belongs to and what it is subscribed to. */
export interface SessionContext {
  sessionId: string;
  subjectId: string;
  clientName: string;
  clientVersion: string;
  protocolVersion: string;
  /** Subscribed resource URIs, in subscription order, no duplicates. */
  subscriptions: string[];
  maxSubscriptions: number;
  closeReason?: SessionCloseReason;
}

/** Events of the MCP session machine. */
export type SessionEvent =
  | { type: 'session.initialized'; clientName?: string; clientVersion?: string; protocolVersion?: string }
  | { type: 'session.subscribe'; uri: string }
  | { type: 'session.unsubscribe'; uri: string }
  | { type: 'session.close'; reason: SessionCloseReason }
  | { type: 'session.closed' };

/**
 * One MCP session: `connecting` (initialize received, waiting for `notifications/initialized`)
 * → `ready` → `closing` (transport shutting down, subscriptions released) → `closed`.
 * Subscriptions live in context; the `canSubscribe` guard bounds them per session, and a
 * repeated subscribe to the same URI is accepted without growing the list. Pure: no I/O.
 */
export const sessionMachine = setup({
  types: {} as { context: SessionContext; events: SessionEvent; input: SessionInput },
  guards: {
    canSubscribe: ({ context, event }) =>
      event.type === 'session.subscribe' &&
      (context.subscriptions.includes(event.uri) || context.subscriptions.length < context.maxSubscriptions),
  },
  actions: {
    addSubscription: assign({
      subscriptions: ({ context, event }) =>
        event.type === 'session.subscribe' && !context.subscriptions.includes(event.uri) ? [...context.subscriptions, event.uri] : context.subscriptions,
    }),
    removeSubscription: assign({
      subscriptions: ({ context, event }) => (event.type === 'session.unsubscribe' ? context.subscriptions.filter((u) => u !== event.uri) : context.subscriptions),
    }),
    recordClient: assign(({ context, event }) =>
      event.type === 'session.initialized'
        ? {
            clientName: event.clientName ?? context.clientName,
            clientVersion: event.clientVersion ?? context.clientVersion,
            protocolVersion: event.protocolVersion ?? context.protocolVersion,
          }
        : {},
    ),
    recordClose: assign({ closeReason: ({ event }) => (event.type === 'session.close' ? event.reason : undefined) }),
    releaseSubscriptions: assign({ subscriptions: () => [] as string[] }),
  },
}).createMachine({
  id: 'session',
  initial: 'connecting',
  context: ({ input }) => ({
    sessionId: input.sessionId,
    subjectId: input.subjectId,
    clientName: input.clientName ?? '',
    clientVersion: input.clientVersion ?? '',
    protocolVersion: '',
    subscriptions: [],
    maxSubscriptions: input.maxSubscriptions,
  }),
  states: {
    connecting: {
      on: {
        'session.initialized': { target: 'ready', actions: 'recordClient' },
        // A client may subscribe before it sends notifications/initialized.
        'session.subscribe': { guard: 'canSubscribe', actions: 'addSubscription' },
        'session.unsubscribe': { actions: 'removeSubscription' },
      },
    },
    ready: {
      on: {
        'session.subscribe': { guard: 'canSubscribe', actions: 'addSubscription' },
        'session.unsubscribe': { actions: 'removeSubscription' },
      },
    },
    closing: {
      entry: 'releaseSubscriptions',
      on: { 'session.closed': 'closed' },
    },
    closed: { type: 'final' },
  },
  on: {
    'session.close': { target: '.closing', actions: 'recordClose' },
    'session.closed': '.closed',
  },
});
