# Sourced by bench/run.sh and bench/scaling.sh: with PEERS=1, the Python
# peers' venv ($VENV, default $HOME/.cache/merit-bench-venv), made anew from
# bench/requirements.txt when missing or outdated; sets PY to its python.
if [ "$PEERS" = 1 ]; then
  VENV="${VENV:-$HOME/.cache/merit-bench-venv}"
  if ! cmp -s bench/requirements.txt "$VENV/requirements.txt"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r bench/requirements.txt
    cp bench/requirements.txt "$VENV/requirements.txt"
  fi
  PY="$VENV/bin/python"
fi
