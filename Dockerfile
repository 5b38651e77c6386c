# Mandate broker image. Build: docker build -t mandate .
# Node 22 LTS builds and runs it. The final stage holds compiled JavaScript and production
# dependencies only (no TypeScript, no compilers) and runs as uid:gid 1000:1000, numeric so the
# kubelet can prove `runAsNonRoot: true`; nothing in it writes to the image's filesystem.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# The workspace manifests come first so the dependency layer is cached across source changes.
COPY package.json package-lock.json ./
COPY packages/verifier/package.json ./packages/verifier/
# No lifecycle scripts yet: `prepare` would build before the sources are copied in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/verifier/tsconfig.json packages/verifier/tsconfig.build.json ./packages/verifier/
COPY packages/verifier/src ./packages/verifier/src
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/verifier/package.json ./packages/verifier/
# The production tree only; no dependency of the broker needs an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# node_modules/@mandate/verifier is a workspace link to packages/verifier, copied beside it.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/verifier/dist ./packages/verifier/dist
COPY packages/verifier/package.json ./packages/verifier/
COPY package.json openapi.yaml ./
COPY bin ./bin
COPY config ./config
USER 1000:1000
EXPOSE 8080
# Liveness only (/healthz): readiness (/readyz) is the orchestrator's call, it depends on Redis.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Cedar's wasm needs --no-turbo-inline-js-wasm-calls on Node 20; bin/mandate.js sets it on every
# Node version, where it is harmless.
# `serve` runs one worker per core with the Redis store; MANDATE_WORKERS (or --workers) sets
# the number, e.g. to a container's CPU limit (docs/operations.md, "Workers").
ENTRYPOINT ["node", "bin/mandate.js"]
CMD ["serve", "--config", "/etc/mandate/mandate.yaml"]
