#!/usr/bin/python3
"""Test Kubernetes API server for lbkit (Python 3 standard library only).

It speaks the real API's wire protocol closely enough for kubectl: TLS with a
test CA, bearer tokens, discovery (aggregated and legacy), chunked watches with
bookmarks and 410 Expired, list pagination, merge/strategic/JSON patch, the
/status subresource, Leases and Events.  It also misbehaves on request.

Usage:
  /usr/bin/python3 t/k8s/apiserver.py --dir DIR [options]

Options:
  --dir DIR               state dir: ca.crt ca.key server.crt server.key
                          client.crt client.key (CN admin), kubeconfig, port,
                          control-port, state.json (with --persist).  Certs are
                          made with openssl on first start and reused after.
  --listen ADDR           address to listen on (repeatable; default 127.0.0.1).
  --port N                API port (default 0 = ephemeral; all --listen share it).
  --control-port N        plain-HTTP control port on 127.0.0.1 (default 0).
  --token TOKEN           bearer token with full access (repeatable; default
                          "test-token" when neither --token nor --rules is given).
  --rules FILE            lines "TOKEN USER RESOURCES VERBS" (comma lists, * = all,
                          RESOURCES are plurals or plural/subresource, # comments).
                          A client certificate authenticates as its CN; CN
                          "admin" may do anything, other CNs get their USER's rules.
  --history N             watch history kept (events, default 10000).
  --bookmark-interval S   BOOKMARK period on watches that allow them (default 60).
  --watch-timeout S       watch length when timeoutSeconds is absent (default 1800).
  --persist               load DIR/state.json at start, save it on SIGTERM/SIGINT
                          and on POST /save (objects, resourceVersion, history).
  --seed FILE             create objects from FILE (a List, or JSON lines) at start.
  --no-aggregated-discovery  answer discovery only in the legacy form.
  --no-managed-fields     do not add metadata.managedFields.
  --no-openapi            answer 404 on /openapi/* (kubectl create then needs
                          --validate=false).
  --request-log FILE      append each request as a JSON line (as GET /log shows).

A fresh store holds the namespaces default, kube-system, kube-public and
kube-node-lease and the Service default/kubernetes, as a new cluster does.

On start it prints one line, "apiserver https://127.0.0.1:PORT control
http://127.0.0.1:CPORT", and writes DIR/port and DIR/control-port (readiness).
SIGTERM/SIGINT: end watches, save (--persist), exit 0.

Control API (plain HTTP, 127.0.0.1:CPORT, no auth; answers are JSON):
  GET  /state                      {"resourceVersion","compacted","watches","objects","requests"}
  GET  /watches                    open watch streams
  GET  /wait?watches=N&timeout=S   until >= N watches are open (200) or 408
  POST /cut?mode=M&when=W&rst=1&match=RE
       end watch streams whose path?query matches RE (default all).  M: abrupt
       (close, no last chunk; default), clean (last chunk), midline (a full
       chunk holding half of an event line, then close), midchunk (a chunk
       header for a whole line, half its bytes, then close).  W: now (default;
       midline/midchunk then tear a BOOKMARK line) or next (tear the next event).
       rst=1 closes with a TCP RST instead of FIN.
  POST /stall?seconds=N&midline=1  watch streams send nothing for N s (<= 600);
       midline=1 sends half of the next line first.
  POST /compact                    forget history: older resourceVersions give 410
  POST /delete?path=P[&path=P..][&cut=0]
       delete objects by API path without watch events ("while disconnected"):
       open watches are cut first (unless cut=0) and history is compacted.
  POST /fail?count=N&status=S&retry_after=T&match=RE&method=M
       the next N API requests matching (after authentication) fail with a
       Status of code S (default 500); 429/503 carry Retry-After T (default 1).
  POST /seed                       body: a List or JSON lines; objects created as by POST
  GET  /log?since=SEQ              request log, JSON lines {"seq","method","path",
                                   "query","user","status","body","content_type"}
  POST /log/clear
  POST /save                       write DIR/state.json now
  POST /shutdown                   as SIGTERM

kubectl: `kubectl --kubeconfig DIR/kubeconfig --cache-dir D ...` works with
validation on: /openapi/v3 advertises the fieldValidation parameter, so
kubectl leaves validation to the server, which accepts any fields (with
--no-openapi, `kubectl create -f` needs --validate=false).  Tried with kubectl
1.32: get (-o json, -w, tables fall back to kubectl's own), create, apply
(client-side), patch (strategic, merge, json, --subresource=status), label,
describe, delete; `apply --server-side` is refused with 415 as on a server
without it.
Differences from a real server: no admission, no field schemas, strategic
merge patch is a merge patch (lists are replaced), deletion is immediate
(no finalizers), namespace deletion removes its objects at once.
"""

import argparse
import base64
import bisect
import copy
import datetime
import hashlib
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KUBE_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-lbkit-test",
                "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": "go1.23.0", "compiler": "gc", "platform": "linux/amd64"}

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
MAX_BODY = 16 << 20
AGG_CT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


class Res:
    """One API resource; objects are stored per (group, plural), whatever version is asked."""

    def __init__(self, group, versions, plural, singular, kind, namespaced,
                 short=(), status=False, fields=()):
        self.group, self.versions, self.plural = group, versions, plural
        self.singular, self.kind, self.namespaced = singular, kind, namespaced
        self.short, self.status, self.fields = list(short), status, fields
        self.rkey = (group, plural)
        self.custom = group.endswith("metallb.io")

    def api_version(self, version):
        return version if not self.group else self.group + "/" + version


RESOURCES = [
    Res("", ["v1"], "namespaces", "namespace", "Namespace", False, ["ns"], True,
        ("status.phase",)),
    Res("", ["v1"], "nodes", "node", "Node", False, ["no"], True, ("spec.unschedulable",)),
    Res("", ["v1"], "services", "service", "Service", True, ["svc"], True),
    Res("", ["v1"], "endpoints", "endpoints", "Endpoints", True, ["ep"]),
    Res("", ["v1"], "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    Res("", ["v1"], "secrets", "secret", "Secret", True, [], False, ("type",)),
    Res("", ["v1"], "events", "event", "Event", True, ["ev"], False,
        ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
         "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
         "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")),
    Res("", ["v1"], "pods", "pod", "Pod", True, ["po"], True,
        ("spec.nodeName", "status.phase", "status.podIP")),
    Res("discovery.k8s.io", ["v1"], "endpointslices", "endpointslice", "EndpointSlice", True),
    Res("coordination.k8s.io", ["v1"], "leases", "lease", "Lease", True),
    Res("metallb.io", ["v1beta1"], "ipaddresspools", "ipaddresspool", "IPAddressPool", True,
        [], True),
    Res("metallb.io", ["v1beta1"], "l2advertisements", "l2advertisement", "L2Advertisement", True),
    Res("metallb.io", ["v1beta1"], "bgpadvertisements", "bgpadvertisement", "BGPAdvertisement",
        True),
    Res("metallb.io", ["v1beta1"], "communities", "community", "Community", True),
    Res("metallb.io", ["v1beta1"], "bfdprofiles", "bfdprofile", "BFDProfile", True),
    Res("metallb.io", ["v1beta2", "v1beta1"], "bgppeers", "bgppeer", "BGPPeer", True),
]
BY_GVR = {(r.group, v, r.plural): r for r in RESOURCES for v in r.versions}
BY_RKEY = {r.rkey: r for r in RESOURCES}
BY_KIND = {(r.group, r.kind): r for r in RESOURCES}


