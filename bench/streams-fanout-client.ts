// Child process of bench/streams-fanout.ts: N WebSocket clients that count what they receive
// and measure each event's delay against its scheduled production time (same machine clock).
// Messages are not JSON-parsed: the cursor is read with indexOf, as a lean client would.
import WebSocket from 'ws';

interface Start { cmd: 'connect'; url: string; n: number; subscribe: boolean; token?: string }
interface Measure { cmd: 'measure'; t0: number; ratePerMs: number; base: number; expected: number; sampleEvery: number }

const now = () => performance.timeOrigin + performance.now();
let sockets: WebSocket[] = [];
let counts: number[] = [];
let delays: number[] = [];
let measure: Measure | undefined;
let lastAt = 0;

function cursorOf(text: string): number {
  const i = text.indexOf('"cursor":"');
  if (i < 0) return -1;
  return Number(text.slice(i + 10, text.indexOf('"', i + 10)));
}

process.on('message', async (msg: Start | Measure | { cmd: 'report' } | { cmd: 'close' }) => {
  if (msg.cmd === 'connect') {
    counts = new Array(msg.n).fill(0);
    sockets = await Promise.all(
      Array.from({ length: msg.n }, (_, i) => new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(msg.url, { headers: msg.token ? { authorization: `Bearer ${msg.token}` } : {}, perMessageDeflate: false });
        ws.on('message', (data) => {
          const text = String(data);
          if (!measure) {
            if (text.includes('"type":"live"')) ws.emit('troupe-live');
            return;
          }
          const k = cursorOf(text) - measure.base;
          if (k < 1) return;
          counts[i]!++;
          const at = now();
          lastAt = at;
          if (k % measure.sampleEvery === 0) delays.push(at - (measure.t0 + (k - 1) / measure.ratePerMs));
        });
        ws.once('open', () => {
          if (!msg.subscribe) return resolve(ws);
          ws.once('troupe-live', () => resolve(ws));
          ws.send(JSON.stringify({ type: 'subscribe', id: 's', topic: 'audit' }));
        });
        ws.once('error', reject);
      })),
    );
    process.send!({ cmd: 'ready' });
  } else if (msg.cmd === 'measure') {
    measure = msg;
    delays = [];
    counts.fill(0);
    process.send!({ cmd: 'measuring' });
  } else if (msg.cmd === 'report') {
    process.send!({ cmd: 'report', counts, delays, lastAt });
  } else if (msg.cmd === 'close') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
