"""The AutoDL emulator driven the way the skill's `queue_submit.py` drives the real API: plain HTTP
with the raw token in `Authorization`, the `{code, msg, data}` envelope, image pages, the GPU stock in
either shape, polling until GPUs are idle, then one submit."""

import json
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import clean_env


@pytest.fixture
def emulator(skillgate_bin, tmp_path):
    proc = subprocess.Popen(
        [skillgate_bin, "emulator", "--listen", "127.0.0.1:0", "--emulator-time-scale", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=clean_env(tmp_path),
    )
    startup = json.loads(proc.stdout.readline())
    yield startup["endpoint"], startup["autodl"]["token"]
    proc.terminate()
    proc.wait(timeout=10)


def call(base, token, method, path, body=None):
    """One API call as queue_submit.py makes it; returns (http status, envelope)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def stock_of(data):
    """Both shapes, normalised to {name: (idle, total)} as the script does."""
    items = data if isinstance(data, list) else [data]
    out = {}
    for item in items:
        for name, value in item.items():
            out[name] = (value["idle_gpu_num"], value["total_gpu_num"])
    return out


def all_images(base, token):
    images, page = [], 1
    while True:
        _, answer = call(base, token, "POST", "/api/v1/dev/image/private/list", {"page_index": page, "page_size": 100})
        assert answer["code"] == "Success", answer
        images += answer["data"]["list"]
        if not answer["data"]["list"] or page >= answer["data"]["max_page"]:
            return images
        page += 1


def test_a_queue_submit_script_waits_for_stock_then_submits(emulator):
    base, token = emulator
    config = {
        "name": "py-queue", "deployment_type": "ReplicaSet", "replica_num": 1, "reuse_container": True,
        "container_template": {
            "gpu_name_set": ["A100"], "gpu_num": 1, "cuda_v": 118, "cpu_num_from": 1, "cpu_num_to": 100,
            "memory_size_from": 1, "memory_size_to": 256, "cmd": "cd /root && python app.py",
            "price_from": 100, "price_to": 9000, "image_uuid": "image-4f1c2b9d8e",
        },
    }
    names = {i.get("image_uuid") for i in all_images(base, token)}
    assert config["container_template"]["image_uuid"] in names
    # Other tenants hold every A100 for 120 emulated seconds (2 s of real time here).
    occupy = urllib.request.Request(base + "/_emulator/autodl/occupy", method="POST",
                                    data=json.dumps({"gpu_name": "A100", "gpus": 99, "seconds": 120}).encode())
    urllib.request.urlopen(occupy, timeout=10).read()
    started, waited_polls, failures = time.time(), 0, 0
    while True:
        _, answer = call(base, token, "GET", "/api/v1/dev/machine/gpu_stock")
        stock = stock_of(answer["data"])
        if stock["A100"][0] >= 1:
            _, created = call(base, token, "POST", "/api/v1/dev/deployment", config)
            if created["code"] == "Success":
                break
            failures += 1
            assert failures < 3, created
        waited_polls += 1
        assert time.time() - started < 20, "the stock never recovered"
        time.sleep(0.4)
    assert waited_polls >= 1, "the submit really waited"
    uuid = created["data"]["deployment_uuid"]
    _, listed = call(base, token, "POST", "/api/v1/dev/deployment/list", {"page_index": 1, "page_size": 10, "name": "py-queue"})
    assert [d["uuid"] for d in listed["data"]["list"]] == [uuid]
    _, region = call(base, token, "POST", "/api/v1/dev/machine/region/gpu_stock", {"region_sign": "westDC3"})
    assert "A100" in stock_of(region["data"])


def test_errors_are_json_and_business_errors_come_with_200(emulator):
    base, token = emulator
    status, answer = call(base, None, "GET", "/api/v1/dev/machine/gpu_stock")
    assert status == 401 and answer["code"] == "Unauthorized"
    status, answer = call(base, token, "PUT", "/api/v1/dev/deployment/replica_num",
                          {"deployment_uuid": "2c8e4b6a9d1f3e7", "replica_num": 3})
    assert status == 200 and answer["code"] != "Success" and answer["data"] is None
