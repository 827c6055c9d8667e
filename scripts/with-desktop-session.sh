#!/usr/bin/env bash
# Runs a command inside a desktop-like session so tests use the real OS services instead of fakes:
#   - a D-Bus session bus (dbus-run-session) with gnome-keyring's Secret Service, unlocked — keytar talks to it;
#   - an X display (Xvfb) with the dunst notification daemon — node-notifier's notify-send posts to it.
# Where a session already has these (a developer's desktop), it runs the command as it is.
# Usage: scripts/with-desktop-session.sh <command> [args…]
set -euo pipefail

if [ "${COUNTERSIGN_DESKTOP_SESSION:-}" = "1" ]; then
  exec "$@"
fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "with-desktop-session: '$1' is missing; run .ci/run or install $2" >&2; exit 1; }; }

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  need dbus-run-session dbus
  need gnome-keyring-daemon gnome-keyring
  exec dbus-run-session -- env COUNTERSIGN_DESKTOP_SESSION=inner "$0" "$@"
fi

if [ "${COUNTERSIGN_DESKTOP_SESSION:-}" = "inner" ]; then
  # A fresh bus: start the keyring with a throw-away password and unlock it, as a login would.
  # gnome-keyring prints environment lines; keytar finds the daemon through the bus, so they can be dropped.
  # The keyring files live in a directory of this session's own: sessions running side by side on one machine would
  # otherwise share ~/.local/share/keyrings/login.keyring, and each daemon reloads that file when another rewrites
  # it, so entries stored by one test run vanish under another.
  keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/countersign-keyring.XXXXXX")"
  trap 'rm -rf "$keyring_home"' EXIT
  echo -n "countersign-test" | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
    display=":$(( 90 + RANDOM % 500 ))"
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    export DISPLAY="$display"
    trap 'kill $xvfb_pid $dunst_pid 2>/dev/null || true; rm -rf "$keyring_home"' EXIT
    for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
  fi
  dunst_pid=""
  if command -v dunst >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then
    dunst >/dev/null 2>&1 &
    dunst_pid=$!
  fi
  export COUNTERSIGN_DESKTOP_SESSION=1
  "$@"
  exit $?
fi

exec "$@"
