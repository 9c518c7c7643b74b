"""Drop-in checks: a token-classification ``compute_metrics`` (written here
in the shape of Hugging Face's run_ner scripts: logits to label ids to tag
strings, -100 marking ignored sub-tokens) runs unchanged with nerkit's
import, and seqeval's documented examples give seqeval's documented
answers."""

import random

import pytest

import nerkit.metrics
from nerkit.metrics import (accuracy_score, classification_report, f1_score,
                            performance_measure, precision_score, recall_score)

LABEL_LIST = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def make_compute_metrics(metrics_module, return_entity_level_metrics=False):
    # This body is what a training script has; only the import differs.
    classification_report = metrics_module.classification_report

    def compute_metrics(p):
        predictions, labels = p
        predictions = [[max(range(len(tok)), key=tok.__getitem__) for tok in seq]
                       for seq in predictions]
        true_predictions = [
            [LABEL_LIST[p] for (p, l) in zip(prediction, label) if l != -100]
            for prediction, label in zip(predictions, labels)
        ]
        true_labels = [
            [LABEL_LIST[l] for (p, l) in zip(prediction, label) if l != -100]
            for prediction, label in zip(predictions, labels)
        ]
        results = classification_report(true_labels, true_predictions, output_dict=True)
        if return_entity_level_metrics:
            final_results = {}
            for key, value in results.items():
                if isinstance(value, dict):
                    for n, v in value.items():
                        final_results[f"{key}_{n}"] = v
                else:
                    final_results[key] = value
            return final_results
        return {
            "precision": results["micro avg"]["precision"],
            "recall": results["micro avg"]["recall"],
            "f1": results["micro avg"]["f1-score"],
            "accuracy": metrics_module.accuracy_score(true_labels, true_predictions),
        }

    return compute_metrics


def fake_eval_prediction(seed=5, batch=64):
    rng = random.Random(seed)
    logits, labels = [], []
    for _ in range(batch):
        n = rng.randint(3, 30)
        label = [rng.randrange(len(LABEL_LIST)) if rng.random() < 0.8 else -100
                 for _ in range(n)]
        logit = [[rng.random() for _ in LABEL_LIST] for _ in range(n)]
        for k, l in enumerate(label):
            if l != -100 and rng.random() < 0.7:
                logit[k][l] += 1.0
        logits.append(logit)
        labels.append(label)
    return logits, labels


@pytest.mark.parametrize("entity_level", [False, True])
def test_compute_metrics_runs_unchanged(entity_level):
    seqeval_metrics = pytest.importorskip("seqeval.metrics")
    p = fake_eval_prediction()
    ours = make_compute_metrics(nerkit.metrics, entity_level)(p)
    theirs = make_compute_metrics(seqeval_metrics, entity_level)(p)
    assert ours == theirs


Y_TRUE = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
Y_PRED = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
Y_TRUE2 = [["O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"], ["B-PER", "I-PER", "O"]]
Y_PRED2 = [["O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]


def test_seqeval_documented_examples():
    assert f1_score(Y_TRUE2, Y_PRED2, average="micro") == 0.6666666666666666
    assert f1_score(Y_TRUE2, Y_PRED2, average="macro") == 0.75
    assert f1_score(Y_TRUE2, Y_PRED2, average="weighted") == 0.6666666666666666
    assert list(f1_score(Y_TRUE2, Y_PRED2, average=None)) == [0.5, 1.0]
    assert list(precision_score(Y_TRUE2, Y_PRED2, average=None)) == [0.5, 1.0]
    assert recall_score(Y_TRUE2, Y_PRED2, average="macro") == 0.75
    assert accuracy_score(Y_TRUE, Y_PRED) == 0.8
    assert performance_measure(
        [["O", "O", "O", "B-MISC", "I-MISC", "O", "B-ORG"], ["B-PER", "I-PER", "O", "B-PER"]],
        [["O", "O", "B-MISC", "I-MISC", "I-MISC", "O", "O"], ["B-PER", "I-PER", "O", "B-MISC"]],
    ) == {"TP": 3, "FP": 3, "FN": 1, "TN": 4}
    assert classification_report(Y_TRUE, Y_PRED) == (
        "              precision    recall  f1-score   support\n"
        "\n"
        "        MISC       0.00      0.00      0.00         1\n"
        "         PER       1.00      1.00      1.00         1\n"
        "\n"
        "   micro avg       0.50      0.50      0.50         2\n"
        "   macro avg       0.50      0.50      0.50         2\n"
        "weighted avg       0.50      0.50      0.50         2\n"
    )


def test_the_issue_command_prints_seqeval_layout():
    text = classification_report([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]])
    assert text.splitlines()[0] == "              precision    recall  f1-score   support"
    assert text.splitlines()[2] == "         PER       1.00      1.00      1.00         1"
