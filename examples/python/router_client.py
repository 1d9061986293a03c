#!/usr/bin/python3
"""Calls the LLMsRouter router over gRPC from Python (Debian's python3-grpcio).

Lists the models, then streams a chat twice: with the typed Chat RPC (no OpenAI JSON to
write) and with the full-fidelity Call RPC (raw OpenAI JSON in, raw SSE events out).

    /usr/bin/python3 examples/python/router_client.py --router 127.0.0.1:50051 \
        --model "[openai]gpt-4o-mini" --prompt "Say hello"

Stubs are generated from proto/ at start with protoc and grpc_python_plugin.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import grpc

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_stubs():
    """Generates Python stubs from proto/ with Debian's protoc and gRPC Python plugin
    (protobuf-compiler, protobuf-compiler-grpc). python3-grpc-tools' bundled protoc (3.5)
    is too old for proto3 `optional` fields."""
    out = tempfile.mkdtemp(prefix="llmsrouter-stubs-")
    proto_root = os.path.join(REPO, "proto")
    subprocess.run(["protoc", f"-I{proto_root}", f"--python_out={out}", f"--grpc_out={out}",
                    "--plugin=protoc-gen-grpc=" + shutil.which("grpc_python_plugin"),
                    "llmsrouter/router/v1/router.proto", "llmsrouter/auth/v1/auth.proto"],
                   check=True)
    sys.path.insert(0, out)
    from llmsrouter.router.v1 import router_pb2, router_pb2_grpc  # noqa: E402
    return router_pb2, router_pb2_grpc


def open_channel(args):
    """Plaintext, or TLS when --ca is given (mutual when --cert/--key are too)."""
    if not args.ca:
        return grpc.insecure_channel(args.router)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key) if args.key else None,
        certificate_chain=read(args.cert) if args.cert else None)
    return grpc.secure_channel(args.router, credentials)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router", default=os.environ.get("ROUTER_ADDR", "127.0.0.1:50051"))
    parser.add_argument("--model", required=True, help='"[alias]model"')
    parser.add_argument("--prompt", default="Say hello")
    parser.add_argument("--json", action="store_true", help="print one JSON summary line")
    parser.add_argument("--api-key", default=os.environ.get("LLMSROUTER_API_KEY", ""),
                        help="key sent as 'authorization: Bearer' (needed with accounts on)")
    parser.add_argument("--ca", help="PEM CA that signed the router's certificate (TLS)")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM key of --cert")
    args = parser.parse_args()

    pb, pb_grpc = load_stubs()
    stub = pb_grpc.RouterServiceStub(open_channel(args))
    auth = [("authorization", f"Bearer {args.api_key}")] if args.api_key else []

    models = [m.id for m in stub.ListModels(pb.ListModelsRequest(), timeout=30,
                                            metadata=auth).models]

    # Typed chat: fields, not JSON.
    request = pb.ChatRequest(model=args.model, temperature=0.2,
                             messages=[pb.ChatMessage(role="user", content=args.prompt)])
    typed_text, usage, finish = "", None, ""
    for event in stub.Chat(request, timeout=120, metadata=auth):
        typed_text += event.content_delta
        if event.finish_reason:
            finish = event.finish_reason
        if event.HasField("usage") and event.usage.total_tokens:
            usage = event.usage

    # Full fidelity: raw OpenAI JSON in, raw SSE events out.
    body = json.dumps({"model": args.model, "stream": True,
                       "messages": [{"role": "user", "content": args.prompt}]})
    raw_text, head_status, summary = "", 0, None
    for message in stub.Call(pb.CallRequest(endpoint="chat/completions", body=body.encode()),
                             timeout=120, metadata=auth):
        kind = message.WhichOneof("kind")
        if kind == "head":
            head_status = message.head.status
        elif kind == "data":
            for event in message.data.decode().split("\n\n"):
                payload = event.removeprefix("data: ").strip()
                if payload and payload != "[DONE]":
                    chunk = json.loads(payload)
                    for choice in chunk.get("choices", []):
                        raw_text += choice.get("delta", {}).get("content") or ""
        elif kind == "summary":
            summary = message.summary

    if args.json:
        print(json.dumps({
            "models": models, "typed_text": typed_text, "finish_reason": finish,
            "usage_total": usage.total_tokens if usage else None, "call_status": head_status,
            "call_text": raw_text, "summary_finish_reason": summary.finish_reason if summary else None,
        }))
    else:
        print("models:", ", ".join(models))
        print("typed chat:", typed_text, f"({finish}, {usage.total_tokens if usage else '?'} tokens)")
        print("raw call:", raw_text, f"(HTTP {head_status})")


if __name__ == "__main__":
    main()
