"""The Peng–Wei k-means SDP, its nonnegative Burer–Monteiro factorisation, and data.

For points ``x_1..x_n`` with squared-distance matrix ``D_ij = ‖x_i − x_j‖²``, a partition
into ``k`` clusters ``C`` has k-means cost ``Σ_i ‖x_i − μ_{c(i)}‖² = ½⟨D, Z⟩`` with
``Z = Σ_C 1_C 1_Cᵀ / |C|``. Such ``Z`` satisfy ``Z1 = 1``, ``tr Z = k``, ``Z ⪰ 0``, ``Z ≥ 0``,
which gives the SDP (Peng & Wei, SIAM J. Optim. 2007)::

    minimise ⟨D, Z⟩   subject to   Z1 = 1,  tr Z = k,  Z ⪰ 0,  Z ≥ 0,

whose optimal value halved is a lower bound on the k-means cost of every partition.

Methods of :func:`kmeans_sdp`:

``"sdp"``
    The convex problem in cvxpy (Clarabel or SCS; ``n`` up to a few hundred).
``"ialm"`` / ``"linearized_al"``
    ``Z = VVᵀ`` with ``V ∈ R^{n×r}``, ``V ≥ 0`` (a stronger condition than ``Z ≥ 0``) and
    ``‖V‖_F² ≤ k`` (in place of ``tr Z = k``) as the simple set ``g``; the constraint
    ``VVᵀ1 = 1`` goes to :func:`idl_sdp.relax.augmented_lagrangian`.
``"bm"``
    Burer & Monteiro's original approach (Math. Program. 2003): an augmented
    Lagrangian on the factored problem with both equalities (``VVᵀ1 = 1`` and
    ``‖V‖_F² = k``) whose subproblems are solved by L-BFGS-B (the bounds ``V ≥ 0`` are
    native to it); the penalty grows tenfold (up to ``10·‖D‖_∞``) whenever the
    infeasibility has not dropped by a factor four.

The clusters are rounded from ``Z`` by k-means on the rows of its best rank-``k``
factor (spectral rounding); for the planted solution ``Z`` is block diagonal and the
rounding is exact.
"""
from __future__ import annotations

import math
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import scipy.optimize as sopt
from threadpoolctl import threadpool_limits

from .._solvers import SOLVERS, check_solver, solve_problem
from .._validation import (MAX_SEED, as_finite_array, as_labels, as_matrix, check_choice,
                           check_finite_result, check_nonneg_float, check_options,
                           check_positive_int)
from ._result import KMeansResult
from .ialm import AL_OPTIONS, augmented_lagrangian, memo_last, method_options

__all__ = ["kmeans_sdp", "KMEANS_METHODS", "squared_distances", "planted_solution",
           "misclassification_rate", "kmeans_cost", "stochastic_balls",
           "digits_probabilities"]

KMEANS_METHODS = ("sdp", "bm", "ialm", "linearized_al")


# -------------------------------------------------------------------------- helpers

def squared_distances(points: Any) -> np.ndarray:
    """``D_ij = ‖x_i − x_j‖²`` for the rows ``x_i`` of ``points`` (n × d)."""
    X = as_matrix(points, "points")
    with np.errstate(all="ignore"):
        sq = np.einsum("ij,ij->i", X, X)
        D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    check_finite_result(D, "the squared distances", "points")
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    return 0.5 * (D + D.T)


def planted_solution(labels: Any) -> np.ndarray:
    """The block matrix ``Σ_C 1_C 1_Cᵀ / |C|`` of a labelling."""
    lab = as_labels(labels, "labels")
    _, inv = np.unique(lab, return_inverse=True)
    onehot = np.eye(inv.max() + 1)[inv]
    return onehot @ np.diag(1.0 / onehot.sum(axis=0)) @ onehot.T


def kmeans_cost(points: Any, assignment: Any) -> float:
    """``Σ_i ‖x_i − μ_{c(i)}‖²`` with ``μ_c`` the mean of cluster ``c``."""
    X = as_matrix(points, "points")
    a = as_labels(assignment, "assignment", size=X.shape[0])
    cost = 0.0
    with np.errstate(all="ignore"):
        for c in np.unique(a):
            P = X[a == c]
            cost += float(np.sum((P - P.mean(axis=0)) ** 2))
    check_finite_result(cost, "the k-means cost", "points")
    return cost


def misclassification_rate(assignment: Any, labels: Any) -> float:
    """Fraction of points misassigned under the best one-to-one matching of clusters to labels."""
    from scipy.optimize import linear_sum_assignment

    a = as_labels(assignment, "assignment")
    b = as_labels(labels, "labels", size=a.size)
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    C = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(C, (ai, bi), 1)
    r, c = linear_sum_assignment(-C)
    return 1.0 - C[r, c].sum() / a.size


