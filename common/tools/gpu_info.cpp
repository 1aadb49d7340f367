// course-gpu-info: what GPU detection found, as "key: value" lines in a fixed order, for
// `./course setup` and the first lines of a grading run. Exits 0 whether or not a GPU can be
// used: "usable: no" is an answer, not an error.
#include <cstdio>
#include <string>

#include "course/gpu.hpp"

#ifndef COURSE_CUDA_ARCHITECTURES
#define COURSE_CUDA_ARCHITECTURES ""
#endif

namespace {

// One line per key; a value never spans lines, so a reader can split on the first ": ".
void print(const char* key, std::string value) {
  for (char& c : value) {
    if (c == '\n' || c == '\r')
      c = ' ';
  }
  std::printf("%s: %s\n", key, value.c_str());
}

std::string one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

int main() {
  try {
    const course::GpuStatus& status = course::gpu_status();
    print("usable", status.usable ? "yes" : "no");
    print("summary", status.usable ? "ok" : status.summary);
    print("detail", status.detail);
    print("device", status.device_name);
    print("compute_capability",
          status.compute_major > 0
              ? std::to_string(status.compute_major) + "." + std::to_string(status.compute_minor)
              : "");
    print("driver_cuda", course::cuda_version_text(status.driver_cuda_version));
    print("runtime_cuda", course::cuda_version_text(status.runtime_cuda_version));
    print("memory_gib", status.memory_gib > 0 ? one_decimal(status.memory_gib) : "");
    print("built_for", COURSE_CUDA_ARCHITECTURES);
  } catch (...) {
    // Only memory exhaustion can get here; the lines printed so far stand.
  }
  return 0;
}
