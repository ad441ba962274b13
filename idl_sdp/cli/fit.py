"""``idl-sdp fit``: train an implicit model with the scikit-learn estimators and save it.

The training is :class:`~idl_sdp.estimators.ImplicitClassifier` /
:class:`~idl_sdp.estimators.ImplicitRegressor` (their preprocessing, their small-data
rule for ``reg="auto"``); the command adds what a command line needs around it: CSV
input, the progress table, checkpoints, the sidecar, the raw-input model
(:func:`~idl_sdp.preprocessing.fold_standardization`), certificates and plots.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, ClassVar, Dict, List

import numpy as np

from ..estimators import (AUTO_REG_MIN_SAMPLES, SMALL_DATA_REG, ImplicitClassifier,
                          ImplicitRegressor)
from ..preprocessing import fold_standardization
from ._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    _check_dir_of,
    _check_lam_hidden,
    _dump_json,
    _model_args,
    _nonneg_float,
    _nonneg_int,
    _positive_int,
    _reg_arg,
    _solver_arg,
)
from ._data import _data_args, _decide_task, _load_training_data, _prepare_targets
from ._progress import _fmt, _make_progress, _NoProgress
from ._sidecar import SIDECAR_FORMAT, SIDECAR_VERSION, _save_model, sidecar_path


class _Driven:
    """An estimator whose :func:`idl_sdp.fit` call also gets the command's options
    (the progress callback, ``checkpoint``, ``resume``); everything else is the
    estimator's own."""

    _cli_options: ClassVar[Dict[str, Any]] = {}  # set per instance by run()

    def _fit_options(self) -> Dict[str, Any]:
        return {**super()._fit_options(), **self._cli_options}  # type: ignore[misc]


class _Classifier(_Driven, ImplicitClassifier):
    pass


class _Regressor(_Driven, ImplicitRegressor):
    pass


