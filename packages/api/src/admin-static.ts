import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from './http/route-table.ts';

/** Where `pnpm build` puts the dashboard (packages/admin/dist). */
export const ADMIN_DIST = fileURLToPath(new URL('../../admin/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The page talks only to its own origin; MUI (emotion) injects its styles inline.
const HTML_HEADERS = {
  'content-type': TYPES['.html']!,
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:.1rem .3rem}</style></head>
<body><h1>The dashboard is not built</h1>
<p>This server serves the dashboard from <code>packages/admin/dist</code>, which does not exist yet.
Run <code>pnpm build</code> at the repository root, then reload this page
(or run <code>pnpm dev</code> for a development server with hot reload).</p>
<p>The GraphQL API at <a href="/graphql">/graphql</a> works without it.</p></body></html>`;

async function file(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

const READ_ONLY = ['GET', 'HEAD'] as const;

/**
 * Serves the built react-admin dashboard at /admin/: files of `dist` with their content type, hashed
 * assets cached for a year, and index.html for every other path under /admin/ (client-side routes).
 */
export function dashboardRoute(dist = ADMIN_DIST): Route {
  const root = normalize(dist.endsWith(sep) ? dist : dist + sep);
  return {
    path: '/admin/',
    prefix: true,
    methods: READ_ONLY,
    async handle({ request, url }) {
      const path = url.pathname;
      const respond = (body: Buffer | string, status: number, headers: Record<string, string>) =>
        new Response(request.method === 'HEAD' ? null : (body as BodyInit), { status, headers });

      let relative: string;
      try {
        relative = decodeURIComponent(path.slice('/admin/'.length));
      } catch {
        return respond('Bad request', 400, { 'content-type': TYPES['.txt']! });
      }
      const target = normalize(join(root, relative));
      // Build bookkeeping (dist/.source-hash) and anything outside dist/ is never served.
      const servable = relative && target.startsWith(root) && !relative.includes('\0') && !relative.split('/').some((s) => s.startsWith('.'));
      if (servable) {
        const body = await file(target);
        if (body) {
          const type = TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
          if (type === TYPES['.html']) return respond(body, 200, HTML_HEADERS);
          // Vite names everything under assets/ by content hash: it never changes under one name.
          const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
          return respond(body, 200, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
        }
        // A missing file (an old hashed asset after a deploy) is a 404, never the page in its place.
        if (extname(relative)) return respond('Not found', 404, { 'content-type': TYPES['.txt']!, 'cache-control': 'no-cache' });
      }
      const index = await file(join(root, 'index.html'));
      if (!index) return respond(NOT_BUILT, 404, { 'content-type': TYPES['.html']!, 'cache-control': 'no-store' });
      return respond(index, 200, HTML_HEADERS);
    },
  };
}

/** The dashboard, and the two addresses a person types to reach it: `/` and `/admin`. */
export function adminRoutes(dist = ADMIN_DIST): Route[] {
  return [
    // Temporary (302): the server's root may serve something else one day; browsers cache a 308 for good.
    { path: '/', methods: READ_ONLY, handle: () => new Response(null, { status: 302, headers: { location: '/admin/' } }) },
    { path: '/admin', methods: READ_ONLY, handle: ({ url }) => new Response(null, { status: 308, headers: { location: `/admin/${url.search}` } }) },
    dashboardRoute(dist),
  ];
}
