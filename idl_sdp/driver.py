"""``fit``: train an implicit model by alternating the two convex halves of eq 7.

Round k: X_{k+1} = argmin_X J(Θ_k, X) (the QP of :class:`HiddenStep`), then
Θ_{k+1} = argmin_Θ J(Θ, X_{k+1}) + reg·R(Θ) (the SDP of :class:`ParameterStep`).
Both problems are built once and re-solved with new parameter values. With the
linearized LMI, Θ_k is feasible for the next Θ-step, so the objective J + reg·R is
non-increasing across rounds up to solver tolerance.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ._repr import Raw, deprecated_alias, result_repr
from ._solvers import SOLVERS, SolverError, check_solver, other_solver
from ._validation import (
    MAX_HIDDEN, as_path, check_client, check_options, check_reg_grid,
    as_matrix, check_bool, check_choice, check_feature_scale, check_nonneg_float,
    check_open_unit, check_positive_int, check_same_columns, check_squares_finite,
    check_training_data,
)
from .alternate import alternate
from .hidden_step import HiddenStep, NotConvexError
from .lmi import LMI_CHOICES, convexity_matrix, default_margin
from .model import ImplicitModel
from .checkpoint import data_digest, load_checkpoint, save_checkpoint
from .multipliers import dual_update
from .objective import loss_and_divergence, ridge_penalty
from .parameter_step import ParameterStep

__all__ = ["fit", "FitResult", "initial_model", "REG_GRID"]

#: Ridge strengths tried by ``reg="auto"`` (on an internal validation split).
REG_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : ImplicitModel
        The trained model: ‖D‖₂ ≤ 1 − eps and M ⪰ 0 hold in exact arithmetic, as
        :func:`idl_sdp.certify` checks them (see ``_check_feasible``).
    X : ndarray, shape (h, m)
        The relaxed hidden states of the last X-step (not the equilibrium).
    lam : ndarray, shape (h,)
        Final multipliers.
    reg : float
        The ridge strength used (chosen on a validation split when ``reg="auto"``).
    history : list of dict
        One record per round: ``J``, ``objective`` (J + reg·ridge), ``loss``,
        ``mean_divergence``, ``x_step_seconds``, ``theta_step_seconds``,
        ``solver_status``, ``lambda_min_M``, ``norm2_D`` and the steps' details.
    converged, message, initial_objective, seconds
        Stopping information and wall-clock time.
    reg_path : list of dict
        For ``reg="auto"``: each candidate and its validation mean squared error.
    certificate : object or None
        Set by ``certify=True``.
    n_iter : int
        Rounds run, ``len(history)`` (formerly ``n_rounds``, still readable under that
        name).
    """

    model: ImplicitModel
    X: np.ndarray
    lam: np.ndarray
    reg: float
    history: List[Dict[str, Any]] = field(default_factory=list)
    converged: bool = False
    message: str = ""
    initial_objective: float = float("nan")
    seconds: float = 0.0
    reg_path: List[Dict[str, float]] = field(default_factory=list)
    certificate: Any = None

    n_rounds = deprecated_alias("n_iter", "n_rounds")

    @property
    def n_iter(self) -> int:
        # documented in the class's Attributes
        return len(self.history)

    def __repr__(self) -> str:
        # A failed round leaves a record without J: report the last completed one.
        last = next((r for r in reversed(self.history) if "J" in r), {})
        m = self.model
        model = (Raw(f"ImplicitModel(h={m.D.shape[0]}, inputs={m.E.shape[1]}, "
                     f"outputs={m.A.shape[0]})")
                 if all(hasattr(m, a) for a in ("A", "D", "E")) else m)
        cert = self.certificate
        return result_repr("FitResult", head=[("converged", self.converged)], fields=[
            ("message", self.message), ("n_iter", self.n_iter),
            ("J", last.get("J", float("nan"))),
            ("objective", last.get("objective", float("nan"))),
            ("initial_objective", self.initial_objective), ("reg", self.reg),
            ("seconds", self.seconds), ("model", model),
            ("X", self.X), ("lam", self.lam), ("history", self.history),
            ("certificate", None if cert is None else
             Raw(f"{type(cert).__name__}(status={getattr(cert, 'status', '?')!r})"))])


