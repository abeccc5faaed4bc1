import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { isoTime } from '../util.ts';

interface Entry {
  id: string;
  seq: number;
  timestamp: string;
  category: string;
  action: string;
  source: string;
  surface?: string;
  result: string;
  resourceType?: string;
  resourceId?: string;
  mcpTool?: string;
  username?: string;
  credentialType?: string;
  details?: Record<string, unknown>;
}

/** What an entry's details say in a few words: status, attempt, error, tool arguments' keys. */
function summary(e: Entry): string {
  const d = e.details ?? {};
  const parts: string[] = [];
  for (const k of ['status', 'attempt', 'duration_ms', 'error', 'phase', 'denial_reason']) if (d[k] !== undefined) parts.push(`${k}=${String(d[k])}`);
  return parts.join(' ');
}

/** Everything one call caused: the audit entries sharing a correlation id, in order. */
export function TraceView({ correlationId }: { correlationId: string }) {
  const [entries, setEntries] = useState<Entry[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ entries: Entry[] }>(`/audit?correlationId=${enc(correlationId)}&limit=500`)
      .then((r) => setEntries([...r.entries].sort((a, b) => a.seq - b.seq)))
      .catch((e: Error) => setError(e.message));
  }, [correlationId]);
  return html`<section class="trace-view">
    <div class="toolbar"><h2>Trace <span class="mono">${correlationId}</span></h2></div>
    ${error ? html`<p class="error">${error}</p>` : null}
    ${entries && entries.length === 0 ? html`<p class="dim">No audit entries carry this correlation id.</p>` : null}
    ${entries
      ? html`<ol class="trace">
          ${entries.map((e) => {
            const run = e.resourceType === 'dag_run' && e.resourceId ? e.resourceId.split('/') : undefined;
            return html`<li class=${`trace-entry result-${e.result}`} data-action=${e.action}>
              <span class="mono dim">${isoTime(e.timestamp)}</span>
              <b class="mono">${e.action}</b>
              <span class="tag">${e.category}</span>
              <span class="tag">${e.source}${e.surface ? `/${e.surface}` : ''}</span>
              <span class=${`tag result ${e.result}`}>${e.result}</span>
              ${e.mcpTool ? html`<span class="mono">${e.mcpTool}</span>` : null}
              ${run && run.length === 2 ? html`<a class="mono" href=${`#/run/${enc(run[0]!)}/${enc(run[1]!)}`}>${e.resourceId}</a>` : e.resourceId ? html`<span class="mono">${e.resourceType}:${e.resourceId}</span>` : null}
              <span class="mono dim">${summary(e)}</span>
              ${e.username ? html`<span class="dim">by ${e.username}</span>` : null}
            </li>`;
          })}
        </ol>`
      : error
        ? null
        : html`<p class="dim">Loading…</p>`}
  </section>`;
}
