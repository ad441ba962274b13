"""
k-means by the Peng–Wei SDP: convex relaxation vs nonnegative factorization
===========================================================================

Clusters a small stochastic-ball instance with the Peng–Wei k-means SDP::

    minimise ½⟨D, Z⟩  s.t.  Z1 = 1,  tr Z = k,  Z ≥ 0,  Z ⪰ 0

(``D`` the squared-distance matrix), solved as a convex SDP in cvxpy (Clarabel) and by
its nonnegative Burer–Monteiro factorization ``Z = VVᵀ, V ≥ 0``. The SDP value is a
lower bound on the k-means cost of *every* partition; when it equals the cost of the
rounded clustering, that clustering is proven optimal.

The solver is :func:`idl_sdp.relax.kmeans_sdp`; the relaxation is explained in
:doc:`/relaxations`. Saves a scatter plot to the directory given as the first argument,
or in ``$IDL_SDP_OUTPUT_DIR``, or else in a new temporary directory::

    python examples/kmeans_relaxation.py [output_dir]
"""
import os
import sys
import tempfile

import matplotlib

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")  # standalone: no display needed (the gallery sets its own)
import matplotlib.pyplot as plt
import numpy as np

from idl_sdp.relax import kmeans_sdp, planted_solution, stochastic_balls


def output_dir() -> str:
    # In a notebook (the gallery's download) sys.argv holds the kernel's own "-f FILE".
    argv = [] if "ipykernel" in sys.modules else sys.argv[1:]
    path = argv[0] if argv else os.environ.get("IDL_SDP_OUTPUT_DIR")
    path = path or tempfile.mkdtemp(prefix="idl_sdp_kmeans_")
    os.makedirs(path, exist_ok=True)
    return path


# %%
# A small instance: three unit balls in the plane, 12 points each, centres 3 apart
# (below the 4.83 separation of the recovery theorem, so exact recovery is not
# guaranteed by it).
points, labels = stochastic_balls(k=3, per_ball=12, dim=2, separation=3.0, seed=1)
k = 3
print(f"{points.shape[0]} points in R^{points.shape[1]}, k = {k}")

# %%
# The convex SDP (cvxpy + Clarabel) and the factored method (``"bm"``: an augmented
# Lagrangian with L-BFGS-B subproblems in ``V ≥ 0``). Only the SDP gives a lower bound.
results = {m: kmeans_sdp(points, k, m, labels=labels, seed=0) for m in ("sdp", "bm")}
print(f"{'method':8} {'½⟨D,Z⟩':>10} {'k-means cost':>13} {'lower bound':>12} "
      f"{'misclass.':>9} {'‖Z1−1‖':>9} {'time (s)':>9}")
for m, r in results.items():
    print(f"{m:8} {0.5 * r.sdp_objective:10.4f} {r.kmeans_cost:13.4f} "
          f"{r.lower_bound:12.4f} {r.misclassification:9.3f} {r.infeasibility:9.1e} "
          f"{r.seconds:9.2f}")

sdp = results["sdp"]
gap = sdp.kmeans_cost - sdp.lower_bound
print(f"\nSDP lower bound {sdp.lower_bound:.4f} ≤ optimal k-means cost ≤ "
      f"{sdp.kmeans_cost:.4f} (the rounded clustering); gap {gap:.1e}")
print("(the bound holds up to the solver's tolerance: a gap of order 1e-8 means the "
      "rounded clustering is optimal to that accuracy)")
dist = np.linalg.norm(sdp.Z - planted_solution(labels))
print(f"distance ‖Z_sdp − Z_planted‖_F = {dist:.1e}"
      + (" : the SDP recovered the planted partition" if dist < 1e-5 else ""))

# %%
# The recovered clusters, and the SDP matrix (block diagonal when the relaxation is
# tight).
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
ax1.scatter(points[:, 0], points[:, 1], c=sdp.assignment, cmap="viridis", s=30)
ax1.set_title(f"SDP clustering (misclassified {sdp.misclassification:.1%})")
ax1.set_aspect("equal")
order = np.argsort(labels, kind="stable")
im = ax2.imshow(sdp.Z[np.ix_(order, order)], cmap="magma")
ax2.set_title("Z of the SDP (points by true ball)")
fig.colorbar(im, ax=ax2, shrink=0.8)
fig.tight_layout()
path = os.path.join(output_dir(), "kmeans_relaxation.png")
fig.savefig(path, dpi=100)
print(f"figure saved to {path}")
