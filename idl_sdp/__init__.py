"""idl_sdp: implicit deep learning through its biconvex SDP relaxation, in cvxpy.

The two convex halves of the Fenchel-divergence relaxation (eq 7) are explicit
cvxpy problems — :class:`HiddenStep` (a QP in X ≥ 0) and :class:`ParameterStep`
(an SDP in Θ carrying the LMI) — played against each other by :func:`fit`.
"""
import importlib as _importlib
import inspect as _inspect
import sys as _sys
import types as _types
from typing import Any as _Any, Callable as _Callable

from . import lsq, plots, relax
from ._solvers import SolverError
from .alternate import AlternationResult
from .alternate import alternate as _alternate_function
from .certify import Certificate, CertificateBundle, verify
from .certify import certify as _certify_function
from .driver import FitResult, fit, initial_model
from .estimators import ImplicitClassifier, ImplicitRegressor
from .fenchel import fenchel_divergence, fenchel_divergence_expr
from .hidden_step import HiddenStep, NotConvexError
from .lab import ComparisonTable, compare_solvers
from .lmi import LMI_CHOICES, convexity_matrix
from .model import EquilibriumError, ImplicitModel
from .objective import objective as _objective_function
from .objective import ridge_penalty
from .parameter_step import ParameterStep
from .sdpa import SDPAData, SDPAFormatError, read_sdpa, read_sdpa_data, write_sdpa
from .certify.bounds import ValueBounds, value_bounds

__version__ = "0.1.0"


class _CallableModule(_types.ModuleType):
    """A module that can be called: calling it calls its namesake function.

    ``idl_sdp.certify``, ``idl_sdp.alternate`` and ``idl_sdp.objective`` are both a
    module (a subpackage for ``certify``) and a function. Keeping the module object under
    the name and making it callable lets every spelling work: ``idl_sdp.certify(model)``,
    ``import idl_sdp.certify as pkg``, ``import idl_sdp.certify.bounds`` and
    ``from idl_sdp.certify import verify``. The plain function stays available inside the
    module (``idl_sdp.certify.certify``) for code that needs a real function object.
    """

    def __call__(self, *args: _Any, **kwargs: _Any) -> _Any:
        return self.__dict__["_namesake"](*args, **kwargs)

    def __reduce__(self):
        # Modules cannot be pickled; a callable one is a picklable reference (joblib,
        # multiprocessing), rebuilt by importing it.
        return (_importlib.import_module, (self.__name__,))


def _callable_module(name: str, function: _Callable[..., _Any]) -> _types.ModuleType:
    module = _sys.modules[f"{__name__}.{name}"]
    module._namesake = function
    module.__signature__ = _inspect.signature(function)  # what help() and IDEs show
    module.__class__ = _CallableModule
    return module


certify = _callable_module("certify", _certify_function)
alternate = _callable_module("alternate", _alternate_function)
objective = _callable_module("objective", _objective_function)

__all__ = [
    "AlternationResult", "Certificate", "CertificateBundle", "ComparisonTable", "EquilibriumError", "FitResult", "HiddenStep", "ImplicitClassifier",
    "ImplicitModel", "ImplicitRegressor", "plots",
    "LMI_CHOICES", "NotConvexError", "ParameterStep", "SolverError", "alternate",
    "convexity_matrix", "fenchel_divergence", "fenchel_divergence_expr", "fit",
    "certify", "compare_solvers", "initial_model", "lsq", "relax", "objective", "ridge_penalty", "verify", "__version__",
    "SDPAData", "SDPAFormatError", "read_sdpa", "read_sdpa_data", "write_sdpa",
    "ValueBounds", "value_bounds",
]
