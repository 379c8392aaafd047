/** The token of an `Authorization: Bearer <token>` value (header or graphql-ws connectionParams), if it is one. */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(value.trim())?.[1];
}
