#!/usr/bin/python3
"""Serve an OpenStack WSGI application with werkzeug's threaded server, in one process.

Usage: wsgi-serve NAME PORT MODULE:FACTORY   (NAME only labels the process)

Keystone and Placement ship only WSGI factories (Debian runs them under uwsgi or
Apache); a threaded server in one process is enough for tests and costs ~100 MB.
"""
import importlib
import sys

from werkzeug.serving import run_simple


def main():
    _name, port, target = sys.argv[1:4]
    # oslo.config parses sys.argv inside the factory and rejects our arguments.
    del sys.argv[1:]
    module, factory = target.split(":")
    app = getattr(importlib.import_module(module), factory)()
    run_simple("127.0.0.1", int(port), app, threaded=True)


if __name__ == "__main__":
    main()
