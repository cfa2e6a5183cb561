"""Produces tests/vectors/obs-signature.json with the official OBS Python SDK's own signer."""
import json, sys
import obs
from obs.auth import Authentication
from obs.convertor import Adapter
from importlib.metadata import version

AK, SK = "OBSDEMOAK0000000000", "obs-demo-secret-key-0000000000000000000000"
DATE = "Thu, 03 Dec 2026 10:00:00 GMT"
cases = [
    dict(name="list_buckets_obs", signature="obs", path_style=False, method="GET", bucket=None, key=None, query={}, headers={"Date": DATE}),
    dict(name="list_buckets_location_obs", signature="obs", path_style=False, method="GET", bucket=None, key=None, query={}, headers={"Date": DATE, "x-obs-bucket-type": "OBJECT"}),
    dict(name="create_bucket_obs", signature="obs", path_style=False, method="PUT", bucket="demo-new", key=None, query={}, headers={"Date": DATE, "Content-Type": "application/xml", "Content-Length": "106"}),
    dict(name="create_bucket_acl_obs", signature="obs", path_style=False, method="PUT", bucket="demo-new", key=None, query={}, headers={"Date": DATE, "x-obs-acl": "private", "x-obs-storage-class": "STANDARD"}),
    dict(name="delete_bucket_x_obs_date", signature="obs", path_style=False, method="DELETE", bucket="demo-new", key=None, query={}, headers={"x-obs-date": DATE}),
    dict(name="put_object_md5_meta", signature="obs", path_style=False, method="PUT", bucket="demo-bucket", key="data/train set/a+b.csv", query={}, headers={"Date": DATE, "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "Content-Type": "text/csv", "x-obs-meta-Owner": "  team a  ", "x-obs-acl": "private"}),
    dict(name="get_acl_subresource", signature="obs", path_style=False, method="GET", bucket="demo-bucket", key=None, query={"acl": None, "max-keys": "10"}, headers={"Date": DATE}),
    dict(name="location_subresource_token", signature="obs", path_style=False, method="GET", bucket="demo-bucket", key=None, query={"location": None}, headers={"Date": DATE, "x-obs-security-token": "tok-123"}),
    dict(name="create_bucket_path_style_v2", signature="v2", path_style=True, method="PUT", bucket="demo-new", key=None, query={}, headers={"Date": DATE, "Content-Length": "106"}),
    dict(name="list_buckets_path_style_v2", signature="v2", path_style=True, method="GET", bucket=None, key=None, query={}, headers={"Date": DATE, "x-amz-location": "true"}),
    dict(name="delete_bucket_path_style_v2", signature="v2", path_style=True, method="DELETE", bucket="demo-empty-bucket", key=None, query={}, headers={"Date": DATE}),
    dict(name="object_path_style_obs", signature="obs", path_style=True, method="GET", bucket="demo-bucket", key="datasets/mnist.zip", query={}, headers={"x-obs-date": DATE}),
]
out = {"source": "esdk-obs-python %s, obs.auth.Authentication.doAuth (the SDK's own V2-style signer)" % version("esdk-obs-python"),
       "access_key": AK, "secret_key": SK, "cases": []}
for c in cases:
    ha = Adapter(c["signature"])
    auth = Authentication(AK, SK, c["path_style"], ha, "obs.cn-north-4.myhuaweicloud.com", False)
    r = auth.doAuth(c["method"], c["bucket"], c["key"], dict(c["query"]), dict(c["headers"]))
    out["cases"].append({**c, "string_to_sign": r["CanonicalString"] if "CanonicalString" in r else r[obs.const.CANONICAL_STRING], "authorization": r[obs.const.AUTHORIZATION_HEADER]})
json.dump(out, sys.stdout, indent=2, ensure_ascii=False); print()