def initial_model(U: np.ndarray, Y: np.ndarray, hidden: int, seed: int = 0) -> ImplicitModel:
    """D = 0 (so M = AᵀA + Λ ⪰ 0 for any A), random E/√n, f = 0, and (A, B, c) by least squares.

    With D = 0 the equilibrium is X₀ = (E U)₊; A, B, c are the minimum-norm
    least-squares fit of Y on [X₀; U; 1].
    """
    U = check_squares_finite(as_matrix(U, "U"), "U")
    Y = check_squares_finite(as_matrix(Y, "Y"), "Y")
    check_same_columns([("U", U), ("Y", Y)])
    hidden = check_positive_int(hidden, "hidden", maximum=MAX_HIDDEN)
    seed = check_positive_int(seed, "seed", minimum=0)
    n, m = U.shape
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((hidden, n)) / np.sqrt(max(n, 1))
    f = np.zeros(hidden)
    X0 = np.maximum(E @ U, 0.0)
    Phi = np.vstack([X0, U, np.ones((1, m))])
    theta1 = np.linalg.lstsq(Phi.T, Y.T, rcond=None)[0].T
    A, B, c = theta1[:, :hidden], theta1[:, hidden:hidden + n], theta1[:, -1]
    return ImplicitModel(A, B, c, np.zeros((hidden, hidden)), E, f)


def _label(solver: str, opts: Dict[str, Any]) -> str:
    return "the active-set method" if solver == "FAST" else solver


#: A Θ-step point with 1 − eps < ‖D‖₂ ≤ 1 − eps + NORM_REPAIR (a solver's feasibility
#: tolerance on the active norm constraint) is repaired by scaling D; beyond, refused.
NORM_REPAIR = 1e-6
#: Relative room left below 1 − eps by the norm check, far above the float error of
#: ‖D‖₂ (≈ h·2⁻⁵³), so that the exact test of ``certify`` agrees with the float one.
NORM_HEADROOM = 1e-10


def _rounding_bound(model: ImplicitModel, lam: np.ndarray) -> float:
    """A bound on |float λ_min(M) − exact λ_min(M)| (forming M, then ``eigvalsh``).

    Entrywise rounding of AᵀA + Λ − ΛD − DᵀΛ is at most (p + 3)·u times the same sum
    in absolute values, whose 2-norm is at most S = ‖A‖_F² + λ_max(1 + 2‖D‖_F); the
    symmetric eigensolver is backward stable with error ≲ h·u·‖M‖₂ ≤ h·u·S. The factor
    4 covers the constants; the result is ≈ 1e-13·S for h in the hundreds, far below
    the margin δ = 1e-6·max(1, max λ) every Θ-step imposes on M.
    """
    h, p = model.D.shape[0], model.A.shape[0]
    S = float(np.sum(model.A ** 2)) + float(np.max(lam, initial=0.0)) * (
        1.0 + 2.0 * float(np.linalg.norm(model.D)))
    return 4.0 * (h + p + 4) * np.finfo(float).eps * max(S, np.finfo(float).tiny)


