/** @module A status as a coloured badge (text, never markup). */
import { html } from '../html.js';
import { statusClass, statusLabel } from '../format.js';

export function StatusBadge({ status, asJobState = false }) {
  return html`<span class=${`badge ${statusClass(status)}`}>${statusLabel(status, asJobState)}</span>`;
}
