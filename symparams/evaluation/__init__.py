"""The evaluator's collaborators, one job each: names (scope), rows and rules (recorder),
argument binding, applying catalog layers, repeats and block calls."""
