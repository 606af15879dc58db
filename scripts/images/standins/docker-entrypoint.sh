#!/bin/sh
# Behaves like the node images' entrypoint: with no command, or when the first argument is an
# option (-e ...) or is not a command on PATH (a script file), run it with node; otherwise run
# the command as given.
set -e
if [ "$#" -eq 0 ]; then
  set -- node
elif [ "${1#-}" != "$1" ] || ! command -v -- "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
