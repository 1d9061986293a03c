// Tracer settings shared by llmsrouter-tracer and llmsrouter (all-in-one).
#ifndef LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_
#define LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_

#include <vector>

#include "common/options.h"
#include "services/tracer/tracer_service.h"

namespace llmsrouter::tracer {

std::vector<FlagSpec> TracerFlagSpecs();
TracerAppOptions TracerOptionsFrom(const Options& options);

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACER_FLAGS_H_
