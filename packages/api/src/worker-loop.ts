/**
 * One pass at a time for a background worker (mail, webhooks, the lease sweeper): a run asked for
 * while a pass is going makes one more pass after it, so a wake-up is never lost; a failed pass is
 * logged, never thrown.
 */
export function passLoop(pass: () => Promise<void>, isStopped: () => boolean, onError: (error: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = {
    run(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await pass();
          } while (again && !isStopped());
        } catch (error) {
          onError(error);
        } finally {
          running = null;
        }
      })();
      return running;
    },
    /** One more pass after the current one (work it wrote is due now). */
    again() {
      again = true;
    },
    /** Resolves once no pass runs, passes asked for meanwhile included. */
    async idle() {
      while (running) await running;
    },
    /** A pass every `ms` from now on (the timer keeps no process alive). */
    every(ms: number) {
      clearInterval(timer);
      timer = setInterval(() => void loop.run(), ms);
      timer.unref();
    },
    /** One pass now; resolves when nothing is left to do. */
    async drain() {
      await loop.run();
      await loop.idle();
    },
    /** No more timed passes; resolves once the pass in flight has finished. */
    async halt() {
      clearInterval(timer);
      await loop.idle();
    },
  };
  return loop;
}