def group_versions():
    """Groups in discovery order, each with its versions, preferred first."""
    out = {}
    for r in RESOURCES:
        if not r.group:
            continue
        vs = out.setdefault(r.group, [])
        for v in r.versions:
            if v not in vs:
                vs.append(v)
    # Kubernetes version priority: GA > beta > alpha, then higher number first.
    def prio(v):
        m = re.match(r"v(\d+)(?:(alpha|beta)(\d+))?$", v)
        level = {"alpha": 0, "beta": 1, None: 2}[m.group(2)]
        return (level, int(m.group(1)), int(m.group(3) or 0))
    return {g: sorted(vs, key=prio, reverse=True) for g, vs in out.items()}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
               405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
               411: "LengthRequired", 413: "RequestEntityTooLarge",
               415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
               500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}

    def __init__(self, code, message, reason=None, details=None, headers=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or self.REASONS.get(code, "Unknown")
        self.details, self.headers = details, headers or {}

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": self.message, "reason": self.reason}
        if self.details:
            st["details"] = self.details
        st["code"] = self.code
        return st


def not_found(res, name):
    return ApiError(404, '%s "%s" not found' % (qualified(res), name),
                    details={"name": name, "group": res.group, "kind": res.plural}
                    if res.group else {"name": name, "kind": res.plural})


def qualified(res):
    return res.plural + ("." + res.group if res.group else "")


def conflict(res, name):
    return ApiError(409, 'Operation cannot be fulfilled on %s "%s": the object has been '
                    'modified; please apply your changes to the latest version and try again'
                    % (qualified(res), name),
                    details={"name": name, "group": res.group, "kind": res.plural})


def invalid(res, name, field, msg):
    return ApiError(422, '%s "%s" is invalid: %s: %s' % (res.kind, name, field, msg),
                    details={"name": name, "group": res.group, "kind": res.kind,
                             "causes": [{"reason": "FieldValueInvalid", "message": msg,
                                         "field": field}]})


# --- selectors -------------------------------------------------------------

LABEL_KEY = r"(?:[a-z0-9A-Z.-]+/)?[a-zA-Z0-9](?:[-a-zA-Z0-9_.]*[a-zA-Z0-9])?"
LABEL_VAL = r"(?:[a-zA-Z0-9](?:[-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?"


def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_label_selector(sel):
    """Kubernetes label selector syntax (k8s.io/apimachinery/pkg/labels) -> predicate."""
    reqs = []
    if not sel or not sel.strip():
        return lambda labels: True
    for term in split_top(sel):
        t = term.strip()
        m = re.fullmatch(r"(%s)\s+(in|notin)\s+\(([^)]*)\)" % LABEL_KEY, t)
        if m:
            vals = {v.strip() for v in m.group(3).split(",") if v.strip()}
            if not vals or not all(re.fullmatch(LABEL_VAL, v) for v in vals):
                raise ApiError(400, "unable to parse requirement: values for %r are invalid"
                               % m.group(1))
            reqs.append((m.group(2), m.group(1), vals))
            continue
        m = re.fullmatch(r"(!?)\s*(%s)" % LABEL_KEY, t)
        if m:
            reqs.append(("!exists" if m.group(1) else "exists", m.group(2), None))
            continue
        m = re.fullmatch(r"(%s)\s*(==|=|!=|>|<)\s*(%s)" % (LABEL_KEY, LABEL_VAL), t)
        if m and not (m.group(2) in "<>" and not re.fullmatch(r"-?\d+", m.group(3))):
            op = {"==": "=", "=": "="}.get(m.group(2), m.group(2))
            reqs.append((op, m.group(1), m.group(3)))
            continue
        raise ApiError(400, "unable to parse requirement: found %r, expected a label selector"
                       % t)

    def match(labels):
        for op, k, v in reqs:
            has = k in labels
            if op == "exists" and not has or op == "!exists" and has:
                return False
            if op == "=" and labels.get(k) != v:
                return False
            if op == "!=" and has and labels[k] == v:
                return False
            if op == "in" and labels.get(k) not in v:
                return False
            if op == "notin" and has and labels[k] in v:
                return False
            if op in "<>" and op in ("<", ">"):
                try:
                    n = int(labels[k])
                except (KeyError, ValueError):
                    return False
                if (op == ">" and not n > int(v)) or (op == "<" and not n < int(v)):
                    return False
        return True
    return match


def parse_field_selector(sel, res):
    """Field selectors: metadata.name and metadata.namespace everywhere, a few per kind."""
    reqs = []
    if not sel or not sel.strip():
        return lambda fields: True
    for term in sel.split(","):
        m = re.fullmatch(r"\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*([^,]*?)\s*", term)
        if not m:
            raise ApiError(400, 'invalid selector: %r; can\'t understand %r' % (sel, term))
        field = m.group(1)
        if field not in ("metadata.name", "metadata.namespace") + tuple(res.fields):
            raise ApiError(400, 'field label not supported: %s' % field)
        reqs.append((field, m.group(2) != "!=", m.group(3)))
    return lambda fields: all((fields.get(f, "") == v) == eq for f, eq, v in reqs)


def dig(obj, path):
    for p in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


# --- storage ---------------------------------------------------------------

class Obj:
    """A stored object: its JSON bytes plus what selectors and paging read."""
    __slots__ = ("raw", "ns", "name", "labels", "fields", "rv")

    def __init__(self, res, d):
        self.raw = dumps(d)
        md = d["metadata"]
        self.ns, self.name = md.get("namespace", ""), md["name"]
        self.labels = md.get("labels") or {}
        self.rv = int(md["resourceVersion"])
        self.fields = {"metadata.name": self.name, "metadata.namespace": self.ns}
        for f in res.fields:
            v = dig(d, f)
            self.fields[f] = "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))

    def key(self):
        return self.ns + "/" + self.name if self.ns else self.name

    def dict(self):
        return json.loads(self.raw)


METADATA_ORDER = ("name", "generateName", "namespace", "uid", "resourceVersion", "generation",
                  "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "labels", "annotations", "ownerReferences", "finalizers", "managedFields")


def canonical_metadata(md):
    """ObjectMeta fields in the order the apiserver's encoder writes them."""
    out = {k: md[k] for k in METADATA_ORDER if k in md}
    out.update((k, v) for k, v in md.items() if k not in out)
    return out


class Store:
    def __init__(self, history_max):
        self.cond = threading.Condition()
        self.rv = 1
        self.compacted = 1
        self.objects = {r.rkey: {} for r in RESOURCES}
        self.sorted_keys = {r.rkey: [] for r in RESOURCES}
        self.history = []          # (rv, type, rkey, Obj new, Obj prev)
        self.history_rvs = []
        self.history_max = history_max
        self.watchers = set()
        self.cluster_ip = 0
        self.node_port = 0

    # All mutation happens with self.cond held.
    def commit(self, res, new, prev, etype, silent=False):
        """Store new (None = delete) with the next resourceVersion; queue watch events."""
        self.rv += 1
        objs, keys = self.objects[res.rkey], self.sorted_keys[res.rkey]
        if etype == "DELETED":
            d = prev.dict()
            d["metadata"]["resourceVersion"] = str(self.rv)   # as etcd3 reports deletions
            new_obj = Obj(res, d)
            key = prev.key()
            del objs[key]
            i = bisect.bisect_left(keys, key)
            del keys[i]
        else:
            new["metadata"]["resourceVersion"] = str(self.rv)
            new["metadata"] = canonical_metadata(new["metadata"])
            new_obj = Obj(res, new)
            key = new_obj.key()
            if key not in objs:
                bisect.insort(keys, key)
            objs[key] = new_obj
        ev = (self.rv, etype, res.rkey, new_obj, prev)
        self.history.append(ev)
        self.history_rvs.append(self.rv)
        if len(self.history) > self.history_max + self.history_max // 4:
            cut = len(self.history) - self.history_max
            self.compacted = self.history_rvs[cut - 1]
            del self.history[:cut]
            del self.history_rvs[:cut]
        if not silent:
            for w in list(self.watchers):
                w.offer(ev)
        self.cond.notify_all()
        return new_obj

    def compact(self):
        self.compacted = self.rv
        self.history.clear()
        self.history_rvs.clear()

    def events_after(self, rv):
        i = bisect.bisect_right(self.history_rvs, rv)
        return self.history[i:]

    def snapshot_overlay(self, rkey, rv):
        """Objects of rkey as they were at rv: {key: Obj or None} for keys changed since."""
        overlay = {}
        for ev in self.events_after(rv):
            if ev[2] != rkey:
                continue
            key = ev[3].key()
            if key not in overlay:
                overlay[key] = ev[4] if ev[1] != "ADDED" else None
        return overlay

    def to_json(self):
        return {"resourceVersion": self.rv, "compacted": self.compacted,
                "clusterIP": self.cluster_ip, "nodePort": self.node_port,
                "objects": [[list(rk), o.raw.decode()] for rk, objs in self.objects.items()
                            for o in objs.values()],
                "history": [[rv, t, list(rk), n.raw.decode(), p.raw.decode() if p else None]
                            for rv, t, rk, n, p in self.history]}

    def load_json(self, st):
        self.rv, self.compacted = st["resourceVersion"], st["compacted"]
        self.cluster_ip, self.node_port = st.get("clusterIP", 0), st.get("nodePort", 0)
        for rk, raw in st["objects"]:
            res = BY_RKEY[tuple(rk)]
            o = Obj(res, json.loads(raw))
            self.objects[res.rkey][o.key()] = o
        for rk, keys in self.sorted_keys.items():
            keys.extend(sorted(self.objects[rk]))
        for rv, t, rk, n, p in st["history"]:
            res = BY_RKEY[tuple(rk)]
            self.history.append((rv, t, res.rkey, Obj(res, json.loads(n)),
                                 Obj(res, json.loads(p)) if p else None))
            self.history_rvs.append(rv)


# --- patches ---------------------------------------------------------------

def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strip_directives(patch):
    """Strategic merge patch directives ($patch, $retainKeys, ...) have no meaning here."""
    if isinstance(patch, dict):
        return {k: strip_directives(v) for k, v in patch.items() if not k.startswith("$")
                and not k.startswith("$setElementOrder/")}
    if isinstance(patch, list):
        return [strip_directives(v) for v in patch]
    return patch


def json_pointer(doc, ptr):
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise ApiError(422, "the JSON pointer %r does not start with /" % ptr)
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr[1:].split("/")]


def json_patch(doc, ops):
    """RFC 6902 JSON Patch."""
    if not isinstance(ops, list):
        raise ApiError(400, "json patch must be a list of operations")
    doc = copy.deepcopy(doc)

    def parent(path, create=False):
        toks = json_pointer(doc, path)
        if not toks:
            raise ApiError(422, "the root cannot be a target here")
        cur = doc
        for t in toks[:-1]:
            if isinstance(cur, list):
                try:
                    cur = cur[int(t)]
                except (ValueError, IndexError):
                    raise ApiError(422, "path %r: no element %r" % (path, t))
            elif isinstance(cur, dict) and t in cur:
                cur = cur[t]
            else:
                raise ApiError(422, "doc is missing path: %r" % path)
        return cur, toks[-1]

    def get(path):
        cur = doc
        for t in json_pointer(doc, path):
            if isinstance(cur, list):
                try:
                    cur = cur[int(t)]
                except (ValueError, IndexError):
                    raise ApiError(422, "path %r does not exist" % path)
            elif isinstance(cur, dict) and t in cur:
                cur = cur[t]
            else:
                raise ApiError(422, "path %r does not exist" % path)
        return cur

    def add(path, value):
        nonlocal doc
        if path == "":
            doc = value
            return
        p, k = parent(path)
        if isinstance(p, list):
            if k == "-":
                p.append(value)
            else:
                try:
                    i = int(k)
                except ValueError:
                    raise ApiError(422, "bad array index in %r" % path)
                if not 0 <= i <= len(p):
                    raise ApiError(422, "array index out of range in %r" % path)
                p.insert(i, value)
        elif isinstance(p, dict):
            p[k] = value
        else:
            raise ApiError(422, "cannot add at %r" % path)

    def remove(path):
        p, k = parent(path)
        try:
            if isinstance(p, list):
                return p.pop(int(k))
            return p.pop(k)
        except (KeyError, ValueError, IndexError, AttributeError):
            raise ApiError(422, "unable to remove nonexistent key: %s" % path)

    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise ApiError(400, "json patch operation lacks op or path")
        kind, path = op["op"], op["path"]
        if kind == "add":
            add(path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            remove(path)
        elif kind == "replace":
            get(path)
            if path == "":
                doc = copy.deepcopy(op.get("value"))
            else:
                remove(path)
                add(path, copy.deepcopy(op.get("value")))
        elif kind == "move":
            v = get(op["from"])
            remove(op["from"])
            add(path, v)
        elif kind == "copy":
            add(path, copy.deepcopy(get(op["from"])))
        elif kind == "test":
            if get(path) != op.get("value"):
                raise ApiError(422, "testing value %s failed" % path)
        else:
            raise ApiError(400, "unknown json patch operation %r" % kind)
    return doc


def fields_v1(obj):
    """A rough FieldsV1 set, so objects carry managedFields bulk as real ones do."""
    if isinstance(obj, dict):
        return {"f:" + k: fields_v1(v) for k, v in obj.items()}
    return {}


# --- watches ---------------------------------------------------------------

class Watcher:
    MAX_QUEUE = 100000   # like the apiserver's cacheWatcher, a hopeless reader is dropped

    def __init__(self, srv, res, version, ns, label_pred, field_pred, desc):
        self.srv, self.res, self.version, self.ns = srv, res, version, ns
        self.label_pred, self.field_pred, self.desc = label_pred, field_pred, desc
        self.queue = []
        self.overflow = False
        self.cut = None          # (mode, when, rst)
        self.stall_midline = False
        self.since = time.time()

    def visible(self, o):
        return (o is not None and (not self.ns or o.ns == self.ns)
                and self.label_pred(o.labels) and self.field_pred(o.fields))

    def offer(self, ev):
        """Called with the store lock held: keep the event if it concerns this watch."""
        rv, etype, rkey, new, prev = ev
        if rkey != self.res.rkey:
            return
        now_in = self.visible(new)
        was_in = self.visible(prev) if etype != "ADDED" else False
        # A change that moves an object into or out of the selection is seen as
        # ADDED or DELETED, as the apiserver's watch cache does.
        if etype == "MODIFIED":
            if now_in and not was_in:
                etype = "ADDED"
            elif was_in and not now_in:
                etype = "DELETED"
            elif not now_in:
                return
        elif etype == "DELETED":
            if not was_in:
                return
        elif not now_in:
            return
        if len(self.queue) >= self.MAX_QUEUE:
            self.overflow = True
            return
        self.queue.append((etype, new))


class CutStream(Exception):
    pass


# --- HTTP ------------------------------------------------------------------

class Server:
    def __init__(self, args):
        self.args = args
        self.store = Store(args.history)
        self.shutting_down = threading.Event()
        self.stall_until = 0.0
        self.fail_rules = []
        self.log = []
        self.log_seq = 0
        self.log_lock = threading.Lock()
        self.log_file = open(args.request_log, "a") if args.request_log else None
        self.tokens = {}         # token -> user
        self.rules = {}          # user -> [(resources, verbs)]
        self.port = None
        self.urls = []

    # -- auth --
    def load_auth(self):
        for t in self.args.token or []:
            self.tokens[t] = "admin"
        if self.args.rules:
            with open(self.args.rules) as f:
                for n, line in enumerate(f, 1):
                    line = line.split("#", 1)[0].split()
                    if not line:
                        continue
                    if len(line) != 4:
                        sys.exit("apiserver: %s:%d: want TOKEN USER RESOURCES VERBS"
                                 % (self.args.rules, n))
                    tok, user, resources, verbs = line
                    self.tokens[tok] = user
                    self.rules.setdefault(user, []).append(
                        (set(resources.split(",")), set(verbs.split(","))))
        if not self.tokens:
            self.tokens["test-token"] = "admin"

    def allowed(self, user, verb, resource):
        if user == "admin":
            return True
        for resources, verbs in self.rules.get(user, []):
            if ("*" in resources or resource in resources) and ("*" in verbs or verb in verbs):
                return True
        return False

    # -- request log --
    def record(self, entry):
        with self.log_lock:
            self.log_seq += 1
            entry["seq"] = self.log_seq
            self.log.append(entry)
            if len(self.log) > 200000:
                del self.log[:50000]
            if self.log_file:
                self.log_file.write(json.dumps(entry) + "\n")
                self.log_file.flush()

    def take_failure(self, method, path, query):
        with self.store.cond:
            for rule in self.fail_rules:
                if rule["method"] and rule["method"] != method:
                    continue
                if not re.search(rule["match"], path + ("?" + query if query else "")):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.fail_rules.remove(rule)
                return rule
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lbkit-test-apiserver"
    sys_version = ""
    timeout = 60

    def log_message(self, fmt, *args):
        pass

    def send_response(self, code, message=None):
        # kube-apiserver sends no Server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    @property
    def srv(self):
        return self.server.app

    # -- low-level output --
    def send_json(self, code, obj, ctype="application/json", headers=None):
        body = obj if isinstance(obj, bytes) else dumps(obj) + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status_sent = code

    def send_error_status(self, e):
        self.send_json(e.code, e.status(), headers=e.headers)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline(100)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    self.rfile.readline(100)
                    return data
                data += self.rfile.read(n)
                self.rfile.readline(100)
                if len(data) > MAX_BODY:
                    raise ApiError(413, "request entity too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ApiError(413, "request entity too large")
        return self.rfile.read(n) if n else b""

    def dispatch(self):
        self.status_sent = None
        u = urllib.parse.urlsplit(self.path)
        self.upath, self.rawquery = u.path, u.query
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query,
                                                                 keep_blank_values=True).items()}
        entry = {"method": self.command, "path": self.upath, "query": self.rawquery,
                 "user": None, "status": None, "body": "", "content_type":
                 self.headers.get("Content-Type", "")}
        try:
            body = self.read_body()
            entry["body"] = body.decode("utf-8", "replace")
            user = self.authenticate()
            entry["user"] = user
            if user is None:
                raise ApiError(401, "Unauthorized")
            rule = self.srv.take_failure(self.command, self.upath, self.rawquery)
            if rule:
                hdr = {}
                if rule["status"] in (429, 503):
                    hdr["Retry-After"] = str(rule["retry_after"])
                msg = {429: "Too many requests, please try again later."}.get(
                    rule["status"], "injected failure")
                raise ApiError(rule["status"], msg, headers=hdr,
                               details={"retryAfterSeconds": rule["retry_after"]}
                               if hdr else None)
            self.route(user, body)
        except ApiError as e:
            if self.status_sent is None:
                self.send_error_status(e)
        except CutStream:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True
        except Exception as e:   # a bug here must still answer like a server would
            import traceback
            traceback.print_exc()
            if self.status_sent is None:
                self.send_error_status(ApiError(500, "internal error: %s" % e))
        finally:
            entry["status"] = self.status_sent
            self.srv.record(entry)

    def authenticate(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.srv.tokens.get(auth[7:].strip())
        if auth:
            return None
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            cert = None
        if cert:
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        return v
        return None

    # -- routing --
    def route(self, user, body):
        p = [s for s in self.upath.split("/") if s]
        if self.command in ("GET", "HEAD"):
            if p == ["version"]:
                return self.send_json(200, KUBE_VERSION)
            if p in (["healthz"], ["livez"], ["readyz"]):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                self.status_sent = 200
                return
            if p and p[0] == "openapi":
                return self.openapi(p)
            if p == ["api"]:
                return self.discovery_root(core=True)
            if p == ["apis"]:
                return self.discovery_root(core=False)
            if p == ["api", "v1"]:
                return self.send_json(200, resource_list("", "v1"))
            if len(p) == 2 and p[0] == "apis":
                gv = group_versions().get(p[1])
                if gv:
                    return self.send_json(200, api_group(p[1], gv))
            if len(p) == 3 and p[0] == "apis" and (p[1], p[2]) in {
                    (r.group, v) for r in RESOURCES for v in r.versions}:
                return self.send_json(200, resource_list(p[1], p[2]))
        req = parse_resource_path(p)
        if req is None:
            raise ApiError(404, "the server could not find the requested resource",
                           details={"causes": [{"reason": "UnexpectedServerResponse",
                                                "message": "404 page not found"}]})
        res, version, ns, name, sub = req
        verb = self.verb(name)
        rname = res.plural + ("/" + sub if sub else "")
        if not self.srv.allowed(user, verb, rname):
            scope = ('in the namespace "%s"' % ns) if ns else "at the cluster scope"
            raise ApiError(403, '%s%s is forbidden: User "%s" cannot %s resource "%s" in API '
                           'group "%s" %s' % (qualified(res), ' "%s"' % name if name else "",
                                              user, verb, rname, res.group, scope),
                           details={"name": name, "group": res.group, "kind": res.plural}
                           if name else {"group": res.group, "kind": res.plural})
        if sub and sub != "status":
            raise ApiError(404, "the server could not find the requested resource")
        if sub and not res.status:
            raise ApiError(404, "the server could not find the requested resource")
        if ns and res.plural != "namespaces" and self.command == "POST":
            with self.srv.store.cond:
                if ns not in self.srv.store.objects[("", "namespaces")]:
                    raise not_found(BY_RKEY[("", "namespaces")], ns)
        api = Api(self.srv, self, res, version, ns, user)
        if verb == "watch":
            return api.watch()
        if verb == "list":
            return api.list()
        if verb == "get":
            return api.get(name)
        if verb == "create":
            return api.create(body)
        if verb == "update":
            return api.update(name, sub, body)
        if verb == "patch":
            return api.patch(name, sub, body, self.headers.get("Content-Type", ""))
        if verb == "delete":
            return api.delete(name, body)
        if verb == "deletecollection":
            return api.delete_collection()
        raise ApiError(405, "the server does not allow this method on the requested resource")

    def verb(self, name):
        m = self.command
        if m in ("GET", "HEAD"):
            if self.query.get("watch", "") in ("1", "true", "True"):
                return "watch"
            return "get" if name else "list"
        if m == "POST":
            if name:
                raise ApiError(405, "the server does not allow this method on the requested "
                               "resource")
            return "create"
        if not name:
            if m == "DELETE":
                return "deletecollection"
            raise ApiError(405, "the server does not allow this method on the requested "
                           "resource")
        return {"PUT": "update", "PATCH": "patch", "DELETE": "delete"}[m]

    # -- discovery --
    def wants_aggregated(self):
        acc = self.headers.get("Accept", "")
        return (not self.srv.args.no_aggregated_discovery
                and "as=APIGroupDiscoveryList" in acc and "v=v2" in acc)

    def discovery_root(self, core):
        if self.wants_aggregated():
            return self.send_json(200, aggregated(core), ctype=AGG_CT,
                                  headers={"Vary": "Accept"})
        if core:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": self.headers.get("Host", "")}]},
                                  headers={"Vary": "Accept"})
        groups = [api_group(g, vs) for g, vs in group_versions().items()]
        for g in groups:
            del g["kind"], g["apiVersion"]
        return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                    "groups": groups}, headers={"Vary": "Accept"})

    def openapi(self, p):
        if self.srv.args.no_openapi:
            raise ApiError(404, "the server could not find the requested resource")
        if p == ["openapi", "v3"]:
            paths = {}
            for gv in all_group_versions():
                rel = "api/v1" if gv == ("", "v1") else "apis/%s/%s" % gv
                doc = dumps(openapi_v3(*gv))
                paths[rel] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (
                    rel, hashlib.sha512(doc).hexdigest()[:32].upper())}
            return self.send_json(200, {"paths": paths})
        if len(p) >= 3 and p[:2] == ["openapi", "v3"]:
            rel = p[2:]
            if rel == ["api", "v1"]:
                return self.send_json(200, openapi_v3("", "v1"))
            if len(rel) == 3 and rel[0] == "apis" and (rel[1], rel[2]) in all_group_versions():
                return self.send_json(200, openapi_v3(rel[1], rel[2]))
        raise ApiError(404, "the server could not find the requested resource")


