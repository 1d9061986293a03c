#include "common/status_map.h"

#include <nlohmann/json.hpp>

#include "absl/strings/cord.h"
#include "common/json_fields.h"
#include "common/strings.h"

namespace llmsrouter {
namespace {

constexpr char kParamUrl[] = "llmsrouter/param";
constexpr char kCodeUrl[] = "llmsrouter/code";

std::string PayloadOrEmpty(const absl::Status& status, const char* url) {
  auto payload = status.GetPayload(url);
  return payload ? std::string(*payload) : std::string();
}

std::string DefaultCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnauthenticated:
      return "invalid_api_key";
    case absl::StatusCode::kNotFound:
      return "model_not_found";
    case absl::StatusCode::kResourceExhausted:
      return "rate_limit_exceeded";
    default:
      return "";
  }
}

}  // namespace

absl::Status WithOpenAiDetails(absl::Status status, std::string_view param, std::string_view code) {
  if (!param.empty()) status.SetPayload(kParamUrl, absl::Cord(std::string(param)));
  if (!code.empty()) status.SetPayload(kCodeUrl, absl::Cord(std::string(code)));
  return status;
}

std::string ErrorParam(const absl::Status& status) { return PayloadOrEmpty(status, kParamUrl); }

std::string ErrorCode(const absl::Status& status) {
  std::string code = PayloadOrEmpty(status, kCodeUrl);
  return code.empty() ? DefaultCode(status.code()) : code;
}

int HttpStatusFromStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return ErrorCode(status) == "upstream_error" ? 502 : 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string_view OpenAiErrorType(int http_status) {
  switch (http_status) {
    case 400:
    case 404:
    case 405:
    case 408:
    case 409:
    case 413:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 429:
      return "rate_limit_error";
    case 503:
    case 502:
    case 504:
      return "service_unavailable_error";
    default:
      return "api_error";
  }
}

namespace {

nlohmann::ordered_json ErrorObject(std::string_view message, std::string_view type,
                                   std::string_view param, std::string_view code) {
  nlohmann::ordered_json error = {
      {"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) error["param"] = param;
  if (!code.empty()) error["code"] = code;
  return error;
}

}  // namespace

nlohmann::ordered_json OpenAiErrorObject(const absl::Status& status) {
  return ErrorObject(ToStd(status.message()), OpenAiErrorType(HttpStatusFromStatus(status)),
                     ErrorParam(status), ErrorCode(status));
}

std::string OpenAiErrorBody(std::string_view message, std::string_view type, std::string_view param,
                            std::string_view code) {
  return nlohmann::ordered_json{{"error", ErrorObject(message, type, param, code)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string OpenAiErrorBody(const absl::Status& status) {
  return nlohmann::ordered_json{{"error", OpenAiErrorObject(status)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusCode CodeFromHttpStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  switch (http_status) {
    case 400:
    case 413:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 408:
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return absl::StatusCode::kAborted;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return http_status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  nlohmann::json details = nlohmann::json::object();
  if (auto p = ErrorParam(status); !p.empty()) details["param"] = p;
  if (auto c = PayloadOrEmpty(status, kCodeUrl); !c.empty()) details["code"] = c;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      details.dump());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (status.error_details().empty()) {
    if (result.code() != absl::StatusCode::kUnavailable &&
        result.code() != absl::StatusCode::kUnknown &&
        result.code() != absl::StatusCode::kInternal) {
      return result;
    }
    absl::Status transport(result.code(), "an internal LLMsRouter service is unreachable");
    transport.SetPayload(kGrpcTransportDetail, absl::Cord(status.error_message()));
    return transport;
  }
  auto details = nlohmann::json::parse(status.error_details(), nullptr, false);
  if (!details.is_object()) return result;
  return WithOpenAiDetails(std::move(result), JsonString(details, "param"),
                           JsonString(details, "code"));
}

}  // namespace llmsrouter
