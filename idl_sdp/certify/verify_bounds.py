"""``verify`` for value-bounds certificates: run the independent exact re-check of
:mod:`idl_sdp.certify.bounds_check` and phrase its verdict as statements."""
from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Mapping, Optional

from .bounds_check import BoundsCheckError, check_value_bounds
from .certificate import KIND_VALUE_BOUNDS

__all__ = ["verify_value_bounds", "problem_form_json"]


def problem_form_json(problem: Any) -> Dict[str, Any]:
    """The conic form (as stored in a certificate) of the object a user names: an SDPA
    file path, a cvxpy problem or a :class:`~idl_sdp.conic.ConicForm`."""
    import cvxpy as cp  # noqa: PLC0415

    from ..conic.form import ConicForm, conic_form  # noqa: PLC0415
    from .bounds import _form_json  # noqa: PLC0415

    if isinstance(problem, (str, os.PathLike)):
        from ..sdpa import read_sdpa  # noqa: PLC0415
        problem = read_sdpa(problem)
    if isinstance(problem, cp.Problem):
        problem = conic_form(problem)
    if not isinstance(problem, ConicForm):
        raise TypeError("problem must be an SDPA file path, a cvxpy.Problem or a "
                        f"ConicForm, got {type(problem).__name__}")
    return _form_json(problem)


def _fmt(v: float) -> str:
    return repr(v) if math.isfinite(v) else ("+inf" if v > 0 else "-inf")


def verify_value_bounds(data: Dict[str, Any], where: str, bindings: Mapping[str, Any]):
    """Re-check a value-bounds certificate (optionally bound to ``problem``)."""
    from .verify import StatementResult, VerificationResult  # noqa: PLC0415

    problem = bindings.get("problem")
    label: Optional[str] = None
    form_json = None
    if problem is not None:
        label = (f"problem {os.fspath(problem)}" if isinstance(problem, (str, os.PathLike))
                 else "the given problem")
        form_json = problem_form_json(problem)
    claim = data.get("claim") if isinstance(data.get("claim"), dict) else {}
    assumed = claim.get("assumptions") or {}
    cond = ""
    if assumed:
        cond = " — UNDER THE USER'S ASSUMPTION " + ", ".join(
            f"{k} = {float.fromhex(v)!r}" for k, v in assumed.items()
            if isinstance(v, str)) + " (not checked)"
    try:
        status, lower, upper = check_value_bounds(data, form_json)
    except BoundsCheckError as exc:
        msg = f"INVALID: {where}: {exc}"
        st = StatementResult("value", "lower ≤ p* ≤ upper", False, None, None, msg)
        return VerificationResult(KIND_VALUE_BOUNDS, False, (st,), msg, label, (str(exc),))
    sense = data["form"]["sense"]
    statements: List[Any] = []

    def add(which: str, text: str) -> None:
        statements.append(StatementResult(which, text, True, True, None,
                                          f"VALID PROOF: {text} HOLDS{cond}"))

    if status == "infeasible":
        add("infeasible", "the problem is infeasible (Farkas certificate)")
    elif status == "unbounded":
        add("unbounded", f"the problem is unbounded ({'min' if sense == 'min' else 'max'} "
                         f"= {'-inf' if sense == 'min' else '+inf'}: a feasible point and "
                         "an improving ray)")
    else:
        if math.isfinite(lower):
            add("lower", f"p* ≥ {_fmt(lower)}")
        if math.isfinite(upper):
            add("upper", f"p* ≤ {_fmt(upper)}")
        for side, eps in sorted((claim.get("no_room") or {}).items()):
            # checked by check_value_bounds above (the claim's ε against its ray)
            cone = "s − εe ∈ K" if side == "primal" else "y − εe ∈ K*"
            add(f"no_room_{side}", f"no feasible point of the {side} has room ε = "
                                   f"{float.fromhex(eps)!r} ({cone} for none): the {side} "
                                   "is within ε of having no interior")
    head = (f"VALID value-bounds certificate ({status}): "
            f"{_fmt(lower)} ≤ p* ≤ {_fmt(upper)}{cond}")
    if not any(st.which in ("lower", "upper", "infeasible", "unbounded")
               for st in statements):
        head += " — it proves no bound (both sides infinite)"
    bind = (f"bound to {label}: its conic form equals the certificate's data entry by "
            "entry" if label else "not bound to a problem (pass --problem FILE.dat-s / "
            "verify(..., problem=) to check that it is about yours)")
    message = "\n".join([head] + [s.message for s in statements] + [bind])
    return VerificationResult(KIND_VALUE_BOUNDS, True, tuple(statements), message, label)
