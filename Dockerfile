# The codecloud GitHub App. Build: docker build -t codecloud-app .
# Run:   docker run -p 3000:3000 -e APP_ID=… -e PRIVATE_KEY=… -e WEBHOOK_SECRET=… -e CODECLOUD_API_KEY=… \
#          -v codecloud-data:/data codecloud-app
# Node.js 22.13 or later: the embedded store (DATA_DIR, DATABASE_URL unset) uses the built-in node:sqlite.
FROM node:24-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. tsx (a runtime dependency) runs the TypeScript.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY tsconfig.json app.yml ./
COPY app ./app
COPY src ./src

RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 3000

# node:*-slim has no curl: ask the app with Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "--import", "tsx", "app/main.ts"]
