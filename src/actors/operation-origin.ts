import { currentContext, newId, originOf } from '../core/index.ts';
import type { OperationOrigin } from '../core/index.ts';

/** The origin of the current operation; calls outside any edge count as internal. */
export function operationOrigin(): OperationOrigin {
  const ctx = currentContext();
  return ctx ? originOf(ctx) : { source: 'internal', correlationId: newId() };
}

