"""Kaggle Event Recommendation Engine Challenge: a learned ranker and its submission.

The job (:func:`training.kaggle.job.run_kaggle_events`) reads ``train.csv``,
``test.csv`` and ``users.csv``, estimates MAP@200 with cross-validation over
held-out *users* of ``train.csv`` (test users never appear in it), fits a
gradient-boosted ranker on every labelled impression and writes a submission
in the competition format. Small modules, one job each:

- :mod:`training.kaggle.data`: read and check the three files;
- :mod:`training.kaggle.features`: one row per (user, event) pair with
  label-free features, and label-derived event counts computed out of fold;
- :mod:`training.kaggle.model`: the ranker and the popularity ordering;
- :mod:`training.kaggle.metric`: MAP@200 as the competition defined it;
- :mod:`training.kaggle.validation`: cross-validation by user groups;
- :mod:`training.kaggle.submission`: the ``User,Events`` file, written atomically.
"""
