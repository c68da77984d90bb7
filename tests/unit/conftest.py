"""Unit tests run on a busy 2-core CI machine next to Asterisk: a generation test's
property is what it asserts, never how long one example took, so no deadline."""
from hypothesis import settings

settings.register_profile("dialharness-unit", deadline=None)
settings.load_profile("dialharness-unit")
