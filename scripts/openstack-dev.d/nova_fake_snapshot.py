"""Dev-only patch: make the fake virt driver's snapshots real Glance images.

Stock FakeDriver.snapshot uploads nothing, so the new image stays `queued`
forever. This copies the server's base image bytes into the snapshot, which
then becomes `active` like on a real cloud.
"""
import io

from nova.compute import task_states
from nova import exception
from nova.image import glance
from nova.virt import fake


def _snapshot(self, context, instance, image_id, update_task_state):
    if instance.uuid not in self.instances:
        raise exception.InstanceNotRunning(instance_id=instance.uuid)
    update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
    image_api = glance.API()
    data = io.BytesIO()
    if instance.image_ref:
        # Without data= the returned iterator is already closed (its finally ran).
        image_api.download(context, instance.image_ref, data=data)
    data.seek(0)
    base = instance.image_meta
    # Glance refuses data (400) before both formats are set on the image.
    metadata = {
        "disk_format": base.disk_format if base.obj_attr_is_set("disk_format") else "qcow2",
        "container_format": (base.container_format
                             if base.obj_attr_is_set("container_format") else "bare"),
    }
    update_task_state(task_state=task_states.IMAGE_UPLOADING,
                      expected_state=task_states.IMAGE_PENDING_UPLOAD)
    image_api.update(context, image_id, metadata, data=data, purge_props=False)


def apply():
    fake.FakeDriver.snapshot = _snapshot
