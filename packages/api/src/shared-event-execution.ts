// One slot event reaches every subscriber of its license (thousands of dashboards and plug-ins), and
// graphql-js would execute the subscription's selection on it once per subscriber. The selection of a
// slot event depends on the event alone — access is decided when the subscription starts, and no
// field of SlotUsageChange or Activation reads the caller — so subscribers that sent the same
// document and variables share one execution per event.
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute } from 'graphql';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** On each subscriber's copy of a shared result: the shared result itself (sse-fan-out.ts encodes it once). */
export const SHARED_RESULT = Symbol('shared event result');

/** Maps each event of `source` through `fn`; return() reaches the source at once, even mid-wait. */
function mapEvents<T>(source: AsyncIterable<T>, fn: (event: T) => Promise<ExecutionResult>): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  const mapped = {
    async next() {
      const step = await iterator.next();
      return step.done ? done : { value: await fn(step.value), done: false as const };
    },
    async return() {
      await iterator.return?.();
      return done;
    },
    async throw(error: unknown) {
      if (iterator.throw) await iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
    async [Symbol.asyncDispose]() {
      await mapped.return();
    },
  };
  return mapped as AsyncGenerator<ExecutionResult>;
}

export function sharedEventExecutionPlugin(): Plugin {
  // Per event object (the pub/sub hands one object to every subscriber, also when it came through
  // Redis), the executions by document and variables; dropped with the event.
  const executions = new WeakMap<object, Map<string, Result>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;

  function executeOnce(args: ExecutionArgs, event: unknown): Promise<ExecutionResult> {
    if (typeof event !== 'object' || event === null) return Promise.resolve(execute({ ...args, rootValue: event }));
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
    const key = `${documentId}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
    let byKey = executions.get(event);
    if (!byKey) executions.set(event, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
    // A copy per subscriber: plugins further on may set fields of the result they are given.
    return Promise.resolve(result).then((shared) => ({ ...shared, [SHARED_RESULT]: shared }));
  }

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        return mapEvents(source, (event) => executeOnce(args, event));
      });
    },
  };
}
