import { SlotkeeperError } from '@slotkeeper/client/error';
import { expect } from 'vitest';

/** The SlotkeeperError a client call fails with (fails the test if it succeeds or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<SlotkeeperError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SlotkeeperError);
    return error as SlotkeeperError;
  }
  throw new Error('expected the call to fail');
}
