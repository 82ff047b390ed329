"""Do the Digit canvas models know a non-digit when they see one? Figures on the test sets, new weights vs old.

    python bench/nondigits.py [--nondigits 1000] [--old-ref 17a9eae]

Test sets only (nothing here chooses anything): the card's 2000 MNIST test digits re-drawn with seed 2024, and
test-seed non-digits from ``playground.digits.nondigits``. For each model:
- new: the shipped (outlier-exposure) weights with the verdict rule on their card;
- old: the weights at ``--old-ref`` with the old page's rule ("sure" when top p >= 0.6 and entropy <= 1.5 bits
  shown as "digit", otherwise "not sure"; the old page had no "not a digit");
- old + rule: the old weights with a rule chosen on the validation split the way training chooses it, to tell
  what the thresholds alone do from what the fine-tune does.
Prints figures; asserts nothing (targets: non-digits shown as a confident digit: CNN <= 10%, linear <= 50%;
CNN re-drawn digits "digit and right" >= 97.5%, "not_a_digit" <= 1%; CNN MNIST test >= 99.5%).
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground.digits.reading import rule_from_card  # noqa: E402
from playground.digits import load_model  # noqa: E402
from playground.digits.models import logits_for_forms, MODEL_KINDS  # noqa: E402
from playground.digits.redraw import drawn_forms  # noqa: E402
from playground.digits.mnist import load_mnist  # noqa: E402
from playground.digits.weights import load_card  # noqa: E402
from playground.digits.nondigits import nondigit_forms, TEST_SEED  # noqa: E402
from playground.digits.train import (choose_rule, DRAWING_EVAL_COUNT, DRAWING_EVAL_SEED, MAX_NONDIGITS_AS_DIGIT,  # noqa: E402
                                     validation_split, verdict_figures)

OLD_REF = "17a9eae"  # the last commit before outlier exposure
OLD_SURE_PROBABILITY, OLD_SURE_ENTROPY_BITS = 0.6, 1.5  # the page's rule before outlier exposure


def old_page_verdicts(logits: np.ndarray) -> np.ndarray:
    """The old page's verdict (digits_page.read_verdict), vectorised: "digit" when sure, else "unsure"."""
    z = logits - logits.max(1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    entropy = -(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0)).sum(1)
    sure = (p.max(1) >= OLD_SURE_PROBABILITY) & (entropy <= OLD_SURE_ENTROPY_BITS)
    return np.where(sure, "digit", "unsure")


def old_model(kind: str, ref: str) -> torch.nn.Module:
    """The weights of ``kind`` at git ``ref``, loaded weights-only."""
    data = subprocess.run(["git", "show", f"{ref}:assets/models/{kind}.pt"], cwd=REPO, capture_output=True,
                          check=True).stdout
    model = MODEL_KINDS[kind]()
    model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    return model.eval()


def row(label: str, figures: dict, mnist: float, drawings: float) -> str:
    d, o = figures["digits"], figures["nondigits"]
    return (f"{label:<22} {o['digit']:>9.1%} {d['digit_and_right']:>9.1%} {d['unsure']:>7.1%} {d['not_a_digit']:>8.1%} "
            f"{d['digit_and_wrong']:>7.1%} {mnist:>8.2%} {drawings:>9.2%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nondigits", type=int, default=1000, help="test-seed non-digits (at least 400)")
    parser.add_argument("--old-ref", default=OLD_REF, help="git ref of the old weights")
    args = parser.parse_args()
    torch.set_num_threads(1)

    images, labels = load_mnist("test")
    mnist_forms = images.astype(np.float32) / 255.0
    digits, digit_labels = drawn_forms(images[:DRAWING_EVAL_COUNT], seed=DRAWING_EVAL_SEED), labels[:DRAWING_EVAL_COUNT]
    others, kinds = nondigit_forms(args.nondigits, TEST_SEED)
    val_digits, val_labels, val_others = validation_split(None)
    print(f"test sets: {DRAWING_EVAL_COUNT} MNIST test digits re-drawn (seed {DRAWING_EVAL_SEED}), "
          f"{args.nondigits} non-digits (seed {TEST_SEED}); MNIST test {len(images)}")
    per_kind = {}
    for kind in ("cnn", "linear"):
        card = load_card(kind)
        rule = rule_from_card(card)
        models = {"new": (load_model(kind), rule.verdicts), "old (old page rule)": (old_model(kind, args.old_ref), None)}
        print(f"\n{kind}: new rule {rule}")
        print(f"{'':<22} {'non-digit':>9} {'digit &':>9} {'unsure':>7} {'not a':>8} {'digit &':>7} {'MNIST':>8} "
              f"{'drawings':>9}")
        print(f"{'':<22} {'as digit':>9} {'right':>9} {'':>7} {'digit':>8} {'wrong':>7} {'test':>8} {'argmax':>9}")
        for label, (model, verdicts_of) in models.items():
            d_logits, o_logits = logits_for_forms(digits, model), logits_for_forms(others, model)
            mnist = float((logits_for_forms(mnist_forms, model).argmax(1) == labels).mean())
            drawings = float((d_logits.argmax(1) == digit_labels).mean())
            rules = {label: verdicts_of or old_page_verdicts}
            if verdicts_of is None:
                old_rule, _ = choose_rule(logits_for_forms(val_digits, model), val_labels,
                                          logits_for_forms(val_others, model), MAX_NONDIGITS_AS_DIGIT[kind])
                rules["old + validation rule"] = old_rule.verdicts
            for name, rule_of in rules.items():
                figures = verdict_figures(rule_of, d_logits, digit_labels, o_logits, kinds)
                print(row(name, figures, mnist, drawings))
                short = {"new": "new", "old (old page rule)": "old", "old + validation rule": "old+rule"}[name]
                per_kind[f"{kind} {short}"] = figures["nondigits_shown_as_digit_by_kind"]
            if verdicts_of is None:
                print(f"{'':<22} (old + validation rule: {old_rule})")
    print("\nnon-digits shown as a confident digit, per kind")
    labels_ = list(per_kind)
    print(f"{'kind':<22} " + " ".join(f"{label:>15}" for label in labels_))
    for kind in dict.fromkeys(kinds):
        print(f"{kind:<22} " + " ".join(f"{per_kind[label][kind]:>15.0%}" for label in labels_))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
