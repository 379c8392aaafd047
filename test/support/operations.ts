// The plug-in's operations, as a plug-in would send them.

export const ACTIVATE = /* GraphQL */ `
  mutation Activate($input: ActivateMachineInput!) {
    activateMachine(input: $input) {
      __typename
      ... on ActivateMachineSuccess {
        token
        activation { id machineName osUser activatedAt lastSeenAt }
        license { id seats seatsUsed expiresAt }
      }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on InvalidInputError { field }
      ... on LicenseExpiredError { expiredAt }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

export const DEACTIVATE = /* GraphQL */ `
  mutation Deactivate($input: DeactivateMachineInput!) {
    deactivateMachine(input: $input) {
      __typename
      ... on DeactivateMachineSuccess { license { id seatsUsed } }
      ... on Error { code message }
    }
  }
`;

export const RENEW = /* GraphQL */ `
  mutation Renew($token: String!) {
    renewToken(input: { token: $token }) {
      __typename
      ... on RenewTokenSuccess { token activation { id } license { id seatsUsed } }
      ... on Error { code message }
    }
  }
`;

export const LOG_IN = /* GraphQL */ `
  mutation LogIn($email: String!, $password: String!) {
    logIn(input: { email: $email, password: $password }) {
      __typename
      ... on LogInSuccess { sessionToken expiresAt }
      ... on Error { code message }
    }
  }
`;

export const MY_LICENSES = /* GraphQL */ `
  query {
    myLicenses {
      id seats seatsUsed expiresAt status
      product { code name }
      activations { id machineName osUser activatedAt lastSeenAt }
    }
  }
`;

export const RELEASE = /* GraphQL */ `
  mutation Release($id: ID!) {
    releaseActivation(input: { activationId: $id }) {
      __typename
      ... on ReleaseActivationSuccess { license { id seatsUsed } }
      ... on ReleaseLimitReachedError { limit nextReleaseAt }
      ... on Error { code message }
    }
  }
`;

export const SLOT_EVENTS = /* GraphQL */ `
  subscription Slots($licenseId: ID) {
    slotUsageChanged(licenseId: $licenseId) {
      licenseId seats seatsUsed change at
      activation { id machineName releasedAt releaseReason }
    }
  }
`;

export function machine(license: { email: string; password: string; product: string }, fingerprint: string) {
  return {
    email: license.email,
    password: license.password,
    product: license.product,
    fingerprint,
    machineName: `PC-${fingerprint}`,
    osUser: 'alice',
  };
}
