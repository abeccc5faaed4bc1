// Child process of bench/mcp-cpu-per-call.ts: starts one MCP server variant on 127.0.0.1:0,
// prints `{"url":…,"call":…}` on stdout, and answers IPC `cpu` with its process.cpuUsage(), so
// the parent can charge the server's own CPU time to the calls it sent.
//
// Variants: troupe-legacy, troupe-modern (the same server), bare-legacy (SDK 1.x), bare-modern (SDK 2.x).
import { ECHO_CALL, startBareLegacy, startBareModern, startTroupe } from './mcp-servers.ts';

const variant = process.argv[2] ?? 'troupe-legacy';
const server = variant.startsWith('troupe') ? await startTroupe() : variant === 'bare-legacy' ? await startBareLegacy() : await startBareModern();
const call = 'readCall' in server ? server.readCall : ECHO_CALL;
process.on('message', (m) => {
  if (m === 'cpu') process.send!(process.cpuUsage());
});
process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
console.log(JSON.stringify({ url: server.url, call }));
