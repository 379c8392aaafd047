// The GraphQL operations of the public contract (packages/schema/schema.graphql) the SDK sends. Their
// variables' and answers' types are generated from the SDL (codegen.ts → src/generated/), and
// test/contract.test.ts validates each against it. Error fragments name only types that are members
// of each union.
import { graphql } from './generated/index.ts';

export const PRODUCT_FIELDS = graphql(`
  fragment SlotkeeperProduct on Product {
    code
    name
    links { website documentation support purchase }
  }
`);

export const SLOT_LICENSE_FIELDS = graphql(`
  fragment SlotkeeperSlotLicense on License {
    id seats seatsUsed expiresAt
    product { ...SlotkeeperProduct }
  }
`);

export const ACTIVATE = graphql(`
  mutation SlotkeeperActivate($input: ActivateMachineInput!) {
    result: activateMachine(input: $input) {
      __typename
      ... on ActivateMachineSuccess { token overage activation { id } license { ...SlotkeeperSlotLicense } }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on BorrowTooLongError { maxBorrowSeconds }
      ... on InvalidInputError { field }
      ... on LicenseExpiredError { expiredAt }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);

export const RENEW = graphql(`
  mutation SlotkeeperRenew($input: RenewTokenInput!) {
    result: renewToken(input: $input) {
      __typename
      ... on RenewTokenSuccess { token overage activation { id } license { ...SlotkeeperSlotLicense } }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on BorrowTooLongError { maxBorrowSeconds }
      ... on InvalidInputError { field }
      ... on LicenseExpiredError { expiredAt }
    }
  }
`);

export const START_TRIAL = graphql(`
  mutation SlotkeeperStartTrial($input: StartTrialInput!) {
    result: startTrial(input: $input) {
      __typename
      ... on StartTrialSuccess { token expiresAt product { ...SlotkeeperProduct } }
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on TrialUsedError { startedAt }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);

export const DEACTIVATE = graphql(`
  mutation SlotkeeperDeactivate($input: DeactivateMachineInput!) {
    result: deactivateMachine(input: $input) {
      __typename
      ... on DeactivateMachineSuccess { license { id seats seatsUsed } }
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);

export const LOG_IN = graphql(`
  mutation SlotkeeperLogIn($input: LogInInput!) {
    result: logIn(input: $input) {
      __typename
      ... on LogInSuccess { sessionToken expiresAt }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);

export const MY_LICENSES = graphql(`
  query SlotkeeperLicenses {
    myLicenses {
      id seats seatsUsed startsAt expiresAt status
      product { ...SlotkeeperProduct }
      activations { id machineName osUser activatedAt lastSeenAt }
    }
  }
`);

export const RELEASE = graphql(`
  mutation SlotkeeperRelease($input: ReleaseActivationInput!) {
    result: releaseActivation(input: $input) {
      __typename
      ... on ReleaseActivationSuccess { license { id seats seatsUsed } }
      ... on Error { code message }
      ... on ReleaseLimitReachedError { limit nextReleaseAt }
    }
  }
`);

export const REQUEST_PASSWORD_RESET = graphql(`
  mutation SlotkeeperRequestPasswordReset($input: RequestPasswordResetInput!) {
    result: requestPasswordReset(input: $input) {
      __typename
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);

export const RESET_PASSWORD = graphql(`
  mutation SlotkeeperResetPassword($input: ResetPasswordInput!) {
    result: resetPassword(input: $input) {
      __typename
      ... on Error { code message }
    }
  }
`);

export const CHANGE_PASSWORD = graphql(`
  mutation SlotkeeperChangePassword($input: ChangePasswordInput!) {
    result: changePassword(input: $input) {
      __typename
      ... on Error { code message }
      ... on InvalidInputError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`);
