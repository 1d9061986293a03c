// Tracer settings shared by llmsrouter-tracer and llmsrouter (all-in-one).
#ifndef LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_
#define LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_

#include <vector>

#include "common/options.h"
#include "services/tracer/tracer_app.h"

namespace llmsrouter::tracer {

std::vector<FlagSpec> TracerFlagSpecs();
TracerAppOptions TracerOptionsFrom(const Options& options);
// --trace-content: "auto" (the default) keeps prompts and answers for Langfuse only, so that
// JSON-line traces (stdout, next to the operational logs) never carry them unless the flag
// says "true" explicitly; "false" keeps them out everywhere.
bool TraceContentWanted(const Options& options, bool to_langfuse);

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_
