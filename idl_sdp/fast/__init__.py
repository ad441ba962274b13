"""Fast exact paths for both subproblems (they must agree with the cvxpy problems)."""
from .hidden import HiddenQPResult, kkt_residual, solve_hidden_qp
from .theta import solve_theta_active_set

__all__ = ["HiddenQPResult", "kkt_residual", "solve_hidden_qp", "solve_theta_active_set"]
