"""Rigorous certificates of positive semidefiniteness for the LMIs of idl_sdp.

Floating-point eigenvalues near zero can have the wrong sign, so a claim such as
"M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0" is certified here only with a proof: an exact rational
LDLᵀ of the matrix formed exactly from the stored floats (the default up to order
:data:`EXACT_MAX_SIZE` = 60), a float Cholesky of M − cI with Rump's rounding-error
bound, or ball arithmetic. A refutation carries a rational vector v with vᵀMv < 0
evaluated exactly. Certificates are saved as JSON and re-checked by :func:`verify`,
which separates "the certificate is valid" from "the condition holds".

>>> cert = certify(model, lam=1.0)                  # doctest: +SKIP
>>> print(cert); cert.to_json("cert.json")          # doctest: +SKIP
>>> res = verify("cert.json", model="model.npz")    # doctest: +SKIP
>>> res.valid, res.holds, res.ok                    # doctest: +SKIP
(True, True, True)
>>> print(res.message)                              # doctest: +SKIP
VALID PROOF: condition 'M': M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0 HOLDS — positive definite by …
"""
from .api import METHODS, WHICH_CHOICES, certify
from .certificate import (
    CERTIFICATE_FORMAT_VERSION, Certificate, CertificateBundle, load_certificate,
)
from .conditions import CONDITIONS, build_condition
from .exact import EXACT_MAX_SIZE
from .rational import ExactMatrix
from .lmi_user import certify_lmi
from .verify import StatementResult, VerificationResult, verify, verify_certificate

__all__ = [
    "CERTIFICATE_FORMAT_VERSION", "CONDITIONS", "Certificate", "CertificateBundle",
    "EXACT_MAX_SIZE", "ExactMatrix", "METHODS", "WHICH_CHOICES", "build_condition",
    "StatementResult", "VerificationResult", "certify", "certify_lmi", "load_certificate", "verify",
    "verify_certificate",
]
