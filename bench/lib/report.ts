/** @module Collects what the measures found and renders it as Markdown (the generated part of docs/BENCHMARKS.md). */

export interface Headline {
  readonly measure: string;
  readonly median: string;
  readonly spread: string;
  readonly target: string;
  /** true, false, or undefined when there is no target. */
  readonly met: boolean | undefined;
}

export interface Section {
  readonly title: string;
  readonly lines: string[];
}

export class Report {
  readonly headlines: Headline[] = [];
  readonly sections: Section[] = [];
  /** Runs that failed: kept out of the figures, listed in the report. */
  readonly failures: string[] = [];
  /** Raw figures, written next to the Markdown as JSON. */
  readonly data: Record<string, unknown> = {};

  section(title: string): Section {
    const section: Section = { title, lines: [] };
    this.sections.push(section);
    return section;
  }

  headline(headline: Headline): void {
    this.headlines.push(headline);
  }

  render(header: string[]): string {
    const out: string[] = [...header, ''];
    if (this.headlines.length > 0) {
      out.push('### Summary', '');
      out.push(...table(['measure', 'median', 'spread (min–max)', 'target', 'met?'], this.headlines.map((h) => [h.measure, h.median, h.spread, h.target, h.met === undefined ? '—' : h.met ? 'yes' : '**no**'])));
      out.push('');
    }
    if (this.failures.length > 0) {
      out.push('### Runs that failed (left out of the figures)', '', ...this.failures.map((f) => `- ${f}`), '');
    }
    for (const section of this.sections) out.push(`### ${section.title}`, '', ...section.lines, '');
    return out.join('\n');
  }
}

export function table(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}
