import { createMemoryTaskStore } from '../../src/mcp/task-store.ts';
import { taskStoreContract } from './task-store-contract.ts';

taskStoreContract('in-memory', async () => ({ store: createMemoryTaskStore(), dispose: async () => {} }));