def _round(V: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means (scikit-learn, 10 restarts) on the rows of the best rank-k factor of VVᵀ."""
    from sklearn.cluster import KMeans

    U, s, _ = np.linalg.svd(V, full_matrices=False)
    Y = U[:, :k] * s[:k]
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(Y)
    return km.labels_.astype(int)


# ----------------------------------------------------------------------- data sets

def stochastic_balls(
    k: int = 3, per_ball: int = 10, dim: int = 2, separation: float = 6.0, seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Points drawn uniformly from ``k`` unit balls in ``R^dim`` (the stochastic ball model).

    The centres are ``j·separation·e_1`` (``j = 0..k−1``), so the distance between any
    two centres is at least ``separation``. Awasthi et al. ("Relax, no need to round",
    ITCS 2015) prove that the k-means SDP recovers the planted clusters with high
    probability when ``separation > 2√2(1 + 1/√dim)`` (4.83 for ``dim = 2``).

    Returns
    -------
    points : ndarray (k·per_ball, dim)
    labels : ndarray of int
    """
    k = check_positive_int(k, "k")
    per_ball = check_positive_int(per_ball, "per_ball")
    dim = check_positive_int(dim, "dim")
    separation = check_nonneg_float(separation, "separation", positive=True)
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    g = rng.standard_normal((k * per_ball, dim))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    radius = rng.uniform(size=(k * per_ball, 1)) ** (1.0 / dim)
    labels = np.repeat(np.arange(k), per_ball)
    centres = np.zeros((k, dim))
    centres[:, 0] = separation * np.arange(k)
    return centres[labels] + radius * g, labels


def digits_probabilities(
    n_train: int = 797, n_cluster: int = 1000, seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Class-probability features of scikit-learn's bundled digits.

    A logistic-regression classifier is trained on ``n_train`` digits; its 10-dim
    predicted class probabilities on ``n_cluster`` *other* digits are returned with
    their labels (as in the seed's fashion-MNIST experiment, with a smaller network).
    """
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    n_train = check_positive_int(n_train, "n_train", minimum=10)
    n_cluster = check_positive_int(n_cluster, "n_cluster")
    X, y = load_digits(return_X_y=True)
    if n_train + n_cluster > len(y):
        raise ValueError(
            f"n_train + n_cluster must be <= {len(y)} (the digits), got {n_train + n_cluster}")
    perm = np.random.default_rng(check_positive_int(seed, "seed", minimum=0)).permutation(len(y))
    tr, te = perm[:n_train], perm[n_train:n_train + n_cluster]
    scaler = StandardScaler().fit(X[tr])
    clf = LogisticRegression(max_iter=2000).fit(scaler.transform(X[tr]), y[tr])
    return clf.predict_proba(scaler.transform(X[te])), y[te]


# ------------------------------------------------------------------------ solvers

def _solve_sdp(D: np.ndarray, k: int, solver: str, opts: Dict[str, Any]):
    import cvxpy as cp

    n = D.shape[0]
    Z = cp.Variable((n, n), symmetric=True)
    cons = [Z >> 0, Z >= 0, Z @ np.ones(n) == 1, cp.trace(Z) == k]
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(D, Z))), cons)
    _, seconds = solve_problem(prob, solver, "k-means SDP", **opts)
    Zv = np.asarray(Z.value, dtype=float)
    return 0.5 * (Zv + Zv.T), float(prob.value), seconds


def _factor(Z: np.ndarray, k: int) -> np.ndarray:
    w, Q = np.linalg.eigh(Z)
    w = np.maximum(w, 0.0)
    return Q[:, ::-1] * np.sqrt(w[::-1])


def _initial(n: int, r: int, k: int, rng: np.random.Generator) -> np.ndarray:
    V = rng.uniform(size=(n, r))
    V /= math.sqrt(float(np.mean(V @ V.sum(axis=0))))  # VVᵀ1 ≈ 1 on average
    nrm = float(np.linalg.norm(V))
    return V * min(1.0, math.sqrt(k) / nrm)


def _factored_al(D, k, V0, linearized, tol, time_limit, al_options):
    n = D.shape[0]
    ones = np.ones(n)
    radius = math.sqrt(k)

    DV = memo_last(lambda V: D @ V)

    def f(V):
        return float(np.vdot(V, DV(V)))

    def grad_f(V):
        return 2.0 * DV(V)

    def constraint(V):
        return V @ V.sum(axis=0) - 1.0

    def jac_t(V, y):  # DA(V)[H] = H Vᵀ1 + V Hᵀ1  ⇒  DA(V)ᵀy = y(Vᵀ1)ᵀ + 1(Vᵀy)ᵀ
        return np.outer(y, V.sum(axis=0)) + np.outer(ones, V.T @ y)

    def prox(V, t):  # projection onto {V ≥ 0} ∩ {‖V‖_F ≤ √k} (orthant, then ball)
        P = np.maximum(V, 0.0)
        nrm = float(np.linalg.norm(P))
        return P if nrm <= radius else P * (radius / nrm)

    dscale = float(np.abs(D).sum(axis=1).max()) or 1.0
    opts = method_options(dict(
        beta0=dscale / n, beta_max=10.0 * dscale, tol=tol * math.sqrt(n),
        stationarity_tol=tol * dscale * math.sqrt(k), inner_tol0=dscale, max_inner=2000,
        time_limit=time_limit), linearized, al_options)
    return augmented_lagrangian(f, grad_f, constraint, jac_t, prox, V0,
                                linearized=linearized, **opts)


def _bm_lbfgs(D, k, V0, tol, max_outer, time_limit):
    """Burer–Monteiro (2003): augmented Lagrangian with L-BFGS-B subproblems, V ≥ 0."""
    n, r = V0.shape
    ones = np.ones(n)
    dscale = float(np.abs(D).sum(axis=1).max()) or 1.0
    beta = dscale
    y = np.zeros(n + 1)
    v = V0.ravel().copy()
    t0 = time.perf_counter()
    deadline = math.inf if time_limit is None else t0 + time_limit
    hist: Dict[str, List[float]] = {k_: [] for k_ in (
        "feasibility", "objective", "beta", "inner", "time")}

    def cons(V):
        return np.concatenate([V @ V.sum(axis=0) - 1.0, [float(np.vdot(V, V)) - k]])

    def fun(vv, y, beta):
        V = vv.reshape(n, r)
        DV = D @ V
        c = cons(V)
        w = y + beta * c
        val = float(np.vdot(V, DV)) + float(y @ c) + 0.5 * beta * float(c @ c)
        g = 2.0 * DV + np.outer(w[:n], V.sum(axis=0)) + np.outer(ones, V.T @ w[:n]) \
            + 2.0 * w[n] * V
        return val, g.ravel()

    prev = math.inf
    gtol = dscale
    converged, message = False, "maximum number of outer iterations reached"
    for _ in range(max_outer):
        res = sopt.minimize(fun, v, args=(y, beta), jac=True, method="L-BFGS-B",
                            bounds=[(0.0, None)] * v.size,
                            options={"maxiter": 1000, "gtol": gtol, "ftol": 1e-15})
        v = res.x
        V = v.reshape(n, r)
        c = cons(V)
        feas = float(np.linalg.norm(c))
        y = y + beta * c
        hist["feasibility"].append(feas)
        hist["objective"].append(float(np.vdot(V, D @ V)))
        hist["beta"].append(beta)
        hist["inner"].append(int(res.nit))
        hist["time"].append(time.perf_counter() - t0)
        # projected-gradient norm of the Lagrangian, ‖max(v − ∇, 0) − v‖ (V ≥ 0)
        _, g = fun(v, y, 0.0)
        pg = float(np.linalg.norm(np.maximum(v - g, 0.0) - v))
        obj = hist["objective"][-1]
        stalled = len(hist["objective"]) > 1 and abs(obj - hist["objective"][-2]) <= tol * abs(obj)
        if feas <= tol * math.sqrt(n) and (pg <= math.sqrt(tol) * dscale or stalled):
            converged, message = True, "converged"
            break
        if time.perf_counter() > deadline:
            message = f"time limit of {time_limit:g} s reached"
            break
        if feas > 0.25 * prev:
            beta = min(10.0 * beta, 10.0 * dscale)
        prev = feas
        gtol = max(tol * dscale, gtol / 10.0)
    return v.reshape(n, r), hist, converged, message


# ------------------------------------------------------------------------- driver

def kmeans_sdp(
    points: Any,
    k: int,
    method: str = "sdp",
    *,
    labels: Any = None,
    rank: Optional[int] = None,
    seed: int = 0,
    tol: float = 1e-6,
    max_iter: Optional[int] = None,
    time_limit: Optional[float] = None,
    solver: str = "CLARABEL",
    solver_options: Optional[Dict[str, Any]] = None,
    al_options: Optional[Dict[str, Any]] = None,
    V0: Any = None,
) -> KMeansResult:
    """Cluster points with the Peng–Wei k-means SDP or its factorisation.

    Parameters
    ----------
    points : array (n, d)
        One point per row.
    k : int
        Number of clusters, ``1 ≤ k ≤ n``.
    method : {"sdp", "bm", "ialm", "linearized_al"}
        See the module docstring.
    labels : array (n,), optional
        True labels; sets ``misclassification``.
    rank : int, optional
        Factor rank ``r ≥ k`` (default ``min(n, max(k, 20))``; the seed uses 20).
    seed : int
        Seeds the initial factor and the rounding.
    tol : float
        Tolerance of the factored methods: stop when ``‖VVᵀ1 − 1‖₂ ≤ tol·√n`` and the
        (projected) gradient of the Lagrangian is small: ``≤ tol·‖D‖_∞·√k`` (AL
        methods, gradient mapping) or ``≤ √tol·‖D‖_∞`` (``"bm"``, whose L-BFGS-B
        subproblems stall earlier; ``"bm"`` also stops when feasible and the objective
        changed by at most ``tol`` relative over an outer iteration).
    max_iter : int, optional
        Outer iterations of the factored methods.
    time_limit : float, optional
        Seconds for the factored methods.
    solver : {"CLARABEL", "SCS"}
        Conic solver for ``"sdp"``.
    solver_options, al_options : dict, optional
        Extra options for the conic solver / :func:`augmented_lagrangian`.
    V0 : array (n, r), optional
        Initial factor (made nonnegative).

    Returns
    -------
    KMeansResult

    Raises
    ------
    TypeError, ValueError
        Invalid arguments (the message names the argument), or data too badly scaled
        for float64.
    idl_sdp.SolverError
        ``"sdp"``: the solver did not report ``optimal`` (or crashed); the AL methods: an
        inner solve could not backtrack.
    """
    t_start = time.perf_counter()
    X = as_matrix(points, "points")
    n = X.shape[0]
    k = check_positive_int(k, "k")
    if k > n:
        raise ValueError(f"k must be <= the number of points ({n}), got {k}")
    method = check_choice(method, "method", KMEANS_METHODS)
    seed = check_positive_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    r = min(n, max(k, 20)) if rank is None else check_positive_int(rank, "rank")
    if r < k:
        raise ValueError(f"rank must be >= k = {k}, got {r}")
    tol = check_nonneg_float(tol, "tol", positive=True)
    if time_limit is not None:
        time_limit = check_nonneg_float(time_limit, "time_limit", positive=True)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter")
    if labels is not None:
        labels = as_labels(labels, "labels", size=n)
    if al_options is not None:
        al_options = check_options(al_options, "al_options", AL_OPTIONS)
    solver_options = check_options(solver_options, "solver_options")
    D = squared_distances(X)
    rng = np.random.default_rng(seed)
    if V0 is not None:
        V0 = np.maximum(as_finite_array(V0, "V0", ndim=2), 0.0)
        if V0.shape[0] != n:
            raise ValueError(f"V0 must have {n} rows (one per point), got shape {V0.shape}")
    elif method != "sdp":
        V0 = _initial(n, r, k, rng)

    lower = float("nan")
    converged, message = True, ""
    V = None
    with threadpool_limits(limits=1, user_api="blas"):
        if method == "sdp":
            name = check_solver(solver, SOLVERS)
            opts = dict(solver_options or {})
            if name == "SCS":
                opts.setdefault("eps_abs", 1e-7)
                opts.setdefault("eps_rel", 1e-7)
            Z, val, secs = _solve_sdp(D, k, name, opts)
            lower = 0.5 * val
            history: Dict[str, List[float]] = {"time": [secs]}
            message = f"{name}: optimal"
            F = _factor(Z, k)
        else:
            if method == "bm":
                V, history, converged, message = _bm_lbfgs(
                    D, k, V0, tol, max_iter or 50, time_limit)
            else:
                opts = dict(al_options or {})
                if max_iter is not None:
                    opts["max_outer"] = max_iter
                res = _factored_al(D, k, V0, method == "linearized_al", tol, time_limit, opts)
                V, history = res.x, res.history
                converged, message = res.converged, res.message
            Z = V @ V.T
            F = V
        assignment = _round(F, k, seed)
    infeas = float(np.linalg.norm(Z.sum(axis=1) - 1.0)) + abs(float(np.trace(Z)) - k)
    return KMeansResult(
        method=method, assignment=assignment, Z=Z, V=V,
        sdp_objective=float(np.sum(D * Z)), kmeans_cost=kmeans_cost(X, assignment),
        lower_bound=lower,
        misclassification=(float("nan") if labels is None
                           else misclassification_rate(assignment, labels)),
        infeasibility=infeas, history=history, seconds=time.perf_counter() - t_start,
        converged=converged, message=message)
