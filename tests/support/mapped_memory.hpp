// One small piece of GPU memory seen at many addresses: the CUDA driver's virtual memory
// management (VMM) API, for the graders' read-only inputs past 2^31 elements (large_arrays.hpp).
// An 8 GiB input that repeats with a period of 6 MiB then costs 6 MiB of GPU memory: one physical
// chunk (cuMemCreate) mapped again and again (cuMemMap) into one reserved address range
// (cuMemAddressReserve), made accessible to the GPU (cuMemSetAccess).
//
// No grader links the driver library (libcuda): every grader must start, and report "no GPU", on
// a machine without a driver (CI, a laptop). The driver's functions are looked up at run time
// through the CUDA runtime (cudaGetDriverEntryPointByVersion, or cudaGetDriverEntryPoint before
// CUDA 12.5); only the driver's types come from <cuda.h>, a header.
#pragma once

#include <cuda.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace course::grading {

/// A driver call failed. what() names the call as written, the file and line, and the driver's
/// error name and text: "cuMemMap(...) failed at tests/support/mapped_memory.cpp:120:
/// CUDA_ERROR_INVALID_VALUE (invalid argument)".
class DriverError : public std::runtime_error {
 public:
  DriverError(CUresult code, const std::string& expression, const char* file, int line);
  /// The driver's error code.
  [[nodiscard]] CUresult code() const noexcept { return code_; }

 private:
  CUresult code_;
};

/// Whether chunks can be mapped many times on the current device, in this process.
struct VirtualMemorySupport {
  bool supported = false;
  /// What the device says (CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED): when it says
  /// yes and `supported` is false, the probe or a driver call failed.
  bool device_says_supported = false;
  /// The allocation granularity (cuMemGetAllocationGranularity, minimum), in bytes: sizes and
  /// addresses of mappings are multiples of it. 2 MiB on the GPUs the course has met.
  std::size_t granularity = 0;
  /// Why not, when not supported (for the scoreboard).
  std::string reason;
};

/// Asks once per device and process: the driver's entry points, the device attribute
/// CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, the granularity, then a probe that
/// maps one chunk twice and checks that a write through one mapping reads back through the other.
/// Never throws for a missing feature: the answer says why. Needs a usable GPU.
const VirtualMemorySupport& virtual_memory_support();

/// One physical allocation of device memory on the current device (cuMemCreate). Move-only; the
/// destructor releases the handle (cuMemRelease): the memory itself lives until its last mapping
/// is unmapped.
class PhysicalChunk {
 public:
  /// `bytes`, a multiple of the granularity. Throws DriverError (CUDA_ERROR_OUT_OF_MEMORY when the
  /// GPU has too little free memory).
  explicit PhysicalChunk(std::size_t bytes);
  ~PhysicalChunk();
  PhysicalChunk(const PhysicalChunk&) = delete;
  PhysicalChunk& operator=(const PhysicalChunk&) = delete;
  PhysicalChunk(PhysicalChunk&& other) noexcept;
  PhysicalChunk& operator=(PhysicalChunk&& other) noexcept;

  [[nodiscard]] CUmemGenericAllocationHandle handle() const noexcept { return handle_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

 private:
  void release() noexcept;
  CUmemGenericAllocationHandle handle_ = 0;
  std::size_t bytes_ = 0;
};

/// A reserved range of GPU virtual addresses, nothing behind it yet (cuMemAddressReserve).
/// Move-only; the destructor gives the range back (cuMemAddressFree).
class AddressReservation {
 public:
  /// `bytes`, a multiple of the granularity, aligned to the granularity.
  explicit AddressReservation(std::size_t bytes);
  ~AddressReservation();
  AddressReservation(const AddressReservation&) = delete;
  AddressReservation& operator=(const AddressReservation&) = delete;
  AddressReservation(AddressReservation&& other) noexcept;
  AddressReservation& operator=(AddressReservation&& other) noexcept;

  [[nodiscard]] CUdeviceptr address() const noexcept { return address_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

 private:
  void release() noexcept;
  CUdeviceptr address_ = 0;
  std::size_t bytes_ = 0;
};

/// The whole of `chunk` mapped at `address` (cuMemMap), inside a reservation. Move-only; the
/// destructor unmaps it (cuMemUnmap). Not yet accessible: see RepeatedChunk.
class ChunkMapping {
 public:
  ChunkMapping(CUdeviceptr address, const PhysicalChunk& chunk);
  ~ChunkMapping();
  ChunkMapping(const ChunkMapping&) = delete;
  ChunkMapping& operator=(const ChunkMapping&) = delete;
  ChunkMapping(ChunkMapping&& other) noexcept;
  ChunkMapping& operator=(ChunkMapping&& other) noexcept;

 private:
  void release() noexcept;
  CUdeviceptr address_ = 0;
  std::size_t bytes_ = 0;
};

/// One physical chunk of `chunk_bytes` mapped `copies` times, back to back, in one reserved range
/// that the current device may read and write: byte k of the range is byte k % chunk_bytes of
/// the chunk, so a write at any copy shows at every copy. Costs `chunk_bytes` of GPU memory for
/// `chunk_bytes * copies` bytes of addresses. Move-only; the destructor unmaps every copy, then
/// releases the chunk and the reservation. Throws DriverError.
class RepeatedChunk {
 public:
  /// `chunk_bytes`: a multiple of virtual_memory_support().granularity; `copies` >= 1.
  RepeatedChunk(std::size_t chunk_bytes, std::size_t copies);

  [[nodiscard]] void* data() const noexcept;
  [[nodiscard]] std::size_t chunk_bytes() const noexcept { return chunk_.bytes(); }
  [[nodiscard]] std::size_t copies() const noexcept { return mappings_.size(); }

 private:
  // Destroyed in reverse order: the mappings first, then the chunk, then the addresses.
  AddressReservation addresses_;
  PhysicalChunk chunk_;
  std::vector<ChunkMapping> mappings_;
};

}  // namespace course::grading