def _check_feasible(model: ImplicitModel, lam: np.ndarray, eps: float):
    """The model a Θ-step returned, checked (and minimally repaired) to pass ``certify``.

    Guarantees for the returned model (what ``idl-sdp fit --certify`` and
    :func:`idl_sdp.certify` with ``which=("M", "norm", "wellposed")`` check exactly):

    * ‖D‖₂ ≤ (1 − eps)(1 − NORM_HEADROOM) in floating point, hence ‖D‖₂ ≤ 1 − eps
      exactly: a point with ‖D‖₂ up to ``NORM_REPAIR`` above 1 − eps (the solver's
      tolerance on the active norm constraint) is scaled back, D ← tD with t ≥ 1 − 1e-6
      (which can only increase M = AᵀA + Λ − t(ΛD + DᵀΛ) on the PSD side:
      M(t) = (1 − t)(AᵀA + Λ) + t·M(1)); a larger ‖D‖₂ is refused;
    * M ⪰ 0 exactly: accepted when the float λ_min(M) exceeds the rounding bound
      :func:`_rounding_bound` (the normal case: the Θ-step imposes M ⪰ δI); within the
      bound of zero, ``certify`` decides M ⪰ 0 in exact arithmetic and anything but
      ``"certified"`` is refused; below it, refused.

    Returns
    -------
    (ImplicitModel, dict)
        The model (a scaled copy when repaired) and the history fields ``norm2_D``,
        ``lambda_min_M`` (and ``theta_step_repair`` when D was scaled).

    Raises
    ------
    SolverError
        Status ``"infeasible_point"``, step ``"Theta-step"``, for a refused point; the
        failure policy retries it with the fallback solvers.
    """
    checks: Dict[str, Any] = {}
    bound = 1.0 - eps
    norm2 = float(np.linalg.norm(model.D, 2))
    if not norm2 <= bound + NORM_REPAIR:
        raise SolverError(
            f"Theta-step returned ‖D‖₂ = {norm2:.10g} > 1 − eps = {bound:.10g} "
            f"(beyond the repair tolerance {NORM_REPAIR:g})",
            status="infeasible_point", step="Theta-step")
    if norm2 > bound * (1.0 - NORM_HEADROOM):
        t = bound * (1.0 - 2.0 * NORM_HEADROOM) / norm2
        model = ImplicitModel(model.A, model.B, model.c, t * model.D, model.E, model.f)
        checks["theta_step_repair"] = (f"D scaled by {t:.17g}: ‖D‖₂ was {norm2:.17g}, "
                                       f"above 1 − eps = {bound:.17g} minus the headroom")
        norm2 = float(np.linalg.norm(model.D, 2))
        if norm2 > bound * (1.0 - NORM_HEADROOM):  # pragma: no cover - float safety net
            raise SolverError(f"Theta-step returned ‖D‖₂ = {norm2:.10g} that could not "
                              f"be scaled below 1 − eps = {bound:.10g}",
                              status="infeasible_point", step="Theta-step")
    M = convexity_matrix(model.A, model.D, lam)
    lam_min = float(np.linalg.eigvalsh(M)[0])
    tol = _rounding_bound(model, lam)
    if lam_min < tol:
        status = "violated"
        if lam_min > -tol:  # the sign is below float resolution: decide it exactly
            from .certify import certify  # local: certify imports the model layer

            status = certify(model, lam=lam, which="M").status
        if status != "certified":
            raise SolverError(
                f"Theta-step returned a model with λ_min(M) = {lam_min:.3e} (rounding "
                f"bound {tol:.1e}): M ⪰ 0 is {status} in exact arithmetic, so the model "
                "would fail idl_sdp.certify", status="infeasible_point", step="Theta-step")
    return model, {"norm2_D": norm2, "lambda_min_M": lam_min, **checks}


def _check_resume_state(state: Dict[str, Any], path: Any, U: np.ndarray, Y: np.ndarray,
                        hidden: int, eps: float) -> None:
    """Refuse a loaded model that a fresh Θ-step would have refused (``ValueError``).

    A model read from a file gets the checks of :func:`_check_feasible` (‖D‖₂ ≤ 1 − eps,
    M ⪰ 0 at the saved λ; a ‖D‖₂ within its repair tolerance is scaled back) and shape
    checks against the data, before it is used or returned.
    """
    model, X, lam = state["model"], state["X"], state["lam"]
    n, m = U.shape
    expected = {"A": (Y.shape[0], hidden), "B": (Y.shape[0], n), "c": (Y.shape[0],),
                "D": (hidden, hidden), "E": (hidden, n), "f": (hidden,)}
    for k, shape in expected.items():
        if getattr(model, k).shape != shape:
            raise ValueError(f"resume: checkpoint {path!r} holds a model with {k} of shape "
                             f"{getattr(model, k).shape}, expected {shape}")
    if X.shape != (hidden, m) or lam.shape != (hidden,):
        raise ValueError(f"resume: checkpoint {path!r} holds X of shape {X.shape} and lam of "
                         f"shape {lam.shape}, expected {(hidden, m)} and {(hidden,)}")
    if not (np.all(np.isfinite(lam)) and np.all(lam >= 0)):
        raise ValueError(f"resume: checkpoint {path!r} holds multipliers lam that are not "
                         "finite and >= 0")
    try:  # the same check (and repair of ‖D‖₂ within NORM_REPAIR) as a fresh Θ-step
        state["model"], _ = _check_feasible(model, lam, eps)
    except SolverError as exc:
        raise ValueError(f"resume: checkpoint {path!r} holds an infeasible model "
                         f"(tampered or corrupted): {exc}") from None


