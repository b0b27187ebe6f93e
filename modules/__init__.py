"""mlzone landing-zone constructs: one AWS concept per file, secure defaults."""
