"""The course's data sets: the 3-feature train/test split and the 4-feature set trained "by hand".

Values are exactly the course's. ``standardize`` is the course tip on feature scaling, using
training statistics only so the test set never leaks into the model.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class CourseData(NamedTuple):
    """The course's train and test sets as float32 features and int64 labels."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def course_data() -> CourseData:
    """The course's 3-feature, 3-class data set, exactly as printed in the course."""
    x_train = [[1, 2, 1], [1, 3, 2], [1, 3, 4], [1, 5, 5], [1, 7, 5], [1, 2, 5], [1, 6, 6], [1, 7, 7]]
    x_test = [[2, 1, 1], [3, 1, 2], [3, 3, 4]]
    return CourseData(
        torch.tensor(x_train, dtype=torch.float32), torch.tensor([2, 2, 2, 1, 1, 1, 0, 0], dtype=torch.int64),
        torch.tensor(x_test, dtype=torch.float32), torch.tensor([2, 2, 2], dtype=torch.int64),
    )


def low_level_data() -> tuple[Tensor, Tensor]:
    """The course's 4-feature set used for training "by hand" before ``nn.Linear``."""
    x = [[1, 2, 1, 1], [2, 1, 3, 2], [3, 1, 3, 4], [4, 1, 5, 5],
         [1, 7, 5, 5], [1, 2, 5, 6], [1, 6, 6, 6], [1, 7, 7, 7]]
    return torch.tensor(x, dtype=torch.float32), torch.tensor([2, 2, 2, 1, 1, 1, 0, 0], dtype=torch.int64)


def standardize(x_train: Tensor, *others: Tensor) -> tuple[Tensor, ...]:
    """Scale features by the training mean and std (course tip); constant columns only get centred.

    A constant column (the course's bias-like first feature) has std 0, so it is divided by 1
    instead of producing NaN.
    """
    mean = x_train.mean(dim=0)
    std = x_train.std(dim=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return tuple((x - mean) / std for x in (x_train, *others))


def prepared_course_data(standardized: bool = False) -> CourseData:
    """Course data, optionally standardised with the *training* statistics for both splits."""
    data = course_data()
    if not standardized:
        return data
    x_train, x_test = standardize(data.x_train, data.x_test)
    return CourseData(x_train, data.y_train, x_test, data.y_test)
