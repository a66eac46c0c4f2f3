# laminar-redis: the coordinator, workers and the CLI in one image (docs/deploy.md).
#
#   docker build -t laminar-redis .
#   docker run --init -e LAMINAR_API_TOKEN=... -p 8000:8000 -p 9190:9190 laminar-redis
#
# The build stage compiles TypeScript with the dev dependencies; the runtime stage holds only the
# production dependencies, the compiled code and what the package ships beside it, and runs as
# the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY bench bench
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist/src dist/src
COPY proto proto
COPY docs docs
COPY examples examples
COPY README.md CHANGELOG.md LICENSE ./
COPY bench/results/throughput.svg bench/results/throughput.svg
# The default data directory; owned by the user the servers run as.
RUN mkdir /data && chown node:node /data
USER node
# 8000: HTTP/JSON API and probes; 9190: gRPC (Control and Coordination).
EXPOSE 8000 9190
ENTRYPOINT ["node", "dist/src/cli.js"]
# All in one: a coordinator with one embedded worker. Binding beyond loopback needs a token
# (LAMINAR_API_TOKEN); without one the servers refuse to start (ERR_INSECURE_BIND).
CMD ["start", "--grpc-host", "0.0.0.0", "--http-host", "0.0.0.0", "--data-dir", "/data"]
