#include "sim/io/result_integrity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "sim/base/error.hpp"

namespace opsim {

namespace {

//! The user block's text; NUL bytes pad it to kResultUserBlockBytes.
constexpr std::string_view kMagic = "opsim result file\n";
constexpr std::string_view kShaKey = "sha256 ";
constexpr std::string_view kHdf5Signature{"\x89HDF\r\n\x1a\n", 8};

//! An open descriptor, closed at the end of the scope.
class Descriptor {
 public:
  Descriptor(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

//! Reads up to `size` bytes at `offset`; the count read (short only at the end of the file),
//! or -1 with errno set.
ssize_t read_at(int fd, void* data, std::size_t size, off_t offset) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, static_cast<char*>(data) + done, size - done,
                              offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

//! Lower-case hex SHA-256 of the bytes of `fd` from `offset` to the end; empty, with errno
//! set, on a read error.
//! Whether two digests are equal, compared byte by byte into one accumulator: no memcmp and no
//! early exit, so that a fuzzer's comparison tracing (libFuzzer intercepts memcmp and learns its
//! operands) cannot copy the expected digest into a damaged file and reach libhdf5's parser
//! with it, which leaks and can read freed memory on damaged metadata (fuzz_result found such a
//! forged file on 2026-11-29).
bool same_digest(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    difference |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return difference == 0;
}

std::string sha256_from(int fd, off_t offset) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw InternalError("SHA-256 is not available (OpenSSL)");
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const ssize_t n = read_at(fd, buffer.data(), buffer.size(), offset);
    if (n < 0) return {};
    if (n == 0) break;
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::uint64_t little_endian(const unsigned char* bytes, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = size; i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

constexpr std::uint32_t rotate(std::uint32_t x, int k) {
  return (x << k) | (x >> (32 - k));
}

}  // namespace

std::uint32_t lookup3_checksum(const void* data, std::size_t length) {
  // hashlittle() of lookup3.c (Bob Jenkins, 2006, public domain), byte by byte as HDF5 does.
  const auto* k = static_cast<const unsigned char*>(data);
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeefU + static_cast<std::uint32_t>(length);
  const auto word = [](const unsigned char* p, std::size_t n) {
    std::uint32_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w += static_cast<std::uint32_t>(p[i]) << (8 * i);
    return w;
  };
  while (length > 12) {
    a += word(k, 4);
    b += word(k + 4, 4);
    c += word(k + 8, 4);
    // mix(a, b, c)
    a -= c, a ^= rotate(c, 4), c += b;
    b -= a, b ^= rotate(a, 6), a += c;
    c -= b, c ^= rotate(b, 8), b += a;
    a -= c, a ^= rotate(c, 16), c += b;
    b -= a, b ^= rotate(a, 19), a += c;
    c -= b, c ^= rotate(b, 4), b += a;
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  a += word(k, std::min<std::size_t>(length, 4));
  if (length > 4) b += word(k + 4, std::min<std::size_t>(length - 4, 4));
  if (length > 8) c += word(k + 8, length - 8);
  // final(a, b, c)
  c ^= b, c -= rotate(b, 14);
  a ^= c, a -= rotate(c, 11);
  b ^= a, b -= rotate(a, 25);
  c ^= b, c -= rotate(b, 16);
  a ^= c, a -= rotate(c, 4);
  b ^= a, b -= rotate(a, 14);
  c ^= b, c -= rotate(b, 24);
  return c;
}

hid_t result_file_creation_properties() {
  const hid_t properties = H5Pcreate(H5P_FILE_CREATE);
  if (properties < 0 || H5Pset_userblock(properties, kResultUserBlockBytes) < 0)
    throw InternalError("HDF5: cannot set the result file's user block");
  return properties;
}

hid_t result_file_access_properties() {
  const hid_t properties = H5Pcreate(H5P_FILE_ACCESS);
  if (properties < 0 || H5Pset_libver_bounds(properties, H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0)
    throw InternalError("HDF5: cannot select the 1.10 file format");
  return properties;
}

void seal_result_file(const std::string& path, const std::string& name) {
  const Descriptor file(path, O_RDWR);
  if (file.get() < 0)
    throw OutputError(fmt::format("{}: cannot reopen to seal: {}", name, std::strerror(errno)));
  const std::string sha = sha256_from(file.get(), static_cast<off_t>(kResultUserBlockBytes));
  if (sha.empty())
    throw OutputError(fmt::format("{}: reading back failed: {}", name, std::strerror(errno)));
  std::string block = fmt::format("{}{}{}\n", kMagic, kShaKey, sha);
  block.resize(kResultUserBlockBytes, '\0');
  std::size_t done = 0;
  while (done < block.size()) {
    const ssize_t n =
        ::pwrite(file.get(), block.data() + done, block.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw OutputError(fmt::format("{}: write failed: {}", name, std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
}

std::string_view result_file_kind(std::string_view head) {
  static_assert(kResultFileHeadBytes >= kMagic.size() && kResultFileHeadBytes >= 8);
  if (head.starts_with(kMagic)) return "an opsim result file (HDF5)";
  if (head.starts_with(kHdf5Signature)) return "an HDF5 file";
  return {};
}

void verify_result_file(const std::string& path) {
  const Descriptor file(path, O_RDONLY);
  if (file.get() < 0) throw_input("{}: cannot open: {}", path, std::strerror(errno));
  struct stat info {};
  if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode))
    throw_input("{}: not a regular file", path);
  const auto size = static_cast<std::uint64_t>(info.st_size);

  std::array<unsigned char, kResultUserBlockBytes> block{};
  const ssize_t got = read_at(file.get(), block.data(), block.size(), 0);
  if (got < 0) throw_input("{}: cannot read: {}", path, std::strerror(errno));
  const std::string_view text(reinterpret_cast<const char*>(block.data()),
                              static_cast<std::size_t>(got));
  if (text.starts_with(kHdf5Signature)) {
    throw_input(
        "{}: an HDF5 file without opsim's checksum: written by an older opsim (before result "
        "files carried a SHA-256) or by another program; opsim reads only result files it can "
        "check (rerun the command that wrote it)",
        path);
  }
  if (!text.starts_with(kMagic))
    throw_input("{}: not an opsim result file (it does not start with opsim's header)", path);
  const std::string_view rest = text.substr(kMagic.size());
  const std::size_t sha_end = kShaKey.size() + 64;
  if (!rest.starts_with(kShaKey) || rest.size() <= sha_end || rest[sha_end] != '\n')
    throw_input("{}: opsim's header is damaged (no SHA-256 line)", path);
  if (rest.substr(sha_end + 1).find_first_not_of('\0') != std::string_view::npos)
    throw_input("{}: opsim's header is damaged (bytes after the SHA-256 line)", path);
  const std::string recorded(rest.substr(kShaKey.size(), 64));
  const std::string actual = sha256_from(file.get(), static_cast<off_t>(kResultUserBlockBytes));
  if (actual.empty()) throw_input("{}: cannot read: {}", path, std::strerror(errno));
  if (!same_digest(actual, recorded)) {
    throw_input(
        "{}: the file is damaged: the SHA-256 of its content ({}) differs from the one opsim "
        "recorded when writing it ({}); remove it and rerun the command that wrote it (a damaged "
        "checkpoint: remove it, and its .rankN.h5 files, to start the run over)",
        path, actual.substr(0, 12), recorded.substr(0, 12));
  }

  // The superblock (version 2 or 3) right after the user block, checked as libhdf5 would.
  std::array<unsigned char, 12 + 4 * 8 + 4> super{};
  if (read_at(file.get(), super.data(), super.size(), kResultUserBlockBytes) !=
          static_cast<ssize_t>(super.size()) ||
      std::string_view(reinterpret_cast<const char*>(super.data()), 8) != kHdf5Signature)
    throw_input("{}: no HDF5 superblock after opsim's header", path);
  if (super[8] != 2 && super[8] != 3) {
    throw_input("{}: HDF5 superblock version {} has no checksum (opsim writes version 3)", path,
                super[8]);
  }
  if (super[9] != 8 || super[10] != 8)
    throw_input("{}: HDF5 addresses of {} and lengths of {} bytes (opsim writes 8)", path, super[9],
                super[10]);
  const std::size_t checked = 12 + 4 * 8;
  if (lookup3_checksum(super.data(), checked) != little_endian(super.data() + checked, 4))
    throw_input("{}: the HDF5 superblock's checksum does not match (a damaged file)", path);
  // The base address is where the superblock starts; libhdf5 writes the end-of-file address
  // as the file's size (a smaller file is truncated).
  const std::uint64_t base = little_endian(super.data() + 12, 8);
  const std::uint64_t end = little_endian(super.data() + 12 + 2 * 8, 8);
  if (base != kResultUserBlockBytes || end > size) {
    throw_input("{}: the HDF5 superblock places the data at {}..{} but the file has {} bytes", path,
                base, end, size);
  }
}

}  // namespace opsim
