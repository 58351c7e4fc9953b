"""Plugins add background jobs to the site's scheduler (hook ``scheduled_jobs``): they run
with ``ordercraft worker --once`` after the core's task jobs and before the mail job."""

from __future__ import annotations

import types

from ordercraft.core import scheduler
from ordercraft.sdk import PluginInfo, hookimpl
from ordercraft.sdk.plugins import ScheduledJob


def test_hook_scheduled_jobs(make_site, caplog):
    calls = []

    def recount(platform, now):
        calls.append(now)
        return [7]

    module = types.ModuleType("recount")
    module.plugin = PluginInfo(name="recount", version="1.0", description="Jobs")
    module.scheduled_jobs = hookimpl(lambda: [
        ScheduledJob("recount-nightly", recount, "recounts"),
        ScheduledJob("send-mail", recount, "a name the core's mail job holds"),
        "not a job"])
    site = make_site(plugins=[], extra_plugins=[module])
    names = [job.name for job in scheduler.site_jobs(site.platform)]
    assert names.index("recount-nightly") + 1 == names.index("send-mail")
    assert names.count("send-mail") == 1
    results = scheduler.run_jobs_once(site.platform)
    assert results["recount-nightly"] == [7] and len(calls) == 1
    assert "already taken" in caplog.text and "not a ScheduledJob" in caplog.text
