"""idl_sdp: implicit deep learning through its biconvex SDP relaxation, in cvxpy.

The two convex halves of the Fenchel-divergence relaxation (eq 7) are explicit
cvxpy problems — :class:`HiddenStep` (a QP in X ≥ 0) and :class:`ParameterStep`
(an SDP in Θ carrying the LMI) — played against each other by :func:`fit`.
"""
from . import lsq, plots, relax
from ._solvers import SolverError
from .alternate import AlternationResult, alternate
from .certify import Certificate, CertificateBundle, certify, verify
from .driver import FitResult, fit, initial_model
from .estimators import ImplicitClassifier, ImplicitRegressor
from .fenchel import fenchel_divergence, fenchel_divergence_expr
from .hidden_step import HiddenStep, NotConvexError
from .lab import ComparisonTable, compare_solvers
from .lmi import LMI_CHOICES, convexity_matrix
from .model import EquilibriumError, ImplicitModel
from .objective import objective, ridge_penalty
from .parameter_step import ParameterStep
from .sdpa import SDPAData, SDPAFormatError, read_sdpa, read_sdpa_data, write_sdpa
from .certify.bounds import ValueBounds, value_bounds

__version__ = "0.1.0"

__all__ = [
    "AlternationResult", "Certificate", "CertificateBundle", "ComparisonTable", "EquilibriumError", "FitResult", "HiddenStep", "ImplicitClassifier",
    "ImplicitModel", "ImplicitRegressor", "plots",
    "LMI_CHOICES", "NotConvexError", "ParameterStep", "SolverError", "alternate",
    "convexity_matrix", "fenchel_divergence", "fenchel_divergence_expr", "fit",
    "certify", "compare_solvers", "initial_model", "lsq", "relax", "objective", "ridge_penalty", "verify", "__version__",
    "SDPAData", "SDPAFormatError", "read_sdpa", "read_sdpa_data", "write_sdpa",
    "ValueBounds", "value_bounds",
]
