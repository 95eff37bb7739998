# syntax=docker/dockerfile:1
# The platform as a container: built in one stage (sqlite3 compiles from source there), run in a
# slim Node 20 image as the unprivileged `node` user. docs/deploying.md explains the settings.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# sqlite3's native module is compiled from source
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
COPY clients/typescript/src ./clients/typescript/src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    DATABASE_URL=sqlite:/data/platform.sqlite \
    DEMO_CLIENT_PORT=0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# projectRoot() finds the app by package.json beside tsconfig.build.json; pages, assets and examples are read at run time
COPY package.json tsconfig.build.json ./
COPY views ./views
COPY public ./public
COPY examples ./examples
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
