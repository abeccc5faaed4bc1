import type { AnyStateMachine } from 'xstate';
import * as machines from '../machines/index.ts';
import { sessionMachine } from '../machines/session.machine.ts';
import { machineGraph } from './machine-graph.ts';
import type { MachineJson } from './machine-graph.ts';

const isMachine = (value: unknown): value is AnyStateMachine =>
  typeof value === 'object' && value !== null && 'root' in value && 'id' in value && typeof (value as { transition?: unknown }).transition === 'function';

/**
 * Every machine the runtime runs, from the machine objects themselves: whatever
 * `src/machines/index.ts` exports (plus the MCP session machine), so a new or changed machine
 * shows up in the visualizer without anyone copying it. Keyed by machine id, which is the
 * `machine` field of every transition event.
 */
export function machineCatalog(): MachineJson[] {
  return machineObjects().map(machineGraph);
}

/** The machine objects themselves, one per id, sorted by id. */
export function machineObjects(): AnyStateMachine[] {
  const found = new Map<string, AnyStateMachine>();
  for (const value of [...Object.values(machines), sessionMachine]) if (isMachine(value) && !found.has(value.id)) found.set(value.id, value);
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Paths of the final states of each machine: the board marks an actor done on reaching one. */
export function finalStatesOf(catalog: MachineJson[]): Record<string, string[]> {
  return Object.fromEntries(catalog.map((m) => [m.id, m.states.filter((s) => s.type === 'final').map((s) => s.path)]));
}
