"""
Certificates: proofs of LMIs and of an SDP's optimal value
==========================================================

Floating-point eigenvalues near zero can have the wrong sign, so idl_sdp proves its
claims in exact arithmetic. This example

1. trains a tiny implicit model and certifies its LMIs (:func:`idl_sdp.certify.certify`),
   saves the certificate as JSON and re-checks the file independently
   (:func:`idl_sdp.certify.verify`);
2. encloses the optimal value of a small max-cut SDP written in cvxpy between two
   proven bounds (:func:`idl_sdp.value_bounds`);
3. certifies an LMI of the user's own at a point
   (:func:`idl_sdp.certify.certify_lmi`).

The certificates are explained in :doc:`/certify` and :doc:`/bounds`. The JSON files
go to the directory given as the first argument, or in ``$IDL_SDP_OUTPUT_DIR``, or else
in a new temporary directory::

    python examples/certificates.py [output_dir]
"""
import os
import sys
import tempfile

import cvxpy as cp
import numpy as np

import idl_sdp
from idl_sdp.certify import certify_lmi
from idl_sdp.datasets import load_split


def output_dir() -> str:
    # In a notebook (the gallery's download) sys.argv holds the kernel's own "-f FILE".
    argv = [] if "ipykernel" in sys.modules else sys.argv[1:]
    path = argv[0] if argv else os.environ.get("IDL_SDP_OUTPUT_DIR")
    path = path or tempfile.mkdtemp(prefix="idl_sdp_cert_")
    os.makedirs(path, exist_ok=True)
    return path


out = output_dir()

# %%
# 1. A model's LMIs
# -----------------
# A tiny fit on iris (3 hidden units, 3 rounds), then every condition the model and
# its multipliers allow (``which="all"``): the X-step convexity matrix ``M ⪰ 0``,
# well-posedness ``‖D‖₂ < 1``, ... each proven by an exact rational LDLᵀ.
data = load_split("iris", seed=0)
fit = idl_sdp.fit(data.U_train, data.Y_train, hidden=3, rounds=3, reg=1e-2, solver="fast")
model = fit.model
bundle = idl_sdp.certify(model, lam=fit.lam, which="all")
print(bundle)

# %%
# ``M ⪰ 0`` (the X-step is convex) and well-posedness hold. The fit enforced the
# default ``lmi="linearized"`` condition, which implies ``M ⪰ 0``; ``eq5`` and ``schur``
# are stronger sufficient conditions it did not impose, and here they are *refuted*: an
# exact rational vector with ``vᵀMv < 0`` is attached. A refutation is a proof too.

cert_path = os.path.join(out, "model_certificate.json")
bundle.to_json(cert_path)
model_path = os.path.join(out, "model.npz")
model.save(model_path)
print(f"\ncertificate saved to {cert_path}")

# %%
# The file is re-checked from scratch (the matrices are rebuilt exactly from the
# model's stored floats, and every proof step is redone); ``verify`` separates "the
# certificate is valid" from "the condition holds".
check = idl_sdp.verify(cert_path, model=model_path)
print(f"valid = {check.valid}, holds = {check.holds}")
print(check.message)

# %%
# 2. Proven bounds on an SDP's optimal value
# ------------------------------------------
# The max-cut SDP of the 5-cycle, ``max ¼⟨L, X⟩ s.t. diag X = 1, X ⪰ 0``, whose value
# is known in closed form: ``(25 + 5√5)/8 ≈ 4.5225``.
n = 5
W = np.zeros((n, n))
for i in range(n):
    W[i, (i + 1) % n] = W[(i + 1) % n, i] = 1.0
L = np.diag(W.sum(axis=1)) - W
X = cp.Variable((n, n), symmetric=True)
maxcut_sdp = cp.Problem(cp.Maximize(cp.trace(L @ X) / 4), [cp.diag(X) == 1, X >> 0])
bounds = idl_sdp.value_bounds(maxcut_sdp, solver="CLARABEL")
exact = (25 + 5 * np.sqrt(5)) / 8
print(f"status    {bounds.status}")
print(f"reported  {bounds.reported:.12f}   (Clarabel's value: not proven)")
print(f"lower     {bounds.lower:.12f}")
print(f"upper     {bounds.upper:.12f}")
print(f"width     {bounds.width:.1e}")
print(f"proven:   {bounds.lower:.12f} ≤ optimal value ≤ {bounds.upper:.12f}; "
      f"closed form {exact:.12f} inside: {bounds.lower <= exact <= bounds.upper}")
bounds_path = os.path.join(out, "maxcut_c5_bounds.json")
bounds.to_json(bounds_path)
print(idl_sdp.verify(bounds_path, problem=maxcut_sdp).message)

# %%
# 3. An LMI of your own
# ---------------------
# ``F(x) = F₀ + x₁F₁ + x₂F₂ ⪰ 0`` at a point, written as a cvxpy constraint whose
# variables hold values; the certificate is about the matrix formed exactly from
# cvxpy's coefficients.
x = cp.Variable(2)
F0 = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 1.5]])
F1 = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
F2 = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
lmi = F0 + x[0] * F1 + x[1] * F2 >> 0
for point in ([0.2, 0.1], [0.2, 1.2]):
    x.value = np.array(point)
    cert = certify_lmi(lmi, label="my LMI")
    print(f"x = {point}: {cert.status}, proven λ_min bound {cert.margin}")
