// Usage (Node 20): node --import ./scripts/conformance/node20-globsync.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js server --url ...
// @modelcontextprotocol/conformance >= 0.1.14 imports `globSync` from "fs" (Node >= 22 only) and dies at load time on Node 20.
import { register } from 'node:module';
register('./node20-globsync-hooks.mjs', import.meta.url);
