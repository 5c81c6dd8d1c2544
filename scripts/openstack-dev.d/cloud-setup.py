#!/usr/bin/python3
"""Create what the dev cloud needs, idempotently, over REST with one admin session.

Usage: cloud-setup CLOUDS_YAML keystone
       cloud-setup CLOUDS_YAML fixtures IMAGE_FILE

Names and passwords of the admin and member come from clouds.yaml (clouds
`rpc-dev-admin` and `rpc-dev-member`); service users get $SERVICE_PASSWORD.
One Python process instead of dozens of `openstack` runs (~1 s start-up each).
"""
import os
import sys

import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

REGION = "RegionOne"
SERVICE_USERS = ("glance", "nova", "placement", "neutron")
# service type -> (name, URL); identity comes from `keystone-manage bootstrap`.
ENDPOINTS = {
    "image": ("glance", "http://127.0.0.1:9292"),
    "compute": ("nova", "http://127.0.0.1:8774/v2.1"),
    "network": ("neutron", "http://127.0.0.1:9696"),
    "placement": ("placement", "http://127.0.0.1:8778"),
}
FLAVORS = (  # name, vcpus, ram MB, disk GB
    ("m1.test", 2, 1024, 20),
    ("m1.tiny", 1, 512, 1),
)
NETWORK, SUBNET, CIDR = "testnet", "testnet-subnet", "192.0.2.0/24"
IMAGE = "rpc-dev-base"
# Enough for the tests to boot a few dozen servers in the member project.
NOVA_QUOTAS = {"instances": 50, "cores": 200, "ram": 409600}
NEUTRON_QUOTAS = {"network": 50, "subnet": 50, "port": 500, "router": 20,
                  "security_group": 100, "security_group_rule": 1000}


class Cloud:
    def __init__(self, auth):
        self.sess = ks_session.Session(auth=v3.Password(**auth))

    def call(self, method, service, path, **kw):
        kw.setdefault("endpoint_filter", {"service_type": service, "interface": "public",
                                          "region_name": REGION})
        return self.sess.request(path, method, **kw)

    def get(self, service, path, **kw):
        return self.call("GET", service, path, **kw).json()

    def post(self, service, path, body, **kw):
        return self.call("POST", service, path, json=body, **kw).json()

    def find(self, service, path, key, name, **filters):
        params = dict(filters, name=name)
        items = self.get(service, path, params=params)[key]
        items = [i for i in items if i["name"] == name]
        return items[0] if items else None

    def ensure(self, service, path, key, body, **filters):
        """GET-or-POST by name; returns the resource."""
        found = self.find(service, path, key + "s", body["name"], **filters)
        if found:
            return found
        print("  creating %s %s" % (key, body["name"]))
        return self.post(service, path, {key: body})[key]


def keystone(cloud, member, service_password):
    default = cloud.get("identity", "/domains/default")["domain"]["id"]
    roles = {r["name"]: r["id"] for r in cloud.get("identity", "/roles")["roles"]}
    if "service" not in roles:
        roles["service"] = cloud.ensure("identity", "/roles", "role", {"name": "service"})["id"]

    def user_in_project(user, password, project, role_names):
        project_id = cloud.ensure("identity", "/projects", "project",
                                  {"name": project, "domain_id": default},
                                  domain_id=default)["id"]
        user_id = cloud.ensure("identity", "/users", "user",
                               {"name": user, "password": password, "domain_id": default},
                               domain_id=default)["id"]
        for role in role_names:
            cloud.call("PUT", "identity", "/projects/%s/users/%s/roles/%s"
                       % (project_id, user_id, roles[role]))

    for user in SERVICE_USERS:
        user_in_project(user, service_password, "service", ("admin", "service"))
    user_in_project(member["username"], member["password"], member["project_name"],
                    ("member", "reader"))

    for stype, (name, url) in ENDPOINTS.items():
        service = cloud.ensure("identity", "/services", "service",
                               {"name": name, "type": stype})
        existing = cloud.get("identity", "/endpoints",
                             params={"service_id": service["id"]})["endpoints"]
        for interface in ("public", "internal"):
            if not any(e["interface"] == interface for e in existing):
                print("  creating %s endpoint %s %s" % (interface, stype, url))
                cloud.post("identity", "/endpoints", {"endpoint": {
                    "service_id": service["id"], "interface": interface,
                    "url": url, "region_id": REGION}})


def fixtures(cloud, member, image_file):
    have = {f["name"] for f in cloud.get("compute", "/flavors", params={"is_public": "None"})["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            print("  creating flavor %s" % name)
            cloud.post("compute", "/flavors", {"flavor": {
                "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                "os-flavor-access:is_public": True}})

    net = cloud.ensure("network", "/v2.0/networks", "network", {
        "name": NETWORK, "shared": True,
        "provider:network_type": "flat", "provider:physical_network": "physnet1"})
    cloud.ensure("network", "/v2.0/subnets", "subnet", {
        "name": SUBNET, "network_id": net["id"], "ip_version": 4,
        "cidr": CIDR, "enable_dhcp": False}, network_id=net["id"])

    image = cloud.find("image", "/v2/images", "images", IMAGE)
    if image and image["status"] != "active":  # left over from an interrupted upload
        cloud.call("DELETE", "image", "/v2/images/%s" % image["id"])
        image = None
    if not image:
        print("  creating image %s" % IMAGE)
        image = cloud.call("POST", "image", "/v2/images", json={
            "name": IMAGE, "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public", "architecture": "x86_64"}).json()
        with open(image_file, "rb") as f:
            cloud.call("PUT", "image", "/v2/images/%s/file" % image["id"], data=f.read(),
                       headers={"Content-Type": "application/octet-stream"})

    project = cloud.get("identity", "/projects",
                        params={"name": member["project_name"]})["projects"][0]["id"]
    cloud.call("PUT", "compute", "/os-quota-sets/%s" % project,
               json={"quota_set": NOVA_QUOTAS})
    cloud.call("PUT", "network", "/v2.0/quotas/%s" % project,
               json={"quota": NEUTRON_QUOTAS})


def main():
    clouds_yaml, what = sys.argv[1:3]
    with open(clouds_yaml) as f:
        clouds = yaml.safe_load(f)["clouds"]
    cloud = Cloud(clouds["rpc-dev-admin"]["auth"])
    member = clouds["rpc-dev-member"]["auth"]
    if what == "keystone":
        keystone(cloud, member, os.environ["SERVICE_PASSWORD"])
    elif what == "fixtures":
        fixtures(cloud, member, sys.argv[3])
    else:
        sys.exit("unknown step %r" % what)


if __name__ == "__main__":
    main()
