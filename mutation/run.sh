#!/usr/bin/env bash
# Mutation testing of the modules that decide marks and the numbers users read.
#   bash mutation/run.sh                 every module of mutation/modules.txt, in its order
#   bash mutation/run.sh checking grade  only those modules
#   bash mutation/run.sh --report        the scores of the sessions already run
#   bash mutation/run.sh --retest-survivors checking   after adding tests: rerun the survivors
#   bash mutation/run.sh --fresh grade   start a module's session again
# Installs cosmic-ray into .venv when missing; each module runs in its own copy of the tree
# (never the working tree), niced, and prints its score. See mutation/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
if ! "$PY" -c "import cosmic_ray" 2>/dev/null; then
    "$PY" -m pip install --quiet "cosmic-ray>=8.7,<9"
fi
exec nice -n 10 "$PY" mutation/run.py "$@"
