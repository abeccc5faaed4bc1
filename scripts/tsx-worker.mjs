// Bootstrap of a worker thread that runs TypeScript sources (Troupe run from src/, as the tests
// and benchmarks do): Node 20 does not carry tsx's loader into workers, so it is registered
// here, then the entry given in workerData.troupeEntry is imported. dist/ needs none of this.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.troupeEntry);
