import { useDataProvider, useNotify, useRefresh } from 'react-admin';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';

/**
 * Runs one call of the data provider for a button: a notification either way (the API's message
 * on failure), then a refresh of what is on screen.
 */
export function useAction() {
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  return async (call: (dp: SlotkeeperDataProvider) => Promise<unknown>, success: string): Promise<boolean> => {
    try {
      await call(dataProvider);
    } catch (error) {
      notify((error as Error).message || 'The action failed.', { type: 'error' });
      return false;
    }
    notify(success, { type: 'success' });
    refresh();
    return true;
  };
}
