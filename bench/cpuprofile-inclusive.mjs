// Reads a .cpuprofile (from `node --cpu-prof`) and prints, for each pattern, the time spent in
// frames matching it or in anything they called, in µs per call: the inclusive figures quoted in
// bench/results/mcp.md. A frame is "functionName@url" with node_modules and the checkout stripped.
//
// Usage: node bench/cpuprofile-inclusive.mjs <profile> <calls> <regex> [<regex> ...]
// e.g.   node bench/cpuprofile-inclusive.mjs /tmp/prof/CPU.*.0.001.cpuprofile 11427 'drain@src/audit/create-audit-trail' 'takeChunk@' 'attributeEntry@'
import { readFileSync } from 'node:fs';

const [file, callsArg, ...patterns] = process.argv.slice(2);
if (!file || !callsArg || patterns.length === 0) {
  process.stderr.write('usage: node bench/cpuprofile-inclusive.mjs <profile> <calls> <regex> [<regex> ...]\n');
  process.exit(2);
}
const calls = Number(callsArg);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
const root = new URL('..', import.meta.url).pathname;
const label = (n) => `${n.callFrame.functionName || '(anon)'}@${n.callFrame.url.replace(/.*node_modules\//, '').replace(`file://${root}`, '').replace(root, '')}`;
for (const pattern of patterns) {
  const re = new RegExp(pattern);
  let hits = 0;
  for (const sample of profile.samples) {
    for (let id = sample; id !== undefined; id = parent.get(id)) {
      if (re.test(label(byId.get(id)))) {
        hits++;
        break;
      }
    }
  }
  console.log(`${((hits * usPerSample) / calls).toFixed(1).padStart(7)} µs/call  ${pattern}`);
}
