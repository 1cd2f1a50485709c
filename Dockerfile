# The kelos runtime image: the `kelos` CLI, which runs `controller`,
# `spawner` and `capture`, and serves as the skills-install init container of
# agent pods (node and git).
#
#   docker build -t ghcr.io/kelos-ts/kelos:v0.1.0 .
#
# The tag must match DEFAULT_KELOS_IMAGE in lib/render/images.ts
# (ghcr.io/kelos-ts/kelos:v<package.json version>), which the compiler renders.
# Runs as a non-root user and needs no writable root filesystem.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY cli ./cli
COPY lib ./lib
COPY constructs ./constructs
RUN npm run build

FROM node:20-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="kelos" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.description="kelos controller, spawner and agent capture"
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/build ./build
# A fixed non-root id (lib/render/security.ts KELOS_RUNTIME_UID); the files stay root-owned and read-only.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/kelos.mjs"]
CMD ["--help"]
