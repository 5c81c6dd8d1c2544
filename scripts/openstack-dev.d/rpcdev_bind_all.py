"""Dev-only ML2 mechanism driver: binds every port as an OVS port, ACTIVE.

With no L2 agent, stock drivers leave ports `binding_failed` and Nova aborts the
boot with PortBindingFailed. Nothing is plugged anywhere; no traffic flows.
Registered as `rpcdev_bind_all` by rpcdev_bind_all-0.1.dist-info/entry_points.txt.
"""
from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True},
                                status=constants.PORT_STATUS_ACTIVE)
            return
