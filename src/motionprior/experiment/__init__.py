"""Experiments: a grid of policies as resumable `motionprior` jobs, and their results.

`config` (what is compared, named presets), `plan` (the jobs and folders), `runner` (parallel,
resumable execution), `results` (success per arm with intervals, learning curves).
"""
