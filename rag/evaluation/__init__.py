"""Measuring the assistant on QA sets: formats, metrics, the run and its report."""
