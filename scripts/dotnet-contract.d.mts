/** The text clients/dotnet/src/Contract.g.cs must have for today's SDL and operations.graphql. */
export function contractSource(): string;
