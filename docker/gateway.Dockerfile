# syntax=docker/dockerfile:1
# The consult service (apps/gateway): REST under /api and socket.io at /socket.io/.
# Build from the repository root: docker build -f docker/gateway.Dockerfile -t sharedcare/gateway .
# The same image runs the migration job: node dist/apps/gateway/src/cli/migrate.js

ARG NODE_IMAGE=node:20-bookworm-slim

# swc compiles this service and the libraries it imports; dev dependencies stay in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc ./
COPY apps/gateway/src apps/gateway/src
COPY libs libs
RUN npx swc apps/gateway/src libs -d dist --config-file .swcrc --ignore '**/*.spec.ts' --quiet

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY --chmod=555 docker/entrypoint.sh /usr/local/bin/sharedcare-entrypoint
ENV GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=3000
EXPOSE 3000
# The image's own user (uid 1000), which owns nothing under /app.
USER node
# Liveness only: readiness (the database, Redis) is the orchestrator's check, /health/ready.
# Slim images have no curl; node's fetch does the same.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEWAY_PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/sharedcare-entrypoint"]
CMD ["node", "dist/apps/gateway/src/main.js"]
