// CLI start-up time: `troupe --help` and `troupe validate` of a small file, against bare
// `node -e 0` measured in the same rounds, and against the former launcher (TypeScript compiled
// by tsx at every start). Uses hyperfine; rounds alternate the commands so that load from other
// processes on a shared machine hits baseline and subject alike.
//
//   node --import tsx bench/cli-startup.ts [rounds=5] [runs=10]
//
// Reports, per command, the median over rounds of hyperfine's per-round median wall time and
// mean user+system CPU time, and the ratio to the baseline of the same round.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-cli-'));
const small = join(dir, 'small.yaml');
writeFileSync(small, 'name: small\nparams:\n  - WHO: world\nsteps:\n  - name: greet\n    run: echo "hello ${WHO}"\n  - name: shout\n    depends: greet\n    run: echo done\n');

// The launcher runs dist/ only when it is fresh: make sure it measures the compiled build.
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });

const node = process.execPath;
const commands: Array<{ name: string; cmd: string; target?: number }> = [
  { name: 'node -e 0 (baseline)', cmd: `${node} -e 0` },
  { name: 'troupe --help', cmd: `${node} ${root}bin/troupe.js --help`, target: 250 },
  { name: 'troupe validate small.yaml', cmd: `${node} ${root}bin/troupe.js validate ${small}`, target: 350 },
  { name: 'former: tsx src/cli/main.ts --help', cmd: `${node} --import tsx ${root}src/cli/main.ts --help` },
];

interface Sample {
  wall: number;
  cpu: number;
}
const samples = new Map<string, Sample[]>(commands.map((c) => [c.name, []]));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (let r = 0; r < rounds; r++) {
  // Rotate the order each round, so no command always runs first (or right after the build).
  const order = commands.map((_, i) => commands[(i + r) % commands.length]!);
  const out = join(dir, `round-${r}.json`);
  const res = spawnSync('hyperfine', ['-N', '--warmup', '2', '--runs', String(runs), '--export-json', out, ...order.map((c) => c.cmd)], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`hyperfine failed: ${res.stderr}`);
  const json = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ command: string; median: number; user: number; system: number }> };
  for (const row of json.results) {
    const c = commands.find((x) => x.cmd === row.command)!;
    samples.get(c.name)!.push({ wall: row.median * 1000, cpu: (row.user + row.system) * 1000 });
  }
}

const base = samples.get(commands[0]!.name)!;
console.log(`rounds=${rounds} runs/round=${runs} (hyperfine -N, warmup 2; the machine is shared: compare ratios)`);
console.log(`${'command'.padEnd(38)} ${'wall p50'.padStart(9)} ${'cpu p50'.padStart(9)} ${'wall/base'.padStart(10)} ${'cpu/base'.padStart(9)}  target`);
for (const c of commands) {
  const xs = samples.get(c.name)!;
  const wall = median(xs.map((x) => x.wall));
  const cpu = median(xs.map((x) => x.cpu));
  const wallRatio = median(xs.map((x, i) => x.wall / base[i]!.wall));
  const cpuRatio = median(xs.map((x, i) => x.cpu / base[i]!.cpu));
  const target = c.target === undefined ? '' : `<= ${c.target} ms: ${wall <= c.target ? 'met' : 'not met'} (wall)`;
  console.log(`${c.name.padEnd(38)} ${`${wall.toFixed(0)} ms`.padStart(9)} ${`${cpu.toFixed(0)} ms`.padStart(9)} ${`${wallRatio.toFixed(2)}x`.padStart(10)} ${`${cpuRatio.toFixed(2)}x`.padStart(9)}  ${target}`);
}
rmSync(dir, { recursive: true, force: true });
