import { createAuthProvider } from './authProvider.ts';
import { createDataProvider } from './dataProvider.ts';
import { createApi } from './graphql.ts';
import { session } from './session.ts';

// The app's one API client, on the page's own origin (the api serves the dashboard; Vite proxies in dev).
const api = createApi({ url: new URL('/graphql', window.location.href).href, token: session.token });

export const dataProvider = createDataProvider(api);
export const authProvider = createAuthProvider(api, session);
