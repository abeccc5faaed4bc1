// The audit trail: attribution, redaction, the hash chain, queries, retention, runtime mapping.

// Trail
export { createAuditTrail } from './create-audit-trail.ts';
export type { AuditTrailOptions } from './create-audit-trail.ts';
// Runtime events
export { attachRuntimeEvents, runtimeEventToInput, domainEventToInput, lifecycleToInput, transitionToInput } from './from-runtime.ts';
// Building blocks
export { attributeEntry } from './attribute.ts';
export { redactDetails, isSensitiveKey } from './redact.ts';
export { requestDenial } from './denials.ts';
export type { RequestDenial } from './denials.ts';
export { canonicalJson, canonicalize } from './canonical-json.ts';
export { GENESIS_HASH, SealSlab, chainHash, entryHash, sealDraft, sealDraftInto, sealEntry, sealEntryJson } from './chain.ts';
export type { UnsealedEntry } from './chain.ts';
export { verifyChain } from './verify-chain.ts';
export { toStoreQuery, encodeCursor, decodeCursor, matchesQuery, DEFAULT_LIMIT, MAX_LIMIT } from './filter.ts';
// Ports
export { FILTER_FIELDS } from './ports.ts';
export type { AuditStore, SealedEntry, AuditStoreQuery, AuditStoreResult, AuditPosition, ChainPoint, ChainView, FilterField, PurgeOutcome } from './ports.ts';
// Types
export type { AuditCategory, AuditResult, AuditEntry, AuditInput, AuditFilter, AuditPage, VerifyResult, AuditTrail } from './types.ts';
