"""The result of :func:`idl_sdp.certify.certify` and its JSON file format.

A certificate file is plain JSON (never pickled). Every file has a ``format``
(``"idl_sdp-certificate"``), a ``format_version`` (:data:`CERTIFICATE_FORMAT_VERSION`)
and a ``kind`` that says what it is about and how :func:`idl_sdp.certify.verify`
checks it:

``"psd"`` (:class:`Certificate`)
    One statement "this exact matrix is PSD (PD)": the condition (``which``, the
    statement text, ``strict``), the float inputs it was built from (``source``,
    required), the *exact* matrix (rational strings ``"p/q"``), the status, the
    method, the proven margin (``float.hex`` and its decimal rendering) with its proof,
    and the witness — everything needed to re-check the claim from scratch.
``"psd-bundle"`` (:class:`CertificateBundle`)
    Several conditions of one model: the list of their ``which`` names, a SHA-256
    ``digest`` over that list and the entries, and the ``"psd"`` entries.

Every field is checked by the verifier, except ``informational`` (float estimates,
timings, notes), which is not part of the proof and is reported as unchecked.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from .._io import atomic_write, read_json
from .._repr import Raw, deprecated_alias, result_repr
from .rational import ExactMatrix, parse_rational

__all__ = [
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_FORMAT_VERSION",
    "CERTIFICATE_KINDS",
    "KIND_PSD",
    "KIND_PSD_BUNDLE",
    "STATUSES",
    "Certificate",
    "CertificateBundle",
    "bundle_digest",
    "load_certificate",
    "read_certificate_json",
]

CERTIFICATE_FORMAT = "idl_sdp-certificate"
_OLD_BUNDLE_FORMAT = "idl_sdp-certificate-bundle"  # format_version 1 only
#: Version tag written to and required in every certificate file.
CERTIFICATE_FORMAT_VERSION = 2
#: ``kind`` of a single PSD statement and of a bundle of them.
KIND_PSD, KIND_PSD_BUNDLE = "psd", "psd-bundle"
#: ``kind`` of an enclosure of a conic problem's optimal value (:func:`value_bounds`).
KIND_VALUE_BOUNDS = "value-bounds"
#: ``kind`` of a max-cut SDP upper bound (and cut) of a stored graph
#: (:func:`idl_sdp.relax.write_maxcut_certificate`).
KIND_MAXCUT_BOUND = "maxcut-bound"
#: The kinds this version reads (:func:`idl_sdp.certify.verify` dispatches on them).
CERTIFICATE_KINDS = (KIND_PSD, KIND_PSD_BUNDLE, KIND_VALUE_BOUNDS, KIND_MAXCUT_BOUND)
STATUSES = ("certified", "violated", "undecided")
WITNESS_KINDS = ("ldl", "cholesky", "arb-eig", "gershgorin", "vector")
MARGIN_PROOF_KINDS = ("psd", "gershgorin", "determinant", "cholesky", "arb-eig", "witness")

#: The fields of a ``"psd"`` certificate, in the order written.
_FIELDS = ("format", "format_version", "kind", "which", "condition", "strict", "status",
           "method", "margin", "margin_decimal", "margin_proof", "order", "matrix",
           "source", "witness", "informational")
_BUNDLE_FIELDS = ("format", "format_version", "kind", "conditions", "digest",
                  "certificates")
#: The fields each witness / margin-proof kind may have.
_WITNESS_FIELDS = {
    "ldl": ({"kind", "order", "rank", "pivots"}, {"scaling"}),
    "cholesky": ({"kind", "scale_exponent", "shift", "L"}, set()),
    "arb-eig": ({"kind", "prec"}, set()),
    "vector": ({"kind", "v", "value"}, set()),
    "gershgorin": ({"kind"}, set()),
    "psd": ({"kind"}, set()),
    "determinant": ({"kind"}, set()),
    "witness": ({"kind"}, set()),
}

_METHOD_TEXT = {
    "exact-ldl": "exact rational LDLᵀ with diagonal pivoting",
    "cholesky": "float Cholesky of M − cI with Rump's a-priori error bound "
                "(and an exact a-posteriori residual)",
    "arb-eig": "ball-arithmetic eigenvalue enclosure (python-flint arb_mat)",
    "gershgorin": "exact Gershgorin discs (diagonal dominance)",
    "eigenvector": "float eigenvector rounded to rationals, vᵀMv evaluated exactly",
    "none": "no method decided it",
}


def _write_json_atomic(data: Mapping[str, Any], path: Union[str, os.PathLike]) -> None:
    def write(fh):
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.write("\n")

    atomic_write(path, write, text=True)


def _read_json(path: Union[str, os.PathLike]) -> Any:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    # Bounded: at most MAX_FILE_BYTES read and MAX_JSON_DEPTH levels parsed (see _io).
    return read_json(path, "certificate JSON file")


def _field(d: Mapping[str, Any], key: str, types: Any, where: str, optional: bool = False):
    if key not in d:
        if optional:
            return None
        raise ValueError(f"{where}: missing field {key!r}")
    val = d[key]
    if val is None and optional:
        return None
    if isinstance(val, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ValueError(f"{where}: field {key!r} must be {types}, got bool")
    if not isinstance(val, types):
        name = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        raise ValueError(f"{where}: field {key!r} must be of type {name}, "
                         f"got {type(val).__name__}")
    return val


def _check_witness(w: Any, where: str, n: int, allowed: tuple) -> Optional[Dict[str, Any]]:
    """Structural validation of a witness / margin proof dict (not its mathematics)."""
    if w is None:
        return None
    if not isinstance(w, dict):
        raise ValueError(f"{where} must be an object or null, got {type(w).__name__}")
    kind = _field(w, "kind", str, where)
    if kind not in allowed:
        raise ValueError(f"{where}: field 'kind' must be one of {allowed}, got {kind!r}")
    required, optional = _WITNESS_FIELDS[kind]
    unknown = sorted(set(w) - required - optional)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} for kind {kind!r}")
    if kind == "ldl":
        order = _field(w, "order", list, where)
        rank = _field(w, "rank", int, where)
        pivots = _field(w, "pivots", list, where)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
            raise ValueError(f"{where}: field 'order' must be a list of integers")
        if len(order) != rank or len(pivots) != rank:
            raise ValueError(f"{where}: 'order' and 'pivots' must both have length rank={rank}")
        for k, pv in enumerate(pivots):
            parse_rational(pv, f"{where}.pivots[{k}]")
        if "scaling" in w:
            scaling = _field(w, "scaling", list, where)
            if len(scaling) != n or not all(
                    isinstance(e, int) and not isinstance(e, bool) for e in scaling):
                raise ValueError(f"{where}: field 'scaling' must be a list of {n} integers")
    elif kind == "cholesky":
        _field(w, "scale_exponent", int, where)
        parse_rational(_field(w, "shift", str, where), f"{where}.shift")
        L = _field(w, "L", list, where)
        if len(L) != n:
            raise ValueError(f"{where}: field 'L' must have {n} rows, got {len(L)}")
        for i, row in enumerate(L):
            if not isinstance(row, list) or len(row) != i + 1:
                raise ValueError(f"{where}: L[{i}] must be a list of {i + 1} entries")
            for j, x in enumerate(row):
                parse_rational(x, f"{where}.L[{i}][{j}]")
    elif kind == "arb-eig":
        _field(w, "prec", int, where)
    elif kind == "vector":
        v = _field(w, "v", list, where)
        if len(v) != n:
            raise ValueError(f"{where}: field 'v' must have {n} entries, got {len(v)}")
        for k, x in enumerate(v):
            parse_rational(x, f"{where}.v[{k}]")
        parse_rational(_field(w, "value", str, where), f"{where}.value")
    elif kind in ("psd", "gershgorin", "determinant", "witness"):
        pass
    else:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    return w


@dataclass
class Certificate:
    """A rigorous verdict on the positive semidefiniteness of one exact matrix.

    Attributes
    ----------
    status : {"certified", "violated", "undecided"}
        ``"certified"``: proven ``⪰ 0`` (``≻ 0`` when ``strict``); ``"violated"``: a
        rational ``v`` with exact ``vᵀMv < 0`` (``≤ 0`` when ``strict``) is in
        ``witness``; ``"undecided"``: no method at the configured cost decided it.
    condition : str
        The condition checked, e.g. ``"M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0"``.
    which : str
        Its key (``"M"``, ``"norm"``, …, or ``"matrix"`` for a plain matrix).
    method : str
        ``"exact-ldl"``, ``"cholesky"``, ``"arb-eig"``, ``"gershgorin"``,
        ``"eigenvector"`` or ``"none"``.
    margin : float or None
        A proven lower bound on λ_min of the matrix, rounded downward.
    witness : dict or None
        The proof data (see the documentation of the file format).
    matrix : ExactMatrix
        The exact rational matrix the claim is about.
    strict : bool
        Whether strict definiteness was required.
    margin_proof : dict or None
        How ``margin`` is proven (re-checked by :func:`~idl_sdp.certify.verify`).
    source : dict
        The float inputs (hex) the matrix was formed from (required in a file: the
        verifier rebuilds the matrix from them).
    info : dict
        Informational values (float λ_min estimate, timings, …); not part of the proof.
        Written as the file's ``informational`` field, which the verifier does not check.
        Formerly ``details``, still readable under that name.
    """

    status: str
    condition: str
    which: str
    method: str
    margin: Optional[float]
    witness: Optional[Dict[str, Any]]
    matrix: ExactMatrix
    strict: bool = False
    margin_proof: Optional[Dict[str, Any]] = None
    source: Dict[str, Any] = field(default_factory=dict)
    info: Dict[str, Any] = field(default_factory=dict)

    details = deprecated_alias("info", "details")

    # ----------------------------------------------------------- conveniences
    @property
    def certified(self) -> bool:
        """``status == "certified"``."""
        return self.status == "certified"

    @property
    def order(self) -> int:
        """The order n of the n×n matrix."""
        return self.matrix.order

    @property
    def witness_vector(self) -> Optional[List[Fraction]]:
        """For ``"violated"``: the rational vector v with exact ``vᵀMv < 0`` (else None)."""
        if not self.witness or self.witness.get("kind") != "vector":
            return None
        return [parse_rational(x, "witness.v") for x in self.witness["v"]]

    @property
    def witness_value(self) -> Optional[Fraction]:
        """For ``"violated"``: the exact value of ``vᵀMv``."""
        if not self.witness or self.witness.get("kind") != "vector":
            return None
        return parse_rational(self.witness["value"], "witness.value")

    def __str__(self) -> str:
        lines = [f"Certificate: {self.status.upper()}",
                 f"  condition: {self.condition}",
                 f"  method:    {_METHOD_TEXT.get(self.method, self.method)}"
                 + (f" (order {self.order})" if self.order else "")]
        if self.margin is None:
            lines.append("  margin:    none proven")
        else:
            lines.append(f"  margin:    λ_min ≥ {self.margin:.6g} (proven lower bound)")
        if self.status == "violated" and self.witness_value is not None:
            v = self.witness_vector
            vv = sum(x * x for x in v) if v else Fraction(1)
            lines.append(f"  witness:   rational v with vᵀMv = {float(self.witness_value):.6g} "
                         f"(exact; vᵀMv / vᵀv = {float(self.witness_value / vv):.6g})")
        elif self.status == "certified" and self.witness:
            kind = self.witness["kind"]
            if kind == "ldl":
                lines.append(f"  witness:   exact LDLᵀ, rank {self.witness['rank']}, "
                             "all pivots > 0, remaining Schur complement = 0"
                             + (" (of diag(2^e)·M·diag(2^e))" if "scaling" in self.witness
                                else ""))
            elif kind == "cholesky":
                lines.append("  witness:   float Cholesky factor L of M·2^t − cI with exact "
                             "residual bound")
            else:
                lines.append(f"  witness:   {kind}")
        elif self.status == "undecided":
            lines.append("  witness:   none (not certified)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        kind = self.witness.get("kind") if isinstance(self.witness, dict) else None
        return result_repr(
            "Certificate",
            head=[("status", self.status), ("which", self.which), ("method", self.method)],
            fields=[("condition", self.condition),
                    ("margin", Raw(repr(self.margin))),  # a proven bound: every digit
                    ("order", self.order), ("strict", self.strict), ("witness", kind),
                    ("info", self.info)])

    # -------------------------------------------------------------------- JSON
    def to_dict(self) -> Dict[str, Any]:
        """The JSON-ready dictionary written by :meth:`to_json`."""
        return {
            "format": CERTIFICATE_FORMAT,
            "format_version": CERTIFICATE_FORMAT_VERSION,
            "kind": KIND_PSD,
            "which": self.which,
            "condition": self.condition,
            "strict": bool(self.strict),
            "status": self.status,
            "method": self.method,
            "margin": None if self.margin is None else float(self.margin).hex(),
            "margin_decimal": None if self.margin is None else repr(float(self.margin)),
            "margin_proof": self.margin_proof,
            "order": self.order,
            "matrix": self.matrix.to_strings(),
            "source": self.source,
            "witness": self.witness,
            "informational": self.info,
        }

    def to_json(self, path: Union[str, os.PathLike]) -> None:
        """Write the certificate to ``path`` as JSON (atomically)."""
        _write_json_atomic(self.to_dict(), path)

    @classmethod
    def from_dict(cls, data: Any, where: str = "certificate") -> "Certificate":
        """Rebuild a certificate from :meth:`to_dict` output, validating every field.

        This checks the *structure* (fields present, of the right type, well formed);
        whether the claim holds is for :func:`idl_sdp.certify.verify`.

        Raises
        ------
        ValueError
            Naming the field that is missing, unknown, of the wrong type or malformed,
            or for another format / format version / kind.
        """
        _check_header(data, where, KIND_PSD)
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise ValueError(f"{where}: unknown field {unknown[0]!r}")
        status = _field(data, "status", str, where)
        if status not in STATUSES:
            raise ValueError(f"{where}: field 'status' must be one of {STATUSES}, "
                             f"got {status!r}")
        which = _field(data, "which", str, where)
        condition = _field(data, "condition", str, where)
        strict = _field(data, "strict", bool, where)
        method = _field(data, "method", str, where)
        margin_hex = _field(data, "margin", str, where, optional=True)
        margin = None
        if margin_hex is not None:
            try:
                margin = float.fromhex(margin_hex)
            except (ValueError, OverflowError):
                raise ValueError(f"{where}: field 'margin' must be a float.hex string, "
                                 f"got {margin_hex[:40]!r}") from None
            if not math.isfinite(margin):
                raise ValueError(f"{where}: field 'margin' must be finite, got {margin}")
        _field(data, "margin_decimal", str, where, optional=True)  # value: checked by verify
        order = _field(data, "order", int, where)
        rows = _field(data, "matrix", list, where)
        matrix = ExactMatrix.from_strings(rows, f"{where}.matrix")
        if matrix.shape != (order, order):
            raise ValueError(f"{where}: field 'matrix' must be {order}×{order} (field "
                             f"'order'), got {matrix.shape[0]}×{matrix.shape[1]}")
        witness = _check_witness(data.get("witness"), f"{where}.witness", order, WITNESS_KINDS)
        margin_proof = _check_witness(data.get("margin_proof"), f"{where}.margin_proof", order,
                                      MARGIN_PROOF_KINDS)
        source = _field(data, "source", dict, where, optional=True) or {}
        info = _field(data, "informational", dict, where, optional=True) or {}
        return cls(status, condition, which, method, margin, witness, matrix, strict,
                   margin_proof, source, info)

    @classmethod
    def from_json(cls, path: Union[str, os.PathLike]) -> "Certificate":
        """Read a certificate written by :meth:`to_json`.

        Raises
        ------
        ValueError
            For a file that is not valid JSON (truncated, corrupted), a bundle, another
            format version, or a field of the wrong type — the message names the field.
        """
        data = _read_json(path)
        if isinstance(data, dict) and data.get("kind") == KIND_PSD_BUNDLE:
            raise ValueError(f"path {os.fspath(path)!r} holds a certificate bundle; "
                             "use CertificateBundle.from_json or load_certificate")
        return cls.from_dict(data, f"certificate {os.fspath(path)!r}")


@dataclass
class CertificateBundle:
    """Certificates of several conditions of one model (``which="all"``).

    Behaves like a read-only mapping from the condition key to its
    :class:`Certificate`, in the order checked.
    """

    certificates: Dict[str, Certificate]

    def __getitem__(self, key: str) -> Certificate:
        return self.certificates[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.certificates)

    def __len__(self) -> int:
        return len(self.certificates)

    def keys(self):
        return self.certificates.keys()

    def values(self):
        return self.certificates.values()

    def items(self):
        return self.certificates.items()

    @property
    def status(self) -> str:
        """``"certified"`` if all are, ``"violated"`` if any is, else ``"undecided"``."""
        statuses = [c.status for c in self.certificates.values()]
        if all(s == "certified" for s in statuses):
            return "certified"
        if any(s == "violated" for s in statuses):
            return "violated"
        return "undecided"

    @property
    def conditions(self) -> List[str]:
        """The ``which`` of each certificate, in order."""
        return [c.which for c in self.certificates.values()]

    def __repr__(self) -> str:
        return result_repr("CertificateBundle", head=[("status", self.status)], fields=[
            ("certified", Raw(f"{sum(c.certified for c in self.values())} of {len(self)}")),
            ("conditions", Raw(", ".join(f"{k}: {c.status}"
                                         for k, c in self.certificates.items())[:96]))])

    def __str__(self) -> str:
        counts = ", ".join(f"{k}: {c.status}" for k, c in self.certificates.items())
        head = (f"Certificate bundle: {self.status.upper()} — "
                f"{sum(c.certified for c in self.values())} of {len(self)} certified ({counts})")
        return "\n".join([head] + [str(c) for c in self.certificates.values()])

    def to_dict(self) -> Dict[str, Any]:
        """The JSON-ready dictionary written by :meth:`to_json`.

        ``conditions`` lists the ``which`` of every entry and ``digest`` is
        :func:`bundle_digest` of that list and the entries, so that dropping,
        duplicating or reordering entries is detected by the verifier.
        """
        entries = [c.to_dict() for c in self.certificates.values()]
        conditions = [e["which"] for e in entries]
        return {
            "format": CERTIFICATE_FORMAT,
            "format_version": CERTIFICATE_FORMAT_VERSION,
            "kind": KIND_PSD_BUNDLE,
            "conditions": conditions,
            "digest": bundle_digest(conditions, entries),
            "certificates": entries,
        }

    def to_json(self, path: Union[str, os.PathLike]) -> None:
        """Write all certificates to one JSON file (atomically)."""
        _write_json_atomic(self.to_dict(), path)

    @classmethod
    def from_dict(cls, data: Any, where: str = "bundle") -> "CertificateBundle":
        """Rebuild a bundle from :meth:`to_dict` output, validating its structure.

        Whether ``conditions`` and ``digest`` match the entries is checked by
        :func:`idl_sdp.certify.verify` (a mismatch makes the bundle invalid).
        """
        _check_header(data, where, KIND_PSD_BUNDLE)
        unknown = sorted(set(data) - set(_BUNDLE_FIELDS))
        if unknown:
            raise ValueError(f"{where}: unknown field {unknown[0]!r}")
        conditions = _field(data, "conditions", list, where)
        if not all(isinstance(c, str) for c in conditions):
            raise ValueError(f"{where}: field 'conditions' must be a list of strings")
        _field(data, "digest", str, where)
        items = _field(data, "certificates", list, where)
        if not items:
            raise ValueError(f"{where}: field 'certificates' must not be empty")
        certs: Dict[str, Certificate] = {}
        for k, item in enumerate(items):
            c = Certificate.from_dict(item, f"{where}.certificates[{k}]")
            certs[c.which if c.which not in certs else f"{c.which}#{k}"] = c
        return cls(certs)

    @classmethod
    def from_json(cls, path: Union[str, os.PathLike]) -> "CertificateBundle":
        """Read a bundle written by :meth:`to_json` (validated like a certificate)."""
        return cls.from_dict(_read_json(path), f"bundle {os.fspath(path)!r}")


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def bundle_digest(conditions: List[str], entries: List[Mapping[str, Any]]) -> str:
    """``"sha256:<hex>"`` over the canonical JSON of the conditions and the entries.

    The canonical form sorts keys, uses ``(",", ":")`` separators and UTF-8; the
    ``informational`` field of each entry is left out (it is not part of the proof).
    """
    stripped = [{k: v for k, v in e.items() if k != "informational"} for e in entries]
    payload = _canonical({"conditions": list(conditions), "certificates": stripped})
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def _check_header(data: Any, where: str, kind: Optional[str] = None) -> str:
    """Check ``format``, ``format_version`` and ``kind``; return the kind."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(data).__name__}")
    fmt = _field(data, "format", str, where)
    if fmt not in (CERTIFICATE_FORMAT, _OLD_BUNDLE_FORMAT):
        raise ValueError(f"{where}: field 'format' must be {CERTIFICATE_FORMAT!r}, "
                         f"got {fmt!r}")
    version = _field(data, "format_version", int, where)
    old = " (version-1 files did not bind their source, statement text and bundle " \
          "entries; re-create the certificate with this version)"
    if version != CERTIFICATE_FORMAT_VERSION:
        raise ValueError(f"{where}: unsupported field 'format_version' {version} "
                         f"(expected {CERTIFICATE_FORMAT_VERSION})"
                         + (old if version == 1 else ""))
    if fmt == _OLD_BUNDLE_FORMAT:
        raise ValueError(f"{where}: field 'format' {fmt!r} is the version-1 bundle "
                         f"format, not {CERTIFICATE_FORMAT!r}" + old)
    got = _field(data, "kind", str, where)
    if got not in CERTIFICATE_KINDS:
        raise ValueError(f"{where}: unknown certificate kind {got[:40]!r} (field 'kind'; "
                         f"this version reads {', '.join(CERTIFICATE_KINDS)})")
    if kind is not None and got != kind:
        raise ValueError(f"{where}: field 'kind' must be {kind!r}, got {got!r}")
    return got


