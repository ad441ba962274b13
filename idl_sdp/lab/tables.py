"""The lab's results: :class:`ReferenceSolution`, :class:`ComparisonTable` (rows of
:func:`~idl_sdp.lab.compare_solvers`), :class:`BoundsTable` (rows of
:func:`~idl_sdp.lab.compare_bounds`) and their text and markdown formatting.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np

from .._repr import Raw, result_repr

__all__ = ["BoundsTable", "ComparisonTable", "ReferenceSolution"]


@dataclass
class ReferenceSolution:
    """A high-accuracy solve that rows are measured against.

    Attributes
    ----------
    solver : str
    tol : float
    row : dict
        Its own measurements, with the same keys as a :class:`ComparisonTable` row
        (status, time, KKT residuals, LMI margin, ...).
    x : ndarray or None
        All variables stacked (sorted by cvxpy id, each flattened in Fortran order);
        None if the solve returned no point.
    """

    solver: str
    tol: float
    row: Dict[str, Any]
    x: Optional[np.ndarray]

    @property
    def status(self) -> str:
        """cvxpy's status of the reference solve."""
        return self.row["status"]

    @property
    def objective(self) -> float:
        """The reference objective (NaN without a point)."""
        return self.row["objective"]

    def __repr__(self) -> str:
        r = self.row
        return result_repr("ReferenceSolution", head=[("solver", self.solver)], fields=[
            ("tol", self.tol), ("status", r.get("status")), ("objective", r.get("objective")),
            ("seconds", r.get("seconds")), ("primal_residual", r.get("primal_residual")),
            ("dual_residual", r.get("dual_residual")), ("duality_gap", r.get("duality_gap")),
            ("lmi_status", r.get("lmi_status")), ("x", self.x)])

    def describe(self) -> str:
        """One line: solver, tolerance, status, objective and KKT residuals."""
        r = self.row
        lmi = ("" if r["lmi_status"] == "n/a" else
               f"; LMI λ_min ≥ {_fmt(r['lmi_margin'])} ({r['lmi_status']})")
        tried = "".join(f" [tol={t:.0e}: {s}]" for t, s in r.get("attempts", []))
        gap = ("" if not math.isfinite(r["objective_gap"]) else
               f" (rel. gap to the known optimum {_fmt(r['objective_gap'])})")
        return (f"reference {self.solver} tol={self.tol:.0e}{tried}: {r['status']}"
                f"{'' if not r['error'] else ' (' + r['error'] + ')'}, "
                f"objective {_fmt_obj(r['objective'])}{gap}, {r['seconds']:.3g} s; "
                f"primal res {_fmt(r['primal_residual'])} (conic {_fmt(r['conic_primal_residual'])}), "
                f"dual res {_fmt(r['dual_residual'])}, duality gap {_fmt(r['duality_gap'])}{lmi}")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.1e}"


def _fmt_obj(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.10g}"


#: (row key, column header, formatter) of the printed tables.
_COLUMNS = (
    ("solver", "solver", str),
    ("tol", "tol", lambda v: f"{v:.0e}"),
    ("status", "status", str),
    ("seconds", "time [s]", lambda v: "—" if v is None or math.isnan(v) else f"{v:.3g}"),
    ("iterations", "iters", lambda v: "—" if v is None else str(v)),
    ("objective", "objective", _fmt_obj),
    ("objective_gap", "rel. obj. gap", _fmt),
    ("primal_residual", "primal res.", _fmt),
    ("conic_primal_residual", "conic p. res.", _fmt),
    ("dual_residual", "dual res.", _fmt),
    ("duality_gap", "duality gap", _fmt),
    ("lmi_margin", "LMI λ_min ≥", _fmt),
    ("lmi_status", "LMI", str),
    ("distance", "dist. to ref.", _fmt),
)


