// The SDK's calls to the license server: one function per operation of the public contract
// (operation.ts, types generated from the SDL), through the transport (proxy, error messages). A
// union answer's error type, or a GraphQL error with a contract code, becomes a SlotkeeperError.
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { SERVER_ERROR_CODES, SlotkeeperError } from './error.ts';
import type {
  ActivateMachineInput,
  ChangePasswordInput,
  DeactivateMachineInput,
  ResetPasswordInput,
  SlotkeeperActivateMutation,
  SlotkeeperLicensesQuery,
  SlotkeeperStartTrialMutation,
  StartTrialInput,
} from './generated/graphql.ts';
import {
  ACTIVATE,
  CHANGE_PASSWORD,
  DEACTIVATE,
  LOG_IN,
  MY_LICENSES,
  RELEASE,
  RENEW,
  REQUEST_PASSWORD_RESET,
  RESET_PASSWORD,
  START_TRIAL,
} from './operation.ts';
import type { Transport } from './transport.ts';

type Union = { __typename: string };
/** The members of a union answer that are not error types. */
type Success<R extends Union> = Exclude<R, { code: unknown }>;

/** A slot as activate and renew return it: the token, the activation and its license. */
export type SlotData = Omit<Success<SlotkeeperActivateMutation['result']>, '__typename'>;
/** A trial as startTrial returns it: the token and the product. */
export type TrialData = Omit<Success<SlotkeeperStartTrialMutation['result']>, '__typename'>;
export type LicenseData = SlotkeeperLicensesQuery['myLicenses'][number];
export type SeatCount = { id: string; seats: number; seatsUsed: number };

const SERVER_CODES = new Set<string>(SERVER_ERROR_CODES);

/** The success member of a union answer, or its error type thrown as a SlotkeeperError. */
function success<R extends Union>(result: R): Success<R> {
  if (!('code' in result)) return result as Success<R>;
  const { __typename: _type, code, message, ...details } = result as unknown as { __typename: string; code: string; message: string };
  throw new SlotkeeperError(code as never, message, details);
}

export interface Api {
  activate(input: ActivateMachineInput): Promise<SlotData>;
  renew(token: string, borrowSeconds?: number): Promise<SlotData>;
  startTrial(input: StartTrialInput): Promise<TrialData>;
  deactivate(input: DeactivateMachineInput): Promise<SeatCount>;
  /** A session token for the license manager's calls. */
  logIn(login: { email: string; password: string }): Promise<string>;
  myLicenses(session: string): Promise<LicenseData[]>;
  release(activationId: string, session: string): Promise<SeatCount>;
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(input: ResetPasswordInput): Promise<void>;
  changePassword(input: ChangePasswordInput): Promise<void>;
  /** The text of `/.well-known/jwks.jws` (the root-signed key list), unverified. */
  keyList(): Promise<string>;
}

export function createApi(transport: Transport): Api {
  // The server may live under a path (https://host/licensing/): its routes are relative to it.
  const href = transport.serverUrl.href;
  const base = new URL(href.endsWith('/') ? href : `${href}/`);
  const graphql = new GraphQLClient(new URL('graphql', base).href, { fetch: transport.fetch });
  const keyListUrl = new URL('.well-known/jwks.jws', base).href;

  async function request<R, V extends object>(document: DocumentTypeDecoration<R, V>, variables: V, session?: string): Promise<R> {
    try {
      return await graphql.request<R>(document.toString(), variables, session ? { authorization: `Bearer ${session}` } : {});
    } catch (error) {
      if (!(error instanceof ClientError)) throw transport.describe(error);
      const first = error.response.errors?.[0];
      const code = first?.extensions?.code;
      if (typeof code === 'string' && SERVER_CODES.has(code)) {
        const { code: _code, ...details } = first!.extensions as Record<string, unknown>;
        throw new SlotkeeperError(code as never, first!.message, details);
      }
      throw new SlotkeeperError(
        'SERVER_ERROR',
        `The license server ${transport.serverUrl.host} answered HTTP ${error.response.status}${first ? ` (${first.message})` : ''}, not a license answer. Check the server address; if it is right, try again later.`,
        { status: error.response.status },
        { cause: error },
      );
    }
  }

  return {
    activate: async (input) => success((await request(ACTIVATE, { input })).result),
    renew: async (token, borrowSeconds) => success((await request(RENEW, { input: { token, borrowSeconds } })).result),
    startTrial: async (input) => success((await request(START_TRIAL, { input })).result),
    deactivate: async (input) => success((await request(DEACTIVATE, { input })).result).license,
    logIn: async ({ email, password }) => success((await request(LOG_IN, { input: { email, password } })).result).sessionToken,
    myLicenses: async (session) => (await request(MY_LICENSES, {}, session)).myLicenses,
    release: async (activationId, session) => success((await request(RELEASE, { input: { activationId } }, session)).result).license,
    async requestPasswordReset(email) {
      success((await request(REQUEST_PASSWORD_RESET, { input: { email } })).result);
    },
    async resetPassword(input) {
      success((await request(RESET_PASSWORD, { input })).result);
    },
    async changePassword(input) {
      success((await request(CHANGE_PASSWORD, { input })).result);
    },

    async keyList() {
      let status: number;
      let text: string;
      try {
        const response = await transport.fetch(keyListUrl);
        status = response.status;
        text = await response.text();
      } catch (error) {
        throw transport.describe(error);
      }
      if (status !== 200) {
        throw new SlotkeeperError(
          'SERVER_ERROR',
          `The license server ${transport.serverUrl.host} did not publish its keys (HTTP ${status} from ${keyListUrl}). Check the server address.`,
          { status },
        );
      }
      return text.trim();
    },
  };
}