def all_group_versions():
    out = []
    for r in RESOURCES:
        for v in r.versions:
            if (r.group, v) not in out:
                out.append((r.group, v))
    return out


def api_group(group, versions):
    vs = [{"groupVersion": group + "/" + v, "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": vs,
            "preferredVersion": vs[0]}


def resource_list(group, version):
    out = []
    for r in RESOURCES:
        if r.group != group or version not in r.versions:
            continue
        e = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
             "kind": r.kind, "verbs": ALL_VERBS}
        if r.short:
            e["shortNames"] = r.short
        if r.plural in ("services", "pods") or r.custom:
            e["categories"] = ["all"] if not r.custom else ["metallb"]
        if r.custom or r.group:
            e["storageVersionHash"] = base64.b64encode(
                hashlib.sha256(r.api_version(version).encode()).digest()[:8]).decode()
        out.append(e)
        if r.status:
            out.append({"name": r.plural + "/status", "singularName": "",
                        "namespaced": r.namespaced, "kind": r.kind,
                        "verbs": ["get", "patch", "update"]})
    d = {"kind": "APIResourceList", "groupVersion": group + "/" + version if group else version,
         "resources": out}
    if group:
        d["apiVersion"] = "v1"
    return d


def aggregated(core):
    """apidiscovery.k8s.io/v2 APIGroupDiscoveryList, what kubectl 1.30+ asks for first."""
    items = []
    groups = {"": ["v1"]} if core else group_versions()
    for g, versions in groups.items():
        vlist = []
        for v in versions:
            rl = []
            for r in RESOURCES:
                if r.group != g or v not in r.versions:
                    continue
                e = {"resource": r.plural,
                     "responseKind": {"group": g, "version": v, "kind": r.kind},
                     "scope": "Namespaced" if r.namespaced else "Cluster",
                     "singularResource": r.singular, "verbs": ALL_VERBS}
                if r.short:
                    e["shortNames"] = r.short
                if r.status:
                    e["subresources"] = [{"subresource": "status", "responseKind":
                                          {"group": g, "version": v, "kind": r.kind},
                                          "verbs": ["get", "patch", "update"]}]
                rl.append(e)
            vlist.append({"version": v, "resources": rl, "freshness": "Current"})
        md = {"creationTimestamp": None}
        if g:
            md["name"] = g
        items.append({"metadata": md, "versions": vlist})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}


