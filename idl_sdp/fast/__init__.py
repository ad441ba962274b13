"""Fast exact paths for both subproblems (they must agree with the cvxpy problems).

They take the numpy data of :mod:`idl_sdp.step_data` and never see a step object.
"""
from .hidden import HiddenQPResult, kkt_residual, solve_hidden_qp
from .theta import ThetaWorkspace, exact_line_search, solve_theta_fast
from .theta_model import ReducedThetaSDP

__all__ = ["HiddenQPResult", "kkt_residual", "solve_hidden_qp", "ThetaWorkspace",
           "exact_line_search", "solve_theta_fast", "ReducedThetaSDP"]
