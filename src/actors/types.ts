// The runtime's types, one file per concept; this barrel keeps `./types.ts` imports working.
export type * from './records.ts';
export type * from './read-models.ts';
export type * from './commands.ts';
export type * from './dag-definitions.ts';
export type * from './events.ts';
export type * from './runtime-api.ts';