def openapi_v3(group, version):
    """Just enough OpenAPI v3: the paths with PATCH taking fieldValidation, and open schemas.

    kubectl (QueryParamVerifierV3) reads these to decide that the server validates
    fields itself, and then sends fieldValidation=Strict instead of validating."""
    paths, schemas = {}, {}
    prefix = "/api/v1" if not group else "/apis/%s/%s" % (group, version)
    params = [{"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
              for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
    for r in RESOURCES:
        if r.group != group or version not in r.versions:
            continue
        gvk = {"group": group, "version": version, "kind": r.kind}
        sname = "%s.%s.%s" % (group or "io.k8s.api.core", version, r.kind)
        schemas[sname] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                          "x-kubernetes-group-version-kind": [gvk]}
        base = prefix + ("/namespaces/{namespace}/" if r.namespaced else "/") + r.plural
        op = {"x-kubernetes-group-version-kind": gvk, "parameters": params,
              "responses": {"200": {"description": "OK", "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/" + sname}}}}}}
        paths[base] = {"post": dict(op, operationId="create" + r.kind, **{
            "x-kubernetes-action": "post"})}
        paths[base + "/{name}"] = {"patch": dict(op, operationId="patch" + r.kind, **{
            "x-kubernetes-action": "patch"}), "put": dict(op, operationId="replace" + r.kind,
                                                         **{"x-kubernetes-action": "put"})}
        if r.status:
            paths[base + "/{name}/status"] = {"patch": dict(
                op, operationId="patch%sStatus" % r.kind, **{"x-kubernetes-action": "patch"})}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "paths": paths, "components": {"schemas": schemas}}


