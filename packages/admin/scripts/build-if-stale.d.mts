export function sourceHash(): string;
export function ensureBuilt(options?: { quiet?: boolean; force?: boolean }): boolean;
