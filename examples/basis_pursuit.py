"""
Basis pursuit: the LP, a factorization and Chambolle–Pock
=========================================================

Recovers a sparse vector from few Gaussian measurements by basis pursuit,
``min ‖z‖₁ s.t. Bz = b``: as an LP in cvxpy (Clarabel), by the smooth factorization
``z = u₁∘u₁ − u₂∘u₂`` through an augmented Lagrangian, and by the primal–dual method of
Chambolle and Pock.

The solver is :func:`idl_sdp.relax.basis_pursuit`; the relaxations are explained in
:doc:`/relaxations`. Saves a convergence plot to the directory given as the first
argument, or in ``$IDL_SDP_OUTPUT_DIR``, or else in a new temporary directory::

    python examples/basis_pursuit.py [output_dir]
"""
import os
import sys
import tempfile

import matplotlib

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")  # standalone: no display needed (the gallery sets its own)
import matplotlib.pyplot as plt
import numpy as np

from idl_sdp.relax import basis_pursuit, sparse_instance


def output_dir() -> str:
    # In a notebook (the gallery's download) sys.argv holds the kernel's own "-f FILE".
    argv = [] if "ipykernel" in sys.modules else sys.argv[1:]
    path = argv[0] if argv else os.environ.get("IDL_SDP_OUTPUT_DIR")
    path = path or tempfile.mkdtemp(prefix="idl_sdp_bp_")
    os.makedirs(path, exist_ok=True)
    return path


# %%
# A small noiseless instance: ``B`` is 40 × 100 Gaussian, ``z*`` has 6 nonzeros.
B, b, z_star, _ = sparse_instance(n=40, d=100, k=6, noise_var=0.0, seed=0)
support = np.flatnonzero(z_star)
print(f"B: {B.shape[0]} × {B.shape[1]}, ‖z*‖₀ = {support.size}, ‖z*‖₁ = "
      f"{np.abs(z_star).sum():.6f}")

# %%
# The three methods, with cheap settings for the iterative ones.
runs = {
    "lp": basis_pursuit(B, b, "lp"),
    "ialm": basis_pursuit(B, b, "ialm", tol=1e-8, time_limit=5.0, seed=0),
    "chambolle_pock": basis_pursuit(B, b, "chambolle_pock", tol=1e-8, max_iter=20000),
}
print(f"{'method':15} {'‖z‖₁':>10} {'‖Bz−b‖':>9} {'‖z−z*‖':>9} {'support':>8} "
      f"{'iters':>6} {'time (s)':>8}  message")
for name, r in runs.items():
    found = np.flatnonzero(np.abs(r.z) > 1e-4 * np.abs(r.z).max())
    same = "exact" if np.array_equal(found, support) else f"{found.size} found"
    print(f"{name:15} {r.objective:10.6f} {r.residual:9.1e} "
          f"{np.linalg.norm(r.z - z_star):9.1e} {same:>8} {r.n_iter:6d} "
          f"{r.seconds:8.2f}  {r.message}")

# %%
# Convergence of the iterative methods: the constraint violation ``‖Bz − b‖`` and the
# objective error against the LP's value, over wall-clock time (from each result's
# ``history``: one record per iteration, ``history.column(key)`` gives one key).
best = runs["lp"].objective
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
for name in ("ialm", "chambolle_pock"):
    h = runs[name].history
    t = np.asarray(h.column("time"))
    ax1.semilogy(t, np.maximum(h.column("feasibility"), 1e-16), label=name)
    ax2.semilogy(t, np.maximum(np.abs(np.asarray(h.column("objective")) - best), 1e-16),
                 label=name)
ax1.set(xlabel="time (s)", ylabel="feasibility", title="constraint violation")
ax2.set(xlabel="time (s)", ylabel="|objective − LP value|", title="objective error")
ax1.legend()
fig.tight_layout()
path = os.path.join(output_dir(), "basis_pursuit.png")
fig.savefig(path, dpi=100)
print(f"figure saved to {path}")
