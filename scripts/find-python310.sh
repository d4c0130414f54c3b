#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter for the Rasa engine environment, or explains
# how to provide one and exits 1. Rasa Open Source 3.6 supports Python 3.8-3.10 only.
# Order: $PRACTICE_PYTHON310, python3.10 on PATH, a pyenv 3.10.x install (via pyenv, or its folder).
set -u
is310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
if [ -n "${PRACTICE_PYTHON310:-}" ]; then
  if is310 "$PRACTICE_PYTHON310"; then echo "$PRACTICE_PYTHON310"; exit 0; fi
  echo "PRACTICE_PYTHON310=$PRACTICE_PYTHON310 is not a working Python 3.10 interpreter." >&2
  exit 1
fi
if command -v python3.10 >/dev/null 2>&1 && is310 "$(command -v python3.10)"; then
  command -v python3.10; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    p="$(pyenv root)/versions/$v/bin/python"
    if is310 "$p"; then echo "$p"; exit 0; fi
  done
fi
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if [ -x "$p" ] && is310 "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
No Python 3.10 found. The Rasa engine (rasa 3.6.21) needs Python 3.10.
Install one (for example `pyenv install 3.10.13`, or your distribution's python3.10 package)
and either put python3.10 on PATH or set PRACTICE_PYTHON310=/path/to/python3.10.
MSG
exit 1
