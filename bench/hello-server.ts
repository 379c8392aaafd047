// The baseline of P2: a bare graphql-yoga server answering `{ hello }`, served like the api (node:http,
// the api's own copy of graphql-yoga, NODE_ENV=production, its own process). Reads PORT and HOST.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// graphql-yoga is the api package's dependency: load that very copy.
const fromApi = createRequire(new URL('../packages/api/package.json', import.meta.url));
const { createSchema, createYoga } = (await import(pathToFileURL(fromApi.resolve('graphql-yoga')).href)) as typeof import('../packages/api/node_modules/graphql-yoga');

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  graphiql: false,
  landingPage: false,
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
