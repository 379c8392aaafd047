// The REST bridge's operations: which GraphQL root fields it exposes, at which path and method.
// Plug-ins are compiled against these paths: keep them stable.

export const REST_BASE = '/rest';
export const OPENAPI_PATH = `${REST_BASE}/openapi.json`;

export interface RestRoute {
  type: 'Query' | 'Mutation';
  method: 'GET' | 'POST';
  /** Below REST_BASE. */
  path: string;
  /** Needs `Authorization: Bearer <sessionToken>` from logIn. */
  session?: boolean;
}

/** The plug-in operations (the public contract in schema.graphql), and nothing of the admin API. */
export const REST_ROUTES: Record<string, RestRoute> = {
  activateMachine: { type: 'Mutation', method: 'POST', path: '/activate-machine' },
  deactivateMachine: { type: 'Mutation', method: 'POST', path: '/deactivate-machine' },
  renewToken: { type: 'Mutation', method: 'POST', path: '/renew-token' },
  startTrial: { type: 'Mutation', method: 'POST', path: '/start-trial' },
  logIn: { type: 'Mutation', method: 'POST', path: '/log-in' },
  myLicenses: { type: 'Query', method: 'GET', path: '/my-licenses', session: true },
  releaseActivation: { type: 'Mutation', method: 'POST', path: '/release-activation', session: true },
  requestPasswordReset: { type: 'Mutation', method: 'POST', path: '/request-password-reset' },
  resetPassword: { type: 'Mutation', method: 'POST', path: '/reset-password' },
  changePassword: { type: 'Mutation', method: 'POST', path: '/change-password' },
};
