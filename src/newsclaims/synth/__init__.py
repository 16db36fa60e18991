"""The synthetic data generator: contract-conformant databases of any size, generated
set-wise inside DuckDB from a seed, optionally with known defects of every rule and a
ground-truth file listing the exact offending records."""

from newsclaims.synth.generator import SynthResult, generate, truth_path_for
from newsclaims.synth.plan import Plan

__all__ = ["Plan", "SynthResult", "generate", "truth_path_for"]
