"""Rigorous certificates of positive semidefiniteness for the LMIs of idl_sdp.

Floating-point eigenvalues near zero can have the wrong sign, so a claim such as
"M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0" is certified here only with a proof: an exact rational
LDLᵀ of the matrix formed exactly from the stored floats (the default up to order
:data:`EXACT_MAX_SIZE` = 60), a float Cholesky of M − cI with Rump's rounding-error
bound, or ball arithmetic. A refutation carries a rational vector v with vᵀMv < 0
evaluated exactly. Certificates are saved as JSON and re-checked by :func:`verify`.

>>> cert = certify(model, lam=1.0)                  # doctest: +SKIP
>>> print(cert); cert.to_json("cert.json")          # doctest: +SKIP
>>> verify("cert.json")                             # doctest: +SKIP
(True, 'M: holds — certified positive definite; λ_min ≥ …')
"""
from .api import METHODS, WHICH_CHOICES, certify
from .certificate import (
    CERTIFICATE_FORMAT_VERSION, Certificate, CertificateBundle, load_certificate,
)
from .conditions import CONDITIONS, build_condition
from .exact import EXACT_MAX_SIZE
from .rational import ExactMatrix
from .verify import verify

__all__ = [
    "CERTIFICATE_FORMAT_VERSION", "CONDITIONS", "Certificate", "CertificateBundle",
    "EXACT_MAX_SIZE", "ExactMatrix", "METHODS", "WHICH_CHOICES", "build_condition",
    "certify", "load_certificate", "verify",
]
