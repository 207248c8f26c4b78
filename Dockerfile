# The codecloud GitHub App. Build: docker build -t codecloud-app .
# Run:   docker run -p 3000:3000 -e APP_ID=… -e PRIVATE_KEY=… -e WEBHOOK_SECRET=… -e CODECLOUD_API_KEY=… \
#          -v codecloud-data:/data codecloud-app
# Node.js 22.13 or later: the embedded store (DATA_DIR, DATABASE_URL unset) uses the built-in node:sqlite.

# Build stage: every dependency (TypeScript among them) compiles app/ and src/ to JavaScript in build/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-app.mjs ./scripts/
COPY app ./app
COPY src ./src
RUN npm run build:app && npm prune --omit=dev \
  && NODE_COMPILE_CACHE=build/.compile-cache node --input-type=module -e "await import('./build/app/index.js')"

# Runtime stage: production dependencies and the compiled JavaScript only.
FROM node:24-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    NODE_COMPILE_CACHE=/app/build/.compile-cache

WORKDIR /app

# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY app.yml ./
# With Node's compile cache (filled in the build stage) the app answers /healthz sooner after a start.
COPY --from=build --chown=node:node /app/build ./build

RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 3000

# node:*-slim has no curl: ask the app with Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node itself is PID 1's command (not npm): SIGTERM reaches the app, which stops its work and frees DATA_DIR before
# it exits, so a restart never finds the store still held.
CMD ["node", "build/app/main.js"]
