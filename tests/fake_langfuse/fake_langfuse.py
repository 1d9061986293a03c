#!/usr/bin/python3
"""A fake Langfuse for tests: the OTLP endpoint and the legacy ingestion API.

Every OTLP request is parsed strictly: with the OTLP protos from the shared contracts
(LLMSROUTER_CONTRACTS, default ../shared/contracts next to the repository) compiled by protoc
when present — JSON through protobuf's json_format with unknown fields rejected, trace and
span ids checked as 32/16 hex characters (a bad id fails the whole batch with 400, as
Langfuse does) — else by a structural check of the same rules. Legacy ingestion events are
validated against the IngestionEvent schema of langfuse/openapi.yml (validate_schema.py).

Control (not part of Langfuse):
  POST /_fake/behaviour {"status": 500, "times": 2, "retry_after": 1}  next answers
  POST /_fake/behaviour {"hang": true}                                  never answer
  POST /_fake/behaviour {}                                              back to normal
  GET  /_fake/spans     every span received, attributes flattened
  GET  /_fake/events    every legacy ingestion event received
  GET  /_fake/stats     requests by path and status
  POST /_fake/reset
"""
import argparse
import base64
import binascii
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
def find_contracts():
    """The shared contracts: $LLMSROUTER_CONTRACTS, else ../shared/contracts beside the
    repository, else the workplace's /work/shared/contracts."""
    candidates = [os.environ.get("LLMSROUTER_CONTRACTS", ""),
                  os.path.join(HERE, "..", "..", "..", "shared", "contracts"),
                  "/work/shared/contracts"]
    for c in candidates:
        if c and os.path.isdir(c):
            return c
    return ""


CONTRACTS = find_contracts()

state_lock = threading.Lock()
spans, events, stats, behaviour = [], [], {}, {}


def load_otlp():
    """Compiles the OTLP protos from the contracts; None when they are not present."""
    root = os.path.join(CONTRACTS, "otlp")
    if not os.path.isdir(root):
        return None
    out = tempfile.mkdtemp(prefix="otlp-py-")
    protos = [os.path.relpath(os.path.join(d, f), root)
              for d, _, files in os.walk(root) for f in files if f.endswith(".proto")]
    subprocess.run(["protoc", f"-I{root}", f"--python_out={out}", *protos], check=True)
    sys.path.insert(0, out)
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    from google.protobuf import json_format
    return trace_service_pb2, json_format


def load_ingestion_validator():
    spec = os.path.join(CONTRACTS, "langfuse", "openapi.yml")
    if not os.path.exists(spec):
        return None
    sys.path.insert(0, CONTRACTS)
    import validate_schema
    return validate_schema.validator(spec, "IngestionEvent")


OTLP = load_otlp()
INGESTION = load_ingestion_validator()


def attr_value(v):
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])
    if "arrayValue" in v:
        return [attr_value(x) for x in v["arrayValue"].get("values", [])]
    return None


class BadRequest(Exception):
    pass


def check_hex(value, length, what):
    if not isinstance(value, str) or len(value) != length:
        raise BadRequest(f"{what} must be {length} hex characters, got {value!r}")
    try:
        return binascii.unhexlify(value)
    except binascii.Error:
        raise BadRequest(f"{what} is not hex: {value!r}")


