// Errors
export { TroupeError, isTroupeError, troupeError } from './errors.ts';
export type { ErrorCode, TroupeErrorOptions } from './errors.ts';
// Time
export { systemClock, isoTime } from './clock.ts';
export type { Clock } from './clock.ts';
export { createSimulatedClock } from './simulated-clock.ts';
export type { SimulatedClock } from './simulated-clock.ts';
// Logging
export { createLogger, createMemoryLogger, errorFields, isLogLevel } from './logger.ts';
export type { Logger, LogFields, LogLevel, LoggerOptions } from './logger.ts';
// Identifiers
export { uuidv7, newId, runIdProblem, dagNameProblem, RUN_ID_PATTERN, RUN_ID_MAX, DAG_NAME_PATTERN, DAG_NAME_MAX } from './ids.ts';
// Operation context
export { runWithContext, currentContext, withContextPatch, originOf } from './context.ts';
export type { OperationContext, OperationOrigin, Source, Surface, Credential, CredentialType, Subject } from './context.ts';
// Roles
export { ROLES, isRole, roleAtLeast, canRead, canExecute, canWrite, canManageAudit, isAdmin, roleInWorkspace, DEFAULT_WORKSPACE } from './roles.ts';
export type { Role, WorkspaceAccess } from './roles.ts';
// Web requests
export { readBodyLimited } from './read-body-limited.ts';
