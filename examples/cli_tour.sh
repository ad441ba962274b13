#!/usr/bin/env bash
# A tour of the idl-sdp command line: fit, predict, inspect, certify, verify, problems.
#
#   bash examples/cli_tour.sh [WORKDIR]
#
# Writes iris.csv (from scikit-learn) into WORKDIR (default: a new temporary
# directory) and runs every subcommand on it with small settings.
set -euo pipefail

PYTHON=${PYTHON:-python}
IDL_SDP=${IDL_SDP:-idl-sdp}
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
cd "$WORK"
echo "working in $WORK"

"$PYTHON" - <<'PY'
import csv
from sklearn.datasets import load_iris

b = load_iris()
with open("iris.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(list(b.feature_names) + ["species"])
    for x, t in zip(b.data, b.target):
        w.writerow([repr(float(v)) for v in x] + [b.target_names[t]])
PY

echo; echo '$ idl-sdp fit iris.csv --target species ...'
"$IDL_SDP" fit iris.csv --target species --hidden 5 --rounds 5 --reg 0.01 \
    --out model.npz --checkpoint run.npz --cert-out cert.json

echo; echo '$ idl-sdp predict model.npz iris.csv --out preds.csv'
"$IDL_SDP" predict model.npz iris.csv --out preds.csv
head -3 preds.csv

echo; echo '$ idl-sdp inspect model.npz'
"$IDL_SDP" inspect model.npz

echo; echo '$ idl-sdp verify cert.json'
"$IDL_SDP" verify cert.json

echo; echo '$ idl-sdp fit --dataset diabetes ... --json  (regression, machine-readable)'
"$IDL_SDP" fit --dataset diabetes --hidden 3 --rounds 3 --reg 0.01 --out diabetes.npz \
    --json --quiet > diabetes.json
"$PYTHON" -c "import json; d = json.load(open('diabetes.json')); \
print('rounds', d['rounds_run'], 'train RMSE', round(d['final']['train_rmse'], 3))"

echo; echo '$ idl-sdp problems --dataset iris --hidden 10'
"$IDL_SDP" problems --dataset iris --hidden 10

echo; echo '$ idl-sdp fit iris.csv --target nope   (a user error: exit 1, one line)'
set +e
"$IDL_SDP" fit iris.csv --target nope
echo "exit status $?"