def parse_resource_path(p):
    """-> (res, version, namespace, name, subresource) or None."""
    if len(p) >= 2 and p[0] == "api" and p[1] == "v1":
        group, version, rest = "", "v1", p[2:]
    elif len(p) >= 3 and p[0] == "apis":
        group, version, rest = p[1], p[2], p[3:]
    else:
        return None
    if not rest:
        return None
    ns = ""
    if rest[0] == "namespaces" and len(rest) >= 3 and (group, version, rest[2]) in BY_GVR:
        ns, rest = rest[1], rest[2:]
    res = BY_GVR.get((group, version, rest[0]))
    if res is None or len(rest) > 3:
        return None
    if ns and not res.namespaced:
        return None
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) == 3 else ""
    if name and res.namespaced and not ns:
        return None
    return res, version, ns, name, sub


# --- the API verbs -----------------------------------------------------------

NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class Api:
    def __init__(self, srv, h, res, version, ns, user):
        self.srv, self.h, self.res, self.version, self.ns, self.user = (
            srv, h, res, version, ns, user)
        self.store = srv.store
        self.q = h.query
        self.dry = self.q.get("dryRun") == "All"

    def out(self, o):
        """An Obj as bytes in the version asked for (storage is version-blind)."""
        if len(self.res.versions) == 1:
            return o.raw
        d = o.dict()
        d["apiVersion"] = self.res.api_version(self.version)
        return dumps(d)

    def selectors(self):
        return (parse_label_selector(self.q.get("labelSelector")),
                parse_field_selector(self.q.get("fieldSelector"), self.res))

    def key(self, name):
        return self.ns + "/" + name if self.res.namespaced else name

    def current(self, name):
        o = self.store.objects[self.res.rkey].get(self.key(name))
        if o is None:
            raise not_found(self.res, name)
        return o

    # GET one
    def get(self, name):
        with self.store.cond:
            o = self.current(name)
        self.h.send_json(200, self.out(o) + b"\n")

    # LIST
    def list(self):
        lp, fp = self.selectors()
        try:
            limit = int(self.q.get("limit") or 0)
        except ValueError:
            raise ApiError(400, "limit must be an integer")
        cont = self.q.get("continue", "")
        rv_param = self.q.get("resourceVersion", "")
        match = self.q.get("resourceVersionMatch", "")
        st = self.store
        start = ""
        with st.cond:
            if cont:
                if rv_param:
                    raise ApiError(400, "specifying resource version is not allowed when "
                                   "using continue")
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont + "=" * (-len(cont) % 4)))
                    snap_rv, start = int(tok["rv"]), tok["start"]
                    if tok.get("v") != "meta.k8s.io/v1" or snap_rv <= 0:
                        raise ValueError
                except (ValueError, KeyError, TypeError):
                    raise ApiError(400, "continue key is not valid: incorrect encoded start "
                                   "resourceVersion (version meta.k8s.io/v1)")
                if snap_rv < st.compacted:
                    raise ApiError(410, "The provided continue parameter is too old to "
                                   "display a consistent list result. You can start a new "
                                   "list without the continue parameter.", reason="Expired")
            else:
                snap_rv = st.rv
                if rv_param and rv_param != "0":
                    try:
                        want = int(rv_param)
                    except ValueError:
                        raise ApiError(400, "invalid resource version %r" % rv_param)
                    if match == "Exact":
                        if want < st.compacted:
                            raise ApiError(410, "too old resource version: %d (%d)"
                                           % (want, st.compacted), reason="Expired")
                        if want > st.rv:
                            raise too_large(want, st.rv)
                        snap_rv = want
                    elif want > st.rv:
                        # The apiserver waits a little for its cache to catch up.
                        st.cond.wait_for(lambda: st.rv >= want, timeout=3)
                        if want > st.rv:
                            raise too_large(want, st.rv)
                        snap_rv = st.rv
            overlay = st.snapshot_overlay(self.res.rkey, snap_rv) if snap_rv != st.rv else {}
            objs, keys = st.objects[self.res.rkey], st.sorted_keys[self.res.rkey]
            extra = sorted(k for k, v in overlay.items() if v is not None and k not in objs)
            lo = self.ns + "/" if self.ns else ""
            # start keys carry a trailing NUL as the apiserver's do: "after this key".
            first = max(start, lo)
            i = bisect.bisect_left(keys, first)
            j = bisect.bisect_left(extra, first)
            items, last, more = [], None, False
            while i < len(keys) or j < len(extra):
                if j >= len(extra) or (i < len(keys) and keys[i] < extra[j]):
                    k = keys[i]
                    i += 1
                else:
                    k = extra[j]
                    j += 1
                if lo and not k.startswith(lo):
                    break
                o = overlay[k] if k in overlay else objs[k]
                if o is None or not lp(o.labels) or not fp(o.fields):
                    continue
                if limit and len(items) >= limit:
                    more = True
                    break
                items.append(o)
                last = k
            remaining = None
            if more and not self.q.get("labelSelector") and not self.q.get("fieldSelector"):
                rest_keys = len(keys) - i + len(extra) - j + 1
                remaining = rest_keys if not lo else None
            body_items = [self.out(o) for o in items]
        md = {"resourceVersion": str(snap_rv)}
        if more:
            md["continue"] = base64.urlsafe_b64encode(dumps(
                {"v": "meta.k8s.io/v1", "rv": snap_rv, "start": last + "\0"})).decode().rstrip("=")
            if remaining:
                md["remainingItemCount"] = remaining
        head = dumps({"kind": self.res.kind + "List",
                      "apiVersion": self.res.api_version(self.version), "metadata": md})
        self.h.send_json(200, head[:-1] + b',"items":[' + b",".join(body_items) + b"]}\n")

    # CREATE
    def decode(self, body):
        try:
            d = json.loads(body)
        except ValueError as e:
            raise ApiError(400, "the body of the request was in an unknown format: %s" % e)
        if not isinstance(d, dict):
            raise ApiError(400, "the body of the request is not a JSON object")
        want = self.res.api_version(self.version)
        if d.setdefault("apiVersion", want) != want:
            raise ApiError(400, "the API version in the data (%s) does not match the expected "
                           "API version (%s)" % (d["apiVersion"], want))
        if d.setdefault("kind", self.res.kind) != self.res.kind:
            raise ApiError(400, "the kind in the data (%s) does not match the expected kind "
                           "(%s)" % (d["kind"], self.res.kind))
        md = d.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise ApiError(400, "metadata must be an object")
        if self.res.namespaced:
            if md.setdefault("namespace", self.ns) != self.ns:
                raise ApiError(400, "the namespace of the provided object does not match the "
                               "namespace sent on the request")
        else:
            md.pop("namespace", None)
        return d

    def validate_name(self, name):
        rx = LABEL_RE if self.res.plural in ("services", "namespaces") else NAME_RE
        limit = 63 if rx is LABEL_RE else 253
        if not name or len(name) > limit or not rx.fullmatch(name):
            raise invalid(self.res, name, "metadata.name",
                          "Invalid value: %r: must be a lowercase RFC 1123 %s" % (
                              name, "label" if rx is LABEL_RE else "subdomain"))

    def managed(self, d, operation, sub=""):
        if self.srv.args.no_managed_fields:
            return
        manager = self.q.get("fieldManager") or (
            self.h.headers.get("User-Agent", "unknown").split("/")[0])
        entry = {"manager": manager, "operation": operation,
                 "apiVersion": self.res.api_version(self.version), "time": now_rfc3339(),
                 "fieldsType": "FieldsV1",
                 "fieldsV1": fields_v1({k: v for k, v in d.items()
                                        if k not in ("apiVersion", "kind")})}
        if sub:
            entry["subresource"] = sub
        mf = [m for m in d["metadata"].get("managedFields") or []
              if not (m.get("manager") == manager and m.get("operation") == operation
                      and m.get("subresource", "") == sub)]
        mf.append(entry)
        d["metadata"]["managedFields"] = mf

    def create(self, body):
        d = self.decode(body)
        md = d["metadata"]
        st = self.store
        with st.cond:
            if not md.get("name") and md.get("generateName"):
                md["name"] = md["generateName"] + "".join(
                    random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
            name = md.get("name", "")
            if not name:
                raise invalid(self.res, name, "metadata.name",
                              "Required value: name or generateName is required")
            self.validate_name(name)
            if self.key(name) in st.objects[self.res.rkey]:
                raise ApiError(409, '%s "%s" already exists' % (qualified(self.res), name),
                               reason="AlreadyExists",
                               details={"name": name, "group": self.res.group,
                                        "kind": self.res.plural})
            if md.get("resourceVersion"):
                raise invalid(self.res, name, "metadata.resourceVersion",
                              "Invalid value: must be unset on create")
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            for k in ("deletionTimestamp", "managedFields", "selfLink"):
                md.pop(k, None)
            if self.res.custom:
                md["generation"] = 1
            if self.res.status:
                # Status is written only through /status (the status strategy).
                d.pop("status", None)
            self.defaults(d)
            self.managed(d, "Update")
            if self.dry:
                md["resourceVersion"] = str(st.rv)
                out = dumps(d)
            else:
                out = self.out(st.commit(self.res, d, None, "ADDED"))
        self.h.send_json(201, out + b"\n")

    def defaults(self, d):
        """What the apiserver's defaulting and allocators put into new objects."""
        if self.res.plural == "services":
            spec = d.setdefault("spec", {})
            typ = spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            for port in spec.get("ports") or []:
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))
            if typ != "ExternalName":
                if not spec.get("clusterIP"):
                    self.store.cluster_ip += 1
                    n = self.store.cluster_ip
                    spec["clusterIP"] = "10.96.%d.%d" % (n // 254 % 256, n % 254 + 1)
                spec.setdefault("clusterIPs", [spec["clusterIP"]])
                if spec["clusterIP"] != "None":
                    fam = "IPv6" if ":" in spec["clusterIP"] else "IPv4"
                    spec.setdefault("ipFamilies", [fam])
                    spec.setdefault("ipFamilyPolicy", "SingleStack")
                spec.setdefault("internalTrafficPolicy", "Cluster")
            if typ in ("NodePort", "LoadBalancer"):
                spec.setdefault("externalTrafficPolicy", "Cluster")
                if typ == "LoadBalancer":
                    spec.setdefault("allocateLoadBalancerNodePorts", True)
                if typ == "NodePort" or spec.get("allocateLoadBalancerNodePorts"):
                    for port in spec.get("ports") or []:
                        if not port.get("nodePort"):
                            self.store.node_port += 1
                            port["nodePort"] = 30000 + self.store.node_port % 2768
            d["status"] = {"loadBalancer": {}}
        elif self.res.plural == "namespaces":
            d.setdefault("spec", {"finalizers": ["kubernetes"]})
            d["status"] = {"phase": "Active"}
            md = d["metadata"]
            md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md["name"]

    # UPDATE / PATCH
    def write(self, name, sub, make_new, operation="Update"):
        """Apply make_new(current dict) -> new dict under the lock, as update or patch."""
        st = self.store
        with st.cond:
            cur = self.current(name)
            old = cur.dict()
            new = make_new(copy.deepcopy(old))
            if not isinstance(new, dict):
                raise ApiError(422, "the result is not an object")
            new["apiVersion"], new["kind"] = old["apiVersion"], old["kind"]
            md = new.get("metadata")
            if not isinstance(md, dict):
                md = new["metadata"] = {}
            want_rv = md.get("resourceVersion")
            if want_rv and str(want_rv) != old["metadata"]["resourceVersion"]:
                raise conflict(self.res, name)
            if md.get("name", name) != name:
                raise ApiError(400, "the name of the object (%s) does not match the name on "
                               "the URL (%s)" % (md.get("name"), name))
            # Immutable metadata, as the generic registry keeps it.
            for k in ("name", "namespace", "uid", "creationTimestamp", "generation"):
                if k in old["metadata"]:
                    md[k] = old["metadata"][k]
                else:
                    md.pop(k, None)
            if sub == "status":
                # Status strategies: only status changes (core kinds keep metadata too).
                keep = {k: v for k, v in old.items() if k not in ("status", "metadata")}
                new = dict(keep, metadata=md if not self.res.custom else old["metadata"],
                           status=new.get("status"))
                if new["status"] is None:
                    del new["status"]
                if self.res.custom:
                    new["metadata"] = copy.deepcopy(old["metadata"])
            elif self.res.status:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            if self.res.custom and sub != "status":
                strip = lambda x: {k: v for k, v in x.items() if k not in ("metadata", "status")}
                if strip(new) != strip(old):
                    md["generation"] = old["metadata"].get("generation", 1) + 1
            self.managed(new, operation, sub)
            unchanged = dict(new, metadata=dict(new["metadata"], resourceVersion="",
                                                managedFields=None)) == \
                dict(old, metadata=dict(old["metadata"], resourceVersion="", managedFields=None))
            if unchanged or self.dry:
                # A no-op write does not bump resourceVersion or notify watchers.
                new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
                if unchanged:
                    new["metadata"]["managedFields"] = old["metadata"].get("managedFields")
                    if new["metadata"]["managedFields"] is None:
                        del new["metadata"]["managedFields"]
                out = dumps(new) if (self.dry and not unchanged) else self.out(cur)
            else:
                out = self.out(st.commit(self.res, new, cur, "MODIFIED"))
        self.h.send_json(200, out + b"\n")

    def update(self, name, sub, body):
        d = self.decode(body)
        if not d["metadata"].get("resourceVersion") and self.res.custom:
            raise invalid(self.res, name, "metadata.resourceVersion",
                          "Invalid value: 0: must be specified for an update")
        return self.write(name, sub, lambda old: d)

    def patch(self, name, sub, body, ctype):
        ctype = ctype.split(";")[0].strip()
        try:
            p = json.loads(body)
        except ValueError as e:
            raise ApiError(400, "the body of the request was in an unknown format: %s" % e)
        if ctype == "application/merge-patch+json":
            fn = lambda old: merge_patch(old, p)
        elif ctype == "application/strategic-merge-patch+json":
            if self.res.custom:
                raise ApiError(415, "strategic merge patch is not supported for custom "
                               "resources", reason="UnsupportedMediaType")
            fn = lambda old: merge_patch(old, strip_directives(p))
        elif ctype == "application/json-patch+json":
            fn = lambda old: json_patch(old, p)
        else:
            raise ApiError(415, "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, "
                           "application/merge-patch+json, "
                           "application/strategic-merge-patch+json")
        if ctype != "application/json-patch+json" and not isinstance(p, dict):
            raise ApiError(400, "a merge patch must be a JSON object")
        return self.write(name, sub, fn)

    # DELETE
    def delete(self, name, body):
        opts = {}
        if body.strip():
            try:
                opts = json.loads(body) or {}
            except ValueError:
                raise ApiError(400, "the body of the request was in an unknown format")
        pre = opts.get("preconditions") or {}
        st = self.store
        with st.cond:
            cur = self.current(name)
            d = cur.dict()
            if pre.get("uid") and pre["uid"] != d["metadata"].get("uid"):
                raise ApiError(409, "Precondition failed: UID in precondition: %s, UID in "
                               "object meta: %s" % (pre["uid"], d["metadata"].get("uid")),
                               reason="Conflict")
            if pre.get("resourceVersion") and pre["resourceVersion"] != str(cur.rv):
                raise ApiError(409, "Precondition failed: ResourceVersion in precondition: %s,"
                               " ResourceVersion in object meta: %d"
                               % (pre["resourceVersion"], cur.rv), reason="Conflict")
            if self.dry:
                out = self.out(cur)
            else:
                out = self.out(delete_obj(st, self.res, cur))
        self.h.send_json(200, out + b"\n")

    def delete_collection(self):
        lp, fp = self.selectors()
        st = self.store
        with st.cond:
            victims = [o for k, o in list(st.objects[self.res.rkey].items())
                       if (not self.ns or o.ns == self.ns) and lp(o.labels) and fp(o.fields)]
            if not self.dry:
                for o in victims:
                    delete_obj(st, self.res, o)
            md = {"resourceVersion": str(st.rv)}
        head = dumps({"kind": self.res.kind + "List",
                      "apiVersion": self.res.api_version(self.version), "metadata": md})
        self.h.send_json(200, head[:-1] + b',"items":[' +
                         b",".join(self.out(o) for o in victims) + b"]}\n")

    # WATCH
    def watch(self):
        h, st, q = self.h, self.store, self.q
        lp, fp = self.selectors()
        rv_param = q.get("resourceVersion", "")
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1", "True")
        initial = q.get("sendInitialEvents") in ("true", "1", "True")
        if initial and (not bookmarks or q.get("resourceVersionMatch") != "NotOlderThan"):
            raise invalid(self.res, "", "sendInitialEvents",
                          "Forbidden: sendInitialEvents requires allowWatchBookmarks=true "
                          "and resourceVersionMatch=NotOlderThan")
        try:
            timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else \
                self.srv.args.watch_timeout
        except ValueError:
            raise ApiError(400, "timeoutSeconds must be a number")
        w = Watcher(self.srv, self.res, self.version, self.ns, lp, fp,
                    h.upath + ("?" + h.rawquery if h.rawquery else ""))
        expired = None
        with st.cond:
            if rv_param in ("", "0") or initial:
                # Unset or "0": synthetic ADDED for what exists now, then changes.
                if initial and rv_param not in ("", "0"):
                    want = int(rv_param)
                    if want > st.rv:
                        st.cond.wait_for(lambda: st.rv >= want, timeout=3)
                        if want > st.rv:
                            raise too_large(want, st.rv)
                start = st.rv
                for k in st.sorted_keys[self.res.rkey]:
                    o = st.objects[self.res.rkey][k]
                    if w.visible(o):
                        w.queue.append(("ADDED", o))
                if initial:
                    w.queue.append(("BOOKMARK-INITIAL", None))
            else:
                try:
                    start = int(rv_param)
                except ValueError:
                    raise ApiError(400, "invalid resource version %r" % rv_param)
                if start > st.rv:
                    st.cond.wait_for(lambda: st.rv >= start, timeout=3)
                    if start > st.rv:
                        raise too_large(start, st.rv)
                if start < st.compacted:
                    expired = ApiError(410, "too old resource version: %d (%d)"
                                       % (start, st.compacted), reason="Expired")
                else:
                    for ev in st.events_after(start):
                        w.offer(ev)
            if not expired:
                st.watchers.add(w)
                st.cond.notify_all()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Cache-Control", "no-cache, private")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.status_sent = 200
        if expired:
            # The apiserver answers 200 and then an ERROR event carrying the Status.
            h.chunk(dumps({"type": "ERROR", "object": expired.status()}) + b"\n")
            h.chunk(b"")
            return
        try:
            self.stream(w, timeout, bookmarks)
        finally:
            with st.cond:
                st.watchers.discard(w)
                st.cond.notify_all()

    def event_line(self, etype, o):
        if etype == "BOOKMARK-INITIAL":
            obj = {"kind": self.res.kind, "apiVersion": self.res.api_version(self.version),
                   "metadata": {"resourceVersion": str(self.store.rv),
                                "annotations": {"k8s.io/initial-events-end": "true"}}}
            return dumps({"type": "BOOKMARK", "object": obj}) + b"\n"
        return b'{"type":"' + etype.encode() + b'","object":' + self.out(o) + b"}\n"

    def bookmark_line(self, rv):
        obj = {"kind": self.res.kind, "apiVersion": self.res.api_version(self.version),
               "metadata": {"resourceVersion": str(rv)}}
        return dumps({"type": "BOOKMARK", "object": obj}) + b"\n"

    def stream(self, w, timeout, bookmarks):
        h, st, srv = self.h, self.store, self.srv
        deadline = time.monotonic() + timeout
        interval = srv.args.bookmark_interval
        next_bookmark = time.monotonic() + interval
        while True:
            with st.cond:
                while True:
                    now = time.monotonic()
                    if (w.queue or w.cut or w.overflow or srv.shutting_down.is_set()
                            or now >= deadline or (bookmarks and now >= next_bookmark)):
                        break
                    st.cond.wait(min(deadline, next_bookmark if bookmarks else deadline,
                                     now + 1.0) - now)
                batch, w.queue = w.queue[:500], w.queue[500:]
                cut, overflow = w.cut, w.overflow
                cur_rv = st.rv
            self.wait_stall(w, batch)
            if cut and (cut[1] == "now" or batch):
                self.do_cut(w, cut, batch)
            if overflow:
                return   # the client was too slow; it must come back with its last version
            for etype, o in batch:
                h.chunk(self.event_line(etype, o))
            now = time.monotonic()
            if srv.shutting_down.is_set() or now >= deadline:
                h.chunk(b"")
                return
            if bookmarks and now >= next_bookmark:
                with st.cond:
                    quiet = not w.queue
                if quiet:
                    h.chunk(self.bookmark_line(cur_rv))
                next_bookmark = now + interval

    def wait_stall(self, w, batch):
        srv = self.srv
        if time.time() >= srv.stall_until:
            return
        if w.stall_midline and batch:
            w.stall_midline = False
            line = self.event_line(*batch[0])
            half = len(line) // 2
            self.h.chunk(line[:half])
            batch[0] = ("RAW", line[half:])
        while time.time() < srv.stall_until and not srv.shutting_down.is_set():
            time.sleep(min(0.1, max(0.0, srv.stall_until - time.time())))
        if batch and batch[0][0] == "RAW":
            self.h.chunk(batch.pop(0)[1])

    def do_cut(self, w, cut, batch):
        mode, when, rst = cut
        h = self.h
        if mode == "clean":
            h.chunk(b"")
            raise CutStream()
        if mode in ("midline", "midchunk"):
            line = self.event_line(*batch[0]) if batch else self.bookmark_line(self.store.rv)
            half = line[:max(1, len(line) // 2)]
            if mode == "midline":
                h.chunk(half)
            else:
                h.wfile.write(b"%x\r\n%s" % (len(line), half))
        sock = h.connection
        try:
            if rst:
                raw = socket.socket(fileno=os.dup(sock.fileno()))
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                raw.close()
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise CutStream()


def delete_obj(st, res, o, silent=False):
    """Delete with the lock held; a namespace takes its objects with it."""
    if res.plural == "namespaces":
        for r in RESOURCES:
            if r.namespaced:
                for k in list(st.sorted_keys[r.rkey]):
                    obj = st.objects[r.rkey][k]
                    if obj.ns == o.name:
                        st.commit(r, None, obj, "DELETED", silent)
    return st.commit(res, None, o, "DELETED", silent)


def too_large(want, have):
    return ApiError(504, "Timeout: Too large resource version: %d, current: %d" % (want, have),
                    reason="Timeout", details={"causes": [{"reason": "ResourceVersionTooLarge",
                                                           "message": "Too large resource "
                                                           "version"}], "retryAfterSeconds": 1},
                    headers={"Retry-After": "1"})


# --- control API ------------------------------------------------------------

class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj, ctype="application/json"):
        body = obj if isinstance(obj, bytes) else (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        try:
            self.handle_control()
        except ApiError as e:
            self.reply(e.code, {"error": e.message})
        except (ValueError, KeyError) as e:
            self.reply(400, {"error": "bad parameter: %s" % e})

    do_POST = do_DELETE = do_GET

    def handle_control(self):
        app = self.server.app
        st = app.store
        u = urllib.parse.urlsplit(self.path)
        qs = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        q = {k: v[-1] for k, v in qs.items()}
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path = u.path.rstrip("/")
        if path == "/state":
            with st.cond:
                return self.reply(200, {"resourceVersion": st.rv, "compacted": st.compacted,
                                        "watches": len(st.watchers),
                                        "objects": sum(len(o) for o in st.objects.values()),
                                        "requests": app.log_seq})
        if path == "/watches":
            with st.cond:
                return self.reply(200, [{"path": w.desc, "queued": len(w.queue),
                                         "since": w.since} for w in st.watchers])
        if path == "/wait":
            want, limit = int(q.get("watches", 1)), min(float(q.get("timeout", 10)), 600)
            with st.cond:
                ok = st.cond.wait_for(lambda: len(st.watchers) >= want, timeout=limit)
                return self.reply(200 if ok else 408, {"watches": len(st.watchers)})
        if self.command != "POST" and path not in ("/log",):
            raise ApiError(405, "use POST")
        if path == "/cut":
            mode, when = q.get("mode", "abrupt"), q.get("when", "now")
            if mode not in ("abrupt", "clean", "midline", "midchunk") or \
                    when not in ("now", "next"):
                raise ApiError(400, "mode or when unknown")
            match = q.get("match", "")
            with st.cond:
                hit = [w for w in st.watchers if re.search(match, w.desc)]
                for w in hit:
                    w.cut = (mode, when, q.get("rst") in ("1", "true"))
                st.cond.notify_all()
            return self.reply(200, {"cut": len(hit)})
        if path == "/stall":
            secs = min(float(q.get("seconds", 5)), 600)
            with st.cond:
                app.stall_until = time.time() + secs
                if q.get("midline") in ("1", "true"):
                    for w in st.watchers:
                        w.stall_midline = True
                st.cond.notify_all()
            return self.reply(200, {"stalled": secs})
        if path == "/compact":
            with st.cond:
                st.compact()
                return self.reply(200, {"compacted": st.compacted})
        if path == "/delete":
            done = []
            with st.cond:
                if q.get("cut", "1") not in ("0", "false"):
                    for w in st.watchers:
                        w.cut = ("abrupt", "now", False)
                    st.cond.notify_all()
                for p in qs.get("path", []):
                    req = parse_resource_path([s for s in p.split("/") if s])
                    if not req or not req[3]:
                        raise ApiError(400, "not an object path: %s" % p)
                    res, _, ns, name, _ = req
                    o = st.objects[res.rkey].get(ns + "/" + name if res.namespaced else name)
                    if o is None:
                        raise ApiError(404, "no such object: %s" % p)
                    delete_obj(st, res, o, silent=True)
                    done.append(p)
                st.compact()
            return self.reply(200, {"deleted": done, "compacted": st.compacted})
        if path == "/fail":
            rule = {"count": int(q.get("count", 1)), "status": int(q.get("status", 500)),
                    "retry_after": int(q.get("retry_after", 1)), "match": q.get("match", "^/api"),
                    "method": q.get("method", "").upper()}
            re.compile(rule["match"])
            with st.cond:
                app.fail_rules.append(rule)
            return self.reply(200, rule)
        if path == "/seed":
            n = seed(app, body)
            return self.reply(200, {"created": n})
        if path == "/log":
            if self.command == "POST":
                raise ApiError(405, "GET /log, or POST /log/clear")
            since = int(q.get("since", 0))
            with app.log_lock:
                lines = [json.dumps(e) + "\n" for e in app.log if e["seq"] > since]
            return self.reply(200, "".join(lines).encode(), "application/x-ndjson")
        if path == "/log/clear":
            with app.log_lock:
                app.log.clear()
            return self.reply(200, {})
        if path == "/save":
            save_state(app)
            return self.reply(200, {"saved": app.state_file})
        if path == "/shutdown":
            self.reply(200, {})
            app.stop.set()
            return
        raise ApiError(404, "unknown control path %s" % path)


def seed(app, body):
    """Create objects from a List or JSON lines, as a POST would (events included)."""
    text = body.decode() if isinstance(body, bytes) else body
    text = text.strip()
    if not text:
        return 0
    if text.startswith("{") and '"items"' in text[:2000] and "\n{" not in text:
        docs = json.loads(text)["items"]
    else:
        try:
            one = json.loads(text)
            docs = one["items"] if one.get("kind", "").endswith("List") else [one]
        except ValueError:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    st = app.store
    n = 0
    with st.cond:
        for d in docs:
            gv = d.get("apiVersion", "")
            group = gv.rsplit("/", 1)[0] if "/" in gv else ""
            res = BY_KIND.get((group, d.get("kind")))
            if res is None:
                raise ApiError(400, "seed: unknown kind %s %s" % (gv, d.get("kind")))
            md = d.setdefault("metadata", {})
            key = md.get("namespace", "") + "/" + md["name"] if res.namespaced else md["name"]
            if res.namespaced:
                md.setdefault("namespace", "default")
                key = md["namespace"] + "/" + md["name"]
            if key in st.objects[res.rkey]:
                raise ApiError(409, "seed: %s %s exists" % (res.kind, key))
            md["uid"] = md.get("uid") or str(uuid.uuid4())
            md.setdefault("creationTimestamp", now_rfc3339())
            md.pop("resourceVersion", None)
            if res.custom:
                md["generation"] = 1
            if res.plural in ("services", "namespaces"):
                status = d.pop("status", None)
                Api.defaults(SeedApi(st, res), d)
                if status is not None and res.plural == "services":
                    d["status"] = status
            st.commit(res, d, None, "ADDED")
            n += 1
    return n


class SeedApi:
    def __init__(self, store, res):
        self.store, self.res = store, res


# --- setup ------------------------------------------------------------------

def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode:
        sys.exit("apiserver: %s: %s" % (" ".join(cmd), r.stderr.decode().strip()))


def make_certs(d):
    """A test CA, a server certificate for 127.0.0.1/::1/localhost, a client cert (CN admin)."""
    ca_crt, ca_key = os.path.join(d, "ca.crt"), os.path.join(d, "ca.key")
    if all(os.path.exists(os.path.join(d, f)) for f in
           ("ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key")):
        return
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509"] + ec + ["-keyout", ca_key, "-out", ca_crt, "-days", "3650",
         "-subj", "/CN=lbkit-test-ca-%s" % uuid.uuid4().hex[:8],
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    for who, subj, ext in (
            ("server", "/CN=kube-apiserver",
             "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
            ("client", "/O=system:masters/CN=admin", "extendedKeyUsage=clientAuth\n")):
        key, csr = os.path.join(d, who + ".key"), os.path.join(d, who + ".csr")
        extf = os.path.join(d, who + ".ext")
        with open(extf, "w") as f:
            f.write(ext + "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,"
                    "keyEncipherment\n")
        run(["openssl", "req"] + ec + ["-keyout", key, "-out", csr, "-subj", subj])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
             "-set_serial", str(random.randint(1, 1 << 60)), "-days", "3650",
             "-extfile", extf, "-out", os.path.join(d, who + ".crt")])
        os.unlink(csr)
        os.unlink(extf)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def write_kubeconfig(app, d):
    token = next(t for t, u in app.tokens.items()) if app.tokens else ""
    admin = [t for t, u in app.tokens.items() if u == "admin"]
    token = admin[0] if admin else token
    j = lambda s: json.dumps(s)
    ca = os.path.abspath(os.path.join(d, "ca.crt"))
    text = """apiVersion: v1
kind: Config
clusters:
- name: lbkit-test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
- name: admin-cert
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: lbkit-test
  context:
    cluster: lbkit-test
    user: admin
    namespace: default
- name: lbkit-test-cert
  context:
    cluster: lbkit-test
    user: admin-cert
    namespace: default
current-context: lbkit-test
""" % (j(app.urls[0]), j(ca), j(token), j(os.path.abspath(os.path.join(d, "client.crt"))),
       j(os.path.abspath(os.path.join(d, "client.key"))))
    write_atomic(os.path.join(d, "kubeconfig"), text)


def save_state(app):
    if not app.state_file:
        return
    with app.store.cond:
        st = app.store.to_json()
    write_atomic(app.state_file, json.dumps(st))


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's thread, so a silent client
        # cannot hold up accept().
        request.settimeout(30)
        try:
            request = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            request.close()
            return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass


class TLSServer6(TLSServer):
    address_family = socket.AF_INET6


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


def main():
    ap = argparse.ArgumentParser(description="lbkit test Kubernetes API server")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--listen", action="append")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--control-port", type=int, default=0)
    ap.add_argument("--token", action="append")
    ap.add_argument("--rules")
    ap.add_argument("--history", type=int, default=10000)
    ap.add_argument("--bookmark-interval", type=float, default=60)
    ap.add_argument("--watch-timeout", type=float, default=1800)
    ap.add_argument("--persist", action="store_true")
    ap.add_argument("--seed")
    ap.add_argument("--no-aggregated-discovery", action="store_true")
    ap.add_argument("--no-managed-fields", action="store_true")
    ap.add_argument("--no-openapi", action="store_true")
    ap.add_argument("--request-log")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    for f in ("port", "control-port"):
        try:
            os.unlink(os.path.join(args.dir, f))
        except FileNotFoundError:
            pass

    app = Server(args)
    app.load_auth()
    app.stop = threading.Event()
    app.state_file = os.path.join(args.dir, "state.json") if args.persist else None
    make_certs(args.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(args.dir, "server.crt"), os.path.join(args.dir, "server.key"))
    ctx.load_verify_locations(os.path.join(args.dir, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])

    st = app.store
    if app.state_file and os.path.exists(app.state_file):
        with open(app.state_file) as f:
            st.load_json(json.load(f))
    else:
        with st.cond:
            for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
                d = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                seed(app, json.dumps(d))
            # Every cluster has this one; a list of services is never empty.
            seed(app, json.dumps({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.96.0.1", "ports": [
                    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}))
    if args.seed:
        with open(args.seed) as f:
            seed(app, f.read())

    servers = []
    port = args.port
    for addr in args.listen or ["127.0.0.1"]:
        cls = TLSServer6 if ":" in addr else TLSServer
        s = cls((addr, port), Handler)
        s.ctx, s.app = ctx, app
        port = s.server_address[1]
        servers.append(s)
        app.urls.append("https://%s:%d" % ("[%s]" % addr if ":" in addr else addr, port))
    ctl = ControlServer(("127.0.0.1", args.control_port), ControlHandler)
    ctl.app = app
    for s in servers + [ctl]:
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()

    write_kubeconfig(app, args.dir)
    write_atomic(os.path.join(args.dir, "control-port"), "%d\n" % ctl.server_address[1])
    write_atomic(os.path.join(args.dir, "port"), "%d\n" % port)
    print("apiserver %s control http://127.0.0.1:%d" % (app.urls[0], ctl.server_address[1]),
          flush=True)

    signal.signal(signal.SIGTERM, lambda *a: app.stop.set())
    signal.signal(signal.SIGINT, lambda *a: app.stop.set())
    while not app.stop.wait(0.5):
        pass
    app.shutting_down.set()
    with st.cond:
        st.cond.notify_all()
    for s in servers + [ctl]:
        s.shutdown()
        s.server_close()
    save_state(app)
    # Give watch threads a moment to send their last chunk.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with st.cond:
            if not st.watchers:
                break
        time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
