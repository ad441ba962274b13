"""
Train an implicit model on iris (the demo)
==========================================

What ``make demo`` runs: train an implicit model on iris with the default settings
and compare it with baselines.

:func:`idl_sdp.fit` with its defaults (the ridge strength chosen on a validation split,
``reg="auto"``; at most 20 rounds; Clarabel) and h = 10 hidden units, on iris with
one-hot targets, standardized inputs and a stratified 70/30 split (seed 0). It prints
one line per round and the test accuracy of the *equilibrium* predictions next to
linear least squares, logistic regression and an MLP, then certifies the trained model
in exact rational arithmetic and saves the model and its certificate (to ``build/demo``
under the working directory, or to ``$IDL_SDP_DEMO_DIR``)::

    python examples/train_iris.py
"""
import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

import idl_sdp
from idl_sdp.datasets import load_split


def main() -> None:
    data = load_split("iris", seed=0)
    print("idl_sdp demo: iris, h = 10, 70/30 stratified split, seed 0")
    print("choosing the ridge strength on a validation split (reg='auto') ...")
    header = f"{'round':>5} {'J':>12} {'objective':>12} {'X-step s':>9} {'Θ-step s':>9} {'status':>8} {'‖D‖₂':>7}"

    def show(record, model):
        if record["round"] == 1:
            print(header)
        print(f"{record['round']:>5} {record['J']:>12.5e} {record['objective']:>12.5e} "
              f"{record['x_step_seconds']:>9.3f} {record['theta_step_seconds']:>9.3f} "
              f"{record['solver_status']:>8} {record['norm2_D']:>7.4f}")

    result = idl_sdp.fit(data.U_train, data.Y_train, hidden=10, callback=show, certify=True)
    print(f"reg = {result.reg:g} (validation MSE per candidate: "
          + ", ".join(f"{p['reg']:g}: {p['val_mse']:.4f}" for p in result.reg_path) + ")")
    model = result.model

    def accuracy(pred_labels):
        return float(np.mean(pred_labels == data.y_test))

    idl_acc = accuracy(model.predict(data.U_test).argmax(axis=0))
    Xtr, Xte = data.U_train.T, data.U_test.T
    design = np.hstack([Xtr, np.ones((Xtr.shape[0], 1))])
    W = np.linalg.lstsq(design, data.Y_train.T, rcond=None)[0]
    lin_acc = accuracy((np.hstack([Xte, np.ones((Xte.shape[0], 1))]) @ W).argmax(axis=1))
    logreg_acc = accuracy(LogisticRegression(max_iter=1000).fit(Xtr, data.y_train).predict(Xte))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(10,), max_iter=2000, random_state=0)
        mlp_acc = accuracy(mlp.fit(Xtr, data.y_train).predict(Xte))

    print("\ntest accuracy (45 held-out samples)")
    for name, acc in [("implicit model (equilibrium)", idl_acc),
                      ("linear least squares", lin_acc),
                      ("LogisticRegression", logreg_acc),
                      ("MLPClassifier(10)", mlp_acc)]:
        print(f"  {name:<30} {acc:.4f}")

    wp = model.well_posedness()
    print(f"\nwell-posedness numbers: ‖D‖₂ = {wp['norm2']:.4f}, ‖D‖∞ = {wp['norm_inf']:.4f}, "
          f"pf(|D|) = {wp['pf']:.4f}")
    print("\ncertificate of the trained model (exact rational arithmetic):")
    print(result.certificate)
    outdir = os.environ.get("IDL_SDP_DEMO_DIR", os.path.join("build", "demo"))
    os.makedirs(outdir, exist_ok=True)
    cert_path = os.path.join(outdir, "iris_certificate.json")
    model_path = os.path.join(outdir, "iris_model.npz")
    result.certificate.to_json(cert_path)
    model.save(model_path)
    print(f"\nsaved {model_path} and {cert_path}")
    print("re-check the certificate independently (exit 0: valid and every condition holds) "
          f"with:\n  .venv/bin/idl-sdp verify {cert_path} --model {model_path}")


if __name__ == "__main__":
    main()
