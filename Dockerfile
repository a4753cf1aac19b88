# The TraceHub image: the backend (API on 3001, dashboard on 3000) and the producer simulator.
# docker-compose.yml builds it; README "Quick start".
#
# Build stage: Debian 12 with the toolchain and libraries scripts/deps.sh lists (group `build`),
# and only the two binaries and the dashboard bundle (scripts/build.sh release --apps). ccache
# keeps its objects in a BuildKit cache mount; scripts/compose-smoke.sh instead passes the host's
# cache (CCACHE_DIR; build.sh hashes paths relative to the checkout, /src here, and sets one
# locale, so the objects of a release build on the host are hits).
FROM docker.io/library/debian:bookworm AS build
WORKDIR /src
COPY scripts/deps.sh scripts/lib.sh scripts/
# Extra CA certificates for npm and for deps.sh's download of npm itself (a TLS-inspecting
# proxy); unset, the system's CAs only.
ARG NODE_EXTRA_CA_CERTS=
# Debian's nodejs, and npm from the npm registry at the version deps.sh pins.
RUN scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
COPY apps/dashboard/package.json apps/dashboard/package-lock.json apps/dashboard/
RUN npm ci --prefix apps/dashboard --no-audit --no-fund --loglevel=error
COPY . .
# The build stage's result is an untagged image of about 2 GB; the label lets
# scripts/compose-smoke.sh prune it (and only it) afterwards.
LABEL tracehub.stage=build
ARG CCACHE_DIR=/ccache
ENV CCACHE_DIR=$CCACHE_DIR
RUN --mount=type=cache,target=/ccache \
    scripts/build.sh release --apps && \
    mkdir -p /out/bin && \
    strip --strip-debug -o /out/bin/tracehub-backend build/release/apps/backend/tracehub-backend && \
    strip --strip-debug -o /out/bin/tracehub-producer-sim \
      build/release/apps/producer-simulator/tracehub-producer-sim

# Runtime stage: the shared libraries the binaries link, the binaries, the migrations (also
# compiled into the backend, which applies them at start-up) and the dashboard bundle; a
# non-root user.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update -q && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libboost-json1.81.0 libboost-container1.81.0 libhiredis0.14 libpq5 libspdlog1.10 libfmt9 \
      libsimdjson14 && \
    rm -rf /var/lib/apt/lists/* && \
    useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin tracehub
COPY --from=build /out/bin/ /usr/local/bin/
COPY apps/backend/migrations/ /usr/share/tracehub/migrations/
COPY --from=build /src/apps/dashboard/dist/ /usr/share/tracehub/dashboard/
ENV TRACEHUB_DASHBOARD_DIR=/usr/share/tracehub/dashboard
LABEL tracehub.stage=runtime
USER tracehub
EXPOSE 3001 3000
CMD ["tracehub-backend"]
