# NOTE: not built or run on the development machine (it has no Docker engine); written to match the
# program's configuration (src/config/options.ts) and checked by reading only. Build: docker build -t whatsapp-mcp .
#
# WhatsApp MCP server over Streamable HTTP: status page, QR/pairing page, JSON API and MCP at /mcp,
# all on port 8080 (the original used 8080 for the bridge's pages and 3000 for MCP; here it is one port).
# Inside the container the server listens on 0.0.0.0, which the program refuses without authentication:
# set MCP_AUTH_TOKEN (32+ random characters) or OAuth (OAUTH_ENABLED, OAUTH_AUDIENCE/GOOGLE_CLIENT_ID,
# OAUTH_ALLOWED_SUBJECTS/OAUTH_ALLOWED_EMAILS). No native modules: the image is plain Node 20.

# ---- build: compile the TypeScript, then bundle it for Node (npm run build) ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY supervisors ./supervisors
COPY wasm ./wasm
RUN npm run build

# ---- runtime: production dependencies and the compiled program only ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MCP_TRANSPORT=http \
    MCP_HOST=0.0.0.0 \
    MCP_PORT=8080 \
    WHATSAPP_MCP_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# The store (messages, WhatsApp session keys, downloads) lives in /data: owner-only, as the program expects.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /health needs no token and skips the Host check, so the probe works from inside the container.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js", "serve"]
