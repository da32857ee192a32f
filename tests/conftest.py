"""Shared test settings. Hypothesis profiles: `dev` (quick, the default) and `ci`
(the full differential run); pick with SYMPARAMS_HYPOTHESIS_PROFILE=ci."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SYMPARAMS_HYPOTHESIS_PROFILE", "dev"))
