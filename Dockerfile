# syntax=docker/dockerfile:1
# Baton: one image for every command; the command is the argument (processor by default):
#   docker run baton processor | docker run -p 5002:5002 -e BATON_DASHBOARD_HOST=0.0.0.0 baton dashboard
# Configuration comes only from BATON_* variables (see README "Configuration").

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BATON_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard serves its browser modules from source: they are plain JavaScript with no build step.
COPY --from=build /app/src/dashboard/client ./src/dashboard/client
USER node
# Node as PID 1 gets SIGTERM from `docker stop` directly: processors drain, then exit (see stop_grace_period).
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["processor"]
