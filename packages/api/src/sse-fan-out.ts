// One slot event goes to thousands of SSE subscribers. yoga's own SSE processor stringifies and
// encodes each result once per subscriber and writes it as two chunks; the shared execution
// (shared-event-execution.ts) already gives every subscriber of one selection the same result, so
// this processor encodes that result once and writes the very same bytes to each of them, one write
// per event. It is push-driven and bounded: a subscriber that has left more than `maxQueuedBytes`
// unread when the next event comes is dropped (its stream errors, its connection closes, `onDrop` says why) instead of
// queueing events without end. The wire format is yoga's (graphql-sse's distinct connections mode).
import { type ExecutionResult, GraphQLError } from 'graphql';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import { SHARED_RESULT } from './shared-event-execution.ts';

export interface SseFanOutOptions {
  /** Unread bytes a subscriber may leave queued before it is dropped. */
  maxQueuedBytes: number;
  /** A subscriber was dropped: why, and how much it had left unread. */
  onDrop(reason: string, queuedBytes: number): void;
}

const encoder = new TextEncoder();
const PING = encoder.encode(':\n\n');
const COMPLETE = encoder.encode('event: complete\ndata:\n\n');
/** What the stream holds before it stops asking the iterator (like Node's streams' 64 kB). */
const HIGH_WATER_MARK = 64 * 1024;

/** The result as yoga would print it: errors without their internal extensions (`http`, `unexpected`). */
function stringifyResult(result: ExecutionResult): string {
  if (!result.errors?.length && !result.extensions?.http) return JSON.stringify(result);
  const errors = result.errors?.map((error) => {
    const json = error instanceof GraphQLError ? error.toJSON() : { message: String((error as Error).message) };
    const { http: _http, unexpected: _unexpected, ...extensions } = (json.extensions ?? {}) as Record<string, unknown>;
    return { ...json, extensions: Object.keys(extensions).length ? extensions : undefined };
  });
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...result, errors, extensions: Object.keys(extensions).length ? extensions : undefined });
}

export function sseFanOutPlugin(options: SseFanOutOptions): Plugin {
  // Encoded once per shared result (one per event and distinct selection), dropped with it.
  const encoded = new WeakMap<object, Uint8Array>();
  const pingMs = process.env.NODE_ENV === 'test' ? 300 : 12_000; // yoga's own ping intervals

  function bytesOf(result: ExecutionResult & { [SHARED_RESULT]?: ExecutionResult }): Uint8Array {
    const key = result[SHARED_RESULT] ?? result;
    let bytes = encoded.get(key);
    if (!bytes) encoded.set(key, (bytes = encoder.encode(`event: next\ndata: ${stringifyResult(key)}\n\n`)));
    return bytes;
  }

  /** `cut`: closes the subscriber's connection at once (its unread bytes are discarded with it). */
  function stream(source: AsyncIterable<ExecutionResult>, cut: (() => void) | undefined): ReadableStream<Uint8Array> {
    const iterator = source[Symbol.asyncIterator]();
    let ended = false;
    let ping: ReturnType<typeof setInterval> | undefined;
    const end = () => {
      ended = true;
      clearInterval(ping);
    };
    // Node's own web stream, not the fetch ponyfill's: its desiredSize counts the bytes in its queue.
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(PING);
          ping = setInterval(() => {
            if ((controller.desiredSize ?? 0) > 0) controller.enqueue(PING);
          }, pingMs);
          void (async () => {
            try {
              for (;;) {
                const step = await iterator.next();
                if (ended) return;
                // What the reader has not taken of the events before this one.
                const unread = HIGH_WATER_MARK - (controller.desiredSize ?? 0);
                if (unread > options.maxQueuedBytes) {
                  end();
                  void iterator.return?.();
                  options.onDrop('slow subscriber: events unread past the limit', unread);
                  if (cut) cut();
                  else controller.error(new Error('slow subscriber dropped'));
                  return;
                }
                if (step.value != null) controller.enqueue(bytesOf(step.value));
                if (step.done) {
                  end();
                  controller.enqueue(COMPLETE);
                  controller.close();
                  return;
                }
              }
            } catch (error) {
              if (ended) return;
              end();
              controller.error(error);
            }
          })();
        },
        cancel() {
          end();
          return iterator.return?.().then(() => {});
        },
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    );
  }

  return {
    onResultProcess({ request, result, setResultProcessor, serverContext }) {
      if (!isAsyncIterable(result) || !request.headers.get('accept')?.includes('text/event-stream')) return;
      // Served by node:http (yoga's Node adapter puts the request in the server context): the socket to cut.
      const socket = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket;
      setResultProcessor(
        (source, fetchAPI) =>
          new fetchAPI.Response(stream(source as AsyncIterable<ExecutionResult>, socket && (() => socket.destroy())), {
            status: 200,
            headers: { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' },
          }),
        'text/event-stream',
      );
    },
  };
}
