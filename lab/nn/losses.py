"""Losses: each returns ``(loss, dscores)`` with ``loss`` the mean over the batch."""

import numpy as np


def l2_loss(pred, target):
    """Mean squared error with the 1/2 factor: L = sum((pred - target)^2) / (2N).

    pred, target: (N, ...) -> loss: float, dpred: like pred
    """
    n = pred.shape[0]
    diff = pred - target
    loss = float(np.sum(diff * diff)) / (2 * n)
    return loss, diff / n


def l1_loss(pred, target):
    """L = sum(|pred - target|) / N; the subgradient at 0 is 0."""
    n = pred.shape[0]
    diff = pred - target
    return float(np.sum(np.abs(diff))) / n, np.sign(diff) / n


def bce_with_logits(logits, target):
    """Binary cross-entropy on raw scores, stable for any logit.

    L = mean(max(s, 0) - s * t + log(1 + exp(-|s|))); dL/ds = (sigmoid(s) - t) / N.
    logits: (N, 1) or (N,), target: scalar or like logits (label smoothing: t = 0.9).
    """
    s = logits
    n = s.shape[0]
    loss = np.maximum(s, 0) - s * target + np.log1p(np.exp(-np.abs(s)))
    e = np.exp(-np.abs(s))
    sig = np.where(s >= 0, 1 / (1 + e), e / (1 + e))
    return float(np.sum(loss)) / n, (sig - target) / n


def softmax(scores):
    """Row-wise softmax with each row's max subtracted first."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(scores, labels):
    """scores: (N, C), labels: (N,) ints -> loss, dscores (N, C)."""
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(np.sum(log_probs[np.arange(n), labels])) / n
    dscores = np.exp(log_probs)
    dscores[np.arange(n), labels] -= 1
    return loss, dscores / n