def add_arguments(p: argparse.ArgumentParser) -> None:
    _data_args(p)
    _model_args(p)
    p.add_argument("--rounds", type=_positive_int, default=20,
                   help="maximum alternating rounds (20)")
    p.add_argument("--tol", type=_nonneg_float, default=1e-6,
                   help="stop when the objective decreases by less than this, relative (1e-6)")
    p.add_argument("--reg", type=_reg_arg, default="auto",
                   help="ridge strength, a number or 'auto' (any case; default: chosen on a "
                   f"75/25 validation split; with fewer than {AUTO_REG_MIN_SAMPLES} samples "
                   f"{SMALL_DATA_REG:g}, as the estimators do)")
    p.add_argument("--solver", type=_solver_arg, default="CLARABEL",
                   help="CLARABEL (default), SCS or fast")
    p.add_argument("--seed", type=_nonneg_int, default=0, help="seed (0)")
    p.add_argument("--out", metavar="MODEL.npz", default=None,
                   help="save the model here (raw-input model) and its sidecar MODEL.npz.json")
    p.add_argument("--checkpoint", metavar="CKPT.npz", default=None,
                   help="write a resumable checkpoint after every round")
    p.add_argument("--resume", metavar="CKPT.npz", default=None,
                   help="continue the run saved in this checkpoint (same data and settings)")
    p.add_argument("--certify", action="store_true",
                   help="certify M ⪰ 0, ‖D‖₂ ≤ 1 − eps and ‖D‖₂ < 1 of the saved model "
                   "in exact arithmetic (exit 2 unless all are certified)")
    p.add_argument("--cert-out", metavar="CERT.json", default=None,
                   help="write the certificate bundle here (implies --certify)")
    p.add_argument("--plot", metavar="DIR", default=None,
                   help="write diagnostic PNGs into DIR (needs matplotlib)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (progress goes to stderr)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def check_arguments(args: argparse.Namespace) -> None:
    """Every check that needs no data, before the data are read."""
    if args.cert_out:
        args.certify = True
    _check_lam_hidden(args.lam, args.hidden)
    for path, flag in ((args.out, "--out"), (args.cert_out, "--cert-out"),
                       (args.checkpoint, "--checkpoint")):
        _check_dir_of(path, flag)
    if args.resume is not None and not os.path.isfile(args.resume):
        raise FileNotFoundError(2, "no such file", args.resume)
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError("--plot needs matplotlib: pip install 'idl_sdp[plot]'") from None
        if os.path.exists(args.plot) and not os.path.isdir(args.plot):
            raise ValueError(f"--plot: {args.plot} exists and is not a directory")


def _scores(model, X: np.ndarray) -> np.ndarray:
    """Equilibrium outputs of a raw-input model for rows ``X``: shape (m, p)."""
    return model.predict(X.T).T


def _train_metric(task: str, model, X: np.ndarray, codes_or_values: np.ndarray):
    out = _scores(model, X)
    if task == "classify":
        return "train_accuracy", float(np.mean(np.argmax(out, axis=1) == codes_or_values))
    return "train_rmse", float(np.sqrt(np.mean((out[:, 0] - codes_or_values) ** 2)))


def run(args: argparse.Namespace) -> int:
    from .._solvers import SolverError

    check_arguments(args)
    data = _load_training_data(args)
    task = _decide_task(data.y, args.task, data.kind, data.target)
    y_fit, target_info, truth = _prepare_targets(data.y, task, data.target)
    m, n = data.X.shape
    p = len(target_info["classes"]) if task == "classify" else 1
    cls = _Classifier if task == "classify" else _Regressor
    est = cls(hidden=args.hidden, lam=args.lam, rounds=args.rounds, tol=args.tol,
              lmi=args.lmi, eps=args.eps, reg=args.reg, solver=args.solver,
              random_state=args.seed)
    # The estimators' small-data rule decides what reg="auto" means for m samples.
    small_data = (args.reg == "auto" and args.resume is None
                  and est._effective_reg(m) != "auto")

    info = sys.stderr if args.json else sys.stdout
    quiet = args.quiet

    def say(text: str, stream=None) -> None:
        if not quiet:
            print(text, file=stream or info, flush=True)

    what = (f"{len(target_info['classes'])} classes" if task == "classify"
            else "regression")
    say(f"fit: {data.source}: {m} samples, {n} inputs, target {data.target!r} ({what}); "
        f"hidden={args.hidden} lam={args.lam} lmi={args.lmi} eps={args.eps} "
        f"reg={args.reg} solver={args.solver}")
    if small_data:
        say(f"reg=auto: {m} samples are fewer than the {AUTO_REG_MIN_SAMPLES} its validation "
            f"split needs; using reg={est._effective_reg(m):g} (the estimators' small-data "
            "rule)")
    elif args.reg == "auto" and args.resume is None:
        from ..driver import REG_GRID

        say(f"choosing reg on a 75/25 validation split (one short fit per candidate, "
            f"{len(REG_GRID)} candidates: {', '.join(f'{r:g}' for r in REG_GRID)}) ...")
    progress = _NoProgress() if quiet else _make_progress(info, args.rounds)

    def callback(record, model):
        progress.update(record)
        return False

    times: Dict[str, Any] = {"selection": None}

    def on_candidate(record):
        # fit's reg_callback: one line per candidate as it ends, then the end of the
        # selection (training starts right after it)
        say(f"  reg candidate {record['candidate']}/{record['of']}: reg={record['reg']:g}: "
            f"validation MSE {_fmt(record['val_mse'], '.4e')}, {record['seconds']:.2f} s",
            sys.stderr)
        if record["candidate"] == record["of"]:
            times["selection"] = time.perf_counter() - times["start"]
            say(f"reg=auto: {record['of']} candidate fits in {times['selection']:.2f} s; "
                "training ...", sys.stderr)

    est._cli_options = {"callback": callback, "checkpoint": args.checkpoint,
                        "resume": args.resume, "reg_callback": on_candidate}

    def fold(model):
        y_mean = getattr(est, "y_mean_", None)
        y_scale = getattr(est, "y_scale_", None)
        return fold_standardization(model, est.scaler_.mean_, est.scaler_.scale_,
                                    y_mean, y_scale)

    def regression_info() -> Dict[str, Any]:
        if task == "classify":
            return {}
        return {"target_mean": float(est.y_mean_[0]), "target_scale": float(est.y_scale_[0])}

    def sidecar(result, complete: bool, message: str) -> Dict[str, Any]:
        lam_factor = 1.0 if task == "classify" else float(est.y_scale_[0]) ** 2
        lam = np.asarray(result.lam, dtype=float)
        lam_out = float(lam[0]) if np.all(lam == lam[0]) else lam.tolist()
        model_lam = (float(lam[0]) * lam_factor if np.all(lam == lam[0])
                     else (lam * lam_factor).tolist())
        return {
            "format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "task": task,
            "features": data.features, "target": data.target, **target_info,
            **regression_info(),
            "input_mean": est.scaler_.mean_, "input_scale": est.scaler_.scale_,
            "lam": lam_out, "model_lam": model_lam, "eps": args.eps, "hidden": args.hidden,
            "lmi": args.lmi, "reg": result.reg, "solver": args.solver, "seed": args.seed,
            "rounds_run": sum("J" in r for r in result.history), "complete": complete,
            "message": message, "source": data.source,
        }

    settings = {"hidden": args.hidden, "lam": args.lam, "rounds": args.rounds, "tol": args.tol,
                "lmi": args.lmi, "eps": args.eps, "reg": args.reg, "solver": args.solver,
                "seed": args.seed}
    data_info = {"source": data.source, "samples": m, "inputs": n, "outputs": p,
                 "task": task, "target": data.target, "features": data.features,
                 **({"classes": target_info["classes"]} if task == "classify" else {})}
    try:
        times["start"] = time.perf_counter()
        est.fit(data.X, y_fit)
    except SolverError as err:
        progress.close()
        partial = err.result
        done = sum("J" in r for r in partial.history) if partial is not None else 0
        where = (f"round {len(partial.history)}" if partial is not None
                 else "the reg selection")
        line = (f"idl-sdp fit: solver failure in {where} ({err.step}: status "
                f"{err.status!r})")
        saved = None
        if args.out and partial is not None and done > 0:
            _save_model(args.out, fold(partial.model),
                        sidecar(partial, False, f"stopped: solver failure in {where}"))
            saved = args.out
            line += f"; the last good model (round {done}) was saved to {args.out}"
        elif args.out:
            line += "; no round completed, nothing saved"
        if args.json:
            _dump_json({"command": "fit", "status": "solver_failed", "error": str(err),
                        "failed_round": len(partial.history) if partial else None,
                        "solver_status": err.status, "step": err.step, "model": saved,
                        "data": data_info, "settings": settings,
                        "history": partial.history if partial else []})
        print(line, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        progress.close()
        if args.checkpoint and (progress.count > 0 or args.resume):
            print(f"idl-sdp fit: interrupted; the last completed round is saved in "
                  f"{args.checkpoint}: resume with the same command plus --resume "
                  f"{args.checkpoint}", file=sys.stderr)
        else:
            print("idl-sdp fit: interrupted; nothing saved (give --checkpoint CKPT.npz to "
                  "make a run resumable)", file=sys.stderr)
        return EXIT_INTERRUPTED
    progress.close()
    result = est.fit_result_
    selection = times["selection"]
    training = (time.perf_counter() - times["start"] - selection if selection is not None
                else result.seconds)

    model = fold(result.model)
    metric, value = _train_metric(task, model, data.X, truth)
    last = next((r for r in reversed(result.history) if "J" in r), {})
    final = {k: last.get(k) for k in ("J", "objective", "loss", "mean_divergence",
                                       "norm2_D", "lambda_min_M")}
    final[metric] = value
    side = sidecar(result, True, result.message)
    if args.out:
        _save_model(args.out, model, side)

    cert = None
    status = EXIT_OK
    if args.certify:
        from ..certify import certify

        cert = certify(model, lam=side["model_lam"], eps=args.eps,
                       which=("M", "norm", "wellposed"))
        if args.cert_out:
            cert.to_json(args.cert_out)
        if cert.status != "certified":
            status = EXIT_FAILED
    plots: List[str] = []
    if args.plot is not None:
        from ..plots import save_all

        U = est.scaler_.transform(data.X).T
        plots = [str(p_) for p_ in save_all(result, U, args.plot)]

    if args.json:
        _dump_json({
            "command": "fit", "status": "ok" if status == EXIT_OK else "certificate_failed",
            "data": data_info, "settings": settings, "reg": result.reg,
            "reg_path": result.reg_path, "rounds_run": est.n_iter_,
            "converged": result.converged, "message": result.message,
            "seconds": result.seconds, "selection_seconds": selection,
            "training_seconds": training, "initial_objective": result.initial_objective,
            "final": final, "history": result.history,
            "model": args.out, "sidecar": sidecar_path(args.out) if args.out else None,
            "certificate": None if cert is None else {
                "status": cert.status, "path": args.cert_out,
                "conditions": {k: {"status": c.status, "condition": c.condition,
                                   "margin": c.margin, "method": c.method}
                               for k, c in cert.items()}},
            "plots": plots,
        })
        return status
    out = sys.stdout
    score = (f"train accuracy {value:.4f}" if task == "classify"
             else f"train RMSE {value:.6g}")
    if result.reg_path:
        reg_text = f"reg={result.reg:g} (chosen by validation MSE)"
    elif small_data:
        reg_text = f"reg={result.reg:g} (small-data rule)"
    else:
        reg_text = f"reg={result.reg:g}"
    timing = f"{est.n_iter_} rounds in {training:.2f} s ({result.message})"
    if selection is not None:
        timing += f", after {selection:.2f} s of reg selection"
    print(f"done: {timing}; "
          f"J={_fmt(final['J'])}, ‖D‖₂={_fmt(final['norm2_D'], '.4g')}, "
          f"λ_min(M)={_fmt(final['lambda_min_M'], '.4g')}, {reg_text}; {score}",
          file=out)
    if args.out:
        maps_to = "class scores" if task == "classify" else f"{data.target!r}"
        print(f"saved {args.out} (raw inputs → {maps_to}) and {sidecar_path(args.out)}",
              file=out)
    else:
        print("model not saved (give --out MODEL.npz)", file=out)
    if cert is not None:
        print(cert, file=out)
        if args.cert_out:
            print(f"certificate written to {args.cert_out}", file=out)
    for path in plots:
        print(f"plot: {path}", file=out)
    return status
