/** @module "Publish demo jobs": shown only to a signed-in operator (the API checks the role whatever the page shows). */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { postJSON } from '../api.js';

export function DemoButton() {
  const [open, setOpen] = useState(false);
  const [count, setCount] = useState(5);
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  const publish = async (event) => {
    event.preventDefault();
    setBusy(true);
    setResult('');
    try {
      const { published } = await postJSON('/api/demo-jobs', { count: Number(count) });
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
      <label>Jobs <input type="number" min="1" max="50" value=${count} onInput=${(e) => setCount(e.currentTarget.value)} /></label>
      <button type="submit" disabled=${busy}>${busy ? 'Publishing…' : 'Publish'}</button>
      ${result && html`<span class="demo-result">${result}</span>`}
    </form>`}
  </div>`;
}
