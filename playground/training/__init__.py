"""The course's softmax classifier (Lab-06): its data, model, trainer, verdicts, recorded runs and the lab.

The names below are the package's public face, the ones notebooks, benches and tests import from here.
"""
from playground.training.data import course_data
from playground.training.model import SoftmaxClassifier, model_from_seed
from playground.training.trainer import evaluate, train, train_low_level

__all__ = ["SoftmaxClassifier", "course_data", "evaluate", "model_from_seed", "train", "train_low_level"]
