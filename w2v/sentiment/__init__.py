"""Sentiment: labelled-text readers, sentence features, the L2 softmax regression, the lambda sweep and its report."""