def parse_otlp_json(body):
    doc = json.loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
        raise BadRequest("resourceSpans missing")
    out = []
    for rs in doc["resourceSpans"]:
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                trace_id = check_hex(span.get("traceId"), 32, "traceId")
                span_id = check_hex(span.get("spanId"), 16, "spanId")
                for key in ("startTimeUnixNano", "endTimeUnixNano"):
                    int(span[key])
                # For the strict proto parse, ids go to their proto3-JSON (base64) form.
                span["traceId"] = base64.b64encode(trace_id).decode()
                span["spanId"] = base64.b64encode(span_id).decode()
                attrs = {a["key"]: attr_value(a["value"]) for a in span.get("attributes", [])}
                out.append({"traceId": trace_id.hex(), "spanId": span_id.hex(),
                            "name": span.get("name"), "kind": span.get("kind"),
                            "start_ns": int(span["startTimeUnixNano"]),
                            "end_ns": int(span["endTimeUnixNano"]),
                            "status": span.get("status", {}), "attributes": attrs})
    if OTLP is not None:
        pb, json_format = OTLP
        try:
            json_format.Parse(json.dumps(doc), pb.ExportTraceServiceRequest(),
                              ignore_unknown_fields=False)
        except json_format.ParseError as e:
            raise BadRequest(f"not an ExportTraceServiceRequest: {e}")
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    expected_auth = ""

    def log_message(self, *args):
        pass

    def reply(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def count(self, status):
        with state_lock:
            key = f"{self.path} {status}"
            stats[key] = stats.get(key, 0) + 1

    def do_GET(self):
        with state_lock:
            data = {"/_fake/spans": spans, "/_fake/events": events, "/_fake/stats": stats}.get(self.path)
            data = json.loads(json.dumps(data)) if data is not None else None
        if data is None:
            return self.reply(404, {"message": "not found"})
        self.reply(200, data)

    def injected(self):
        """Answers per the behaviour set by a test; True when it did."""
        with state_lock:
            b = dict(behaviour)
            if b.get("times"):
                behaviour["times"] -= 1
                if behaviour["times"] == 0:
                    behaviour.clear()
        if b.get("hang"):
            time.sleep(3600)
            return True
        if b.get("status"):
            headers = {"Retry-After": str(b["retry_after"])} if "retry_after" in b else {}
            self.count(b["status"])
            self.reply(b["status"], {"message": "injected failure"}, headers)
            return True
        return False

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/_fake/behaviour":
            with state_lock:
                behaviour.clear()
                behaviour.update(json.loads(body or b"{}"))
            return self.reply(200, {})
        if self.path == "/_fake/reset":
            with state_lock:
                spans.clear(); events.clear(); stats.clear(); behaviour.clear()
            return self.reply(200, {})
        if self.headers.get("Authorization") != self.expected_auth:
            self.count(401)
            return self.reply(401, {"message": "Invalid credentials"})
        if self.injected():
            return
        if self.path == "/api/public/otel/v1/traces":
            return self.otel(body)
        if self.path == "/api/public/ingestion":
            return self.ingestion(body)
        self.reply(404, {"message": "not found"})

    def otel(self, body):
        ctype = self.headers.get("Content-Type", "")
        try:
            if ctype.startswith("application/json"):
                received = parse_otlp_json(body)
            elif ctype.startswith("application/x-protobuf") and OTLP is not None:
                request = OTLP[0].ExportTraceServiceRequest()
                request.ParseFromString(body)
                received = [{"traceId": s.trace_id.hex(), "spanId": s.span_id.hex(), "name": s.name,
                             "attributes": {a.key: a.value.string_value for a in s.attributes}}
                            for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
            else:
                raise BadRequest(f"unsupported content type {ctype!r}")
        except (BadRequest, ValueError, KeyError, TypeError) as e:
            self.count(400)
            return self.reply(400, {"message": f"Invalid OTLP request: {e}"})
        with state_lock:
            spans.extend(received)
        self.count(200)
        self.reply(200, {})

    def ingestion(self, body):
        try:
            batch = json.loads(body)["batch"]
        except (ValueError, KeyError, TypeError):
            self.count(400)
            return self.reply(400, {"message": "body must be {batch: [...]}"})
        successes, errors = [], []
        for event in batch:
            problems = [e.message for e in INGESTION.iter_errors(event)] if INGESTION else []
            if problems:
                errors.append({"id": event.get("id"), "status": 400, "message": problems[0][:300]})
                with state_lock:
                    stats.setdefault("ingestion_errors", []).append(problems[0][:300])
            else:
                successes.append({"id": event.get("id"), "status": 201})
        with state_lock:
            events.extend(batch)
        self.count(207)
        self.reply(207, {"successes": successes, "errors": errors})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--public-key", default="pk-lf-test")
    parser.add_argument("--secret-key", default="sk-lf-test")
    args = parser.parse_args()
    Handler.expected_auth = "Basic " + base64.b64encode(
        f"{args.public_key}:{args.secret_key}".encode()).decode()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(json.dumps({"listening": server.server_address[1], "strict_otlp": OTLP is not None,
                      "ingestion_schema": INGESTION is not None}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
