// The GraphQL operations of the public contract (packages/schema/schema.graphql) the SDK sends, and
// the shapes of their answers. Error fragments name only types that are members of each union.

const LINKS = 'links { website documentation support purchase }';
const SLOT = `token activation { id } license { id seats seatsUsed expiresAt product { code name ${LINKS} } }`;

export const ACTIVATE = /* GraphQL */ `
  mutation SlotkeeperActivate($input: ActivateMachineInput!) {
    result: activateMachine(input: $input) {
      __typename
      ... on ActivateMachineSuccess { ${SLOT} }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on InvalidInputError { field }
      ... on LicenseExpiredError { expiredAt }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export const RENEW = /* GraphQL */ `
  mutation SlotkeeperRenew($input: RenewTokenInput!) {
    result: renewToken(input: $input) {
      __typename
      ... on RenewTokenSuccess { ${SLOT} }
      ... on Error { code message }
      ... on LicenseExpiredError { expiredAt }
    }
  }
`;

export const DEACTIVATE = /* GraphQL */ `
  mutation SlotkeeperDeactivate($input: DeactivateMachineInput!) {
    result: deactivateMachine(input: $input) {
      __typename
      ... on DeactivateMachineSuccess { license { id seats seatsUsed } }
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export const LOG_IN = /* GraphQL */ `
  mutation SlotkeeperLogIn($input: LogInInput!) {
    result: logIn(input: $input) {
      __typename
      ... on LogInSuccess { sessionToken expiresAt }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export const MY_LICENSES = /* GraphQL */ `
  query SlotkeeperLicenses {
    myLicenses {
      id seats seatsUsed startsAt expiresAt status
      product { code name ${LINKS} }
      activations { id machineName osUser activatedAt lastSeenAt }
    }
  }
`;

export const RELEASE = /* GraphQL */ `
  mutation SlotkeeperRelease($input: ReleaseActivationInput!) {
    result: releaseActivation(input: $input) {
      __typename
      ... on ReleaseActivationSuccess { license { id seats seatsUsed } }
      ... on Error { code message }
      ... on ReleaseLimitReachedError { limit nextReleaseAt }
    }
  }
`;

export const REQUEST_PASSWORD_RESET = /* GraphQL */ `
  mutation SlotkeeperRequestPasswordReset($input: RequestPasswordResetInput!) {
    result: requestPasswordReset(input: $input) {
      __typename
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation SlotkeeperResetPassword($input: ResetPasswordInput!) {
    result: resetPassword(input: $input) {
      __typename
      ... on Error { code message }
    }
  }
`;

export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation SlotkeeperChangePassword($input: ChangePasswordInput!) {
    result: changePassword(input: $input) {
      __typename
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export interface LinksData {
  website: string | null;
  documentation: string | null;
  support: string | null;
  purchase: string | null;
}

export interface ProductData {
  code: string;
  name: string;
  links: LinksData;
}

export interface SlotData {
  token: string;
  activation: { id: string };
  license: { id: string; seats: number; seatsUsed: number; expiresAt: string; product: ProductData };
}

export interface LicenseData {
  id: string;
  seats: number;
  seatsUsed: number;
  startsAt: string;
  expiresAt: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  product: ProductData;
  activations: { id: string; machineName: string; osUser: string; activatedAt: string; lastSeenAt: string }[];
}

/** A union answer: the success type's fields, or an error type's `code`, `message` and extra fields. */
export type Outcome<T> = { __typename: string } & (
  | ({ code?: undefined } & T)
  | { code: string; message: string; [field: string]: unknown }
);