def _run(
    U, Y, hidden, lam, *, rounds, tol, lmi, eps, reg, solver, seed, callback,
    dual_step, solver_options, fallback, client=None, chunk_size=256, hstep=None, pstep=None,
    checkpoint=None, config=None, resume_state=None,
) -> FitResult:
    """One alternating run at a fixed reg (steps may be reused across a reg path)."""
    x_extra = {} if client is None else {"client": client, "chunk_size": chunk_size}
    t_start = time.perf_counter()
    hstep = hstep or HiddenStep(U, Y, hidden, lam)
    pstep = pstep or ParameterStep(U, Y, hidden, lam, lmi=lmi, eps=eps, reg=reg)
    hstep.set_lam(lam)
    if not np.array_equal(pstep.lam, lam):
        pstep.set_lam(lam)
    pstep.set_reg(reg)
    if resume_state is None:
        model0 = initial_model(U, Y, hidden, seed)
        state = {"model": model0, "X": model0.hidden(U), "lam": np.array(lam, dtype=float)}
        history: List[Dict[str, Any]] = []
    else:
        state = {k: resume_state[k] for k in ("model", "X", "lam")}
        history = list(resume_state["history"])

    def with_fallback(name, solve, alternatives=None):
        """Run ``solve(solver, options)``; on a solver failure retry with the alternatives
        in turn (default: the other conic solver), recording which one solved it."""
        try:
            return solve(solver, solver_options), {}
        except SolverError as exc:
            if not fallback:
                raise
            tried = []
            for alt, opts in (alternatives or [(other_solver(solver), {})]):
                try:
                    out = solve(alt, opts)
                except SolverError as exc2:
                    tried.append(f"{_label(alt, opts)} returned {exc2.status}")
                    last = exc2
                    continue
                note = "; ".join([f"{solver} returned {exc.status}"] + tried
                                 + [f"solved by {_label(alt, opts)}"])
                return out, {f"{name}_fallback": note}
            raise last

    def x_step(s):
        (X, info), extra = with_fallback("x_step", lambda sv, o: hstep.solve(
            s["model"], solver=sv, x0=s["X"], return_info=True,
            **({**o, **x_extra} if sv == "FAST" else o)))
        return {**s, "X": X}, {"x_step_status": info["status"],
                               "x_step_solve_seconds": info["seconds"], **extra}

    def theta_step(s):
        def solve(sv, o):
            model, info = pstep.solve(s["X"], s["model"], solver=sv, return_info=True, **o)
            model, checks = _check_feasible(model, s["lam"], eps)
            return model, info, checks

        # The Θ-step's first fallback is the exact active-set method (scale-aware: its
        # model SDPs see the decrease, not the large constant; measured at λ = 1e6 on
        # iris: J 0.06590 where SCS at 1e-7 stopped at 0.06696, and monotone across
        # rounds where SCS was not); then the other conic solver.
        alternatives = ([("FAST", {"method": "active-set"}), (other_solver(solver), {})]
                        if solver == "CLARABEL" else None)
        (model, info, checks), extra = with_fallback("theta_step", solve, alternatives)
        loss, div = loss_and_divergence(model, s["X"], U, Y, s["lam"])
        fast = {f"theta_step_{k}": info[k] for k in ("method", "outer_iterations",
                                                      "kkt_residual") if k in info}
        return {**s, "model": model}, {
            "theta_step_status": info["status"], "theta_step_solve_seconds": info["seconds"],
            "solver_status": "optimal", "J": loss + div, "loss": loss,
            "mean_divergence": div, **fast, **checks, **extra,
        }

    def obj(s):
        loss, div = loss_and_divergence(s["model"], s["X"], U, Y, s["lam"])
        return loss + div + reg * ridge_penalty(s["model"])

    def dual(s, k):
        # The rebuilt Θ-step imposes default_margin(new λ), so the search checks that.
        lam_new = dual_update(s["model"], s["X"], U, s["lam"], dual_step, default_margin)
        hstep.set_lam(lam_new)
        pstep.set_lam(lam_new)
        return {**s, "lam": lam_new}

    good = {"state": state}  # last state after a completed round, handed back on failure

    initial = {"objective": None}

    def cb(record, s):
        good["state"] = s
        record["lam_mean"] = float(np.mean(s["lam"]))
        if checkpoint is not None:
            save_checkpoint(checkpoint, model=s["model"], X=s["X"], lam=s["lam"],
                            history=history, config=config,
                            initial_objective=initial["objective"])
        return callback(record, s["model"]) if callback is not None else False

    if resume_state is not None:
        initial["objective"] = resume_state["initial_objective"]
    else:
        initial["objective"] = obj(state)
    if resume_state is not None and history and history[-1].get("converged"):
        # The checkpointed run had stopped on `tol` (its last record says so): the
        # continued run must not take more rounds than the uninterrupted one did.
        return FitResult(model=state["model"], X=state["X"], lam=state["lam"], reg=reg,
                         history=history, converged=True,
                         message=history[-1].get("stop", "converged"),
                         initial_objective=initial["objective"],
                         seconds=time.perf_counter() - t_start)
    try:
        out = alternate(state, [("x_step", x_step), ("theta_step", theta_step)], obj,
                        rounds=rounds, tol=tol, callback=cb, history=history,
                        on_round=dual if dual_step else None, start_round=len(history))
    except (SolverError, NotConvexError) as exc:
        status = getattr(exc, "status", "not_convex")
        step = getattr(exc, "step", "X-step")
        history.append({"round": len(history) + 1, "solver_status": status,
                        "failed_step": step, "error": str(exc)})
        g = good["state"]
        partial = FitResult(model=g["model"], X=g["X"], lam=g["lam"], reg=reg,
                            history=history, message=f"stopped: {exc}",
                            seconds=time.perf_counter() - t_start)
        raise SolverError(
            f"fit stopped in round {len(history)}: {exc}. The last good model and the "
            "history are in this error's .result; badly scaled data is the usual cause "
            "(standardize U and Y)", status=status, step=step, result=partial) from exc
    s = out.state
    return FitResult(model=s["model"], X=s["X"], lam=s["lam"], reg=reg, history=history,
                     converged=out.converged, message=out.message,
                     initial_objective=initial["objective"],
                     seconds=time.perf_counter() - t_start)


