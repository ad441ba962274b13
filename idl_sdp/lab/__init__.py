r"""Solver-accuracy lab: how accurate is a conic solver's "optimal" point, really?

:func:`compare_solvers` solves one convex problem — any :class:`cvxpy.Problem`, or the
``.problem`` of a :class:`~idl_sdp.HiddenStep` / :class:`~idl_sdp.ParameterStep` — with
several solvers at several tolerances and measures every returned point against a
high-accuracy reference solve:

* the **status** exactly as cvxpy reports it (``optimal_inaccurate``, ``infeasible``,
  ``solver_error``, ... are rows of the table, never swallowed);
* the solver's wall-clock **time** (the solver call alone; cvxpy's compilation is done
  once per solver and reported separately);
* the **objective** and its relative gap ``|f − f*| / |f*|`` to the reference (or to a
  known optimum);
* the **primal residual**: the largest violation of the problem's equality and
  inequality (and second-order-cone) constraints, from cvxpy's
  ``Constraint.violation()`` at the returned point;
* the **dual residual** ``‖Px + Aᵀy + c‖∞`` and **duality gap**
  ``|xᵀPx + cᵀx + bᵀy|`` of the conic form ``min ½xᵀPx + cᵀx  s.t.  Ax + s = b,
  s ∈ K`` that cvxpy hands to the solver (CLARABEL and SCS use this form; for CVXOPT
  and SDPA they are not available);
* the **LMI margin**: for every PSD constraint, a *proven* lower bound on
  λ_min of its symmetric part at the returned point, from the rigorous certificates of
  :func:`idl_sdp.certify.certify` (status ``certified`` = proven ⪰ 0, ``violated`` =
  proven not ⪰ 0 by an exact witness vector, with a proven upper bound on λ_min);
* the **distance** ``‖x − x*‖₂ / max(1, ‖x*‖₂)`` of all variables stacked to the
  reference solution.

Tolerances map to solver settings by :func:`tolerance_options`: SCS
``eps_abs = eps_rel = tol``; CLARABEL ``tol_gap_abs = tol_gap_rel = tol_feas = tol``;
CVXOPT ``abstol = reltol = feastol = tol``; SDPA ``epsilonStar = epsilonDash = tol``
(each from the solver's adapter in :mod:`idl_sdp.conic.adapters`, which also reads its
raw results).

:func:`compare_bounds` gives, per (solver, tolerance), the DIMACS errors of the point
and the verified enclosure of the optimal value built from it (:func:`idl_sdp.value_bounds`).

The package, along its jobs: :mod:`~idl_sdp.lab.settings` (solvers, tolerance sweep,
settings, input checks), :mod:`~idl_sdp.lab.measure` (the problem behind a step, LMI
margins, residuals of one point), :mod:`~idl_sdp.lab.tables` (results and their
formatting), :mod:`~idl_sdp.lab.compare` (the solves: :func:`compare_solvers`,
:func:`compare_bounds`).

>>> table = compare_solvers(problem)                       # doctest: +SKIP
>>> print(table)                                           # doctest: +SKIP
>>> open("table.md", "w").write(table.to_markdown())       # doctest: +SKIP
"""
from . import settings as _settings
from .compare import compare_bounds, compare_solvers
from .measure import lmi_margins, step_problem
from .settings import tolerance_options
from .tables import BoundsTable, ComparisonTable, ReferenceSolution

# Re-bound here with their doc comments, which autodoc reads from this module.
#: Solvers the lab can drive (CVXOPT and SDPA only when ``cvxopt`` / ``sdpa-python`` is
#: installed).
LAB_SOLVERS = _settings.LAB_SOLVERS
#: The default tolerance sweep.
TOLERANCES = _settings.TOLERANCES
#: Extra settings of the reference solve: Clarabel's iterative refinement of the KKT
#: solves tightened to 1e-15 (its default, 1e-12/1e-13, stalls some SDPs short of 1e-10).
REFERENCE_OPTIONS = _settings.REFERENCE_OPTIONS

__all__ = [
    "LAB_SOLVERS",
    "REFERENCE_OPTIONS",
    "TOLERANCES",
    "BoundsTable",
    "ComparisonTable",
    "ReferenceSolution",
    "compare_bounds",
    "compare_solvers",
    "lmi_margins",
    "step_problem",
    "tolerance_options",
]
