/**
 * @module "Clear queues…": the signed-in operator's purge (POST /api/purge), confirmed by typing the namespace after
 * reading how many messages the job, delay and dead-letter queues hold now.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON, postJSON } from '../api.js';

export function PurgeButton({ namespace }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [queues, setQueues] = useState(undefined);
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  // While the form is open, the count it states follows the queues (the figures are cached for 3 s server-side).
  useEffect(() => {
    if (!open) return undefined;
    const read = () => getJSON('/api/stats?minutes=1').then((stats) => setQueues(stats.queues ?? null), () => setQueues(null));
    read();
    const timer = window.setInterval(read, 2000);
    return () => window.clearInterval(timer);
  }, [open]);
  const toggle = () => {
    setOpen(!open);
    setResult('');
    setTyped('');
    setQueues(undefined);
  };
  const purge = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { purged } = await postJSON('/api/purge', { confirm: typed });
      setResult(`Purged ${purged.total} message${purged.total === 1 ? '' : 's'} (${purged.jobs} waiting, ${purged.delayed} delayed, ${purged.dead} dead letters)`);
      setTyped('');
    } catch (error) {
      setResult(error.message);
    } finally {
      setBusy(false);
    }
  };
  const count = queues
    ? `${(queues.jobs ?? 0) + (queues.delayed ?? 0) + (queues.dead ?? 0)} messages now (${queues.jobs ?? '?'} waiting, ${queues.delayed ?? '?'} delayed, ${queues.dead ?? '?'} dead letters)`
    : queues === null ? 'an unknown number of messages (RabbitMQ did not answer)' : '…';
  return html`<div class="demo purge">
    <button type="button" class="secondary danger" onClick=${toggle} aria-expanded=${open} data-testid="purge-open">Clear queues…</button>
    ${open &&
    html`<form class="demo-form purge-form" onSubmit=${purge} data-testid="purge-form">
      <p class="purge-warning">Empties the job, delay and dead-letter queues of namespace <b>${namespace}</b>: ${count}. Jobs running now finish. This cannot be undone.</p>
      <label><span>Type <b>${namespace}</b> to confirm</span><input name="confirm" value=${typed} onInput=${(e) => setTyped(e.currentTarget.value)} autocomplete="off" spellcheck="false" /></label>
      <button type="submit" class="danger" disabled=${busy || typed !== namespace}>${busy ? 'Clearing…' : 'Clear queues'}</button>
      ${result && html`<span class="demo-result" data-testid="purge-result">${result}</span>`}
    </form>`}
  </div>`;
}
