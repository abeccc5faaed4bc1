// Live streams: generic RxJS operators, the topic port, resume (replay then live), bounded
// subscriber buffers, the SSE and WebSocket wires, and the audit, runs and actors topics.

// Batching
export { batch } from './batch.ts';
export type { BatchOptions } from './batch.ts';

// The topic port and its bounds
export { DEFAULT_STREAM_LIMITS } from './types.ts';
export type { Gap, GapReason, StreamItem, StreamLimits, Topic, TopicSource } from './types.ts';
export { createEventJournal } from './event-journal.ts';
export type { EventJournal, EventJournalOptions } from './event-journal.ts';
export { openFeed } from './open-feed.ts';
export type { Feed, FeedOptions, FeedSink } from './open-feed.ts';

// Wires
export { createSseStream } from './sse-stream.ts';
export type { SseStream, SseStreamOptions, StreamEnd } from './sse-stream.ts';
export { CLOSE_CODES, serveWsConnection } from './ws-connection.ts';
export type { StreamErrorCode, WsConnectionHooks, WsConnectionOptions } from './ws-connection.ts';
export { createStreamService, parseCursor } from './stream-service.ts';
export type { SseRequest, StreamService, StreamServiceOptions } from './stream-service.ts';

// Topics
export { auditEntryData, auditSource, auditTopic } from './topics/audit-topic.ts';
export type { AuditStreamFilter } from './topics/audit-topic.ts';
export { runtimeTopics, seesWorkspace } from './topics/runtime-topics.ts';
export type { ActorsFilter, RunsFilter, RuntimeTopics, RuntimeTopicsOptions } from './topics/runtime-topics.ts';

// Client (Node): the CLI's --follow
export { followStream, parseSse } from './sse-client.ts';
export type { FollowOptions, SseMessage, StreamMessage } from './sse-client.ts';
