#!/bin/sh
# Install the system programs releasekit's tests and demo drive, when they are missing.
# A fresh machine has only Python; these come from Debian's packages.
# Extra programs (same name as their Debian package) may be named as arguments, e.g.
# `system-deps.sh hugo` for `make bench`.
set -eu
missing=""
for extra in "$@"; do
    command -v "$extra" >/dev/null 2>&1 || missing="$missing $extra"
done
command -v gpg >/dev/null 2>&1 || missing="$missing gnupg"
command -v git >/dev/null 2>&1 || missing="$missing git"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
# php and rpm: PHP's version_compare and rpmvercmp order the OSV records' Packagist and RPM
# versions in the tests (skipped without them)
command -v php >/dev/null 2>&1 || missing="$missing php-cli"
command -v rpm >/dev/null 2>&1 || missing="$missing rpm"
# sshd for the git-over-SSH tests (it brings ssh-keygen and ssh-agent)
{ [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1; } || missing="$missing openssh-server"
[ -z "$missing" ] && exit 0
why="the tests and the demo drive these programs (gpg signs, git pushes, chromium checks the"
why="$why site, sshd serves git over SSH, php and rpm order versions)"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing:$missing ($why); please install them and re-run" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
command="${SUDO:+$SUDO }apt-get update && ${SUDO:+$SUDO }apt-get install -y --no-install-recommends$missing"
echo "system-deps: missing:$missing; $why." >&2
echo "system-deps: installing them now with: $command" >&2
if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "system-deps: sudo is not available; as root, run: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
    echo "system-deps: the installation failed; run it yourself, then re-run make:" >&2
    echo "    $command" >&2
    exit 1
fi
case " $missing " in
*" openssh-server "*)
    # The tests run their own sshd on 127.0.0.1. The system's SSH service, which the package
    # starts where nothing prevents it (not in CI containers), is turned off again: installing
    # test programs must not open a server on the machine.
    if [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null 2>&1; then
        $SUDO invoke-rc.d ssh stop >/dev/null 2>&1 || true
        $SUDO update-rc.d ssh disable >/dev/null 2>&1 || true
    fi
    echo "system-deps: openssh-server installed for the tests; its SSH service is left off" >&2
    ;;
esac
