// examples/handlers.mjs: a handler module, loaded with BATON_HANDLERS=examples/handlers.mjs.
// Type "word-count": counts the words of the text file at job.inputFilePath (relative to the processor's
// working directory) and records the most frequent ones; processingParameters: { top: 1–20 } (default 3).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export function register(registry) {
  registry.register('word-count', {
    // Checked before the attempt starts: a job with bad parameters is dead-lettered unrun, with the reason.
    params: z.object({ top: z.number().int().min(1).max(20).optional() }).strict(),
    async run(job, ctx) {
      if (!job.inputFilePath) throw new Error('word-count needs an inputFilePath');
      const top = job.processingParameters?.top ?? 3;
      ctx.step(1, 2, `reading ${job.inputFilePath}`);
      // A missing file throws: the attempt fails and is retried, and its error shows in the job's timeline.
      const text = await readFile(job.inputFilePath, { encoding: 'utf8', signal: ctx.signal });
      const counts = new Map();
      for (const word of text.toLowerCase().match(/[\p{L}']+/gu) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
      const frequent = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
      ctx.step(2, 2, `${counts.size} distinct words; most frequent: ${frequent.map(([word, n]) => `${word} (${n})`).join(', ')}`);
      ctx.log('counted', { distinctWords: counts.size });
    },
  });
}
