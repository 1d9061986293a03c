#!/usr/bin/python3
"""A direct gRPC client of the router for the end-to-end tests (Debian's python3-grpcio).

    grpc_client.py --router ADDR [--api-key K] [--ca F --cert F --key F] [--service-token T]
                   OP [--model M] [--spoof]

OP: list (ListModels), chat (typed Chat), call (raw Call), health (Health of model groups), wait-refused (ListModels every
20 ms until refused; prints {"ready": true} once a first call succeeded, then the refusal time),
set-bypass (AuthService.SetBypass of --user to --model; --router is then the auth address).
Prints one JSON line: {"ok": ..., "code": "UNAUTHENTICATED", "details": ..., ...}.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python"))
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

import grpc  # noqa: E402
from router_client import REPO, load_stubs, open_channel  # noqa: E402


def auth_stubs():
    out = tempfile.mkdtemp(prefix="llmsrouter-auth-stubs-")
    subprocess.run(["protoc", f"-I{os.path.join(REPO, 'proto')}", f"--python_out={out}",
                    f"--grpc_out={out}",
                    "--plugin=protoc-gen-grpc=" + shutil.which("grpc_python_plugin"),
                    "llmsrouter/auth/v1/auth.proto"], check=True)
    sys.path.insert(0, out)
    from llmsrouter.auth.v1 import auth_pb2, auth_pb2_grpc
    return auth_pb2, auth_pb2_grpc


def run(op, args, pb, stub, metadata):
    # Fields only the gateway may set; a direct client that sets them must change nothing.
    spoof = {}
    if args.spoof:
        spoof = {"user": "mallory", "restrict_providers": False,
                 "allowed_providers": ["fake", "other"], "model_override": "[other]gpt-other"}
    if op == "list":
        models = stub.ListModels(pb.ListModelsRequest(), timeout=30, metadata=metadata).models
        return {"models": [m.id for m in models]}
    if op == "health":
        r = stub.Health(pb.GroupHealthRequest(), timeout=30, metadata=metadata)
        return {"deployments": [{"group": d.group, "deployment": d.deployment, "state": d.state,
                                 "cause": d.cause, "calls": d.calls, "ejections": d.ejections,
                                 "cooldown_left_ms": d.cooldown_left_ms}
                                for d in r.deployments]}
    if op == "chat":
        request = pb.ChatRequest(model=args.model, user="mallory" if args.spoof else "",
                                 messages=[pb.ChatMessage(role="user", content="hi")])
        text, model = "", ""
        for event in stub.Chat(request, timeout=60, metadata=metadata):
            text += event.content_delta
            model = event.upstream_model or model
        return {"text": text, "upstream_model": model}
    body = json.dumps({"model": args.model, "stream": True,
                       "messages": [{"role": "user", "content": "hi"}]})
    request = pb.CallRequest(endpoint="chat/completions", body=body.encode(), **spoof)
    out = {"events": 0}
    for message in stub.Call(request, timeout=60, metadata=metadata):
        kind = message.WhichOneof("kind")
        if kind == "head":
            out.update(status=message.head.status, provider=message.head.provider,
                       upstream_model=message.head.upstream_model)
        elif kind == "data":
            out["events"] += message.data.count(b"data: ")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--router", required=True)
    parser.add_argument("--api-key", default="")
    parser.add_argument("--service-token", default="")
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--model", default="[fake]gpt-fake")
    parser.add_argument("--spoof", action="store_true")
    parser.add_argument("--user", default="")
    parser.add_argument("op", choices=["list", "chat", "call", "health", "wait-refused", "set-bypass"])
    args = parser.parse_args()
    if args.op == "set-bypass":
        apb, apb_grpc = auth_stubs()
        stub = apb_grpc.AuthServiceStub(open_channel(args))
        try:
            r = stub.SetBypass(apb.SetBypassRequest(user=args.user, model=args.model,
                                                    api_key=args.api_key), timeout=30)
            print(json.dumps({"ok": True, "model": r.model}))
        except grpc.RpcError as e:
            print(json.dumps({"ok": False, "code": e.code().name, "details": e.details()}))
        return
    pb, pb_grpc = load_stubs()
    stub = pb_grpc.RouterServiceStub(open_channel(args))
    metadata = []
    if args.api_key:
        metadata.append(("authorization", f"Bearer {args.api_key}"))
    if args.service_token:
        metadata.append(("x-llmsrouter-service-token", args.service_token))
    try:
        if args.op == "wait-refused":
            run("list", args, pb, stub, metadata)
            print(json.dumps({"ready": True}), flush=True)
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    run("list", args, pb, stub, metadata)
                except grpc.RpcError as e:
                    print(json.dumps({"ok": False, "code": e.code().name, "details": e.details(),
                                      "refused_at_ms": time.time() * 1000}))
                    return
                time.sleep(0.02)
            print(json.dumps({"ok": True, "still_accepted": True}))
            return
        result = run(args.op, args, pb, stub, metadata)
        print(json.dumps({"ok": True, **result}))
    except grpc.RpcError as e:
        print(json.dumps({"ok": False, "code": e.code().name, "details": e.details()}))


if __name__ == "__main__":
    main()
