"""``idl-sdp predict``: equilibrium predictions of a saved model on raw inputs.

The CSV needs a header row. With the model's sidecar (``MODEL.npz.json``) it must hold
the columns named in the sidecar's ``features`` (in any order; other columns are
ignored, and a column named like the training target gives an accuracy or RMSE line);
without a sidecar every column is an input, in the model's order.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys

import numpy as np

from ._common import EXIT_OK, _check_dir_of, _write_text_atomic
from ._data import _csv_columns, _data_args, _label_key, _load_dataset, _parse_float, read_csv
from ._sidecar import load_sidecar
from .fit import _scores


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL.npz",
                   help="a model saved by fit (or by ImplicitModel.save)")
    _data_args(p, target=False)
    p.add_argument("--out", metavar="PREDS.csv", default=None,
                   help="write the predictions here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from ..model import ImplicitModel

    if args.data is not None and args.dataset is not None:
        raise ValueError("give either DATA.csv or --dataset, not both")
    if args.data is None and args.dataset is None:
        raise ValueError("no data: give DATA.csv or --dataset NAME")
    _check_dir_of(args.out, "--out")
    model = ImplicitModel.load(args.model)
    side = load_sidecar(args.model)
    if side is not None and side.get("complete") is False:
        print(f"warning: {args.model} is the last good model of an incomplete fit "
              f"({side.get('message')})", file=sys.stderr)

    truth = None
    if args.dataset is not None:
        data = _load_dataset(args.dataset)
        columns = data.features
        if side is not None:
            missing = [f for f in side["features"] if f not in columns]
            if missing:
                raise ValueError(f"dataset {args.dataset} lacks the model's feature columns "
                                 f"{missing}")
            idx = [columns.index(f) for f in side["features"]]
            X = data.X[:, idx]
            truth = data.y
        else:
            X = data.X
    else:
        header, rows, lines = read_csv(args.data, args.delimiter)
        if side is not None:
            missing = [f for f in side["features"] if f not in header]
            if missing:
                raise ValueError(f"{args.data}: no column(s) {missing}, which the model was "
                                 f"trained on (columns: {', '.join(header)})")
            X = _csv_columns(args.data, header, rows, lines, side["features"])
            target = side.get("target")
            if target in header:
                k = header.index(target)
                truth = [row[k] for row in rows]
        else:
            X = _csv_columns(args.data, header, rows, lines, header)
    if X.shape[1] != model.n_inputs:
        raise ValueError(f"the model has {model.n_inputs} inputs, the data {X.shape[1]} "
                         "feature columns (without a sidecar every column is an input)")

    out = _scores(model, X)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    summary = None
    if side is not None and side["task"] == "classify":
        classes = side["classes"]
        if len(classes) != model.n_outputs:
            raise ValueError(f"sidecar has {len(classes)} classes, the model "
                             f"{model.n_outputs} outputs")
        pred = [classes[k] for k in np.argmax(out, axis=1)]
        writer.writerow(["prediction"] + [f"score_{c}" for c in classes])
        for label, row in zip(pred, out):
            writer.writerow([label] + [repr(float(v)) for v in row])
        if truth is not None:
            acc = float(np.mean([_label_key(a) == _label_key(b) for a, b in zip(pred, truth)]))
            summary = f"accuracy {acc:.4f} on {len(pred)} samples (target {side['target']!r})"
    elif side is not None:
        writer.writerow(["prediction"])
        for v in out[:, 0]:
            writer.writerow([repr(float(v))])
        if truth is not None:
            values = [_parse_float(str(v)) for v in truth]
            if all(v is not None for v in values):
                rmse = float(np.sqrt(np.mean((out[:, 0] - np.asarray(values)) ** 2)))
                summary = f"RMSE {rmse:.6g} on {len(values)} samples (target {side['target']!r})"
    else:
        writer.writerow([f"y{k}" for k in range(model.n_outputs)])
        for row in out:
            writer.writerow([repr(float(v)) for v in row])

    if args.out:
        _write_text_atomic(args.out, buf.getvalue())
        print(f"wrote {out.shape[0]} predictions to {args.out}")
        if summary:
            print(summary)
    else:
        sys.stdout.write(buf.getvalue())
        if summary:
            print(summary, file=sys.stderr)
    return EXIT_OK
