# kubeproof container image: Node 24 on Debian, Debian's Chromium for PDF output, non-root.
# Build: docker build -t kubeproof:0.1.0 .   (test/deploy/dockerfile.test.ts checks this file statically)
FROM node:24-bookworm-slim

# Chromium and fonts from Debian (puppeteer-core downloads no browser); CJK fonts so names render.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu fonts-noto-cjk ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY mappings ./mappings
COPY templates ./templates
COPY schemas ./schemas
COPY deploy/base/jobs ./deploy/base/jobs
COPY scripts/node-env.sh ./scripts/node-env.sh

# A fixed, unprivileged user (matches runAsUser in deploy/); nothing in /app is writable by it.
RUN groupadd --system --gid 10001 kubeproof \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/kubeproof --create-home kubeproof \
 && chmod 0755 /app/bin/kubeproof

ENV NODE_ENV=production \
    KUBEPROOF_CHROMIUM=/usr/bin/chromium \
    HOME=/home/kubeproof

USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/kubeproof"]
CMD ["--help"]
