#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: OpenSSH sshd (storage-sftp),
# skopeo, podman and a Docker engine (registry black-box tests), and chromium (the console's
# browser e2e drives Debian's chromium through playwright-core; no browser is downloaded).
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  openssh-server openssh-client skopeo podman docker.io chromium jq curl ca-certificates >/dev/null
echo "test dependencies installed"
