// course-hold-gpu-memory <GiB>: holds all of the GPU's free memory but <GiB>, until it is killed.
// With it, a large GPU grades as a smaller one would: `course-hold-gpu-memory 15` on an H100
// leaves about what a 16 GB T4 has (15 GiB total, 14.6 usable), and the graders, whose large
// cases check cudaMemGetInfo, see only that. Prints "ready: ..." once it holds the memory.
//
//   build/solutions/tests/course-hold-gpu-memory 15 > hold.log 2>&1 &
//   until grep -q '^ready' hold.log; do sleep 1; done
//   ...                                  # run the graders
//   kill %1
#include <cuda_runtime_api.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

int usage(const char* why) {
  std::fprintf(stderr,
               "course-hold-gpu-memory: %s\n"
               "usage: course-hold-gpu-memory <GiB to leave free>   e.g. 15 (a 16 GB T4)\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2)
    return usage("one argument expected");
  char* end = nullptr;
  errno = 0;
  const double leave_gib = std::strtod(argv[1], &end);
  if (errno != 0 || end == argv[1] || *end != '\0' || !(leave_gib > 0) || leave_gib > 4096)
    return usage("the argument must be a number of GiB above 0");
  const auto leave = static_cast<std::size_t>(leave_gib * kGiB);

  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  cudaError_t error = cudaMemGetInfo(&free_bytes, &total_bytes);  // also creates the context
  if (error != cudaSuccess) {
    std::fprintf(stderr, "course-hold-gpu-memory: no usable GPU: %s\n", cudaGetErrorString(error));
    return 1;
  }
  // Pieces of 256 MiB, then smaller ones, until no more than `leave` is free.
  std::vector<void*> held;
  std::size_t held_bytes = 0;
  for (std::size_t piece = std::size_t{256} << 20; piece >= (std::size_t{1} << 20);) {
    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess || free_bytes <= leave)
      break;
    const std::size_t wanted = free_bytes - leave < piece ? free_bytes - leave : piece;
    void* pointer = nullptr;
    if (wanted < (std::size_t{1} << 20) || cudaMalloc(&pointer, wanted) != cudaSuccess) {
      cudaGetLastError();
      piece /= 2;  // fragmentation or rounding: try smaller pieces
      continue;
    }
    held.push_back(pointer);
    held_bytes += wanted;
  }
  cudaMemGetInfo(&free_bytes, &total_bytes);
  std::printf("ready: holding %.2f GiB; %.2f GiB free of %.2f GiB\n", held_bytes / kGiB,
              free_bytes / kGiB, total_bytes / kGiB);
  std::fflush(stdout);
  for (;;)
    pause();  // until a signal ends the process; the driver then frees everything
}
