// The driver's virtual memory management API, looked up through the runtime (no libcuda link).
#include "mapped_memory.hpp"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "course/error.hpp"
#include "course/memory.hpp"

namespace course::grading {

namespace {

// The driver functions used here, with the signatures <cuda.h> declares (decltype of a function
// in an unevaluated operand: nothing links against libcuda).
struct DriverApi {
  decltype(&::cuGetErrorName) get_error_name = nullptr;
  decltype(&::cuGetErrorString) get_error_string = nullptr;
  decltype(&::cuDeviceGet) device_get = nullptr;
  decltype(&::cuDeviceGetAttribute) device_get_attribute = nullptr;
  decltype(&::cuMemGetAllocationGranularity) allocation_granularity = nullptr;
  decltype(&::cuMemCreate) create = nullptr;
  decltype(&::cuMemRelease) release = nullptr;
  decltype(&::cuMemAddressReserve) address_reserve = nullptr;
  decltype(&::cuMemAddressFree) address_free = nullptr;
  decltype(&::cuMemMap) map = nullptr;
  decltype(&::cuMemUnmap) unmap = nullptr;
  decltype(&::cuMemSetAccess) set_access = nullptr;
  std::string missing;  // why not every function was found; empty when all were
};

// One driver symbol, through the runtime. These functions have had a single version since CUDA
// 10.2: asking for the ABI of CUDA 12.0, the oldest toolkit the course builds with, finds it on
// every driver that runs CUDA 12 or 13.
template <typename Function>
void look_up(const char* symbol, Function& function, std::string& missing) {
  if (!missing.empty())
    return;
  void* address = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
  const cudaError_t error =
      cudaGetDriverEntryPointByVersion(symbol, &address, 12000, cudaEnableDefault, &found);
#else
  // CUDA 12.0 to 12.4 (the course's CUDA 12 build uses 12.4.1): the unversioned lookup, which
  // returns the symbol's version matching this runtime.
  const cudaError_t error = cudaGetDriverEntryPoint(symbol, &address, cudaEnableDefault, &found);
#endif
  if (error != cudaSuccess) {
    cudaGetLastError();  // not left behind for the next COURSE_CHECK_LAUNCH to report
    missing =
        std::string("looking up ") + symbol + " in the driver failed: " + cudaGetErrorName(error);
    return;
  }
  if (found != cudaDriverEntryPointSuccess || address == nullptr) {
    missing = std::string("the driver has no ") + symbol +
              (found == cudaDriverEntryPointVersionNotSufficent ? " (the driver is too old)" : "");
    return;
  }
  function = reinterpret_cast<Function>(address);
}

const DriverApi& driver() {
  static const DriverApi api = [] {
    DriverApi found;
    look_up("cuGetErrorName", found.get_error_name, found.missing);
    look_up("cuGetErrorString", found.get_error_string, found.missing);
    look_up("cuDeviceGet", found.device_get, found.missing);
    look_up("cuDeviceGetAttribute", found.device_get_attribute, found.missing);
    look_up("cuMemGetAllocationGranularity", found.allocation_granularity, found.missing);
    look_up("cuMemCreate", found.create, found.missing);
    look_up("cuMemRelease", found.release, found.missing);
    look_up("cuMemAddressReserve", found.address_reserve, found.missing);
    look_up("cuMemAddressFree", found.address_free, found.missing);
    look_up("cuMemMap", found.map, found.missing);
    look_up("cuMemUnmap", found.unmap, found.missing);
    look_up("cuMemSetAccess", found.set_access, found.missing);
    return found;
  }();
  return api;
}

// The driver API, or std::runtime_error saying which function is missing: only reached after
// virtual_memory_support() said yes, or by a caller that ignored it.
const DriverApi& required_driver() {
  const DriverApi& api = driver();
  if (!api.missing.empty())
    throw std::runtime_error("the CUDA driver's memory mapping API is not available: " +
                             api.missing);
  return api;
}

std::string driver_error_text(CUresult code) {
  const DriverApi& api = driver();
  const char* name = nullptr;
  const char* text = nullptr;
  if (api.get_error_name == nullptr || api.get_error_name(code, &name) != CUDA_SUCCESS ||
      name == nullptr)
    name = "CUresult";
  if (api.get_error_string == nullptr || api.get_error_string(code, &text) != CUDA_SUCCESS ||
      text == nullptr)
    text = "unknown error";
  std::ostringstream message;
  message << name << " (" << text << ", " << static_cast<int>(code) << ")";
  return message.str();
}

#define COURSE_DRIVER_CHECK(expression)                                                      \
  do {                                                                                       \
    const CUresult course_result_ = (expression);                                            \
    if (course_result_ != CUDA_SUCCESS)                                                      \
      throw ::course::grading::DriverError(course_result_, #expression, __FILE__, __LINE__); \
  } while (false)

// Pinned device memory on the current device, for cuMemCreate and the granularity query.
CUmemAllocationProp device_memory_properties() {
  int device = 0;
  COURSE_CUDA_CHECK(cudaGetDevice(&device));
  CUmemAllocationProp properties{};
  properties.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  properties.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  properties.location.id = device;
  return properties;
}

// The bytes of `copies` copies of a chunk, checked: no empty range, no product that wraps.
std::size_t repeated_bytes(std::size_t chunk_bytes, std::size_t copies) {
  if (chunk_bytes == 0 || copies == 0)
    throw std::invalid_argument("RepeatedChunk: " + std::to_string(copies) + " copies of " +
                                std::to_string(chunk_bytes) + " bytes: both must be at least 1");
  return course::detail::array_bytes("RepeatedChunk", copies, chunk_bytes);
}

// A write through one mapping of a chunk reads back through another: the whole mechanism the
// periodic inputs rely on, on this GPU and driver. Throws on any failure.
void probe_two_mappings(std::size_t granularity) {
  const RepeatedChunk probe(granularity, 2);
  auto* const first = static_cast<unsigned char*>(probe.data());
  unsigned char* const second = first + granularity;
  const std::size_t last = granularity - 1;
  for (const unsigned char value : {0xA5, 0x3C}) {
    // Write through the first copy the first time, through the second the next.
    unsigned char* const written = value == 0xA5 ? first : second;
    const unsigned char* const read = value == 0xA5 ? second : first;
    COURSE_CUDA_CHECK(cudaMemset(written, value, granularity));
    unsigned char ends[2] = {0, 0};
    COURSE_CUDA_CHECK(cudaMemcpy(&ends[0], read, 1, cudaMemcpyDeviceToHost));
    COURSE_CUDA_CHECK(cudaMemcpy(&ends[1], read + last, 1, cudaMemcpyDeviceToHost));
    if (ends[0] != value || ends[1] != value)
      throw std::runtime_error(
          "two mappings of one chunk do not show the same memory (the probe wrote through one "
          "and read something else through the other)");
  }
}

VirtualMemorySupport find_support(int device) {
  VirtualMemorySupport support;
  const DriverApi& api = driver();
  if (!api.missing.empty()) {
    support.reason = api.missing;
    return support;
  }
  try {
    COURSE_CUDA_CHECK(cudaFree(nullptr));  // the runtime's context, current on this thread
    CUdevice handle = 0;
    COURSE_DRIVER_CHECK(api.device_get(&handle, device));
    int attribute = 0;
    COURSE_DRIVER_CHECK(api.device_get_attribute(
        &attribute, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, handle));
    support.device_says_supported = attribute != 0;
    if (attribute == 0) {
      support.reason =
          "the GPU or its driver does not support virtual memory management "
          "(CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED is 0)";
      return support;
    }
    const CUmemAllocationProp properties = device_memory_properties();
    std::size_t granularity = 0;
    COURSE_DRIVER_CHECK(
        api.allocation_granularity(&granularity, &properties, CU_MEM_ALLOC_GRANULARITY_MINIMUM));
    if (granularity == 0) {
      support.reason = "the driver reports an allocation granularity of 0 bytes";
      return support;
    }
    probe_two_mappings(granularity);
    support.granularity = granularity;
    support.supported = true;
  } catch (const std::exception& error) {
    support.reason = std::string("mapping one chunk twice failed: ") + error.what();
  }
  return support;
}

}  // namespace

DriverError::DriverError(CUresult code, const std::string& expression, const char* file, int line)
    : std::runtime_error(expression + " failed at " + course::course_relative_path(file) + ":" +
                         std::to_string(line) + ": " + driver_error_text(code)),
      code_(code) {}

const VirtualMemorySupport& virtual_memory_support() {
  static std::mutex mutex;
  static std::map<int, VirtualMemorySupport> answers;  // by device; never erased: stable references
  int device = 0;
  COURSE_CUDA_CHECK(cudaGetDevice(&device));
  const std::lock_guard<std::mutex> lock(mutex);
  auto found = answers.find(device);
  if (found == answers.end())
    found = answers.emplace(device, find_support(device)).first;
  return found->second;
}

PhysicalChunk::PhysicalChunk(std::size_t bytes) {
  const DriverApi& api = required_driver();
  const CUmemAllocationProp properties = device_memory_properties();
  COURSE_DRIVER_CHECK(api.create(&handle_, bytes, &properties, 0));
  bytes_ = bytes;
}

PhysicalChunk::~PhysicalChunk() {
  release();
}

PhysicalChunk::PhysicalChunk(PhysicalChunk&& other) noexcept
    : handle_(std::exchange(other.handle_, 0)), bytes_(std::exchange(other.bytes_, 0)) {}

PhysicalChunk& PhysicalChunk::operator=(PhysicalChunk&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void PhysicalChunk::release() noexcept {
  if (bytes_ == 0)
    return;
  driver().release(handle_);  // a destructor does not throw; the process ends soon anyway
  handle_ = 0;
  bytes_ = 0;
}

AddressReservation::AddressReservation(std::size_t bytes) {
  const DriverApi& api = required_driver();
  // Alignment 0: the granularity. No fixed address.
  COURSE_DRIVER_CHECK(api.address_reserve(&address_, bytes, 0, 0, 0));
  bytes_ = bytes;
}

AddressReservation::~AddressReservation() {
  release();
}

AddressReservation::AddressReservation(AddressReservation&& other) noexcept
    : address_(std::exchange(other.address_, 0)), bytes_(std::exchange(other.bytes_, 0)) {}

AddressReservation& AddressReservation::operator=(AddressReservation&& other) noexcept {
  if (this != &other) {
    release();
    address_ = std::exchange(other.address_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void AddressReservation::release() noexcept {
  if (bytes_ == 0)
    return;
  driver().address_free(address_, bytes_);
  address_ = 0;
  bytes_ = 0;
}

ChunkMapping::ChunkMapping(CUdeviceptr address, const PhysicalChunk& chunk) {
  const DriverApi& api = required_driver();
  COURSE_DRIVER_CHECK(api.map(address, chunk.bytes(), 0, chunk.handle(), 0));
  address_ = address;
  bytes_ = chunk.bytes();
}

ChunkMapping::~ChunkMapping() {
  release();
}

ChunkMapping::ChunkMapping(ChunkMapping&& other) noexcept
    : address_(std::exchange(other.address_, 0)), bytes_(std::exchange(other.bytes_, 0)) {}

ChunkMapping& ChunkMapping::operator=(ChunkMapping&& other) noexcept {
  if (this != &other) {
    release();
    address_ = std::exchange(other.address_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void ChunkMapping::release() noexcept {
  if (bytes_ == 0)
    return;
  // cuMemUnmap does not wait for kernels still reading the range: the graders synchronise after
  // every launch before their arrays go out of scope.
  driver().unmap(address_, bytes_);
  address_ = 0;
  bytes_ = 0;
}

RepeatedChunk::RepeatedChunk(std::size_t chunk_bytes, std::size_t copies)
    : addresses_(repeated_bytes(chunk_bytes, copies)), chunk_(chunk_bytes) {
  mappings_.reserve(copies);
  for (std::size_t copy = 0; copy < copies; ++copy)
    mappings_.emplace_back(addresses_.address() + copy * chunk_bytes, chunk_);
  // One call for the whole range: it is fully mapped, by mappings of one chunk.
  CUmemAccessDesc access{};
  access.location = device_memory_properties().location;
  access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  COURSE_DRIVER_CHECK(
      required_driver().set_access(addresses_.address(), addresses_.bytes(), &access, 1));
}

void* RepeatedChunk::data() const noexcept {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(addresses_.address()));
}

}  // namespace course::grading
