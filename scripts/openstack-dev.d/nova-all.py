#!/usr/bin/python3
"""All of Nova in one process: osapi_compute, conductor, scheduler and compute.

Usage: nova-all --config-file nova.conf

With `transport_url = fake://` the in-memory driver's exchanges are a class
attribute shared by every transport in the process, so the four services talk
to each other without RabbitMQ. Compute reads the DB directly (as in Nova's
functional tests) instead of going through the conductor. One process uses
~190 MB instead of ~630 MB for four.
"""
import nova.monkey_patch  # noqa: F401  (eventlet monkey patching, must come first)

import sys
import time
import urllib.error
import urllib.request

from oslo_log import log as logging
from oslo_service import service as oslo_service

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova import config
from nova.conductor import rpcapi as conductor_rpcapi
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova import service

import nova_fake_snapshot

CONF = nova.conf.CONF
LOG = logging.getLogger("nova-all")

# Compute registers its resource provider at start and dies if Keystone's
# catalog or Placement is not there yet.
NEEDED = ("http://127.0.0.1:5000/v3", "http://127.0.0.1:8778/")


def _wait_for(url, timeout=240):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("nova-all: %s does not answer" % url)
            time.sleep(0.5)


def main():
    config.parse_args(sys.argv)
    logging.setup(CONF, "nova")
    # Nova builds RPC clients the way oslo.messaging 14 deprecates, and it
    # warns on every one: hundreds of lines a minute.
    logging.getLogger("oslo_messaging.rpc.client").logger.setLevel(logging.ERROR)
    objects.register_all()
    objects.Service.enable_min_version_cache()
    nova_fake_snapshot.apply()
    for url in NEEDED:
        _wait_for(url)

    launcher = oslo_service.ServiceLauncher(CONF, restart_method="mutate")
    launcher.launch_service(service.WSGIService("osapi_compute"))
    for binary, topic in (("nova-conductor", conductor_rpcapi.RPC_TOPIC),
                          ("nova-scheduler", scheduler_rpcapi.RPC_TOPIC),
                          ("nova-compute", compute_rpcapi.RPC_TOPIC)):
        launcher.launch_service(service.Service.create(binary=binary, topic=topic))
    LOG.info("nova-all: api, conductor, scheduler and compute launched")
    launcher.wait()


if __name__ == "__main__":
    main()
