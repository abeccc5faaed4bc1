import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, authMode, setAuthorization } from '../api.ts';
import type { Me } from '../store.ts';

/** Sign-in as `auth.mode` asks: basic (user and password), builtin (log in, or paste an API key). */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const finish = async (authorization: string) => {
    const me = await api<Me>('/auth/whoami', { auth: authorization });
    setAuthorization(authorization);
    onSignedIn(me);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      if (authMode === 'basic') await finish(`Basic ${btoa(`${username}:${password}`)}`);
      else {
        const r = await api<{ token: string }>('/auth/login', { method: 'POST', body: { username, password }, auth: null });
        await finish(`Bearer ${r.token}`);
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const useKey = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      await finish(`Bearer ${key.trim()}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section class="signin">
    <h2>Sign in</h2>
    <form onSubmit=${submit} data-form="login">
      <label>User <input name="username" autocomplete="username" value=${username} onInput=${(e: Event) => setUsername((e.target as HTMLInputElement).value)} /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" value=${password} onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)} /></label>
      <button type="submit">Sign in</button>
    </form>
    ${authMode === 'builtin'
      ? html`<form onSubmit=${useKey} data-form="api-key">
          <label>or an API key <input name="apikey" type="password" placeholder="troupe_…" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} /></label>
          <button type="submit">Use key</button>
        </form>`
      : null}
    ${error ? html`<p class="error" data-role="signin-error">${error}</p>` : null}
  </section>`;
}