class ComparisonTable(list):
    """The rows of :func:`compare_solvers`: a list of dicts, one per (solver, tolerance).

    Row keys: ``solver``, ``tol``, ``status`` (cvxpy's), ``solver_status`` (the
    solver's own), ``error`` (exception text or ``""``), ``seconds``, ``iterations``,
    ``objective``, ``objective_gap``, ``primal_residual``, ``conic_primal_residual``
    (``‖Ax + s − b‖∞`` in the solver's conic form), ``dual_residual``,
    ``duality_gap``, ``lmi_margin`` (proven lower bound on the smallest λ_min over the
    PSD constraints; NaN without PSD constraints), ``lmi_upper`` (proven upper bound on
    that λ_min when some constraint is proven violated), ``lmi_status``
    (``"certified"``, ``"undecided"``, ``"violated"`` — the worst over the PSD
    constraints — or ``"n/a"``), ``lmi_certified`` (bool), ``lmi`` (per-constraint
    list from :func:`lmi_margins`), ``distance``.

    Attributes
    ----------
    name : str
    reference : ReferenceSolution or None
    optimum : float or None
        Known optimal value the gaps were measured against (else the reference's).
    info : dict
        Problem sizes and compile times.
    """

    def __init__(self, rows: Iterable[Dict[str, Any]] = (), *, name: str = "problem",
                 reference: Optional[ReferenceSolution] = None,
                 optimum: Optional[float] = None, info: Optional[Dict[str, Any]] = None):
        super().__init__(rows)
        self.name = name
        self.reference = reference
        self.optimum = optimum
        self.info = dict(info or {})

    def header_lines(self) -> List[str]:
        """The lines printed above the table (problem, sizes, reference)."""
        i = self.info
        lines = [f"{self.name}: {i.get('variables', '?')} scalar variables, "
                 f"{i.get('constraints', '?')} constraints ({i.get('psd_constraints', '?')} PSD"
                 f"{', orders ' + ', '.join(map(str, i['psd_orders'])) if i.get('psd_orders') else ''})"]
        if self.reference is not None:
            lines.append(self.reference.describe())
        if self.optimum is not None:
            lines.append(f"objective gaps relative to the known optimum {self.optimum:.12g}")
        else:
            lines.append("objective gaps and distances relative to the reference")
        return lines

    def _cells(self) -> Tuple[List[str], List[List[str]]]:
        heads = [h for _, h, _ in _COLUMNS]
        body = [[fmt(r.get(k)) for k, _, fmt in _COLUMNS] for r in self]
        return heads, body

    def __str__(self) -> str:
        heads, body = self._cells()
        widths = [max(len(h), *(len(row[j]) for row in body)) if body else len(h)
                  for j, h in enumerate(heads)]

        def line(cells: List[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        out = list(self.header_lines())
        out.append(line(heads))
        out.append("  ".join("-" * w for w in widths))
        out.extend(line(row) for row in body)
        return "\n".join(out)

    def __repr__(self) -> str:
        return result_repr("ComparisonTable", head=[("name", self.name)], fields=[
            ("rows", len(self)),
            ("solvers", Raw(", ".join(dict.fromkeys(str(r.get("solver")) for r in self))[:90])),
            ("status", Raw(", ".join(f"{r.get('solver')} {r.get('tol', float('nan')):.0e}: "
                                     f"{r.get('status')}" for r in self)[:90])),
            ("reference", None if self.reference is None else
             Raw(f"{self.reference.solver} ({self.reference.row.get('status')})")),
            ("optimum", self.optimum), ("info", self.info)])

    def to_markdown(self, level: int = 3) -> str:
        """The table as GitHub-flavoured markdown, under a heading of ``level``."""
        heads, body = self._cells()
        out = ["#" * level + " " + self.name, ""]
        out += [ln + "  " for ln in self.header_lines()[1:]]
        out.append("")
        out.append("| " + " | ".join(heads) + " |")
        out.append("|" + "|".join("---" for _ in heads) + "|")
        out += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(out) + "\n"

    def rows_for(self, solver: str) -> List[Dict[str, Any]]:
        """The rows of one solver, in tolerance order."""
        return [r for r in self if r["solver"] == solver.upper()]


def _empty_row(solver: str, tol: float) -> Dict[str, Any]:
    """A :class:`ComparisonTable` row with nothing measured yet."""
    nan = float("nan")
    return {"solver": solver, "tol": tol, "status": "", "solver_status": "", "error": "",
            "seconds": nan, "iterations": None, "objective": nan, "objective_gap": nan,
            "primal_residual": nan, "conic_primal_residual": nan, "dual_residual": nan,
            "duality_gap": nan,
            "lmi_margin": nan, "lmi_upper": nan, "lmi_status": "n/a", "lmi_certified": False,
            "lmi": [], "distance": nan}


class BoundsTable(list):
    """The rows of :func:`compare_bounds`: one dict per (solver, tolerance).

    Row keys: ``solver``, ``tol``, ``solver_status``, ``reported`` (the solver's value,
    not proven), ``iterations``, ``seconds`` (the solve), ``err1`` … ``err6``
    (DIMACS, :func:`idl_sdp.conic.dimacs.dimacs_errors`), ``status``, ``lower``,
    ``upper`` and ``width`` of the verified enclosure (:func:`idl_sdp.value_bounds`),
    ``t_bounds`` (the bounds' seconds — proofs and perturbed re-solves — over the
    solve's; VSDP's t/t_s), ``inside``
    (whether ``optimum`` lies in the enclosure, when given), ``bounds`` (the
    :class:`~idl_sdp.ValueBounds`).
    """

    def __init__(self, rows: Iterable[Dict[str, Any]] = (), *, name: str = "problem",
                 optimum: Optional[float] = None):
        super().__init__(rows)
        self.name, self.optimum = name, optimum

    def to_markdown(self) -> str:
        """The table as GitHub-flavoured markdown (one row per solve, no heading)."""
        head = ["solver", "tol", "solver status", "reported", "lower", "upper", "μ",
                "err1", "err2", "err3", "err4", "err5", "err6", "s", "t/t_s"]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self:
            cells = [r["solver"], f"{r['tol']:g}", r["solver_status"], _fmt_obj(r["reported"]),
                     _fmt_obj(r["lower"]), _fmt_obj(r["upper"]), _fmt(r["width"])]
            cells += [_fmt(r[f"err{i}"]) for i in range(1, 7)]
            cells += [f"{r['seconds']:.2f}", _fmt(r["t_bounds"])]
            out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out)

    def __str__(self) -> str:
        return f"{self.name}\n" + self.to_markdown()

    def __repr__(self) -> str:
        return result_repr("BoundsTable", head=[("name", self.name)], fields=[
            ("rows", len(self)),
            ("status", Raw(", ".join(f"{r.get('solver')} {r.get('tol', float('nan')):g}: "
                                     f"{r.get('status')}" for r in self)[:90])),
            ("optimum", self.optimum)])
