"""Temperature scaling's arithmetic: probabilities stay finite for any logits."""

import warnings

import numpy as np

from bot.nlu.embedding_classifier import softmax
from training.calibration import fit_temperature


def test_softmax_of_large_logits_is_finite_and_sums_to_one() -> None:
    logits = np.array([[900.0, 899.0, -50.0], [0.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        probs = softmax(logits)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0, 0] > probs[0, 1] > probs[0, 2]
    assert np.allclose(probs[1], 1 / 3)


def test_a_small_temperature_sharpens_confident_right_logits() -> None:
    logits = np.array([[2.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
    targets = np.array([0, 1, 0])
    temperature = fit_temperature(logits, targets)
    assert temperature < 1.0  # every prediction is right: sharper is more likely
    scaled = softmax(logits / temperature)
    assert (scaled.argmax(axis=1) == targets).all()
