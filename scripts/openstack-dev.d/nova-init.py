#!/usr/bin/python3
"""Nova's first-run database steps in one process.

Usage: nova-init --config-file nova.conf CELL0_DATABASE_URL

Does what `nova-manage api_db sync`, `cell_v2 map_cell0`, `cell_v2 create_cell
--name cell1` and `db sync` (cell0, then cell1) do, in that order, which cells
v2 needs. Each nova-manage run spends ~3 s of CPU importing Nova, and this
chain is the longest of a cold start on 2 busy cores. create_cell stores
nova.conf's transport_url (fake://) in the cell mapping.
"""
import sys

from nova.cmd import manage  # nova.cmd monkey patches eventlet first

from nova import config
from nova import objects
from oslo_log import log as logging


def main():
    cell0_url = sys.argv.pop()
    config.parse_args(sys.argv)
    logging.setup(manage.CONF, "nova")
    objects.register_all()
    cells = manage.CellV2Commands()
    steps = (
        ("api_db sync", manage.ApiDbCommands().sync),
        ("cell_v2 map_cell0", lambda: cells.map_cell0(database_connection=cell0_url)),
        ("cell_v2 create_cell", lambda: cells.create_cell(name="cell1")),
        ("db sync", manage.DbCommands().sync),
    )
    for name, step in steps:
        if step():
            sys.exit("nova-init: %s failed" % name)
        print("nova-init: %s done" % name, flush=True)


if __name__ == "__main__":
    main()
