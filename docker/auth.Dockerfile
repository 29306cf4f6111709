# syntax=docker/dockerfile:1
# The auth service (apps/auth): accounts, login, tokens, JWKS.
# Build from the repository root: docker build -f docker/auth.Dockerfile -t sharedcare/auth .
# The same image runs the migration job: node dist/apps/auth/src/cli/migrate.js

ARG NODE_IMAGE=node:20-bookworm-slim

# swc compiles this service and the libraries it imports; dev dependencies stay in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc ./
COPY apps/auth/src apps/auth/src
COPY libs libs
RUN npx swc apps/auth/src libs -d dist --config-file .swcrc --ignore '**/*.spec.ts' --quiet

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY --chmod=555 docker/entrypoint.sh /usr/local/bin/sharedcare-entrypoint
ENV AUTH_HOST=0.0.0.0 AUTH_PORT=3001
EXPOSE 3001
# The image's own user (uid 1000), which owns nothing under /app.
USER node
# Liveness only: readiness (the database, Redis) is the orchestrator's check, /health/ready.
# Slim images have no curl; node's fetch does the same.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AUTH_PORT || 3001) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/sharedcare-entrypoint"]
CMD ["node", "dist/apps/auth/src/main.js"]
