"""Pricing calculators: user scripts and formulas, run sandboxed in worker processes.

* ``format``   reads a calculator file without running it (title, parameters) and
  validates the values a user gives;
* ``sandbox``  RestrictedPython policy, guards and builtins (runs inside a worker);
* ``formula``  formula calculators: whitelisted syntax, sympy rendering, exact evaluation;
* ``child``    the worker process; ``worker`` the pool of them seen from the platform;
  ``protocol`` the JSON frames between the two;
* ``catalog``  what ``price()``/``item()`` read; ``registry`` where calculators come
  from; ``store`` scripts and runs kept in the site; ``result`` a run's checked result;
* ``api``      what the CLI, the web app and the SDK (``ordercraft.sdk.calc``) call.

Importing this package loads nothing heavy; docs/calculators.md is the guide.
"""