def read_certificate_json(path: Union[str, os.PathLike]) -> Tuple[str, Dict[str, Any]]:
    """Read a certificate file and return ``(kind, data)``.

    Only the top-level ``kind`` (what the certificate is about) is read here; the
    verifier registered for that kind (:data:`idl_sdp.certify.verify.VERIFIERS`) checks
    the rest, including the format and its version.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a file that is not JSON, not a JSON object, or has no string ``kind``
        (a version-1 file of this module is named as such).
    """
    data = _read_json(path)
    where = f"certificate {os.fspath(path)!r}"
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind is None:
        if data.get("format") in (CERTIFICATE_FORMAT, _OLD_BUNDLE_FORMAT):
            _check_header(data, where)  # names the unsupported version
        raise ValueError(f"{where}: missing field 'kind' (what the certificate is about)")
    if not isinstance(kind, str):
        raise ValueError(f"{where}: field 'kind' must be a string, got {type(kind).__name__}")
    return kind, data


def load_certificate(path: Union[str, os.PathLike]) -> Union[Certificate, CertificateBundle]:
    """Read a certificate or a bundle file, whichever ``path`` holds."""
    kind, data = read_certificate_json(path)
    if kind == KIND_PSD_BUNDLE:
        return CertificateBundle.from_dict(data, f"bundle {os.fspath(path)!r}")
    return Certificate.from_dict(data, f"certificate {os.fspath(path)!r}")  # checks kind
