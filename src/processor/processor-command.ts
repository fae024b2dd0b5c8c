/** @module `baton processor`: runs one processor until SIGINT/SIGTERM (a second signal cancels at once). */
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { stopTracing } from '../core/tracing.js';
import { loadHandlerModule } from './handlers/registry.js';
import { defaultRegistry, Processor } from './processor.js';

export async function runProcessor(config: Config, logger: Logger): Promise<void> {
  const registry = defaultRegistry();
  if (config.handlers) {
    const added = await loadHandlerModule(config.handlers, registry);
    logger.info('handlers loaded', { module: config.handlers, types: added });
  }
  const processor = new Processor(config, {
    logger,
    registry,
    // A handler that ignored its timeout may still be running: /health says so, and the process exits
    // (code 70) after a graceful stop, so that its supervisor restarts it and the job's lease can expire.
    onStuckHandler: () => {
      setTimeout(() => process.exit(70), (config.shutdownGraceSeconds + 30) * 1000).unref();
      void processor.stop().then(() => process.exit(70));
    },
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info(`${signal} received: stopping gracefully (send it again to cancel running jobs at once)`);
      // If something hangs past the grace period and a margin, say so and leave.
      setTimeout(() => {
        logger.error('shutdown did not finish in time; exiting');
        process.exit(1);
      }, (config.shutdownGraceSeconds + 30) * 1000).unref();
      // The last spans are flushed before the process leaves.
      void processor.stop().then(stopTracing).then(() => process.exit(0));
    } else {
      logger.warn(`${signal} received again: cancelling running jobs now`);
      void processor.stop({ force: true });
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await processor.start();
}
