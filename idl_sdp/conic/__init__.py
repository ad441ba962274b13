"""Conic forms of cvxpy problems and one adapter per open-source conic solver."""
from .adapters import ConicSolution, solve_conic
from .form import ConicForm, conic_form

__all__ = ["ConicForm", "conic_form", "ConicSolution", "solve_conic"]