def _folds(m: int, seed: int, k: int):
    """k (train, validation) index pairs from one seeded permutation (k = 1: a 75/25 split)."""
    perm = np.random.default_rng(seed + 12345).permutation(m)
    if k == 1:
        n_val = max(1, int(round(0.25 * m)))
        return [(np.sort(perm[n_val:]), np.sort(perm[:n_val]))]
    parts = np.array_split(perm, k)
    return [(np.sort(np.concatenate(parts[:i] + parts[i + 1:])), np.sort(parts[i]))
            for i in range(k)]


def _select_reg(U, Y, hidden, lam, grid, seed, rounds, folds, reg_callback=None, **kw):
    """Score each reg of ``grid`` by k-fold cross-validated equilibrium MSE; pick the best.

    Per fold both subproblems are built once; each candidate only changes the ``reg``
    parameter (no recompilation). Ties go to the larger reg. ``reg_callback(record)``
    is called after each candidate fit (see :func:`fit`).
    """
    scores = {r: [] for r in grid}
    errors = {}
    n_fits, k = len(grid) * folds, 0
    for fold, (tr, va) in enumerate(_folds(U.shape[1], seed, folds)):
        Utr, Ytr = U[:, tr], Y[:, tr]
        hstep = HiddenStep(Utr, Ytr, hidden, lam)
        pstep = ParameterStep(Utr, Ytr, hidden, lam, lmi=kw["lmi"], eps=kw["eps"])
        for r in grid:
            t0 = time.perf_counter()
            record = {"reg": r, "fold": fold}
            try:
                res = _run(Utr, Ytr, hidden, lam, rounds=rounds, reg=r, seed=seed,
                           hstep=hstep, pstep=pstep, callback=None, **kw)
                pred = res.model.predict(U[:, va])
                scores[r].append(float(np.mean((pred - Y[:, va]) ** 2)))
                record["val_mse"] = scores[r][-1]
            except SolverError as exc:
                scores[r].append(float("inf"))
                errors[r] = str(exc)
                record.update(val_mse=float("inf"), error=str(exc))
            k += 1
            if reg_callback is not None:
                reg_callback(dict(record, candidate=k, of=n_fits,
                                  seconds=time.perf_counter() - t0))
    path = [{"reg": r, "val_mse": float(np.mean(v)), **({"error": errors[r]} if r in errors else {})}
            for r, v in scores.items()]
    finite = [p for p in path if np.isfinite(p["val_mse"])]
    if not finite:
        raise SolverError("reg='auto': every candidate failed: "
                          + "; ".join(f"{p['reg']:g}: {p.get('error')}" for p in path),
                          status="solver_error", step="reg-selection")
    best = min(finite, key=lambda p: (p["val_mse"], -p["reg"]))
    return best["reg"], path


