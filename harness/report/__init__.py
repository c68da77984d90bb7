"""Report writers. They take plain data (outcomes, failures, stats), never a runner."""
