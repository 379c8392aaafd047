#!/usr/bin/env bash
# Every plug-in operation of the REST bridge once, with curl and jq, as a C# plug-in would call them.
# Needs a running server and a license:  pnpm start  and  pnpm cli seed  (prints the demo password).
#   EMAIL=demo@example.com PASSWORD='…' PRODUCT=revit-demo examples/rest.sh
# It frees the slots it takes and changes the password back, so it can run again. test/rest.test.ts runs it.
set -euo pipefail
SERVER=${SLOTKEEPER_SERVER:-http://localhost:4000}
: "${EMAIL:?set EMAIL}" "${PASSWORD:?set PASSWORD (in the environment, not on the command line)}"
PRODUCT=${PRODUCT:-revit-demo}

# POST /rest/<operation> with {"input": …}; a session token as the optional third argument.
rest() {
  curl -sS --fail-with-body -X POST "$SERVER/rest/$1" -H 'content-type: application/json' \
    ${3:+-H "authorization: Bearer $3"} --data-binary "$2"
}
machine() {
  jq -nc --arg email "$EMAIL" --arg password "$PASSWORD" --arg product "$PRODUCT" --arg fp "$1" \
    '{input: {email: $email, password: $password, product: $product, fingerprint: $fp, machineName: ("REST-" + $fp), osUser: "example"}}'
}

activated=$(rest activate-machine "$(machine rest-example-a)")
echo "activateMachine: $(jq -r '.__typename' <<<"$activated")"
token=$(jq -r '.token // error("activation refused: \(.code) \(.message)")' <<<"$activated")

renewed=$(rest renew-token "$(jq -nc --arg token "$token" '{input: {token: $token}}')")
echo "renewToken: $(jq -r '.__typename' <<<"$renewed")"
token=$(jq -r '.token' <<<"$renewed")

session=$(rest log-in "$(jq -nc --arg email "$EMAIL" --arg password "$PASSWORD" '{input: {email: $email, password: $password}}')")
echo "logIn: $(jq -r '.__typename' <<<"$session")"
session=$(jq -r '.sessionToken' <<<"$session")

licenses=$(curl -sS --fail-with-body "$SERVER/rest/my-licenses" -H "authorization: Bearer $session")
echo "myLicenses: $(jq 'length' <<<"$licenses") license(s)"
jq -r '.[] | "  \(.product.code): \(.seatsUsed) of \(.seats) seats until \(.expiresAt)"' <<<"$licenses"

# A second machine, then released from the license manager as if it were lost.
lost=$(rest activate-machine "$(machine rest-example-lost)" | jq -r '.activation.id')
released=$(rest release-activation "$(jq -nc --arg id "$lost" '{input: {activationId: $id}}')" "$session")
echo "releaseActivation: $(jq -r '.__typename + " " + (.code // "")' <<<"$released")"

deactivated=$(rest deactivate-machine "$(jq -nc --arg token "$token" '{input: {token: $token}}')")
echo "deactivateMachine: $(jq -r '.__typename' <<<"$deactivated")"

wrong=$(rest log-in "$(jq -nc --arg email "$EMAIL" '{input: {email: $email, password: "not the password"}}')")
echo "wrong password: $(jq -r '.__typename + " " + .code' <<<"$wrong")"

reset=$(rest request-password-reset "$(jq -nc --arg email "$EMAIL" '{input: {email: $email}}')")
echo "requestPasswordReset: $(jq -r '.__typename' <<<"$reset")"

change() {
  rest change-password "$(jq -nc --arg email "$EMAIL" --arg current "$1" --arg new "$2" \
    '{input: {email: $email, currentPassword: $current, newPassword: $new, newPasswordRepeat: $new}}')" | jq -r '.__typename + " " + (.code // "")'
}
interim="rest example $(date +%s%N)"
echo "changePassword: $(change "$PASSWORD" "$interim")"
echo "changePassword (back): $(change "$interim" "$PASSWORD")"
