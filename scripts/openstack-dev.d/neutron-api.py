#!/usr/bin/python3
"""Neutron's API in one process, without RPC or periodic workers.

Stock neutron-server always forks an RPC worker and a periodic worker (~150 MB
each) that only matter to agents, and there are none here.
Config files come from OS_NEUTRON_CONFIG_DIR / OS_NEUTRON_CONFIG_FILES.
"""
import neutron.cmd.eventlet  # noqa: F401  (eventlet monkey patching, must come first)

import os
import signal

from oslo_log import log as logging

from neutron import server
from neutron import service

LOG = logging.getLogger("neutron-api")


def _run():
    api = service.serve_wsgi(service.NeutronApiService)

    # Without a service launcher nothing handles SIGTERM and the process would
    # ignore it (eventlet's hub swallows the default action).
    def _terminate(signum, _frame):
        LOG.info("caught signal %s, exiting", signum)
        os._exit(0)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    api.wait()


if __name__ == "__main__":
    server.boot_server(_run)
