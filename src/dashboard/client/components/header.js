/** @module The top bar: name, namespace, live-stream indicator, job search, sign-in and (for an operator) the write actions. */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { JOB_ID_PATTERN } from '../format.js';
import { DemoButton } from './demo-form.js';
import { PurgeButton } from './purge-form.js';
import { SessionBadge } from './sign-in.js';

const CONNECTION_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

export function LiveIndicator({ connection }) {
  return html`<span class=${`live live-${connection}`} data-testid="live-indicator" title="Server-Sent Events from /api/stream">
    <span class="live-dot"></span>${CONNECTION_TEXT[connection] || connection}
  </span>`;
}

export function Header({ info, connection, onOpenJob }) {
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState('');
  const submit = (event) => {
    event.preventDefault();
    const jobId = query.trim();
    if (!JOB_ID_PATTERN.test(jobId)) {
      setProblem('A job id is letters, digits and . _ : - (up to 128)');
      return;
    }
    setProblem('');
    onOpenJob(jobId);
  };
  return html`<header class="topbar">
    <div class="brand">
      <span class="brand-mark">B</span>
      <span class="brand-name">Baton</span>
      ${info && html`<span class="namespace" title="BATON_NAMESPACE">${info.namespace}</span>`}
    </div>
    <${LiveIndicator} connection=${connection} />
    <form class="search" onSubmit=${submit} role="search">
      <input
        type="search" name="jobId" placeholder="Find a job by id…" aria-label="Job id" autocomplete="off" spellcheck="false"
        value=${query} onInput=${(event) => setQuery(event.currentTarget.value)}
      />
      <button type="submit">Open</button>
      ${problem && html`<span class="search-problem" role="alert">${problem}</span>`}
    </form>
    ${info?.caller?.role === 'operator' && html`<${DemoButton} />`}
    ${info?.caller?.role === 'operator' && html`<${PurgeButton} namespace=${info.namespace} />`}
    <${SessionBadge} info=${info} />
  </header>`;
}
