# Mandate broker image. Build: docker build -t mandate .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY bin ./bin
COPY config ./config
USER node
EXPOSE 8080
# Cedar's wasm needs --no-turbo-inline-js-wasm-calls on Node 20; bin/mandate.js sets it.
ENTRYPOINT ["node", "bin/mandate.js"]
CMD ["serve", "--config", "/etc/mandate/mandate.yaml"]
