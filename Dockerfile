# syntax=docker/dockerfile:1
# Not built in CI (no Docker engine runs on the CI machines); every command
# here is one CI already runs: npm ci, npm run build, npm prune.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# sqlite3 and bcrypt compile from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY server ./server
COPY cli ./cli
COPY generated ./generated
COPY bin ./bin
COPY client ./client
COPY account ./account
COPY scripts ./scripts
# `prepare` builds dist/ during npm ci; prune then drops the dev tools.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json openapi.yaml ./
# The docs pages (HTML, Swagger UI config) are read from here at start.
COPY --chown=node:node server/http/docs ./server/http/docs
# The account page's HTML and CSS (its script is bundled into dist/account).
COPY --chown=node:node account/index.html account/account.css ./account/
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:8000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1 (no npm, no shell): SIGTERM reaches the server, which
# stops accepting, finishes in-flight requests, closes the database, exits 0.
CMD ["node", "dist/server/main.js"]
