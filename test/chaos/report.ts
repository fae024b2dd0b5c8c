/**
 * @module Chaos figures as Markdown: one section per scenario in docs/RELIABILITY.md, between
 * `<!-- chaos:<key> -->` and `<!-- /chaos:<key> -->`, so a run of some scenarios replaces only theirs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ScenarioResult } from './settle.js';

const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** The longer of the two measures: a stalled job's silent gap, or an interrupted attempt's time from the fault to its restart. */
function worstWait(f: ScenarioResult['figures']): string {
  if (f.worstHandoverMs > f.worstFaultWaitMs) return `**${seconds(f.worstHandoverMs)}** (from the fault to the interrupted job's next Started)`;
  return `**${seconds(f.worstFaultWaitMs)}**${f.worstFaultWaitJob ? ` (${f.worstFaultWaitJob})` : ''}`;
}

export function renderSection(result: ScenarioResult, command: string, when: Date): string {
  const f = result.figures;
  const q = f.queues;
  const row = (label: string, value: string | number) => `| ${label} | ${String(value).replace(/\|/g, '\\|')} |`;
  const verdict = result.violations.length === 0 ? 'every promise held' : `**${result.violations.length} violations**: ${result.violations.join('; ')}`;
  return [
    `### ${result.title}`,
    '',
    `Run ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${command}\`; took ${seconds(result.durationMs)}.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    row('Load', result.load),
    row('Faults injected', result.faults),
    row('Jobs confirmed by the broker', `${f.confirmed} (${f.unconfirmed} never confirmed): ${f.completed} completed, ${f.deadLettered} dead-lettered (built to fail)`),
    row('**Jobs lost**', `**${f.lost.length}**`),
    row('**Duplicate completions**', `**${f.duplicateCompletions.length}**`),
    row('**Overlapping attempts**', `**${f.overlaps.length}**`),
    row('Attempts', `${f.attempts}: ${f.killedAttempts} without an end because their processor was SIGKILLed; ${f.incompleteAttempts.length} otherwise incomplete; ${f.malformedAttempts.length} malformed`),
    row('**Worst wait caused by a fault**', worstWait(f)),
    row('Interrupted attempts handed over', `${f.handovers}, the worst ${seconds(f.worstHandoverMs)} from the fault to the job's next Started`),
    row('Worst wait no fault touched', seconds(f.worstUntouchedWaitMs)),
    row('Events', `LeaseLost ${f.counts.leaseLost}, Interrupted ${f.counts.interrupted}, Deferred ${f.counts.deferred}, Duplicate ${f.counts.duplicate}, Failed ${f.counts.failed}, attempts counted failed for ending without a record ${f.counts.stalledStarts}`),
    row('Queues after the run', `jobs ${q.jobs}, delay queues ${q.delays}, dead-letter ${q.deadExpected + q.deadExtraCopies + q.deadUnexpected.length} (${q.deadExpected} jobs built to fail, ${q.deadExtraCopies} extra copies, ${q.deadUnexpected.length} unexpected)`),
    ...(result.notes.length > 0 ? [row('Notes', result.notes.join('; '))] : []),
    row('Verdict', verdict),
    '',
  ].join('\n');
}

/** Replaces (or appends before `<!-- chaos:end -->`) each result's section in the document. */
export function writeSections(file: string, results: readonly ScenarioResult[], command: string, when: Date): void {
  let text = readFileSync(file, 'utf8');
  for (const result of results) {
    const open = `<!-- chaos:${result.key} -->`;
    const close = `<!-- /chaos:${result.key} -->`;
    const block = `${open}\n${renderSection(result, command, when)}${close}`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start >= 0 && end > start) text = text.slice(0, start) + block + text.slice(end + close.length);
    else text = text.replace('<!-- chaos:end -->', `${block}\n\n<!-- chaos:end -->`);
  }
  writeFileSync(file, text);
}
