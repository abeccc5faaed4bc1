// The visualizer page: one preact app, hash-routed (#/actors, #/actor/<id>, #/run/<dag>/<id>,
// #/replay/<dag>/<id>, #/trace/<correlationId>), talking only to this server.
import './style.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, authMode, onUnauthorized, setAuthorization } from './api.ts';
import { onLiveStatus, stop as stopLive } from './live.ts';
import type { LiveStatus } from './live.ts';
import { canReadAudit, setCurrentUser } from './store.ts';
import type { Me } from './store.ts';
import { navigate } from './util.ts';
import { ActorView } from './views/actor.ts';
import { ActorsView } from './views/actors.ts';
import { ReplayView } from './views/replay.ts';
import { RunView } from './views/run.ts';
import { SignIn } from './views/signin.ts';
import { TraceView } from './views/trace.ts';

type Route = { view: 'actors' } | { view: 'actor'; id: string } | { view: 'run' | 'replay'; name: string; dagRunId: string } | { view: 'trace'; id: string };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [view, a, b] = parts;
  if (view === 'actor' && a) return { view: 'actor', id: a };
  if ((view === 'run' || view === 'replay') && a && b) return { view, name: a, dagRunId: b };
  if (view === 'trace' && a) return { view: 'trace', id: a };
  return { view: 'actors' };
}

function LiveBadge() {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => onLiveStatus((s) => setStatus(s)), []);
  return html`<span class=${`live live-${status}`} data-role="live" title="live stream">${status}</span>`;
}

function App() {
  const [me, setMe] = useState<Me | undefined>();
  const [needSignIn, setNeedSignIn] = useState(false);
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [trace, setTrace] = useState('');

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    const off = onUnauthorized(() => {
      stopLive();
      setAuthorization(null);
      setCurrentUser(undefined);
      setMe(undefined);
      setNeedSignIn(true);
    });
    api<Me>('/auth/whoami')
      .then((m) => {
        setCurrentUser(m);
        setMe(m);
      })
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) console.warn(e);
        setNeedSignIn(true);
      });
    return () => {
      removeEventListener('hashchange', onHash);
      off();
    };
  }, []);

  const signedIn = (m: Me) => {
    setCurrentUser(m);
    setMe(m);
    setNeedSignIn(false);
  };
  const signOut = () => {
    stopLive();
    setAuthorization(null);
    setCurrentUser(undefined);
    setMe(undefined);
    setNeedSignIn(true);
  };

  let body;
  if (!me) body = needSignIn ? html`<${SignIn} onSignedIn=${signedIn} />` : html`<p class="dim">Loading…</p>`;
  else if (route.view === 'actor') body = html`<${ActorView} key=${route.id} id=${route.id} />`;
  else if (route.view === 'run') body = html`<${RunView} key=${`${route.name}/${route.dagRunId}`} name=${route.name} dagRunId=${route.dagRunId} />`;
  else if (route.view === 'replay') body = html`<${ReplayView} key=${`${route.name}/${route.dagRunId}`} name=${route.name} dagRunId=${route.dagRunId} />`;
  else if (route.view === 'trace') body = html`<${TraceView} key=${route.id} correlationId=${route.id} />`;
  else body = html`<${ActorsView} />`;

  return html`<header class="top">
      <a class="brand" href="#/actors">Troupe <span class="dim">visualizer</span></a>
      ${me
        ? html`<nav>
            <a href="#/actors">Actors</a>
            ${canReadAudit()
              ? html`<form class="trace-form" onSubmit=${(e: Event) => (e.preventDefault(), trace.trim() && navigate(`#/trace/${encodeURIComponent(trace.trim())}`))}>
                  <input aria-label="correlation id" placeholder="trace a correlation id" value=${trace} onInput=${(e: Event) => setTrace((e.target as HTMLInputElement).value)} />
                </form>`
              : null}
          </nav>
          <span class="who" data-role="who">${me.user.username || 'anonymous'} · ${me.user.role}</span>
          <${LiveBadge} />
          ${authMode !== 'none' ? html`<button class="small" onClick=${signOut}>Sign out</button>` : null}`
        : null}
    </header>
    <main>${body}</main>`;
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(html`<${App} />`, root);
