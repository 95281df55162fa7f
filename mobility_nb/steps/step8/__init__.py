"""Step 8 of the guide: the measurement plan with baselines, targets and progress."""
