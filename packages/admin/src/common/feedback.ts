import { useNotify, useRefresh } from 'react-admin';

/**
 * The callbacks every dashboard mutation (react-admin's `useUpdate`/`useDelete`, react-query's
 * `useMutation`) shares: the given message on success, then a refresh, because one change shows in
 * several places (a license's seats, its machines and its history); the API's message on failure.
 */
export function useFeedback() {
  const notify = useNotify();
  const refresh = useRefresh();
  // `warning`: it worked, with a catch the user must know (an e-mail held, not sent).
  return (success: string, then?: () => void, type: 'success' | 'warning' = 'success') => ({
    onSuccess: () => {
      notify(success, { type, ...(type === 'warning' ? { autoHideDuration: 15_000 } : {}) });
      refresh();
      then?.();
    },
    onError: (error: unknown) => notify((error as Error | undefined)?.message || 'The action failed.', { type: 'error' }),
  });
}
