/** @module "Publish demo jobs": the dashboard's one write action, shown only when the server has a token. */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { postJSON } from '../api.js';

export const TOKEN_KEY = 'baton.dashboardToken';

export function DemoButton() {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState(() => window.sessionStorage.getItem(TOKEN_KEY) || '');
  const [count, setCount] = useState(5);
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  const publish = async (event) => {
    event.preventDefault();
    setBusy(true);
    setResult('');
    try {
      const { published } = await postJSON('/api/demo-jobs', { count: Number(count) }, token);
      window.sessionStorage.setItem(TOKEN_KEY, token);
      setResult(`Published ${published.length} job${published.length === 1 ? '' : 's'}`);
    } catch (error) {
      setResult(error.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="demo">
    <button type="button" class="secondary" onClick=${() => setOpen(!open)} aria-expanded=${open}>Publish demo jobs</button>
    ${open &&
    html`<form class="demo-form" onSubmit=${publish}>
      <label>Token <input type="password" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} autocomplete="off" required /></label>
      <label>Jobs <input type="number" min="1" max="50" value=${count} onInput=${(e) => setCount(e.currentTarget.value)} /></label>
      <button type="submit" disabled=${busy}>${busy ? 'Publishing…' : 'Publish'}</button>
      ${result && html`<span class="demo-result">${result}</span>`}
    </form>`}
  </div>`;
}
