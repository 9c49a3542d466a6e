# syntax=docker/dockerfile:1
# Waybill platform and worker image: Node 24 runs the TypeScript sources directly (type stripping),
# so there is no compile step; the designer is built in its own stage and only its dist/ ships.
#
#   docker build -t waybill .
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://… waybill            # platform (API, designer, worker)
#   docker run -e DATABASE_URL=postgres://… -e WAYBILL_HEALTH_PORT=9091 waybill worker   # an extra worker
#
# See docs/operations.md.

ARG NODE_IMAGE=node:24-bookworm-slim

# ── base: Node 24 + the pinned pnpm ─────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=12.21.0
RUN npm install --global --no-audit --no-fund --loglevel=error "pnpm@${PNPM_VERSION}" \
 && pnpm --version
WORKDIR /app
# Only the manifests first, so dependency layers are cached until a manifest or the lockfile changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/shared/package.json packages/shared/
COPY packages/connectors-sdk/package.json packages/connectors-sdk/
COPY packages/runtime/package.json packages/runtime/
COPY packages/designer/package.json packages/designer/
COPY templates/package.json templates/
COPY e2e/package.json e2e/

# ── build: full install, then the designer's production bundle ──────────────────────────────────
FROM base AS build
RUN pnpm install --frozen-lockfile
COPY tsconfig.base.json tsconfig.json ./
COPY packages ./packages
RUN pnpm --filter @waybill/designer build

# ── prod-deps: only what the runtime needs at run time (runtime, shared, connectors-sdk) ────────
FROM base AS prod-deps
RUN pnpm install --frozen-lockfile --prod --filter "@waybill/runtime..."

# ── runtime image ────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    WAYBILL_DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app /app
COPY --chown=root:root packages/shared/src packages/shared/src
COPY --chown=root:root packages/connectors-sdk/src packages/connectors-sdk/src
COPY --chown=root:root packages/runtime/src packages/runtime/src
COPY --chown=root:root templates templates
COPY --from=build --chown=root:root /app/packages/designer/dist packages/designer/dist
# The code is owned by root and read-only to the process; only the data directory is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
STOPSIGNAL SIGTERM
# The slim image has no curl: ask Node. The platform answers on PORT; a worker on its health port
# (run it with -e WAYBILL_HEALTH_PORT=9091 and this check works for it too).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WAYBILL_HEALTH_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "packages/runtime/src/cli.ts"]
CMD ["start"]
