// Bounds every request body (GraphQL, the REST bridge, the password reset form, the shop webhooks)
// before anything reads it: a declared length over the limit is refused unread; a chunked body is
// read up to the limit. Yoga's own `maxRequestBodySize` is off (yoga.ts says why).
import type { Plugin } from 'graphql-yoga';
import { httpError } from './http/error-envelope.ts';

export const REQUEST_ENTITY_TOO_LARGE = 'REQUEST_ENTITY_TOO_LARGE';

function refused(status: 400 | 413, message: string): Response {
  return httpError(status, status === 413 ? REQUEST_ENTITY_TOO_LARGE : 'BAD_REQUEST', message);
}

export function requestBodyLimitPlugin(maxBytes: number): Plugin {
  const tooLarge = () => refused(413, `The request body is larger than ${maxBytes} bytes.`);
  return {
    async onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (!request.body) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!/^\d+$/.test(declared)) return endResponse(refused(400, 'Content-Length is invalid.'));
        // Node's HTTP parser never hands on more than the declared length.
        return Number(declared) > maxBytes ? endResponse(tooLarge()) : undefined;
      }
      // A chunked body has no declared length: read it up to the limit and hand on what was read.
      const reader = request.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          return endResponse(tooLarge());
        }
        chunks.push(value);
      }
      setRequest(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body: Buffer.concat(chunks), signal: request.signal }));
    },
  };
}
