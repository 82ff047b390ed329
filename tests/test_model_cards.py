"""card_problem: a model card's fields, including the verdict rule the Digit canvas reads from it."""
from __future__ import annotations

import pytest

from playground.digits.weights import card_problem, load_card, rebuild_command, REQUIRED_CARD_FIELDS

VALID = {
    "name": "cnn", "kind": "cnn", "architecture": "a CNN", "parameters": 160858, "epochs": 3, "seed": 0,
    "mnist_test_accuracy": 0.996, "sha256": "0" * 64,
    "verdict_score": "msp", "not_digit_below": 0.5, "sure_from": 0.9,
}


def test_a_valid_card_has_no_problem():
    assert card_problem(VALID, "cnn") is None
    assert card_problem({**VALID, "verdict_score": "logsumexp", "not_digit_below": -3.5, "sure_from": 12}, "cnn") is None


@pytest.mark.parametrize("field", ["verdict_score", "not_digit_below", "sure_from"])
def test_the_verdict_rule_is_required(field):
    assert field in REQUIRED_CARD_FIELDS
    card = {key: value for key, value in VALID.items() if key != field}
    assert card_problem(card, "cnn") == f"it lacks {field}"


@pytest.mark.parametrize("field, value, says", [
    ("verdict_score", 3, "its verdict_score is 3, not text"),
    ("verdict_score", "entropy", "its verdict_score 'entropy' is not one of msp, logsumexp"),
    ("not_digit_below", "0.5", "its not_digit_below is '0.5', not a finite number"),
    ("not_digit_below", float("nan"), "its not_digit_below is nan, not a finite number"),
    ("sure_from", True, "its sure_from is True, not a finite number"),
    ("sure_from", 0.4, "its not_digit_below 0.5 is above its sure_from 0.4"),
    ("sure_from", 1.5, "its msp thresholds are not probabilities in [0, 1]"),
])
def test_a_mistyped_or_inconsistent_rule_is_named(field, value, says):
    assert card_problem({**VALID, field: value}, "cnn") == says


def test_the_rule_is_read_from_the_card():
    from playground.digits.reading import VerdictRule, rule_from_card

    assert rule_from_card(VALID) == VerdictRule("msp", 0.5, 0.9)
    with pytest.raises(ValueError):
        VerdictRule("msp", 0.9, 0.5)
    with pytest.raises(ValueError):
        VerdictRule("energy", 0.1, 0.5)


def test_the_rebuild_command_is_the_shipped_cards_own():
    """The command a broken install is told to run rebuilds the weights the cards describe."""
    cnn, linear = load_card("cnn"), load_card("linear")
    assert rebuild_command("cnn") == cnn["command"]
    assert rebuild_command("linear") == f"{linear['fine_tuned_from']['command']} --out-dir base && {linear['command']}"
    assert linear["fine_tuned_from"]["weights"] == "base/linear.pt"
