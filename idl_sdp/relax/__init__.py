"""A teaching gallery of convex relaxations, their factorizations and augmented Lagrangians.

* :func:`maxcut` — the max-cut SDP: cvxpy (``"sdp"``), Burer–Monteiro on the oblique
  manifold (``"bm"``), and the factorized problem through the generic augmented
  Lagrangian (``"ialm"``, ``"linearized_al"``); every result carries a dual upper
  bound (:func:`maxcut_certificate`) and Goemans–Williamson cuts (:func:`gw_rounding`).
  :func:`read_gset` reads the Gset benchmark graphs (:func:`toroidal_grid` makes
  more of their hardest type); :func:`weights_from_edges` turns
  an edge list into ``W`` (``maxcut(edges=...)`` does it for you);
  :func:`write_maxcut_certificate` (``MaxCutResult.to_json``) exports a bound that
  ``idl-sdp verify`` re-checks exactly.
* :func:`kmeans_sdp` — the Peng–Wei k-means SDP and its nonnegative factorization.
* :func:`basis_pursuit` — ``min ‖z‖₁ s.t. Bz = b``: LP, factorization, Chambolle–Pock.
* :func:`augmented_lagrangian` — the generic inexact / linearized augmented Lagrangian
  method for ``min f(x) + g(x) s.t. A(x) = 0`` that the factorized problems instantiate.
"""
from ._result import BasisPursuitResult, DualBound, KMeansResult, MaxCutResult
from .basis_pursuit import BP_METHODS, basis_pursuit, sparse_instance
from .gset import read_gset, toroidal_grid
from .ialm import ALMResult, accelerated_proximal_gradient, augmented_lagrangian
from .kmeans import (KMEANS_METHODS, digits_probabilities, kmeans_cost, kmeans_sdp,
                     misclassification_rate, planted_solution, squared_distances,
                     stochastic_balls)
from .maxcut import (MAXCUT_METHODS, default_rank, gw_rounding, laplacian, maxcut,
                     maxcut_certificate, weights_from_edges)
from ..certify.maxcut_cert import write_maxcut_certificate

__all__ = [
    "ALMResult", "BP_METHODS", "BasisPursuitResult", "DualBound", "KMEANS_METHODS",
    "KMeansResult", "MAXCUT_METHODS", "MaxCutResult", "accelerated_proximal_gradient",
    "augmented_lagrangian", "basis_pursuit", "default_rank", "digits_probabilities",
    "gw_rounding", "kmeans_cost", "kmeans_sdp", "laplacian", "maxcut",
    "maxcut_certificate", "misclassification_rate", "planted_solution", "read_gset",
    "sparse_instance", "squared_distances", "stochastic_balls", "toroidal_grid",
    "weights_from_edges",
    "write_maxcut_certificate",
]
