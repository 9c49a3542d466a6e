/** Serves the designer's production build with a single-page-app fallback to `index.html`. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/** Paths that belong to the API and never fall back to the app. */
const apiPrefixes = ['/api/', '/trpc', '/healthz', '/metrics'];

/** Registers the static handler when `dir` holds an `index.html`; returns whether it did. */
export function serveDesigner(app: FastifyInstance, dir: string): boolean {
  const root = resolve(dir);
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) return false;
  app.get('/*', async (request, reply) => {
    const urlPath = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (apiPrefixes.some((prefix) => urlPath.startsWith(prefix))) {
      return reply
        .code(404)
        .send({ error: 'not_found', message: `No route ${request.method} ${urlPath}.` });
    }
    const candidate = normalize(join(root, urlPath));
    // Never serve anything outside the build directory.
    const inside = candidate === root || candidate.startsWith(root + sep);
    const isFile = inside && existsSync(candidate) && statSync(candidate).isFile();
    const file = isFile ? candidate : indexFile;
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    const immutable = isFile && urlPath.startsWith('/assets/');
    return reply
      .header('Content-Type', type)
      .header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(createReadStream(file));
  });
  return true;
}