def fit(
    U: Any, Y: Any, hidden: int, lam: Any = 1.0, rounds: int = 20, tol: float = 1e-6,
    lmi: str = "linearized", eps: float = 0.05, reg: Any = "auto", solver: str = "CLARABEL",
    seed: int = 0, callback: Optional[Callable[[Dict[str, Any], ImplicitModel], Any]] = None,
    dual_step: Optional[float] = None, reg_grid: Sequence[float] = REG_GRID,
    solver_options: Optional[Dict[str, Any]] = None, fallback: bool = True,
    client: Any = None, chunk_size: int = 256, checkpoint: Optional[str] = None,
    resume: Optional[str] = None,
    certify: bool = False, reg_folds: int = 1, reg_rounds: int = 10,
    reg_callback: Optional[Callable[[Dict[str, Any]], Any]] = None,
) -> FitResult:
    """Train an implicit model by alternating the X-step QP and the Θ-step SDP.

    Parameters
    ----------
    U : array_like, shape (n, m)
        Inputs, one column per sample (standardise features first).
    Y : array_like, shape (p, m)
        Targets, one column per sample (one-hot for classification).
    hidden : int
        Number of hidden units h.
    lam : float or array_like of shape (h,), default 1.0
        Multipliers λ ≥ 0, not all zero, of the Fenchel-divergence relaxation: λ = 0
        (a zero scalar or an all-zero vector) is refused with a ValueError, since the
        Fenchel term vanishes and the LMI degenerates; single units with λ_j = 0 are
        allowed.
    rounds : int, default 20
        Maximum number of alternating rounds.
    tol : float, default 1e-6
        Stop when the objective decreases by less than ``tol`` (relative) in a round.
    lmi : {"linearized", "eq5", "schur"}, default "linearized"
        The convex condition keeping the next X-step convex (:mod:`idl_sdp.lmi`).
    eps : float in (0, 1), default 0.05
        Well-posedness margin, ‖D‖₂ ≤ 1 − eps.
    reg : float or "auto", default "auto"
        Ridge strength on (A, B, D, E). ``"auto"`` (in any case) scores each value of ``reg_grid``
        by ``reg_folds``-fold cross-validation (``reg_rounds`` rounds per fit; the mean
        squared error of the *equilibrium* predictions on the held-out fold) and refits
        on all data with the best (ties: the larger). Needs at least 8 samples.
    solver : {"CLARABEL", "SCS", "fast"}, default "CLARABEL"
        ``"fast"`` uses the exact fast paths of :mod:`idl_sdp.fast` for both steps
        (projected Newton for the X-step, the active-set method for the Θ-step);
        the cvxpy problems stay one argument away.
    seed : int, default 0
        Seeds the initial E and the validation split.
    callback : callable, optional
        ``callback(record, model)`` after each round; return True to stop.
    dual_step : float, optional
        If given, ρ of the dual ascent between rounds: the target λ + ρ·(1/m)Σ_k F(x_k, z_k)
        projected onto {λ' ≥ λ : M(λ') ⪰ δI} by a small SDP
        (:func:`idl_sdp.multipliers.dual_update`). The Θ-step is rebuilt when λ
        changes, and J (which depends on λ) is then no longer monotone across rounds.
        Measured (``benchmarks/bench_dual.py``): ρ = 1e4 shrinks the relaxation gap
        mean abs(X − X_eq) / mean abs(X_eq) from 0.145 to 0.094 (iris), 0.126 to 0.052 (wine)
        and 0.227 to 0.159 (diabetes); ρ = 100 leaves held-out scores unchanged, ρ ≥ 1e3
        cost one wine test sample and 1.7–2.3 % of diabetes RMSE.
    reg_grid : sequence of float
        Candidates for ``reg="auto"``.
    reg_folds : int, default 1
        Folds of the cross-validation behind ``reg="auto"`` (1, the default: a single
        75/25 split; measured on iris, wine and breast cancer, 3 folds cost 3× and did
        not choose better).
    reg_rounds : int, default 10
        Rounds per candidate fit in that cross-validation, independent of ``rounds``,
        so that resuming with a larger ``rounds`` is bit-identical.
    reg_callback : callable, optional
        ``reg_callback(record)`` after each candidate fit of ``reg="auto"``: ``record`` has
        ``reg``, ``fold``, ``val_mse`` (inf and ``error`` if the fit failed),
        ``candidate`` and ``of`` (its number and the number of fits) and ``seconds``.
        For progress output: the selection can take most of the time of a fit.
    solver_options : dict, optional
        Passed to the solver (override the defaults in ``idl_sdp._solvers``).
    fallback : bool, default True
        When a step's solver returns anything but ``optimal`` (or a point that
        violates ‖D‖₂ < 1 − eps/2 or M ⪰ 0), retry that step with the other
        solver (CLARABEL ↔ SCS, default tight settings) and record
        ``"<step>_fallback"`` in the round's history; a CLARABEL Θ-step is retried
        first by the exact active-set method (``solver="fast"``), then by SCS. If the
        retries fail too, or ``fallback=False``, :class:`SolverError` is raised. The
        fallback of ``"fast"`` is the cvxpy problem with CLARABEL.
    client : distributed.Client, optional
        With ``solver="fast"``, solve the X-step's column blocks on this Dask client
        (see :mod:`idl_sdp.fast.distributed`).
    chunk_size : int, default 256
        Columns per Dask task (with ``client``).
    checkpoint : path, optional
        Write model, X, λ, round and history to this ``.npz`` after every round,
        atomically (temporary file, fsync, rename): an interrupted run leaves the last
        completed round intact. A Ctrl-C re-raises ``KeyboardInterrupt`` saying how
        to resume — with every solver: an SCS solve that caught the Ctrl-C itself
        (status "interrupted") is not retried by the fallback.
    certify : bool, default False
        Certify the final model rigorously (exact arithmetic, :func:`idl_sdp.certify`):
        M ⪰ 0 (the next X-step is convex), ‖D‖₂ ≤ 1 − eps and ‖D‖₂ < 1 (well-posed).
        The :class:`~idl_sdp.CertificateBundle` is stored in ``result.certificate``.
    resume : path, optional
        Continue the run saved in this checkpoint (same data and settings; ``rounds``
        may be larger). With CLARABEL or ``"fast"`` the final model is bit-identical to
        an uninterrupted run; SCS's internal warm-start state is not saved, so with
        SCS it agrees to solver tolerance. The checkpoint's ``reg`` is reused. The file
        is checked before use: a malformed one (missing, extra or mistyped config
        fields, non-finite arrays) or one whose model fails the checks of a fresh
        Θ-step (‖D‖₂ < 1 − eps/2, M ⪰ 0 at the saved λ) raises ``ValueError`` naming it.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError, TypeError
        Bad input, naming the argument.
    idl_sdp.SolverError
        A subproblem did not solve to ``optimal`` or returned an infeasible point;
        ``exc.result`` holds the last good model and the history.
    """
    t0 = time.perf_counter()
    U, Y, hidden, lam_vec = check_training_data(U, Y, hidden, lam)
    check_feature_scale(U, "U")
    rounds = check_positive_int(rounds, "rounds")
    tol = check_nonneg_float(tol, "tol")
    lmi = check_choice(lmi, "lmi", LMI_CHOICES)
    eps = check_open_unit(eps, "eps")
    solver = check_solver(solver, SOLVERS + ("FAST",))
    seed = check_positive_int(seed, "seed", minimum=0)
    if dual_step is not None:
        dual_step = check_nonneg_float(dual_step, "dual_step")
    solver_options = check_options(solver_options, "solver_options")
    client = check_client(client, "client")
    checkpoint = None if checkpoint is None else as_path(checkpoint, "checkpoint")
    resume = None if resume is None else as_path(resume, "resume")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    fallback = check_bool(fallback, "fallback")
    certify = check_bool(certify, "certify")
    kw = dict(tol=tol, lmi=lmi, eps=eps, solver=solver, dual_step=dual_step,
              solver_options=dict(solver_options or {}), fallback=fallback,
              client=client, chunk_size=check_positive_int(chunk_size, "chunk_size"))
    path: List[Dict[str, float]] = []
    config = {"hidden": hidden, "lmi": lmi, "eps": eps, "solver": solver, "seed": seed,
              "tol": tol, "dual_step": dual_step, "data": data_digest(U, Y),
              "lam": lam_vec.tolist()}
    resume_state = None
    if resume is not None:
        resume_state = load_checkpoint(resume)
        saved = dict(resume_state["config"])
        for key, value in config.items():
            if saved.get(key) != value:
                raise ValueError(
                    f"resume: checkpoint {resume!r} was written with {key}={saved.get(key)!r}, "
                    f"this call has {key}={value!r}" if key != "data" else
                    f"resume: checkpoint {resume!r} was written for other training data")
        _check_resume_state(resume_state, resume, U, Y, hidden, eps)
        reg, path = saved["reg"], saved.get("reg_path", [])
    elif isinstance(reg, str):
        check_choice(reg.lower(), "reg", ("auto",))   # any case, as solver names
        if reg_callback is not None and not callable(reg_callback):
            raise TypeError(f"reg_callback must be callable, got {type(reg_callback).__name__}")
        grid = check_reg_grid(reg_grid, "reg_grid")
        reg_folds = check_positive_int(reg_folds, "reg_folds")
        reg_rounds = check_positive_int(reg_rounds, "reg_rounds")
        if not grid:
            raise ValueError("reg_grid must not be empty")
        if U.shape[1] < 8:
            raise ValueError(f"reg='auto' needs at least 8 samples, got {U.shape[1]}; "
                             "pass a number for reg")
        if reg_folds > U.shape[1]:
            raise ValueError(
                f"reg_folds must be <= the number of samples ({U.shape[1]}), so that every "
                f"validation fold holds a sample, got {reg_folds}")
        reg, path = _select_reg(U, Y, hidden, lam_vec, grid, seed, reg_rounds, reg_folds,
                                reg_callback=reg_callback, **kw)
    else:
        reg = check_nonneg_float(reg, "reg")
    config.update(reg=reg, reg_path=path)
    try:
        result = _run(U, Y, hidden, lam_vec, rounds=rounds, reg=reg, seed=seed,
                      callback=callback, checkpoint=checkpoint, config=config,
                      resume_state=resume_state, **kw)
    except KeyboardInterrupt:
        if checkpoint is None:
            raise
        raise KeyboardInterrupt(
            f"interrupted; the last completed round is saved in {checkpoint!r}. "
            f"Resume with fit(..., resume={checkpoint!r}) (same data and settings)") from None
    result.reg_path = path
    if certify:
        from .certify import certify as _certify

        result.certificate = _certify(result.model, lam=result.lam, eps=eps,
                                      which=("M", "norm", "wellposed"))
    result.seconds = time.perf_counter() - t0
    return result
