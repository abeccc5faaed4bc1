import { dagSpecUri, runLogsUri, runUri } from './uris.ts';

// Prompt arguments may be missing or odd; placeholders keep the text readable instead of failing.
const part = (v: string | undefined, placeholder: string): string => (v && v.trim() !== '' ? v.trim() : placeholder);

/** The spec URI named in a prompt. */
export const specUriFor = (name?: string): string => dagSpecUri(part(name, '{name}'));
/** The run URI named in a prompt. */
export const runUriFor = (name?: string, id?: string): string => runUri(part(name, '{name}'), part(id, '{dagRunId}'));
/** The logs URI named in a prompt. */
export const logsUriFor = (name?: string, id?: string): string => runLogsUri(part(name, '{name}'), part(id, '{dagRunId}'));
