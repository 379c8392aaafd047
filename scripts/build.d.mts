/** Builds packages/schema, client and api into dist/ unless they hold a build of the current sources (or `force`); returns whether it built. */
export function ensureBuilt(options?: { quiet?: boolean; force?: boolean }): boolean;
export function sourceHash(): string;
