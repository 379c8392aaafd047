/**
 * One pass at a time for an outbox worker (mail, webhooks): a run asked for while a pass is going
 * makes one more pass after it, so a wake-up is never lost; a failed pass is logged, never thrown.
 */
export function passLoop(pass: () => Promise<void>, isStopped: () => boolean, onError: (error: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
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
  };
  return loop;
}
