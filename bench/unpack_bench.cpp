// Gzip inflate speed, ISA-L igzip (what nook uses) against zlib, and the
// whole unpack_layer, on one .tar.gz layer. Built and run by bench/unpack.sh.
//   unpack_bench LAYER.tar.gz ROUNDS SCRATCH_DIR
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "image/decompress.hpp"
#include "image/layer_unpack.hpp"
#include "image/whiteout.hpp"
#include "sys/fd.hpp"

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t inflate_zlib(const char* path) {
  nook::UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  z_stream z{};
  inflateInit2(&z, 15 + 32);
  std::vector<unsigned char> in(256 << 10), out(1 << 20);
  size_t total = 0;
  int r = Z_OK;
  while (r != Z_STREAM_END) {
    ssize_t n = read(fd.get(), in.data(), in.size());
    if (n <= 0) break;
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      r = inflate(&z, Z_NO_FLUSH);
      total += out.size() - z.avail_out;
    } while (z.avail_out == 0 && r == Z_OK);
  }
  inflateEnd(&z);
  return total;
}

size_t inflate_isal(const char* path) {
  nook::UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  auto d = nook::image::open_decompressor(fd.get(), nook::image::Compression::gzip);
  std::vector<uint8_t> out(1 << 20);
  size_t total = 0;
  while (size_t n = d->read(out.data(), out.size())) total += n;
  return total;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s LAYER.tar.gz ROUNDS SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  const char* layer = argv[1];
  int rounds = std::stoi(argv[2]);
  std::string scratch = argv[3];
  std::vector<double> tz, ti, tu;
  size_t bytes = 0;
  for (int i = 0; i < rounds; ++i) {  // alternating, so drift hits all alike
    double t0 = now();
    bytes = inflate_zlib(layer);
    double t1 = now();
    size_t b2 = inflate_isal(layer);
    double t2 = now();
    if (b2 != bytes) {
      std::fprintf(stderr, "size mismatch %zu vs %zu\n", bytes, b2);
      return 1;
    }
    std::string dest = scratch + "/dest";
    std::filesystem::create_directory(dest);
    nook::UniqueFd fd(open(layer, O_RDONLY | O_CLOEXEC));
    nook::image::UnpackOptions opts;
    opts.chown = geteuid() == 0;
    double t3 = now();
    nook::image::unpack_layer(fd.get(), "application/vnd.oci.image.layer.v1.tar+gzip", dest, opts);
    double t4 = now();
    nook::UniqueFd s(open(scratch.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    nook::image::remove_at(s.get(), "dest", dest);
    tz.push_back(t1 - t0);
    ti.push_back(t2 - t1);
    tu.push_back(t4 - t3);
  }
  double mb = static_cast<double>(bytes) / 1e6;
  std::printf("uncompressed %.1f MB, %d rounds, medians:\n", mb, rounds);
  std::printf("  zlib inflate       %6.3f s  %7.1f MB/s\n", median(tz), mb / median(tz));
  std::printf("  ISA-L igzip        %6.3f s  %7.1f MB/s\n", median(ti), mb / median(ti));
  std::printf("  unpack_layer       %6.3f s  %7.1f MB/s  (igzip + sha256 + extraction)\n",
              median(tu), mb / median(tu));
  return 0;
}
