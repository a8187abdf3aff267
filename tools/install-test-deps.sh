#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: OpenSSH sshd (storage-sftp),
# skopeo, podman and a Docker engine (registry black-box tests), chromium (the console's
# browser e2e drives Debian's chromium through playwright-core; no browser is downloaded),
# nginx (static-registry and reverse-proxy e2e, `nginx -t` of docker/nginx.conf), PostgreSQL
# (the metadata specs and the replica e2e run on a throwaway server as well as SQLite), and the
# deployment validators docker-compose (v1, `config -q` schema check) and caddy (`caddy validate`).
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  openssh-server openssh-client skopeo podman docker.io chromium nginx postgresql docker-compose caddy jq curl ca-certificates >/dev/null
echo "test dependencies installed"
