import type { ActivationService } from '@slotkeeper/schema/services/activation';
import type { Logger } from './logger.ts';
import { passLoop } from './worker-loop.ts';

export interface LeaseSweeper {
  /** Sweeps now and then every LEASE_SWEEP_SECONDS. */
  start(): void;
  /** One pass now (tests, and a pass asked for while one runs makes one more); resolves when it is done. */
  sweep(): Promise<void>;
  /** Lets the pass in flight finish, and stops. */
  stop(): Promise<void>;
}

const BATCH = 100;

/**
 * The background half of "leases that heal": releases the slots whose newest token expired unrenewed,
 * so seat counts, `myLicenses` and `slotUsageChanged` are true without anyone activating. The service
 * claims licenses with SKIP LOCKED: every instance may run a sweeper, and each slot is released once.
 */
export function createLeaseSweeper(deps: {
  activations: Pick<ActivationService, 'sweepExpired'>;
  intervalSeconds: number;
  logger: Logger;
}): LeaseSweeper {
  const { activations, logger } = deps;
  let stopped = false;
  const loop = passLoop(
    async () => {
      for (;;) {
        if (stopped) return;
        const { licenses, released } = await activations.sweepExpired(BATCH);
        if (released > 0) logger.info({ released, licenses }, `released ${released} slot(s) whose lease lapsed`);
        if (licenses < BATCH) return;
      }
    },
    () => stopped,
    (error) => logger.error({ err: error }, 'lease sweep failed'),
  );
  return {
    start() {
      if (deps.intervalSeconds <= 0) return;
      stopped = false;
      void loop.run();
      loop.every(deps.intervalSeconds * 1000);
    },
    sweep: () => loop.drain(),
    async stop() {
      stopped = true;
      await loop.halt();
    },
  };
}
